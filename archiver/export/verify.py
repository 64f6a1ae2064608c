"""Checking a bundle without trusting whoever made it or passed it on.

Three independent checks, each naming the file that fails: the BagIt manifests (every
payload and tag file against its SHA-256 and SHA-512, by the ``bagit`` library); every
record's content hash, recomputed from ``posts.jsonl`` (and from each capture's record);
and every content-addressed file (raw captures, media) against the hash in its name.

A zip is untrusted input: each member's path is checked before anything is extracted,
and a member that would land outside the extraction directory (``../``, an absolute
path, a drive letter, a symbolic link) makes the whole zip refused (zip-slip).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import stat
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import bagit

from archiver.evidence.authorities import shipped_certificates
from archiver.evidence.tsa import Trust
from archiver.export.selection import ExportError
from archiver.export.verify_time import TimeFindings, check_timestamps
from archiver.record import content_hash_of_dict

# bagit logs every mismatch as a warning; the report below names them instead.
logging.getLogger("bagit").addHandler(logging.NullHandler())
logging.getLogger("bagit").propagate = False

_NAMED_BY_HASH = ("data/captures/raw/", "data/media/")
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
#: What reading a damaged zip can raise (a flipped flag asks for a password, a flipped
#: method names an unknown compression, a flipped offset seeks before the file's start).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    OverflowError,
    NotImplementedError,
    RuntimeError,
)


class BundleUnreadable(ExportError):
    """The path is not a bundle archiver can open (not a bag, a broken or unsafe zip)."""


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class VerifyReport:
    bundle: Path
    posts: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: What the bundle's timestamps prove (see :mod:`archiver.export.verify_time`).
    time: TimeFindings | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle": str(self.bundle),
            "ok": self.ok,
            "posts": self.posts,
            "files": self.files,
            "problems": [{"path": p.path, "message": p.message} for p in self.problems],
            "timestamps": self.time.to_json() if self.time is not None else None,
        }


# -- zips ---------------------------------------------------------------------------------


def unsafe_member(info: zipfile.ZipInfo) -> str | None:
    """Why a zip member may not be extracted, or None when its path is safe."""
    name = info.filename
    if "\\" in name or "\x00" in name:
        return "has a backslash or NUL in its name"
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and path.parts[0].endswith(":")):
        return "has an absolute path"
    if ".." in path.parts:
        return "climbs out of the bundle with '..'"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    return None


def _unpack(zip_path: Path, into: Path, report: VerifyReport) -> Path:
    try:
        archive = zipfile.ZipFile(zip_path)
    except _ZIP_ERRORS as exc:
        raise BundleUnreadable(f"{zip_path} is not a readable zip: {exc}") from exc
    with archive:
        members = archive.infolist()
        for info in members:
            reason = unsafe_member(info)
            if reason:
                raise BundleUnreadable(
                    f"refusing {zip_path}: member {info.filename!r} {reason} (zip-slip); "
                    "nothing was extracted"
                )
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
            except _ZIP_ERRORS as exc:
                report.problems.append(Problem(info.filename, f"damaged in the zip ({exc})"))
    return _bag_root(into, zip_path)


def _check_headers(zip_path: Path, members: list[zipfile.ZipInfo], report: VerifyReport) -> None:
    """Each member's local header must agree with its central-directory entry, and no name
    may appear twice: a changed byte in either copy of a member's metadata is named."""
    seen: set[str] = set()
    with zip_path.open("rb") as handle:
        for info in members:
            if info.filename in seen:
                report.problems.append(Problem(info.filename, "appears twice in the zip"))
            seen.add(info.filename)
            try:
                mismatch = _local_header_mismatch(handle, info)
            except (OSError, ValueError, OverflowError) as exc:
                mismatch = f"local header cannot be read ({exc})"
            if mismatch:
                report.problems.append(Problem(info.filename, mismatch))


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


def _bag_root(directory: Path, shown: Path) -> Path:
    if (directory / "bagit.txt").is_file():
        return directory
    children = [child for child in directory.iterdir() if child.is_dir()]
    if len(children) == 1 and (children[0] / "bagit.txt").is_file():
        return children[0]
    raise BundleUnreadable(f"{shown} is not a bundle: no bagit.txt found")


# -- the checks -------------------------------------------------------------------------


def _check_bag(root: Path, report: VerifyReport) -> None:
    try:
        bag = bagit.Bag(str(root))
    except bagit.BagError as exc:
        raise BundleUnreadable(
            f"{report.bundle} is a corrupted bag (bagit.txt or a manifest cannot be read): {exc}"
        ) from exc
    report.files = len(bag.payload_entries())
    while True:
        try:
            bag.validate(processes=1)
            return
        except bagit.BagValidationError as exc:
            if exc.details:
                report.problems.extend(_detail(d) for d in exc.details)
                return
            report.problems.append(Problem(_oxum_file(exc), str(exc)))
        except bagit.BagError as exc:
            report.problems.append(Problem(_oxum_file(exc), f"bag check failed: {exc}"))
        if "Payload-Oxum" not in bag.info:
            return
        # The file count and size failed: check again without them, to name the files.
        bag.info.pop("Payload-Oxum")


def _oxum_file(exc: Exception) -> str:
    return "bag-info.txt" if "Payload-Oxum" in str(exc) else ""


def _detail(detail: Any) -> Problem:
    path = str(getattr(detail, "path", "") or "")
    if isinstance(detail, bagit.ChecksumMismatch):
        manifest = "manifest" if path.startswith("data/") else "tagmanifest"
        return Problem(
            path,
            f"{detail.algorithm} does not match {manifest}-{detail.algorithm}.txt "
            f"(expected {detail.expected}, found {detail.found})",
        )
    if isinstance(detail, bagit.FileMissing):
        return Problem(path, "listed in a manifest but missing")
    if isinstance(detail, bagit.UnexpectedFile):
        return Problem(path, "present but not listed in any manifest")
    return Problem(path, str(detail))


_DIGEST_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}
_MANIFEST_LINE = re.compile(rb"^([0-9a-fA-F]+)[ \t]+(\S[^\r\n]*)\r?\n$")


def _check_manifest_files(root: Path, report: VerifyReport) -> None:
    """Every manifest line well formed and naming a file that exists, so a damaged
    manifest is named itself (bagit skips lines it cannot parse)."""
    for manifest in sorted(root.glob("*manifest-*.txt")):
        length = _DIGEST_LENGTHS.get(manifest.stem.split("-", 1)[1])
        with manifest.open("rb") as handle:
            for number, line in enumerate(handle, 1):
                match = _MANIFEST_LINE.match(line)
                if not match or (length and len(match.group(1)) != length):
                    report.problems.append(Problem(manifest.name, f"line {number} is malformed"))
                    continue
                try:
                    listed = match.group(2).decode("utf-8")
                except UnicodeDecodeError:
                    report.problems.append(Problem(manifest.name, f"line {number} is not UTF-8"))
                    continue
                if not (root / listed).is_file():
                    report.problems.append(
                        Problem(manifest.name, f"line {number} lists {listed!r}, which is absent")
                    )


def _hash_problem(record: Any, where: str, line: int) -> Problem | None:
    if not isinstance(record, dict):
        return Problem(where, f"line {line}: not a JSON object")
    key = record.get("key")
    try:
        computed = content_hash_of_dict(record)
    except Exception as exc:
        return Problem(where, f"line {line} ({key}): cannot be hashed ({exc})")
    if record.get("content_hash") != computed:
        return Problem(
            where,
            f"line {line} ({key}): content hash {record.get('content_hash')} "
            f"does not match the recomputed {computed}",
        )
    if key != f"{record.get('platform')}:{record.get('post_id')}":
        return Problem(where, f"line {line}: key {key!r} is not platform:post_id")
    return None


def _json_lines(path: Path, where: str, report: VerifyReport) -> Any:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                yield number, json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                report.problems.append(Problem(where, f"line {number}: not valid JSON ({exc})"))


def _check_records(root: Path, report: VerifyReport) -> None:
    posts = root / "data" / "posts.jsonl"
    if not posts.is_file():
        report.problems.append(Problem("data/posts.jsonl", "missing"))
        return
    for number, record in _json_lines(posts, "data/posts.jsonl", report):
        report.posts += 1
        problem = _hash_problem(record, "data/posts.jsonl", number)
        if problem:
            report.problems.append(problem)
    catalog = root / "data" / "captures" / "captures.jsonl"
    if not catalog.is_file():
        return
    where = "data/captures/captures.jsonl"
    for number, entry in _json_lines(catalog, where, report):
        captures = entry.get("captures") if isinstance(entry, dict) else None
        for capture in captures or []:
            record = capture.get("record") if isinstance(capture, dict) else None
            if record is not None:
                problem = _hash_problem(record, where, number)
                if problem:
                    report.problems.append(problem)


def _check_named_files(root: Path, report: VerifyReport) -> None:
    for prefix in _NAMED_BY_HASH:
        folder = root / prefix
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            expected = path.name.split(".", 1)[0]
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            if digest.hexdigest() != expected:
                rel = path.relative_to(root).as_posix()
                found = digest.hexdigest()
                report.problems.append(
                    Problem(rel, f"SHA-256 is {found}, not {expected} (its name)")
                )


def verify_bundle(path: Path, trust: Trust | None = None) -> VerifyReport:
    """Check the bundle at ``path`` (directory or .zip); problems are listed, not raised.

    ``trust`` holds the certificates its timestamps may chain to (by default those
    archiver ships). Raises :class:`BundleUnreadable` when ``path`` cannot be opened as
    a bundle at all.
    """
    report = VerifyReport(bundle=path)
    trust = trust if trust is not None else Trust.of(shipped_certificates())
    if not path.exists():
        raise BundleUnreadable(f"{path} does not exist")
    if path.is_dir():
        _verify_root(_bag_root(path, path), report, trust)
        return report
    if not zipfile.is_zipfile(path):
        raise BundleUnreadable(f"{path} is neither a bundle directory nor a zip")
    with tempfile.TemporaryDirectory(prefix="archiver-verify-") as temp:
        root = _unpack(path, Path(temp), report)
        _verify_root(root, report, trust)
    return report


def _verify_root(root: Path, report: VerifyReport, trust: Trust) -> None:
    _check_manifest_files(root, report)
    _check_bag(root, report)
    _check_records(root, report)
    _check_named_files(root, report)
    report.time = check_timestamps(
        root, trust, lambda where, message: report.problems.append(Problem(where, message))
    )
