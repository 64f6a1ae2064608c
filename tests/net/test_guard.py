"""The address guard: internal addresses are refused, in every spelling, before any connection.

Every test that expects a refusal serves a "trap" on 127.0.0.1 and asserts it received
nothing, and runs the client over a spy network backend (below the guard) that records
every connection asked for and refuses any that is not loopback, so even a broken guard
could not send traffic anywhere but this machine.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpcore
import pytest
import trustme
from pytest_httpserver import HTTPServer

from archiver.config import HttpSettings, MediaSettings, load_settings
from archiver.net.client import FetchError, HttpClient
from archiver.net.fetch import download_media, fetch_url
from archiver.net.guard import AddressGuard, address_problem, numeric_address
from archiver.net.transport import ShardedTransport
from archiver.platforms.base import Request
from archiver.record import Capture, Media, Post

SETTINGS = load_settings()
ENDPOINTS = SETTINGS.endpoints
HINT = "set [network] allow_private_addresses = true (or --allow-private) to allow"


class SpyNetwork(httpcore.AsyncNetworkBackend):
    """The network below the guard: records each connection and makes only loopback ones."""

    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise httpcore.ConnectError(f"test network: {host} is not loopback")
        return await self._real.connect_tcp(host, port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)


def http_settings() -> HttpSettings:
    return SETTINGS.http.model_copy(
        update={"max_attempts": 2, "backoff_initial_seconds": 0.001, "backoff_max_seconds": 0.002}
    )


def guarded(
    guard: AddressGuard, *, tls: ssl.SSLContext | None = None
) -> tuple[HttpClient, SpyNetwork]:
    spy = SpyNetwork()
    http = http_settings()
    transport = ShardedTransport(
        http.concurrency, http.per_host_concurrency, guard, tls=tls, network=spy
    )
    return HttpClient(http, guard=guard, transport=transport), spy


def trusting(*ports: int) -> AddressGuard:
    """A guard opened for servers on 127.0.0.1, as ``[endpoints]`` would open them."""
    return AddressGuard(trusted=frozenset(("127.0.0.1", port) for port in ports))


async def get(client: HttpClient, url: str) -> Any:
    async with client:
        return await client.get(Request(url))


@pytest.fixture(scope="module")
def servers() -> Iterator[list[HTTPServer]]:
    """Two servers on 127.0.0.1 for the module (stopping one takes half a second)."""
    started = [HTTPServer(host="127.0.0.1", port=0) for _ in range(2)]
    for server in started:
        server.start()
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def trap(servers: list[HTTPServer]) -> Iterator[HTTPServer]:
    """A server on 127.0.0.1 that a refused request must never reach."""
    server = servers[0]
    server.expect_request("/secret").respond_with_data("internal data")
    yield server
    server.clear()


@pytest.fixture
def site(servers: list[HTTPServer]) -> Iterator[HTTPServer]:
    """A server standing in for a trusted endpoint or a public site."""
    yield servers[1]
    servers[1].clear()


# -- what counts as internal -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "private"),  # documentation range: is_private in ipaddress
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fd00::1", "private"),  # unique local
        ("fe80::1", "link-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "form of 127.0.0.1, a loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.5", "form of 10.0.0.5, a private"),
        ("::7f00:1", "form of 127.0.0.1, a loopback"),  # IPv4-compatible
        ("2002:a00:5::1", "form of 10.0.0.5, a private"),  # 6to4
        ("64:ff9b::a9fe:a9fe", "form of 169.254.169.254, a link-local"),  # NAT64
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
    ],
)
def test_internal_addresses_of_every_kind_are_named(address: str, kind: str) -> None:
    problem = address_problem(ipaddress.ip_address(address))
    assert problem is not None and kind in problem


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"],
)
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("167772165", "10.0.0.5"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("example.org", None),
        ("localhost", None),  # a name: resolved (and checked) when connecting
    ],
)
def test_numeric_spellings_read_as_the_resolver_reads_them(
    spelling: str, address: str | None
) -> None:
    found = numeric_address(spelling)
    assert (str(found) if found else None) == address


# -- refused before any connection, in every spelling -----------------------------------------

SPELLINGS = [
    "127.0.0.1",
    "2130706433",
    "0177.0.0.1",
    "0x7f.1",
    "0x7f000001",
    "127.1",
    "0",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::127.0.0.1]",
    "localhost",
    "10.0.0.5",
    "167772165",
    "012.0.0.5",
    "0xa.0.0.5",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "2852039166",  # 169.254.169.254 as one number
    "100.64.0.1",
    "224.0.0.1",
    "[fd00::1]",
    "[fe80::1]",
    "[::ffff:10.0.0.5]",
    "[64:ff9b::a00:5]",
    "[2002:a00:5::1]",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_is_refused_without_a_connection(trap: HTTPServer, spelling: str) -> None:
    client, spy = guarded(AddressGuard())
    url = f"http://{spelling}:{trap.port}/secret"
    with pytest.raises(FetchError) as caught:
        asyncio.run(get(client, url))
    message = str(caught.value)
    assert message.startswith(f"refused {url}: ")
    assert message.endswith(HINT)
    assert "attempt" not in message  # refused once, never retried
    assert spy.connects == []
    assert trap.log == []


def test_the_reason_names_the_address_and_its_kind(trap: HTTPServer) -> None:
    client, _ = guarded(AddressGuard())
    with pytest.raises(FetchError) as caught:
        asyncio.run(get(client, "http://10.0.0.5/admin"))
    assert str(caught.value) == (
        f"refused http://10.0.0.5/admin: 10.0.0.5 is a private address; {HINT}"
    )
    client, _ = guarded(AddressGuard())
    with pytest.raises(FetchError, match=r"2130706433 \(127\.0\.0\.1\) is a loopback address"):
        asyncio.run(get(client, "http://2130706433/"))
    client, _ = guarded(AddressGuard())
    with pytest.raises(FetchError, match=r"localhost \((127\.0\.0\.1|::1)\) is a loopback"):
        asyncio.run(get(client, f"http://localhost:{trap.port}/secret"))


def test_a_redirect_to_loopback_is_refused(site: HTTPServer, trap: HTTPServer) -> None:
    site.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": f"http://127.0.0.1:{trap.port}/secret"}
    )
    client, spy = guarded(trusting(site.port))
    with pytest.raises(FetchError, match=f"refused http://127.0.0.1:{trap.port}/secret: "):
        asyncio.run(get(client, site.url_for("/go")))
    assert len(site.log) == 1
    assert trap.log == []
    assert spy.connects == [("127.0.0.1", site.port)]


def test_names_are_checked_after_resolving_every_answer(
    trap: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name whose answers mix a public and an internal address is refused outright."""
    answers = {"mixed.test": ["93.184.216.34", "127.0.0.1"], "inside.test": ["10.0.0.5"]}
    resolve_as(monkeypatch, answers)
    for name, shown in (("mixed.test", "127.0.0.1"), ("inside.test", "10.0.0.5")):
        client, spy = guarded(AddressGuard())
        with pytest.raises(FetchError, match=rf"{name} \({shown}\) is a"):
            asyncio.run(get(client, f"http://{name}:{trap.port}/secret"))
        assert spy.connects == []
    assert trap.log == []


def test_the_connection_goes_to_the_address_checked_not_to_the_name(
    trap: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name is resolved once, and the socket opened to that answer.

    The resolver answers loopback (trusted here as an endpoint's address) the first time
    and an internal address after; a second lookup at connect time would reach 10.0.0.5.
    """
    calls = resolve_as(
        monkeypatch, {"rebind.test": ["127.0.0.1"]}, later={"rebind.test": "10.0.0.5"}
    )
    client, spy = guarded(trusting(trap.port))
    response = asyncio.run(get(client, f"http://rebind.test:{trap.port}/secret"))
    assert response.body == b"internal data"
    assert spy.connects == [("127.0.0.1", trap.port)]
    assert calls == ["rebind.test"]


def test_when_an_address_does_not_connect_the_next_checked_one_is_tried(
    trap: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(The spy network refuses the public address at once: nothing leaves the machine.)"""
    resolve_as(monkeypatch, {"two.test": ["93.184.216.34", "127.0.0.1"]})
    client, spy = guarded(trusting(trap.port))
    response = asyncio.run(get(client, f"http://two.test:{trap.port}/secret"))
    assert response.body == b"internal data"
    assert spy.connects == [("93.184.216.34", trap.port), ("127.0.0.1", trap.port)]


def test_endpoints_are_trusted_as_written_and_the_setting_opens_the_rest(
    site: HTTPServer, trap: HTTPServer
) -> None:
    site.expect_request("/api").respond_with_data("endpoint")
    settings = SETTINGS.model_copy(
        update={"endpoints": ENDPOINTS.model_copy(update={"reddit": f"{site.url_for('/')}"})}
    )
    guard = AddressGuard.from_settings(settings)
    client, _ = guarded(guard)
    assert asyncio.run(get(client, site.url_for("/api"))).body == b"endpoint"
    client, _ = guarded(guard)
    with pytest.raises(FetchError, match="refused"):  # the same address on another port
        asyncio.run(get(client, trap.url_for("/secret")))
    assert trap.log == []

    network = settings.network.model_copy(update={"allow_private_addresses": True})
    opened = AddressGuard.from_settings(settings.model_copy(update={"network": network}))
    client, _ = guarded(opened)
    assert asyncio.run(get(client, trap.url_for("/secret"))).body == b"internal data"


def test_tls_checks_the_name_in_the_url_while_connecting_to_the_checked_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    authority = trustme.CA()
    server = TlsServer(authority.issue_cert("news.test"))
    trusted = ssl.create_default_context()
    authority.configure_trust(trusted)
    resolve_as(monkeypatch, {"news.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    try:
        client, spy = guarded(trusting(server.port), tls=trusted)
        response = asyncio.run(get(client, f"https://news.test:{server.port}/"))
        assert response.body == b"tls ok"
        assert spy.connects == [("127.0.0.1", server.port)]
        assert server.names == ["news.test"]  # SNI carried the URL's name, not the address
        client, _ = guarded(trusting(server.port), tls=trusted)
        with pytest.raises(FetchError, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
            asyncio.run(get(client, f"https://other.test:{server.port}/"))
    finally:
        server.close()


# -- discovered URLs, through the real fetch path ---------------------------------------------


def test_a_mastodon_post_on_an_internal_host_is_refused(trap: HTTPServer) -> None:
    client, spy = guarded(AddressGuard())

    async def scenario() -> Any:
        async with client:
            return await fetch_url(client, f"http://127.0.0.1:{trap.port}/@alice/1234", ENDPOINTS)

    result = asyncio.run(scenario())
    assert result.status == "failed"
    assert result.ref is not None and result.ref.platform == "mastodon"
    assert result.error.startswith(f"refused http://127.0.0.1:{trap.port}/api/v1/statuses/1234")
    assert trap.log == [] and spy.connects == []


def test_an_oembed_discovery_link_to_an_internal_host_is_refused(
    site: HTTPServer, trap: HTTPServer
) -> None:
    oembed = f"http://127.0.0.1:{trap.port}/secret?format=json"
    site.expect_request("/story").respond_with_data(
        "<html><head><title>Flood</title>"
        '<meta property="og:title" content="Flood barrier holds">'
        f'<link rel="alternate" type="application/json+oembed" href="{oembed}">'
        "</head><body><p>Story</p></body></html>",
        content_type="text/html; charset=utf-8",
    )
    client, spy = guarded(trusting(site.port))

    async def scenario() -> Any:
        async with client:
            return await fetch_url(client, site.url_for("/story"), ENDPOINTS)

    result = asyncio.run(scenario())
    assert result.status == "failed"
    assert result.error.startswith(f"refused {oembed}: 127.0.0.1 is a loopback address")
    assert trap.log == []
    assert spy.connects == [("127.0.0.1", site.port)]


def test_an_og_image_on_a_private_address_is_not_downloaded(site: HTTPServer) -> None:
    site.expect_request("/story").respond_with_data(
        "<html><head>"
        '<meta property="og:title" content="Flood barrier holds">'
        '<meta property="og:image" content="http://10.0.0.5/internal.png">'
        "</head><body></body></html>",
        content_type="text/html; charset=utf-8",
    )
    client, spy = guarded(trusting(site.port))

    async def scenario() -> Any:
        async with client:
            result = await fetch_url(client, site.url_for("/story"), ENDPOINTS)
            assert result.post is not None
            return result.post, await download_media(client, result.post, MediaSettings())

    post, [media] = asyncio.run(scenario())
    assert [m.url for m in post.media] == ["http://10.0.0.5/internal.png"]
    assert media.download is None
    assert (
        media.error
        == f"refused http://10.0.0.5/internal.png: 10.0.0.5 is a private address; {HINT}"
    )
    assert spy.connects == [("127.0.0.1", site.port)]


MEDIA_HOSTS = [
    "127.0.0.1",
    "2130706433",
    "0x7f.1",
    "localhost",
    "10.0.0.5",
    "169.254.169.254",
    "[::ffff:127.0.0.1]",
    "[fd00::1]",
]


def test_media_downloads_of_every_internal_kind_are_refused() -> None:
    client, spy = guarded(AddressGuard())
    post = Post(
        platform="web",
        post_id="https://example.org/p",
        url="https://example.org/p",
        media=[Media(kind="photo", url=f"http://{host}/x.png") for host in MEDIA_HOSTS],
        capture=Capture(
            method="page-meta",
            source="https://example.org/p",
            captured_at="2026-03-01T10:00:00Z",
            raw_sha256="0" * 64,
        ),
    )

    async def scenario() -> Any:
        async with client:
            return await download_media(client, post, MediaSettings())

    results = asyncio.run(scenario())
    refused = [r.error is not None and r.error.startswith("refused ") for r in results]
    assert refused == [True] * len(MEDIA_HOSTS)
    assert spy.connects == []


# -- helpers ---------------------------------------------------------------------------------


def resolve_as(
    monkeypatch: pytest.MonkeyPatch,
    answers: dict[str, list[str]],
    *,
    later: dict[str, str] | None = None,
) -> list[str]:
    """Answer lookups of ``answers``' names from it (``later``: what a second lookup gives);
    returns the names looked up, in order. Other names resolve as usual."""
    real = socket.getaddrinfo
    calls: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        numeric_only = kwargs.get("flags", 0) & socket.AI_NUMERICHOST
        if name not in answers or numeric_only:
            return real(host, port, *args, **kwargs)
        seen_before = name in calls
        calls.append(name)
        addresses = [later[name]] if seen_before and later and name in later else answers[name]
        found = []
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            found += real(address, port, family, socket.SOCK_STREAM)
        return found

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


class TlsServer:
    """An HTTPS server on 127.0.0.1 with ``cert``; records the SNI name of each handshake."""

    def __init__(self, cert: trustme.LeafCert) -> None:
        self.names: list[str | None] = []
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        context.sni_callback = lambda _sock, name, _ctx: self.names.append(name)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "6")
                self.end_headers()
                self.wfile.write(b"tls ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
