"""The WARC records behind a bundle's captures, copied byte for byte into one new WARC.

A run's WARC file holds every exchange of that run, most of them about posts a bundle
does not include; shipping whole files would leak what else the archivist looked at and
bloat the bundle. In a ``.warc.gz`` every record is its own gzip member, so a record can
be cut out exactly: from its offset to the end of its member. The response record is
copied together with the request record written right after it (``WARC-Concurrent-To``),
both unchanged, so their record ids and digests still match the archive's originals.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from warcio.warcwriter import WARCWriter

from archiver import __version__
from archiver.errors import ArchiverError
from archiver.export.bag import DiskIndex, PayloadStream

_HEAD = 8192


class WarcCopyError(ArchiverError):
    """A referenced WARC record cannot be read; the message names file and offset."""


def _member(handle: BinaryIO, offset: int) -> tuple[int, bytes]:
    """Length of the gzip member at ``offset`` and the start of its decompressed bytes."""
    handle.seek(offset)
    inflater = zlib.decompressobj(wbits=31)
    fed, head = 0, bytearray()
    while not inflater.eof:
        chunk = handle.read(1 << 16)
        if not chunk:
            raise WarcCopyError("truncated gzip member")
        fed += len(chunk)
        data = chunk
        while data and not inflater.eof:
            out = inflater.decompress(data, 1 << 16)
            if len(head) < _HEAD:
                head += out[: _HEAD - len(head)]
            data = inflater.unconsumed_tail
    return fed - len(inflater.unused_data), bytes(head)


def _header(head: bytes, name: str) -> str | None:
    match = re.search(rb"(?im)^" + re.escape(name.encode()) + rb":[ \t]*(.*?)\r?$", head)
    return match.group(1).decode("utf-8", "replace").strip() if match else None


class WarcExcerpt:
    """Copies chosen records of the archive's WARC files into ``stream`` (a .warc.gz)."""

    def __init__(
        self, home: Path, open_stream: Callable[[], PayloadStream], name: str, index: DiskIndex
    ) -> None:
        self.home = home.resolve()
        self._index = index
        self._open_stream = open_stream
        self.stream: PayloadStream | None = None
        self.name = name
        self.records = 0

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()

    def _start(self) -> PayloadStream:
        stream = self.stream = self._open_stream()
        buffer = BytesIO()
        writer = WARCWriter(buffer, gzip=True, warc_version="1.1")
        info = {
            "software": f"archiver/{__version__} (warcio)",
            "format": "WARC File Format 1.1",
            "description": "Records copied unchanged from the archive's WARC files by "
            "archiver export; see captures/captures.jsonl for their origin.",
        }
        writer.write_record(writer.create_warcinfo_record(self.name, info))
        stream.write_bytes(buffer.getvalue())
        return stream

    def _source(self, warc_file: str) -> Path:
        path = (self.home / warc_file).resolve()
        if not path.is_relative_to(self.home) or not path.is_file():
            raise WarcCopyError(f"{warc_file}: no such WARC file in the archive home")
        return path

    def copy(self, warc_file: str, offset: int, record_id: str | None) -> int:
        """Copy the record at ``warc_file``/``offset`` (and its request); its new offset."""
        known = self._index.get(f"warc:{offset}:{warc_file}")
        if known is not None:
            return known
        source = self._source(warc_file)
        with source.open("rb") as handle:
            try:
                length, head = _member(handle, offset)
            except (zlib.error, WarcCopyError) as exc:
                raise WarcCopyError(
                    f"{warc_file} @ {offset}: not a gzip WARC record ({exc})"
                ) from exc
            if not head.startswith(b"WARC/"):
                raise WarcCopyError(f"{warc_file} @ {offset}: no WARC record starts there")
            found = _header(head, "WARC-Record-ID")
            if record_id and found != record_id:
                raise WarcCopyError(
                    f"{warc_file} @ {offset}: record is {found}, expected {record_id}"
                )
            spans = [(offset, length)]
            try:
                next_length, next_head = _member(handle, offset + length)
                if _header(next_head, "WARC-Concurrent-To") == found and (
                    _header(next_head, "WARC-Type") == "request"
                ):
                    spans.append((offset + length, next_length))
            except (zlib.error, WarcCopyError):
                pass
            stream = self.stream or self._start()
            new_offset = stream.tell()
            for start, size in spans:
                handle.seek(start)
                remaining = size
                while remaining:
                    chunk = handle.read(min(remaining, 1 << 20))
                    if not chunk:
                        raise WarcCopyError(f"{warc_file} @ {start}: file ended inside a record")
                    stream.write_bytes(chunk)
                    remaining -= len(chunk)
            self.records += len(spans)
        self._index.put(f"warc:{offset}:{warc_file}", new_offset)
        return new_offset
