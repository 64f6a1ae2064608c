"""How the bytes move: connection pools, TLS, and a client that keeps no cookies.

These are performance and hygiene details of the one HTTP client, kept apart from its
retry and evidence logic. Measured with bench/bench_fetch.py (50 ms server, 2,000 URLs,
concurrency 64): one httpx pool reaches 9% of ideal throughput, sharded pools ~80% (2 CPUs).

The pools are httpcore's own, built here (httpx's transport does not take a network
backend), so that every connection is opened by :class:`~archiver.net.guard.GuardedBackend`.
Below the guard, :class:`AsyncioBackend` moves the bytes with asyncio's own transports
(httpcore's default goes through anyio, whose cancel scopes and attribute look-ups on every
read and write cost a sixth of a request's CPU: bench/bench_fetch.py).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import math
import select
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, cast

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
        backend = GuardedBackend(guard, network or AsyncioBackend())
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


# -- the bytes on the wire -------------------------------------------------------------

#: Bytes buffered from a connection before it stops reading until they are consumed.
_READ_HIGH_WATER = 256 * 1024


class _Receiver(asyncio.Protocol):
    """One connection's received bytes, and the read or drain waiting for them."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.closed = False  # the peer ended the stream, or the connection is gone
        self.error: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.writable = True
        self.reading = True
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.reading and len(self.buffer) > _READ_HIGH_WATER and self.transport:
            self.transport.pause_reading()
            self.reading = False
        self._wake()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake()
        return False

    def connection_lost(self, exc: BaseException | None) -> None:
        self.closed = True
        self.error = exc
        self.writable = True
        self._wake()

    def pause_writing(self) -> None:
        self.writable = False

    def resume_writing(self) -> None:
        self.writable = True
        self._wake()

    def take(self, max_bytes: int) -> bytes:
        if len(self.buffer) <= max_bytes:
            data = bytes(self.buffer)
            self.buffer.clear()
        else:
            data = bytes(self.buffer[:max_bytes])
            del self.buffer[:max_bytes]
        if not self.reading and self.transport and len(self.buffer) < _READ_HIGH_WATER // 4:
            self.transport.resume_reading()
            self.reading = True
        return data

    async def wait(self, timeout: float | None, error: type[Exception]) -> None:
        """Until the next event on the connection; ``error`` after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        waiter = self.waiter = loop.create_future()
        timer = None
        if timeout is not None:
            timer = loop.call_later(timeout, _expire, waiter, error, timeout)
        try:
            await waiter
        finally:
            self.waiter = None
            if timer is not None:
                timer.cancel()

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


def _expire(waiter: asyncio.Future[None], error: type[Exception], timeout: float) -> None:
    if not waiter.done():
        waiter.set_exception(error(f"no progress in {timeout:g} s"))


class _AsyncioStream(httpcore.AsyncNetworkStream):
    """An httpcore network stream over an asyncio transport: a read waits on one future
    with one timer, and a write returns at once unless the socket's buffer is full."""

    def __init__(self, transport: asyncio.Transport, receiver: _Receiver) -> None:
        self._transport = transport
        self._receiver = receiver
        receiver.transport = transport

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        receiver = self._receiver
        if not receiver.buffer and not receiver.closed:
            await receiver.wait(timeout, httpcore.ReadTimeout)
        if receiver.buffer:
            return receiver.take(max_bytes)
        if receiver.error is not None:
            raise httpcore.ReadError() from receiver.error  # as anyio's: the client names it
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        receiver = self._receiver
        if receiver.closed or self._transport.is_closing():
            raise httpcore.WriteError()
        self._transport.write(buffer)
        while not receiver.writable and not receiver.closed:
            await receiver.wait(timeout, httpcore.WriteTimeout)

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport,
                    self._receiver,
                    ssl_context,
                    server_hostname=server_hostname,
                    ssl_handshake_timeout=timeout,
                )
        except TimeoutError as exc:
            self._transport.close()
            raise httpcore.ConnectTimeout(f"TLS handshake timed out ({timeout:g} s)") from exc
        except (OSError, ssl.SSLError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        if transport is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("connection closed during the TLS handshake")
        return _AsyncioStream(transport, self._receiver)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        if info == "is_readable":  # an idle connection the server closed, or sent bytes on
            receiver = self._receiver
            return bool(receiver.buffer) or receiver.closed or _readable(self._transport)
        return None


def _readable(transport: asyncio.Transport) -> bool:
    """Whether bytes (or the end) are waiting in the kernel, not yet seen by the loop."""
    sock = transport.get_extra_info("socket")
    fd = sock.fileno() if sock is not None else -1
    if fd < 0:
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([fd], [], [], 0)[0])
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connections opened by asyncio itself (below :class:`GuardedBackend`, which decides
    which address is connected to)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                transport, receiver = await loop.create_connection(
                    _Receiver, host, port, local_addr=local
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"connecting to {host} timed out") from exc
        except OSError as exc:
            # anyio's words, which users have seen (and a batch groups failures by)
            raise httpcore.ConnectError("All connection attempts failed") from exc
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return _AsyncioStream(transport, receiver)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
