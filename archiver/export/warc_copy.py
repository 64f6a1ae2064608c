"""The WARC records behind a bundle's captures, copied byte for byte into one new WARC.

A run's WARC file holds every exchange of that run, most of them about posts a bundle
does not include; shipping whole files would leak what else the archivist looked at and
bloat the bundle. In a ``.warc.gz`` every record is its own gzip member, so a record can
be cut out exactly: warcio's :class:`ArchiveIterator`, started at the record's offset,
reads its headers and gives its length (to the end of its member). The response record
is copied together with the request record written right after it
(``WARC-Concurrent-To``), both byte for byte, so their record ids and digests still
match the archive's originals.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParserException
from warcio.warcwriter import WARCWriter

from archiver import __version__
from archiver.errors import ArchiverError
from archiver.export.bag import DiskIndex, PayloadStream

_GZIP_MAGIC = b"\x1f\x8b"
#: What warcio and zlib raise on bytes that are not a readable WARC record.
READ_ERRORS = (
    ArchiveLoadFailed,
    StatusAndHeadersParserException,
    OSError,
    EOFError,
    ValueError,
    zlib.error,
)


class WarcCopyError(ArchiverError):
    """A referenced WARC record cannot be read; the message names file and offset."""


def _headers(record: ArcWarcRecord) -> dict[str, str]:
    names = ("WARC-Type", "WARC-Record-ID", "WARC-Concurrent-To")
    return {name: record.rec_headers.get_header(name) or "" for name in names}


def _records_at(handle: BinaryIO, offset: int) -> list[tuple[int, int, dict[str, str]]]:
    """The record at ``offset`` and, when one can be read, the record after it:
    ``(offset, length, headers)`` each."""
    handle.seek(offset)
    if handle.read(2) != _GZIP_MAGIC:
        raise WarcCopyError("not the start of a gzip member")
    handle.seek(offset)
    records = ArchiveIterator(handle, no_record_parse=True)
    first = next(records, None)
    if first is None:
        raise WarcCopyError("no WARC record starts there")
    found = [(records.get_record_offset(), records.get_record_length(), _headers(first))]
    try:
        following = next(records, None)
        if following is not None:
            found.append(
                (records.get_record_offset(), records.get_record_length(), _headers(following))
            )
    except READ_ERRORS:
        pass  # no readable record after it: the response is copied alone
    return found


class WarcExcerpt:
    """Copies chosen records of the archive's WARC files into ``stream`` (a .warc.gz)."""

    def __init__(
        self,
        home: Path,
        open_stream: Callable[[], PayloadStream],
        name: str,
        index: DiskIndex,
        warc_dir: Path | None = None,
    ) -> None:
        self.home = home.resolve()
        #: Where ``warc/<name>`` files are (``[store] warc``), when not in the home.
        self.warc_dir = warc_dir.resolve() if warc_dir else None
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
        root, name = self.home, warc_file
        if self.warc_dir is not None and warc_file.startswith("warc/"):
            root, name = self.warc_dir, warc_file.removeprefix("warc/")
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
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
                records = _records_at(handle, offset)
            except (*READ_ERRORS, WarcCopyError) as exc:
                raise WarcCopyError(
                    f"{warc_file} @ {offset}: not a gzip WARC record ({exc})"
                ) from exc
            (_, length, headers), *after = records
            found = headers["WARC-Record-ID"]
            if record_id and found != record_id:
                raise WarcCopyError(
                    f"{warc_file} @ {offset}: record is {found}, expected {record_id}"
                )
            spans = [(offset, length)]
            for start, size, following in after:
                if following["WARC-Type"] == "request" and following["WARC-Concurrent-To"] == found:
                    spans.append((start, size))
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
