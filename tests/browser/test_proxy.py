"""The browser's proxy: what it passes on, what the address guard refuses, and its limits.

Driven with httpx and raw sockets against the imitation pages on 127.0.0.1 (no browser
needed); the guard trusts that one server, as it trusts the hosts in ``[endpoints]``.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from archiver.browser.proxy import GuardedProxy
from archiver.net.guard import AddressGuard
from tests.browser.pages import PageServer, serve_pages


@pytest.fixture
def pages() -> PageServer:
    with serve_pages() as server:
        yield server  # type: ignore[misc]


def _proxy(server: PageServer, **limits: float) -> GuardedProxy:
    guard = AddressGuard(trusted=frozenset({("127.0.0.1", server.port)}))
    return GuardedProxy(
        guard,
        max_bytes=int(limits.get("max_bytes", 1_000_000)),
        deadline_seconds=limits.get("deadline_seconds", 10.0),
        connect_timeout_seconds=2.0,
    )


async def _get(proxy: GuardedProxy, url: str) -> httpx.Response:
    # No client timeout: what ends a request that hangs must be the proxy.
    async with httpx.AsyncClient(proxy=proxy.url, trust_env=False, timeout=None) as client:
        return await client.get(url)


def test_a_trusted_page_is_passed_on_and_the_connection_closed(pages: PageServer) -> None:
    async def run() -> tuple[httpx.Response, GuardedProxy]:
        async with _proxy(pages) as proxy:
            return await _get(proxy, f"{pages.origin}/counts.json"), proxy

    response, proxy = asyncio.run(run())
    assert response.status_code == 200
    assert response.json() == {"likes": 12}
    assert response.headers["connection"] == "close"
    assert proxy.blocked == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.0.0.5/admin", "private"),
        ("http://127.0.0.2:{port}/counts.json", "loopback"),  # loopback, but not the trusted one
        ("http://2130706433:{port}/counts.json", "loopback"),  # 127.0.0.1 spelt as a number
    ],
)
def test_private_addresses_are_refused_and_recorded(
    pages: PageServer, url: str, problem: str
) -> None:
    url = url.format(port=pages.port + 1 if "2130706433" in url else pages.port)

    async def run() -> tuple[httpx.Response, GuardedProxy]:
        async with _proxy(pages) as proxy:
            return await _get(proxy, url), proxy

    response, proxy = asyncio.run(run())
    assert response.status_code == 403
    assert problem in response.text
    assert [b.url for b in proxy.blocked] == [url]
    assert problem in proxy.blocked[0].reason
    assert "/counts.json" not in pages.requested


async def _connect(proxy: GuardedProxy, target: str) -> tuple[bytes, bytes]:
    """CONNECT ``target`` through the proxy, then send a plain GET through the tunnel."""
    port = int(proxy.url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    answer = await reader.readuntil(b"\r\n\r\n")
    inner = b""
    if b" 200 " in answer.split(b"\r\n", 1)[0]:
        writer.write(b"GET /counts.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        inner = await reader.read()
    writer.close()
    return answer, inner


def test_a_tunnel_goes_through_the_guard(pages: PageServer) -> None:
    async def run() -> tuple[tuple[bytes, bytes], tuple[bytes, bytes], GuardedProxy]:
        async with _proxy(pages) as proxy:
            allowed = await _connect(proxy, f"127.0.0.1:{pages.port}")
            refused = await _connect(proxy, "169.254.169.254:443")
            return allowed, refused, proxy

    (answer, inner), (refused, nothing), proxy = asyncio.run(run())
    assert answer.startswith(b"HTTP/1.1 200")
    assert inner.endswith(b'{"likes": 12}')
    assert refused.startswith(b"HTTP/1.1 403") and nothing == b""
    assert [b.url for b in proxy.blocked] == ["https://169.254.169.254:443"]


def test_a_response_over_the_size_limit_is_cut_and_recorded(pages: PageServer) -> None:
    async def run() -> GuardedProxy:
        async with _proxy(pages, max_bytes=20_000) as proxy:
            with pytest.raises(httpx.HTTPError):  # /large is 50,000 bytes
                await _get(proxy, f"{pages.origin}/large")
        return proxy

    proxy = asyncio.run(run())
    assert len(proxy.blocked) == 1
    assert "max_body_bytes" in proxy.blocked[0].reason


def test_a_request_that_never_ends_is_cut_at_the_deadline(pages: PageServer) -> None:
    async def run() -> GuardedProxy:
        async with _proxy(pages, deadline_seconds=1.0) as proxy, asyncio.timeout(60):
            # The server holds /never.png until the test ends: only the proxy's deadline
            # can end this request (a TimeoutError here means it did not).
            with pytest.raises(httpx.RemoteProtocolError):
                await _get(proxy, f"{pages.origin}/never.png")
        return proxy

    proxy = asyncio.run(run())
    assert [b.url for b in proxy.blocked] == [f"{pages.origin}/never.png"]
    assert "request_deadline_seconds" in proxy.blocked[0].reason
