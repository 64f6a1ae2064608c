"""How the bytes move: connection pools, TLS, and a client that keeps no cookies.

These are performance and hygiene details of the one HTTP client, kept apart from its
retry and evidence logic. Measured with bench/bench_fetch.py (50 ms server, 2,000 URLs,
concurrency 64): one httpx pool reaches 9% of ideal throughput, sharded pools ~80% (2 CPUs).

The pools are httpcore's own, built here (httpx's transport does not take a network
backend), so that every connection is opened by :class:`~archiver.net.guard.GuardedBackend`.
"""

from __future__ import annotations

import functools
import itertools
import math
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from contextlib import contextmanager
from typing import cast

import httpcore
import httpx

from archiver.net.guard import AddressGuard, GuardedBackend

#: Connections per httpcore pool (see ShardedTransport).
POOL_SHARD_SIZE = 4
#: Seconds an idle keep-alive connection is kept (httpx's default).
KEEPALIVE_SECONDS = 5.0


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every pool and client: each costs ~25 ms of CA loading."""
    return httpx.create_ssl_context()


class _NoCookies(httpx.Cookies):
    """A cookie jar that never stores a cookie (and so never sends one)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


_NO_COOKIES = _NoCookies()


class StatelessClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` whose cookie jar keeps nothing, so requests stay independent.

    (Skipping the jar also saves parsing every response for cookies we would refuse.)
    """

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        pass


class ShardedTransport(httpx.AsyncBaseTransport):
    """Several small connection pools instead of one big one, all behind the address guard.

    httpcore's pool scans every connection (polling each idle socket, and in a
    quadratic loop) each time a request starts or ends; with 64 connections that costs
    more CPU than the requests themselves (bench/bench_fetch.py: 9% of ideal
    throughput at concurrency 64). Pools of a few connections keep each scan short.

    Each host gets its own group of pools, just big enough for its concurrency, so its
    keep-alive connections are reused rather than re-opened in every pool. The client's
    semaphores, not the pools, bound concurrency.
    """

    def __init__(
        self,
        concurrency: int,
        per_host_concurrency: int,
        guard: AddressGuard,
        *,
        tls: ssl.SSLContext | None = None,
        network: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        """``tls`` and ``network`` (the backend below the guard) are for tests."""
        shards = max(1, math.ceil(concurrency / POOL_SHARD_SIZE))
        backend = GuardedBackend(guard, network)
        self._pools = [
            httpcore.AsyncConnectionPool(
                ssl_context=tls or _tls_context(),
                max_connections=None,  # the client's semaphores bound concurrency
                max_keepalive_connections=POOL_SHARD_SIZE * 2,
                keepalive_expiry=KEEPALIVE_SECONDS,
                network_backend=backend,
            )
            for _ in range(shards)
        ]
        self._group = max(1, min(shards, math.ceil(per_host_concurrency / POOL_SHARD_SIZE)))
        self._turn = itertools.count()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        first = hash(request.url.netloc)
        pool = self._pools[(first + next(self._turn) % self._group) % len(self._pools)]
        url = request.url
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=cast(AsyncIterable[bytes], request.stream),
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = await pool.handle_async_request(core)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(cast(AsyncIterable[bytes], response.stream)),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


#: httpcore's errors and the httpx errors the client handles, most specific first.
_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
)
_CORE_ERRORS = tuple(source for source, _ in _ERRORS)


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """httpcore's errors raised as httpx's, which is what callers of httpx expect."""
    try:
        yield
    except _CORE_ERRORS as exc:
        kind = next(target for source, target in _ERRORS if isinstance(exc, source))
        raise kind(str(exc)) from exc


class _Body(httpx.AsyncByteStream):
    """A response body from httpcore, its errors raised as httpx's."""

    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()
