"""A forward proxy on loopback through which the browser makes every request.

Chromium resolves and connects on its own, around archiver's HTTP client; a page could
then load ``http://169.254.169.254/`` or an intranet host into a screenshot. So each page
is rendered with this proxy as its only way out (``--proxy-server``, and no bypass for
loopback either): every connection it opens for the page goes through the one address
guard (:class:`~archiver.net.guard.GuardedBackend`, the same code the HTTP client
connects with), within the ``[http]`` size and time limits, and every refusal is kept so
it can be recorded on the screenshot.

HTTPS (and WebSocket) requests arrive as ``CONNECT host:port`` and are tunnelled: the
browser speaks TLS end to end, and the guard checks the address connected to. Plain HTTP
requests arrive in absolute form and are passed on one per connection
(``Connection: close``), so a kept-alive browser connection can never carry a second
request to a host that was not checked.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore

from archiver.errors import ArchiverError
from archiver.net.guard import AddressGuard, AddressRefused, GuardedBackend

#: The longest request head the proxy reads (Chromium's are a few kilobytes).
MAX_HEAD_BYTES = 64 * 1024
_CHUNK = 64 * 1024
#: Headers meant for the proxy or for one connection, never passed on.
_HOP_HEADERS = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"proxy-authorization", b"te"}
)


@dataclass(frozen=True)
class Blocked:
    """A request of the page that the proxy did not let through, and why."""

    url: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"url": self.url, "reason": self.reason}


class _Cut(ArchiverError):
    """An exchange ended by a limit (its size); never leaves the proxy."""


class GuardedProxy:
    """``async with GuardedProxy(guard, ...) as proxy``: ``proxy.url`` is what the browser
    is pointed at; ``proxy.blocked`` lists what it refused or cut off."""

    def __init__(
        self,
        guard: AddressGuard,
        *,
        max_bytes: int,
        deadline_seconds: float,
        connect_timeout_seconds: float,
    ) -> None:
        self.backend = GuardedBackend(guard)
        self.guard = guard
        self.max_bytes = max_bytes
        self.deadline_seconds = deadline_seconds
        self.connect_timeout_seconds = connect_timeout_seconds
        self.blocked: list[Blocked] = []
        self.url = ""
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> GuardedProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop listening and end every exchange still open (a page shot at its deadline
        may leave requests hanging)."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        asked: list[str] = []  # the URL, once the request head is read
        try:
            async with asyncio.timeout(self.deadline_seconds):
                await self._exchange(reader, writer, asked)
        except TimeoutError:
            if asked:
                limit = f"{self.deadline_seconds:g} s ([http] request_deadline_seconds)"
                self.blocked.append(Blocked(asked[0], f"it did not end within {limit}"))
        except (_Cut, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            # Ended by aclose(): the exchange is over, not failed. (Raising it on would
            # make asyncio's stream callback log a traceback for a handler it did not end.)
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, asked: list[str]
    ) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > MAX_HEAD_BYTES:
            raise _Cut
        request_line, _, rest = head.partition(b"\r\n")
        parts = request_line.decode("latin-1").split(" ")
        if len(parts) != 3:
            await _answer(writer, 400, "malformed request")
            return
        method, target, _version = parts
        asked.append(f"https://{target}" if method == "CONNECT" else target)
        if method == "CONNECT":
            host, _, port_text = target.rpartition(":")
            url = f"https://{target}"
            await self._tunnel(writer, reader, url, host.strip("[]"), _port(port_text, 443))
            return
        url = target
        split = urlsplit(target)
        if split.scheme != "http" or not split.hostname:
            self.blocked.append(Blocked(url, "only http and https requests are passed on"))
            await _answer(writer, 403, "refused: only http and https")
            return
        path = split.path or "/"
        if split.query:
            path += "?" + split.query
        upstream = await self._open(writer, url, split.hostname, split.port or 80)
        if upstream is None:
            return
        try:
            headers = [
                line
                for line in rest.split(b"\r\n")
                if line and line.split(b":", 1)[0].strip().lower() not in _HOP_HEADERS
            ]
            out = b"\r\n".join(
                [f"{method} {path} HTTP/1.1".encode("latin-1"), *headers, b"Connection: close"]
            )
            await upstream.write(out + b"\r\n\r\n")
            length = _content_length(headers)
            if length:
                await self._copy(reader, upstream, url, limit=length)
            await self._relay_response(upstream, writer, url)
        finally:
            await upstream.aclose()

    async def _open(
        self, writer: asyncio.StreamWriter, url: str, host: str, port: int
    ) -> httpcore.AsyncNetworkStream | None:
        """A guarded connection to ``host``:``port``, or None once the browser has been
        told why not (a refusal is also recorded)."""
        try:
            self.guard.check_url(url)
            return await self.backend.connect_tcp(host, port, self.connect_timeout_seconds)
        except AddressRefused as refused:
            self.blocked.append(Blocked(url, str(refused)))
            await _answer(writer, 403, f"refused by archiver: {refused}")
        except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError) as exc:
            await _answer(writer, 502, f"cannot connect: {exc}")
        return None

    async def _tunnel(
        self,
        writer: asyncio.StreamWriter,
        reader: asyncio.StreamReader,
        url: str,
        host: str,
        port: int,
    ) -> None:
        upstream = await self._open(writer, url, host, port)
        if upstream is None:
            return
        try:
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await writer.drain()
            up = asyncio.ensure_future(self._copy(reader, upstream, url))
            down = asyncio.ensure_future(self._copy_down(upstream, writer, url))
            try:
                await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (up, down):
                    task.cancel()
                await asyncio.gather(up, down, return_exceptions=True)
        finally:
            await upstream.aclose()

    async def _relay_response(
        self, upstream: httpcore.AsyncNetworkStream, writer: asyncio.StreamWriter, url: str
    ) -> None:
        """The response, its head rewritten to end the browser's connection after it."""
        buffered = b""
        while b"\r\n\r\n" not in buffered:
            chunk = await upstream.read(_CHUNK)
            if not chunk:
                return
            buffered += chunk
            if len(buffered) > MAX_HEAD_BYTES and b"\r\n\r\n" not in buffered:
                raise _Cut
        head, _, body = buffered.partition(b"\r\n\r\n")
        if len(body) > self.max_bytes:
            self._cut(url, f"the response was larger than {self.max_bytes} bytes")
        status_line, *lines = head.split(b"\r\n")
        kept = [ln for ln in lines if ln.split(b":", 1)[0].strip().lower() not in _HOP_HEADERS]
        writer.write(b"\r\n".join([status_line, *kept, b"Connection: close"]) + b"\r\n\r\n")
        writer.write(body)
        await writer.drain()
        await self._copy_down(upstream, writer, url, already=len(body))

    async def _copy(
        self,
        reader: asyncio.StreamReader,
        upstream: httpcore.AsyncNetworkStream,
        url: str,
        *,
        limit: int | None = None,
    ) -> None:
        """Browser to server: a request body (``limit`` bytes), or a tunnel's whole upstream."""
        sent = 0
        while limit is None or sent < limit:
            want = _CHUNK if limit is None else min(_CHUNK, limit - sent)
            chunk = await reader.read(want)
            if not chunk:
                return
            sent += len(chunk)
            if sent > self.max_bytes:
                self._cut(url, f"the request sent more than {self.max_bytes} bytes")
            await upstream.write(chunk)

    async def _copy_down(
        self,
        upstream: httpcore.AsyncNetworkStream,
        writer: asyncio.StreamWriter,
        url: str,
        *,
        already: int = 0,
    ) -> None:
        """Server to browser, until the server closes, within ``[http] max_body_bytes``."""
        received = already
        while True:
            chunk = await upstream.read(_CHUNK)
            if not chunk:
                return
            received += len(chunk)
            if received > self.max_bytes:
                self._cut(url, f"the response was larger than {self.max_bytes} bytes")
            writer.write(chunk)
            await writer.drain()

    def _cut(self, url: str, reason: str) -> None:
        self.blocked.append(Blocked(url, f"{reason} ([http] max_body_bytes)"))
        raise _Cut


def _port(text: str, default: int) -> int:
    try:
        return int(text)
    except ValueError:
        return default


def _content_length(headers: list[bytes]) -> int:
    for line in headers:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return max(0, int(value.strip()))
            except ValueError:
                return 0
    return 0


async def _answer(writer: asyncio.StreamWriter, status: int, message: str) -> None:
    body = message.encode("utf-8", "replace")
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode("latin-1")
        + body
    )
    await writer.drain()
