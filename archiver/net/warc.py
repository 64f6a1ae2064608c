"""WARC files: the raw HTTP exchanges behind every capture, in the archival standard.

A record says what a post said; the WARC file proves what the server sent. Each run
appends gzip-compressed records to one new file under ``<home>/warc/`` (a warcinfo
record first), and every capture can point at its response record by file and offset,
so a reader or a court expert can open the exact bytes with any WARC tool.

The writer knows nothing about httpx: the HTTP layer hands it a plain
:class:`HttpExchange`. Writes are serialised by one lock, so calls from worker threads
(``asyncio.to_thread``) and from the event loop can share a writer.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

WARC_DIR = "warc"
SOFTWARE = "archiver/0.1 (warcio)"

# The stored body is the payload after transfer decoding (h11 removes chunking), so a
# Transfer-Encoding header would describe bytes the record does not hold.
_HOP_BY_HOP = frozenset({"transfer-encoding"})


@dataclass(frozen=True)
class WarcRef:
    """Where a response record lives: ``file`` is relative to the archive home."""

    file: str
    offset: int
    record_id: str


@dataclass(frozen=True)
class HttpExchange:
    """One GET as it went over the wire; ``payload`` is the body as received
    (still content-encoded, e.g. gzip, when the server encoded it)."""

    url: str
    request_target: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    payload: bytes
    http_version: str = "HTTP/1.1"
    date: datetime = field(default_factory=lambda: datetime.now(UTC))


class WarcWriter:
    """Appends request/response pairs to ``<home>/warc/archiver-<date>-<random>.warc.gz``.

    The file is created on the first write, so a run that fetches nothing leaves no
    empty WARC behind.
    """

    def __init__(self, home: Path, *, software: str = SOFTWARE, folder: Path | None = None) -> None:
        self.home = Path(home)
        stamp = datetime.now(UTC).strftime("%Y%m%d")
        name = f"archiver-{stamp}-{secrets.token_hex(4)}.warc.gz"
        # Recorded as ``warc/<name>`` wherever ``[store] warc`` (``folder``) keeps the files.
        self.relative_path = f"{WARC_DIR}/{name}"
        self.path = (Path(folder) if folder else self.home / WARC_DIR) / name
        self._software = software
        self._lock = threading.Lock()
        self._handle: BinaryIO | None = None
        self._writer: WARCWriter | None = None

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None
                self._writer = None

    def write_exchange(self, exchange: HttpExchange) -> WarcRef:
        """Write the response record, then the request record concurrent to it."""
        with self._lock:
            writer, handle = self._open()
            date = datetime_to_iso_date(
                exchange.date.astimezone(UTC).replace(tzinfo=None), use_micros=True
            )
            response = writer.create_warc_record(
                exchange.url,
                "response",
                payload=BytesIO(exchange.payload),
                length=len(exchange.payload),
                warc_headers_dict={"WARC-Date": date},
                http_headers=StatusAndHeaders(
                    f"{exchange.status} {exchange.reason}".strip(),
                    [(k, v) for k, v in exchange.response_headers if k.lower() not in _HOP_BY_HOP],
                    protocol=exchange.http_version,
                ),
            )
            request = writer.create_warc_record(
                exchange.url,
                "request",
                warc_headers_dict={"WARC-Date": date},
                http_headers=StatusAndHeaders(
                    f"GET {exchange.request_target} {exchange.http_version}",
                    list(exchange.request_headers),
                    is_http_request=True,
                ),
            )
            offset = handle.tell()
            writer.write_request_response_pair(request, response)
            handle.flush()
            record_id = response.rec_headers.get_header("WARC-Record-ID")
            return WarcRef(file=self.relative_path, offset=offset, record_id=record_id)

    def _open(self) -> tuple[WARCWriter, BinaryIO]:
        if self._writer is not None and self._handle is not None:
            return self._writer, self._handle
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("xb")
        writer = WARCWriter(handle, gzip=True, warc_version="1.1")
        info = {"software": self._software, "format": "WARC File Format 1.1"}
        writer.write_record(writer.create_warcinfo_record(self.path.name, info))
        self._handle, self._writer = handle, writer
        return writer, handle
