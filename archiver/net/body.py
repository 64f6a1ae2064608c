"""Reading response bodies safely: size caps, gzip, truncation, media checks.

A server may send more than we want to hold (a 2 GB "page", a gzip bomb), less than
it promised (a connection cut mid-body), or something other than the media it links
to. These readers stream the body once, enforce the caps on both the bytes received
and the bytes decoded, and keep the received bytes for WARC, since a WARC record holds
the payload as it went over the wire (still gzip-coded when the server coded it).
"""

from __future__ import annotations

import hashlib
import tempfile
import zlib
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from archiver.errors import EXIT_PARTIAL, ArchiverError
from archiver.net.warc import HttpExchange

#: The only content coding the client asks for, so the only one it must decode.
ACCEPT_ENCODING = "gzip"


class FetchError(ArchiverError):
    """A request that could not be completed; the message is one line for the user."""

    exit_code = EXIT_PARTIAL

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class RetriesExhausted(FetchError):
    """Every attempt at a request failed in a way that can heal (5xx, 429, timeouts,
    broken connections): the endpoint is down for now, so another endpoint may answer."""


class TransientError(ArchiverError):
    """A failure worth another attempt; ``host_wait`` means the host gate holds the wait.

    ``advice`` is what the user can do if every attempt fails this way.
    """

    exit_code = EXIT_PARTIAL

    def __init__(
        self,
        what: str,
        *,
        status: int | None = None,
        host_wait: bool = False,
        advice: str = "try again later",
    ) -> None:
        super().__init__(what)
        self.status = status
        self.host_wait = host_wait
        self.advice = advice


@dataclass(frozen=True)
class Download:
    """A media file: kept in ``data``, or in the temporary file ``path`` (caller moves it)."""

    url: str
    final_url: str
    content_type: str
    size: int
    sha256: str
    data: bytes | None = None
    path: Path | None = None

    def read_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()


@dataclass(frozen=True)
class MediaPolicy:
    max_bytes: int
    allowed_types: tuple[str, ...]
    directory: Path | None = None


def _too_large(url: str, cap: int, setting: str) -> FetchError:
    return FetchError(
        f"{url} is larger than {setting} ({cap:,} bytes); raise it in the config if you need it",
        url=url,
    )


def _decoder(url: str, headers: dict[str, str]) -> zlib._Decompress | None:
    coding = headers.get("content-encoding", "identity").strip().lower()
    if coding in ("", "identity"):
        return None
    if coding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    raise FetchError(f"{url} came with content coding {coding!r}, which is not readable", url=url)


def _declared_length(headers: dict[str, str]) -> int | None:
    value = headers.get("content-length", "").strip()
    return int(value) if value.isdigit() else None


async def _stream(
    url: str,
    response: httpx.Response,
    headers: dict[str, str],
    limit: tuple[int, str],
    sink: Callable[[bytes], None],
    raw_parts: list[bytes] | None,
) -> None:
    """Feed the decoded body to ``sink``, enforcing the cap and detecting truncation."""
    cap, setting = limit
    declared = _declared_length(headers)
    if declared is not None and declared > cap:
        raise _too_large(url, cap, setting)
    decoder = _decoder(url, headers)
    received = decoded = 0
    async for chunk in response.aiter_raw():
        received += len(chunk)
        if raw_parts is not None:
            raw_parts.append(chunk)
        data = chunk
        if decoder is not None:
            data = decoder.decompress(chunk, cap - decoded + 1)
            if decoder.unconsumed_tail:
                raise _too_large(url, cap, setting)
        decoded += len(data)
        if received > cap or decoded > cap:
            raise _too_large(url, cap, setting)
        sink(data)
    if declared is not None and received < declared:
        raise TransientError(f"truncated body ({received} of {declared} bytes)")
    if decoder is not None and not decoder.eof:
        raise TransientError("truncated gzip body")


async def read_body(
    url: str, response: httpx.Response, headers: dict[str, str], cap: int
) -> tuple[bytes, bytes]:
    """The decoded body and the bytes as received (they differ only when gzip-coded)."""
    parts: list[bytes] = []
    raw: list[bytes] | None = [] if "content-encoding" in headers else None
    await _stream(url, response, headers, (cap, "http.max_body_bytes"), parts.append, raw)
    body = b"".join(parts)
    return body, (body if raw is None else b"".join(raw))


async def read_media(
    url: str, response: httpx.Response, headers: dict[str, str], policy: MediaPolicy
) -> Download:
    """Check status and type, then stream to memory or a temporary file, hashing as it goes."""
    status = response.status_code
    if not 200 <= status <= 299:
        raise FetchError(
            f"media {url} answered HTTP {status}; not downloaded", url=url, status=status
        )
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if not content_type or not content_type.startswith(policy.allowed_types):
        raise FetchError(
            f"media {url} is {content_type or 'of no declared type'}, not one of "
            f"{', '.join(policy.allowed_types)} (media.allowed_types); not downloaded",
            url=url,
        )
    limit = (policy.max_bytes, "media.max_bytes")
    digest = hashlib.sha256()
    final_url = str(response.url)
    if policy.directory is None:
        parts: list[bytes] = []

        def keep(data: bytes) -> None:
            digest.update(data)
            parts.append(data)

        await _stream(url, response, headers, limit, keep, None)
        data = b"".join(parts)
        return Download(url, final_url, content_type, len(data), digest.hexdigest(), data=data)

    policy.directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=policy.directory, suffix=".part", delete=False) as handle:
        path = Path(handle.name)
        try:
            size = 0

            def write(data: bytes) -> None:
                nonlocal size
                digest.update(data)
                handle.write(data)
                size += len(data)

            await _stream(url, response, headers, limit, write, None)
        except BaseException:
            handle.close()
            with suppress(OSError):
                path.unlink()
            raise
    return Download(url, final_url, content_type, size, digest.hexdigest(), path=path)


def exchange_of(response: httpx.Response, raw: bytes) -> HttpExchange:
    """The exchange as WARC wants it: request line and headers as sent, payload as received."""
    request = response.request

    def pairs(headers: httpx.Headers) -> list[tuple[str, str]]:
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.raw]

    return HttpExchange(
        url=str(request.url),
        request_target=request.url.raw_path.decode("ascii"),
        request_headers=pairs(request.headers),
        status=response.status_code,
        reason=response.reason_phrase,
        response_headers=pairs(response.headers),
        payload=raw,
        http_version=response.http_version,
    )
