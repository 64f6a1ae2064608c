"""Unpacking a zipped bundle for ``verify``, which trusts nothing in it.

Every member is checked before a byte is extracted: its path (an absolute path, a drive
letter, ``..``, a backslash: zip-slip), its type (only files and folders: no symbolic
link, FIFO or device), and its size (a member that inflates far beyond what any bundle
needs, or a zip whose members add up to far more than the zip itself, is a zip bomb).
Any of these refuses the whole zip. Then each member's local header must agree with its
central-directory entry, and a member whose bytes fail the zip's CRC is named as damaged.
"""

from __future__ import annotations

import shutil
import stat
import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from archiver.export.verify_report import BundleUnreadable, VerifyReport

#: A member may inflate to at most this many times its compressed size (beyond
#: ``RATIO_FLOOR`` bytes), and all members together to at most this many times the zip's
#: own size. Deflate reaches about 1,000:1 on repeated bytes; the JSON, HTML and text of
#: archiver's bundles stay far below 100:1 (see docs/export.md).
MAX_RATIO = 100
RATIO_FLOOR = 1 << 20
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
#: What reading a damaged zip can raise (a flipped flag asks for a password, a flipped
#: method names an unknown compression, a flipped offset seeks before the file's start).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    OverflowError,
    NotImplementedError,
    RuntimeError,
)


def unsafe_member(info: zipfile.ZipInfo) -> str | None:
    """Why a zip member may not be extracted, or None when its path and type are safe."""
    name = info.filename
    if "\\" in name or "\x00" in name:
        return "has a backslash or NUL in its name (zip-slip)"
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and path.parts[0].endswith(":")):
        return "has an absolute path (zip-slip)"
    if ".." in path.parts:
        return "climbs out of the bundle with '..' (zip-slip)"
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "is a symbolic link (zip-slip)"
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "is a device, FIFO or socket, not a file"
    return None


def _bomb(zip_path: Path, members: list[zipfile.ZipInfo]) -> str | None:
    """Why the declared sizes are absurd, or None. ``zipfile`` never inflates a member
    past its declared size, so checking the declared sizes bounds what is written."""
    for info in members:
        if info.file_size > max(RATIO_FLOOR, MAX_RATIO * info.compress_size):
            return (
                f"member {info.filename!r} would inflate {info.compress_size:,} bytes to "
                f"{info.file_size:,} (more than {MAX_RATIO}:1; a zip bomb?)"
            )
    total, size = sum(info.file_size for info in members), zip_path.stat().st_size
    if total > max(RATIO_FLOOR, MAX_RATIO * size):
        return (
            f"its members would inflate to {total:,} bytes from a zip of {size:,} "
            f"(more than {MAX_RATIO}:1; a zip bomb?)"
        )
    return None


def unpack(zip_path: Path, into: Path, report: VerifyReport) -> None:
    """Extract ``zip_path`` into ``into`` after checking every member (see the module)."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except ZIP_ERRORS as exc:
        raise BundleUnreadable(f"{zip_path} is not a readable zip: {exc}") from exc
    with archive:
        members = archive.infolist()
        for info in members:
            reason = unsafe_member(info)
            if reason:
                raise BundleUnreadable(
                    f"refusing {zip_path}: member {info.filename!r} {reason}; nothing was extracted"
                )
        reason = _bomb(zip_path, members)
        if reason:
            raise BundleUnreadable(f"refusing {zip_path}: {reason}; nothing was extracted")
        needed = sum(info.file_size for info in members)
        free = shutil.disk_usage(into).free
        if needed > free:
            raise BundleUnreadable(f"{zip_path} needs {needed} bytes to unpack; {free} are free")
        _check_headers(zip_path, members, report)
        root = into.resolve()
        for info in members:
            target = (root / info.filename).resolve()
            if not target.is_relative_to(root):
                raise BundleUnreadable(f"refusing {zip_path}: member {info.filename!r} escapes")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as src, target.open("wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
            except ZIP_ERRORS as exc:
                report.add(info.filename, f"damaged in the zip ({exc})")


def _check_headers(zip_path: Path, members: list[zipfile.ZipInfo], report: VerifyReport) -> None:
    """Each member's local header must agree with its central-directory entry, and no name
    may appear twice: a changed byte in either copy of a member's metadata is named."""
    seen: set[str] = set()
    with zip_path.open("rb") as handle:
        for info in members:
            if info.filename in seen:
                report.add(info.filename, "appears twice in the zip")
            seen.add(info.filename)
            try:
                mismatch = _local_header_mismatch(handle, info)
            except (OSError, ValueError, OverflowError) as exc:
                mismatch = f"local header cannot be read ({exc})"
            if mismatch:
                report.add(info.filename, mismatch)


def _local_header_mismatch(handle: BinaryIO, info: zipfile.ZipInfo) -> str | None:
    handle.seek(info.header_offset)
    raw = handle.read(_LOCAL_HEADER.size)
    if len(raw) < _LOCAL_HEADER.size:
        return "local header is cut short"
    signature, version, flags, method, time, date, crc, packed, size, _, _ = _LOCAL_HEADER.unpack(
        raw
    )
    if signature != b"PK\x03\x04":
        return "no local header where the central directory points"
    year, month, day, hour, minute, second = info.date_time
    fields = {
        "flags": (flags, info.flag_bits),
        "method": (method, info.compress_type),
        "time": (time, hour << 11 | minute << 5 | second // 2),
        "date": (date, (year - 1980) << 9 | month << 5 | day),
    }
    if max(version, info.extract_version) < 45:  # Zip64 may raise one copy's version only
        fields["version"] = (version, info.extract_version)
    if not flags & 0x08:  # sizes and CRC are in the local header, not a trailing descriptor
        fields["CRC"] = (crc, info.CRC)
        if packed != 0xFFFFFFFF:
            fields["compressed size"] = (packed, info.compress_size)
        if size != 0xFFFFFFFF:
            fields["size"] = (size, info.file_size)
    differ = [name for name, (local, central) in fields.items() if local != central]
    if differ:
        return f"local header disagrees with the central directory ({', '.join(differ)})"
    return None
