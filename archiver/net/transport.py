"""How the bytes move: connection pools, TLS, and a client that keeps no cookies.

These are performance and hygiene details of the one HTTP client, kept apart from its
retry and evidence logic. Measured with bench/bench_fetch.py (50 ms server, 2,000 URLs,
concurrency 64): one httpx pool reaches 9% of ideal throughput, sharded pools ~80% (2 CPUs).
"""

from __future__ import annotations

import functools
import itertools
import math
import ssl

import httpx

#: Connections per httpcore pool (see ShardedTransport).
POOL_SHARD_SIZE = 4


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
    """Several small connection pools instead of one big one.

    httpcore's pool scans every connection (polling each idle socket, and in a
    quadratic loop) each time a request starts or ends; with 64 connections that costs
    more CPU than the requests themselves (bench/bench_fetch.py: 9% of ideal
    throughput at concurrency 64). Pools of a few connections keep each scan short.

    Each host gets its own group of pools, just big enough for its concurrency, so its
    keep-alive connections are reused rather than re-opened in every pool. The client's
    semaphores, not the pools, bound concurrency.
    """

    def __init__(self, concurrency: int, per_host_concurrency: int) -> None:
        shards = max(1, math.ceil(concurrency / POOL_SHARD_SIZE))
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=POOL_SHARD_SIZE * 2)
        tls = _tls_context()
        self._pools = [httpx.AsyncHTTPTransport(verify=tls, limits=limits) for _ in range(shards)]
        self._group = max(1, min(shards, math.ceil(per_host_concurrency / POOL_SHARD_SIZE)))
        self._turn = itertools.count()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        first = hash(request.url.netloc)
        pool = self._pools[(first + next(self._turn) % self._group) % len(self._pools)]
        return await pool.handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()
