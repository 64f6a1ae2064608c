"""The one address guard: which hosts archiver may connect to, checked where it connects.

archiver fetches addresses that strangers choose: a post URL, each redirect, an embed's
host, an oEmbed discovery link, an ``og:image``. Run on a newsroom server, a fetch of
``http://169.254.169.254/`` or ``http://10.0.0.5/admin`` would store an internal answer,
write it to WARC and export it in a bundle. So every connection the HTTP client opens
goes through :class:`GuardedBackend`, an httpcore network backend that resolves the
host itself, refuses the connection if any address is not public, and then connects to
the very address it checked, so a DNS answer that changes between the check and the
connect (rebinding) cannot slip through. It sits below redirects, retries and every
caller, so no request can go around it.

Open by choice: the endpoints a user writes in ``[endpoints]`` are trusted as written
(host and port, and the addresses they name), and ``[network] allow_private_addresses``
(``--allow-private``) opens the rest.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

from archiver.errors import ArchiverError

if TYPE_CHECKING:
    from archiver.config import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Seconds to wait for one of several addresses of a host before trying the next.
NEXT_ADDRESS_SECONDS = 2.0
ALLOW_HINT = "set [network] allow_private_addresses = true (or --allow-private) to allow"

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
#: The characters of a numeric host in any spelling (hex, octal, dotted, IPv6).
_NUMERIC = frozenset("0123456789abcdefxABCDEFX.:")
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")


class AddressRefused(ArchiverError):
    """A connection the guard refused; the message says why and how to allow it (the
    client reports it as a :class:`~archiver.net.body.FetchError` of the URL)."""


def address_problem(address: IPAddress) -> str | None:
    """Why ``address`` is not a public one (``"a loopback address"``), or None if it is.

    An IPv6 form that carries an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``,
    IPv4-compatible ``::a.b.c.d``, 6to4, NAT64) is judged by the IPv4 address it
    reaches.
    """
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        problem = address_problem(embedded)
        return None if problem is None else f"a form of {embedded}, {problem}"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "a shared (carrier-grade NAT) address"
    if isinstance(address, ipaddress.IPv6Address) and address.teredo is not None:
        return "a Teredo tunnel address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "a non-public address"
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(address))
    return None


@functools.lru_cache(maxsize=4096)
def numeric_address(host: str) -> IPAddress | None:
    """``host`` as an address when it is one in any spelling the resolver accepts.

    ``2130706433``, ``0177.0.0.1``, ``0x7f.1`` and ``127.1`` are all 127.0.0.1 to the
    system resolver; asking it (numeric only, so no DNS query is made) reads them the
    same way a connection would. Names are told apart by their letters first, and
    answers are remembered: this runs for every request.
    """
    name = host.strip("[]")
    if not name or not _NUMERIC.issuperset(name):
        return None
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return ipaddress.ip_address(found[0][4][0]) if found else None


def _origin(url: str) -> tuple[str, int] | None:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return None
    if not parsed.host:
        return None
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return _normal_host(parsed.host), port


def _normal_host(host: str) -> str:
    address = numeric_address(host)
    return str(address) if address is not None else host.lower().rstrip(".")


@dataclass(frozen=True)
class AddressGuard:
    """What may be connected to: public addresses, plus what the user opened.

    ``trusted`` holds (host, port) pairs taken from ``[endpoints]``; a host there may be
    a name (trusted whatever it resolves to) or an address (trusted however it is named).
    """

    allow_private: bool = False
    trusted: frozenset[tuple[str, int]] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: Settings) -> AddressGuard:
        """The guard a command uses: the endpoints and time-stamping authorities of the
        configuration trusted as written, ``[network]`` as set."""
        written = [*settings.endpoints.model_dump().values(), *settings.timestamps.authorities]
        origins = (_origin(str(url)) for url in written)
        trusted = frozenset(o for o in origins if o is not None)
        return cls(settings.network.allow_private_addresses, trusted)

    def opens(self, host: str, port: int) -> bool:
        """True when ``host``:``port`` needs no check (opened by the user)."""
        return self.allow_private or (_normal_host(host), port) in self.trusted

    def check_url(self, url: str) -> None:
        """Refuse ``url`` at once when its host is a forbidden address in any spelling.

        Host names are checked when they are resolved, by :class:`GuardedBackend`; this
        catches numeric hosts before a request is even queued, with the same message.
        """
        try:
            parts = urlsplit(url)
            host, port = parts.hostname or "", parts.port
        except ValueError:  # not a URL httpx will send either
            return
        address = numeric_address(host)
        if address is not None:
            port = port or (443 if parts.scheme.lower() == "https" else 80)
            self.check_address(host, port, address)

    def check_address(self, host: str, port: int, address: IPAddress) -> None:
        if self.opens(host, port) or (str(address), port) in self.trusted:
            return
        problem = address_problem(address)
        if problem is None:
            return
        named = host if host.strip("[]") == str(address) else f"{host} ({address})"
        raise AddressRefused(f"{named} is {problem}; {ALLOW_HINT}")


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving and checking each host before connecting.

    TLS is unchanged: httpcore starts TLS on the returned stream with the URL's host
    name as SNI and checks the certificate against it, not against the address.
    """

    def __init__(self, guard: AddressGuard, inner: httpcore.AsyncNetworkBackend | None = None):
        self.guard = guard
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self.guard.opens(host, port):
            return await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        addresses = await _resolve(host, port, timeout)
        for address in addresses:  # every answer, so a mixed answer cannot pick one later
            self.guard.check_address(host, port, address)
        error: Exception | None = None
        for index, address in enumerate(addresses):
            # In the resolver's order; all but the last get a short wait, so an address
            # that does not answer (a dead IPv6 route) does not cost the whole timeout.
            last = index == len(addresses) - 1
            wait = timeout if last else min(timeout or NEXT_ADDRESS_SECONDS, NEXT_ADDRESS_SECONDS)
            try:
                stream = await self._inner.connect_tcp(
                    str(address), port, wait, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            peer = stream.get_extra_info("server_addr")
            if peer is not None:  # the address actually connected to, checked again
                try:
                    self.guard.check_address(host, port, ipaddress.ip_address(peer[0]))
                except AddressRefused:
                    await stream.aclose()
                    raise
            return stream
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused(f"Unix sockets are never used ({path})")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def _resolve(host: str, port: int, timeout: float | None) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the resolver's order, duplicates dropped."""
    try:
        with anyio.fail_after(timeout):
            found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    addresses: list[IPAddress] = []
    for family, _, _, _, sockaddr in found:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise httpcore.ConnectError(f"cannot resolve {host}: no IPv4 or IPv6 address")
    return addresses
