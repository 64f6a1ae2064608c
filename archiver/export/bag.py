"""A BagIt (RFC 8493) writer that streams: one pass over every file, memory flat in N.

``bagit.make_bag`` moves an existing directory into ``data/``, then reads every file
again and keeps every manifest line in memory before writing them. A bundle of ten
thousand posts with their evidence would be read twice and held in lists, and a zip
could only be made after a full directory copy. This writer instead hashes each payload
file (SHA-256 and SHA-512) as it is written, appends its manifest lines to disk at once,
and writes straight into the target: a directory, or a zip whose members are streamed
with :mod:`zipfile`. The result is an ordinary BagIt 1.0 bag, and the ``bagit`` library
is what validates it (``bagit.py --validate``, ``archiver verify``).

Nothing appears at the target path until the bag is complete: work happens in a hidden
sibling directory that is renamed (or, for a zip, moved) into place at the end.

The zip is written through :mod:`zipfile`'s public API; only its central directory is
kept on disk until the end (:mod:`~archiver.export.zip_spill`, the one trick, named and
tested there), so memory stays flat however many files a bundle holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import sqlite3
import zipfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from archiver.errors import ArchiverError
from archiver.export.zip_spill import CentralDirectorySpill

ALGORITHMS: tuple[str, ...] = ("sha256", "sha512")
BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
CHUNK = 1 << 20
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
#: Already-compressed payloads are stored in the zip as they are.
_STORED_SUFFIXES = (
    ".gz",
    ".zip",
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".webp",
    ".mp4",
    ".webm",
    ".mov",
    ".mp3",
    ".m4a",
    ".ogg",
    ".opus",
    ".avif",
    ".heic",
)


class BagWriteError(ArchiverError):
    """The bag cannot be written where it was asked to be; the message says why."""


class _Hashes:
    def __init__(self) -> None:
        self.digests = [hashlib.new(name) for name in ALGORITHMS]
        self.size = 0

    def update(self, data: bytes) -> None:
        for digest in self.digests:
            digest.update(data)
        self.size += len(data)

    def hex(self) -> list[str]:
        return [digest.hexdigest() for digest in self.digests]


class PayloadStream:
    """A payload file written piece by piece (text or bytes), hashed as it goes."""

    def __init__(self, bag: BagWriter, relpath: str, local: Path) -> None:
        self._bag, self._relpath, self._local = bag, relpath, local
        self._handle: IO[bytes] = local.open("xb")
        self._hashes = _Hashes()

    def write(self, text: str) -> None:
        self.write_bytes(text.encode("utf-8"))

    def write_bytes(self, data: bytes) -> None:
        self._hashes.update(data)
        self._handle.write(data)

    def tell(self) -> int:
        return self._hashes.size

    def close(self) -> None:
        if self._handle.closed:
            return
        self._handle.close()
        self._bag._stream_closed(self._relpath, self._local, self._hashes)

    def __enter__(self) -> PayloadStream:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class BagWriter:
    """Write one bag to ``target`` (a directory, or a ``.zip`` file when ``as_zip``)."""

    def __init__(self, target: Path, *, as_zip: bool) -> None:
        self.target = target
        self.as_zip = as_zip
        parent = target.parent
        self.work = parent / f".{target.name}.partial-{secrets.token_hex(4)}"
        try:
            self.work.mkdir()
        except OSError as exc:
            raise BagWriteError(f"cannot write the bundle to {target}: {exc.strerror}") from exc
        self.files = 0
        self.bytes = 0
        #: Names written and other facts too many to keep in memory (see :class:`DiskIndex`).
        self.index = DiskIndex(self.work / "index.sqlite")
        self._zip: CentralDirectorySpill | None = None
        self._data = os.path.join(self.work, "data")
        self._stamp = datetime.now(UTC).timetuple()[:6]
        if as_zip:
            self.spool = self.work / "spool"
            self.spool.mkdir()
            self.tags = self.work / "tags"
            self.tags.mkdir()
            self._zip = CentralDirectorySpill(
                zipfile.ZipFile(self.work / "bag.zip", "w", allowZip64=True),
                self.work / "central-directory",
            )
            self._prefix = f"{target.stem}/"
        else:
            self.spool = self.tags = self.work / "bag"
            self.tags.mkdir()
            self._data = os.path.join(self.tags, "data")
            os.mkdir(self._data)
        self._manifests = [
            (self.tags / f"manifest-{name}.txt").open("w", encoding="utf-8", newline="\n")
            for name in ALGORITHMS
        ]

    # -- payload -----------------------------------------------------------------------

    def has(self, relpath: str) -> bool:
        return self.index.get("file:" + relpath) is not None

    def add_file(self, relpath: str, source: str | os.PathLike[str]) -> str | None:
        """Copy ``source`` into the payload as ``data/<relpath>``; the SHA-256 of what was
        copied, or None when that path was already written."""
        _check(relpath)
        if self.has(relpath):
            return None
        hashes = _Hashes()
        with open(source, "rb") as src:
            if self._zip is not None:
                big = os.fstat(src.fileno()).st_size > 0x7FFF0000
                with self._zip.archive.open(self._zip_info(relpath), "w", force_zip64=big) as out:
                    _pump(src, out, hashes)
                self._zip.spill()
            else:
                local = os.path.join(self._data, relpath)
                os.makedirs(os.path.dirname(local), exist_ok=True)
                with open(local, "xb") as out:
                    _pump(src, out, hashes)
        self._record(relpath, hashes)
        return hashes.hex()[0]

    def add_bytes(self, relpath: str, data: bytes) -> None:
        with self.open_stream(relpath) as stream:
            stream.write_bytes(data)

    def open_stream(self, relpath: str) -> PayloadStream:
        """A payload file to write incrementally; several may be open at once."""
        _check(relpath)
        if self._zip is not None:
            local = self.spool / relpath.replace("/", "__")
        else:
            local = Path(self._data) / relpath
            local.parent.mkdir(parents=True, exist_ok=True)
        return PayloadStream(self, relpath, local)

    def _stream_closed(self, relpath: str, local: Path, hashes: _Hashes) -> None:
        if self._zip is not None:
            with (
                local.open("rb") as src,
                self._zip.archive.open(
                    self._zip_info(relpath), "w", force_zip64=hashes.size > 0x7FFF0000
                ) as out,
            ):
                shutil.copyfileobj(src, out, CHUNK)
            self._zip.spill()
            local.unlink()
        self._record(relpath, hashes)

    def _record(self, relpath: str, hashes: _Hashes) -> None:
        self.index.put("file:" + relpath, hashes.size)
        for manifest, digest in zip(self._manifests, hashes.hex(), strict=True):
            manifest.write(f"{digest}  data/{relpath}\n")
        self.files += 1
        self.bytes += hashes.size

    def _zip_info(self, relpath: str, *, tag: bool = False) -> zipfile.ZipInfo:
        name = f"{self._prefix}{relpath}" if tag else f"{self._prefix}data/{relpath}"
        info = zipfile.ZipInfo(name, date_time=self._stamp)
        stored = relpath.lower().endswith(_STORED_SUFFIXES)
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    # -- tag files and the move into place -----------------------------------------------

    def finish(
        self,
        info: Iterable[tuple[str, str]],
        *,
        replace: bool = False,
        seal: Callable[[Path], dict[str, bytes]] | None = None,
    ) -> Path:
        """Write the tag files, then move the finished bag to ``target``.

        ``seal`` is called with the folder of tag files once the tag manifests are
        written, and returns more tag files (relative path -> bytes) that no manifest
        lists: a timestamp over the tag manifest cannot be listed in it.
        """
        for manifest in self._manifests:
            manifest.close()
        self.index.close()
        lines = [f"{label}: {_one_line(value)}" for label, value in info if value]
        lines.append(f"Payload-Oxum: {self.bytes}.{self.files}")
        (self.tags / "bagit.txt").write_text(BAGIT_TXT, encoding="utf-8", newline="\n")
        (self.tags / "bag-info.txt").write_text(
            "\n".join(lines) + "\n", encoding="utf-8", newline="\n"
        )
        tag_files = ["bagit.txt", "bag-info.txt", *(f"manifest-{a}.txt" for a in ALGORITHMS)]
        for index, name in enumerate(ALGORITHMS):
            with (self.tags / f"tagmanifest-{name}.txt").open(
                "w", encoding="utf-8", newline="\n"
            ) as out:
                for tag in tag_files:
                    out.write(f"{_file_hashes(self.tags / tag)[index]}  {tag}\n")
        sealed = _write_sealed(self.tags, seal(self.tags) if seal else {})
        if self._zip is not None:
            for tag in [*tag_files, *(f"tagmanifest-{a}.txt" for a in ALGORITHMS), *sealed]:
                with (
                    (self.tags / tag).open("rb") as src,
                    self._zip.archive.open(self._zip_info(tag, tag=True), "w") as out,
                ):
                    shutil.copyfileobj(src, out, CHUNK)
            self._zip.close()
            self._zip = None
            _replace_file(self.work / "bag.zip", self.target, replace)
        else:
            _replace_dir(self.tags, self.target, replace)
        shutil.rmtree(self.work, ignore_errors=True)
        return self.target

    def abort(self) -> None:
        """Remove everything written so far; the target is left as it was."""
        for manifest in self._manifests:
            manifest.close()
        self.index.close()
        if self._zip is not None:
            # The zip goes with the work directory; a member left open makes close() refuse.
            with contextlib.suppress(OSError, ValueError):
                self._zip.close()
            self._zip = None
        shutil.rmtree(self.work, ignore_errors=True)


class DiskIndex:
    """A key → integer map on disk (SQLite), for what grows with the bundle: the names
    already written, the WARC records already copied. Lives in the work directory."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
        self._db.execute("BEGIN")

    def get(self, key: str) -> int | None:
        row = self._db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        return None if row is None else int(row[0])

    def put(self, key: str, value: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?)", (key, value))

    def close(self) -> None:
        self._db.close()


def _write_sealed(tags: Path, files: dict[str, bytes]) -> list[str]:
    """Write the tag files a seal returned; their names."""
    for relpath, data in files.items():
        _check(relpath)
        if relpath.split("/")[0] == "data" or (tags / relpath).exists():
            raise ValueError(f"a seal may not write {relpath!r}")
        (tags / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tags / relpath).write_bytes(data)
    return list(files)


def _check(relpath: str) -> None:
    if not _SAFE_PATH.match(relpath) or ".." in relpath.split("/"):
        raise ValueError(f"unsafe payload path {relpath!r}")


def _pump(src: IO[bytes], out: IO[bytes], hashes: _Hashes) -> None:
    while chunk := src.read(CHUNK):
        hashes.update(chunk)
        out.write(chunk)


def _file_hashes(path: Path) -> list[str]:
    hashes = _Hashes()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            hashes.update(chunk)
    return hashes.hex()


def _one_line(value: str) -> str:
    return re.sub(r"[\r\n]+", " ", str(value)).strip()


def _replace_file(source: Path, target: Path, replace: bool) -> None:
    if target.exists() and not replace:
        raise BagWriteError(f"{target} already exists (use --force to replace it)")
    os.replace(source, target)


def _replace_dir(source: Path, target: Path, replace: bool) -> None:
    if not target.exists():
        source.rename(target)
        return
    if not replace:
        raise BagWriteError(f"{target} already exists (use --force to replace it)")
    old = target.parent / f".{target.name}.old-{secrets.token_hex(4)}"
    target.rename(old)
    source.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def bagging_date() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")
