"""Checking a bundle without trusting whoever made it or passed it on.

Independent checks, each naming the file that fails: the BagIt manifests (every payload
and tag file against its SHA-256 and SHA-512, by the ``bagit`` library); what the files
say (:mod:`~archiver.export.verify_content`: every record's content hash, and
``posts.jsonl``, ``captures/captures.jsonl`` and ``index.html`` against each other); and
every content-addressed file (raw captures, media) against the hash in its name.

A bundle is untrusted input. A zip is checked member by member before anything is
extracted (:mod:`~archiver.export.verify_zip`); a directory may hold only regular files
and folders (a FIFO would block the first read for ever, a device never end, a symbolic
link point outside), and that is checked before any file is opened.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import bagit

from archiver.evidence.authorities import shipped_certificates
from archiver.evidence.tsa import Trust
from archiver.export.screenshots import check_screenshots
from archiver.export.verify_content import check_contents
from archiver.export.verify_report import BundleUnreadable, Problem, VerifyReport
from archiver.export.verify_time import check_timestamps
from archiver.export.verify_zip import unpack

__all__ = ["BundleUnreadable", "Problem", "VerifyReport", "verify_bundle"]

# bagit logs every mismatch as a warning; the report below names them instead.
logging.getLogger("bagit").addHandler(logging.NullHandler())
logging.getLogger("bagit").propagate = False

_NAMED_BY_HASH = ("data/captures/raw/", "data/media/", "data/screenshots/")
#: bagit reads these whole; archiver writes a few hundred bytes of each.
_SMALL_TAG_FILES = {"bagit.txt": 1 << 16, "bag-info.txt": 1 << 20}


def _bag_root(directory: Path, shown: Path) -> Path:
    if (directory / "bagit.txt").is_file():
        return directory
    children = [child for child in directory.iterdir() if child.is_dir()]
    if len(children) == 1 and (children[0] / "bagit.txt").is_file():
        return children[0]
    raise BundleUnreadable(f"{shown} is not a bundle: no bagit.txt found")


def _kind(mode: int) -> str | None:
    """What a file of ``mode`` is, when it is neither a regular file nor a folder."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    # Equivalent mutants: POSIX has no other kind of file; this names one a system adds.
    return "not a regular file"  # pragma: no mutate


def _check_tree(root: Path, shown: Path) -> None:
    """Refuse a bundle holding anything but regular files and folders, before any is read."""
    folders = [root]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                mode = os.lstat(entry.path).st_mode  # a link itself, never its target
                kind = _kind(mode)
                if kind:
                    name = Path(entry.path).relative_to(root).as_posix()
                    raise BundleUnreadable(
                        f"refusing {shown}: {name!r} is {kind}; a bundle holds only "
                        "regular files and folders"
                    )
                if stat.S_ISDIR(mode):
                    folders.append(Path(entry.path))
    for name, limit in _SMALL_TAG_FILES.items():
        path = root / name
        if path.is_file() and path.stat().st_size > limit:
            raise BundleUnreadable(f"refusing {shown}: {name} is larger than any bag's")


# -- the checks -------------------------------------------------------------------------


#: What bagit raises on tag files it cannot read: BagError, or UnicodeDecodeError for a
#: manifest that is not UTF-8.
_BAGIT_PARSE_ERRORS = (bagit.BagError, UnicodeDecodeError)


def _check_bag(root: Path, report: VerifyReport) -> None:
    try:
        bag = bagit.Bag(str(root))
    except _BAGIT_PARSE_ERRORS as exc:
        raise BundleUnreadable(
            f"{report.bundle} is a corrupted bag (bagit.txt or a manifest cannot be read): {exc}"
        ) from exc
    report.files = len(bag.payload_entries())
    if _validate(bag, report) == "bag-info.txt" and "Payload-Oxum" in bag.info:
        # The file count and size failed: check again without them, to name the files.
        del bag.info["Payload-Oxum"]
        _validate(bag, report)


def _validate(bag: Any, report: VerifyReport) -> str | None:
    """One run of bagit's checks, its findings added to ``report``; the file named when
    bagit stopped at one problem of its own (``""`` for the bag as a whole)."""
    try:
        # Equivalent mutants: more processes (bagit's pool) find the same; one keeps a
        # check from taking every core.
        bag.validate(processes=1)  # pragma: no mutate
    except bagit.BagValidationError as exc:
        if exc.details:
            report.problems.extend(_detail(d) for d in exc.details)
            return None
        report.add(_oxum_file(exc), str(exc))
    except bagit.BagError as exc:
        report.add(_oxum_file(exc), f"bag check failed: {exc}")
    except ValueError as exc:  # bagit splitting a Payload-Oxum that has no dot
        report.add("bag-info.txt", f"Payload-Oxum cannot be read ({exc})")
    else:
        return None
    return report.problems[-1].path


def _oxum_file(exc: Exception) -> str:
    return "bag-info.txt" if "Payload-Oxum" in str(exc) else ""


def _detail(detail: Any) -> Problem:
    """One of bagit's details: ChecksumMismatch, FileMissing or UnexpectedFile (the only
    kinds bagit 1.x gives, each with the path of its file)."""
    path = str(detail.path)
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
    # Equivalent mutants: no detail of bagit 1.x reaches this line; it keeps a later
    # version's new kind of detail reported in bagit's words.
    return Problem(path, str(detail))  # pragma: no mutate


_DIGEST_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}
_MANIFEST_LINE = re.compile(rb"^([0-9a-fA-F]+)[ \t]+(\S[^\r\n]*)\r?\n$")


def _check_manifest_files(root: Path, report: VerifyReport) -> None:
    """Every manifest line well formed and naming a file that exists, so a damaged
    manifest is named itself (bagit skips lines it cannot parse)."""
    for manifest in sorted(root.glob("*manifest-*.txt")):
        # Equivalent mutants: a manifest is named (tag)manifest-ALG.txt, with one "-", so
        # split or rsplit, with any number of splits, give ALG.
        algorithm = manifest.stem.split("-", 1)[1]  # pragma: no mutate
        length = _DIGEST_LENGTHS.get(algorithm)
        with manifest.open("rb") as handle:
            for number, line in enumerate(handle, 1):
                match = _MANIFEST_LINE.match(line)
                if not match or (length and len(match.group(1)) != length):
                    report.add(manifest.name, f"line {number} is malformed")
                    continue
                try:
                    listed = match.group(2).decode()  # UTF-8, as BagIt's manifests are
                except UnicodeDecodeError:
                    report.add(manifest.name, f"line {number} is not UTF-8")
                    continue
                if not (root / listed).is_file():
                    report.add(manifest.name, f"line {number} lists {listed!r}, which is absent")


def _check_named_files(root: Path, report: VerifyReport) -> None:
    for prefix in _NAMED_BY_HASH:
        folder = root / prefix
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            expected = path.name.partition(".")[0]  # the hash, then any extension
            with path.open("rb") as handle:  # read in chunks, never whole
                found = hashlib.file_digest(handle, hashlib.sha256).hexdigest()
            if found != expected:
                rel = path.relative_to(root).as_posix()
                report.add(rel, f"SHA-256 is {found}, not {expected} (its name)")


def verify_bundle(path: Path, trust: Trust | None = None) -> VerifyReport:
    """Check the bundle at ``path`` (directory or .zip); problems are listed, not raised.

    ``trust`` holds the certificates its timestamps may chain to (by default those
    archiver ships). Raises :class:`BundleUnreadable` when ``path`` cannot be opened as
    a bundle at all.
    """
    report = VerifyReport(bundle=path)
    trust = trust if trust is not None else Trust.of(shipped_certificates())
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise BundleUnreadable(f"{path} does not exist") from None
    if stat.S_ISDIR(mode):
        _verify_root(_bag_root(path, path), path, report, trust)
        return report
    if not stat.S_ISREG(mode):
        raise BundleUnreadable(f"{path} is {_kind(mode)}, neither a bundle directory nor a zip")
    if not zipfile.is_zipfile(path):
        raise BundleUnreadable(f"{path} is neither a bundle directory nor a zip")
    # Equivalent mutants: the prefix only names the temporary folder, which no message shows.
    with tempfile.TemporaryDirectory(prefix="archiver-verify-") as temp:  # pragma: no mutate
        unpack(path, Path(temp), report)
        _verify_root(_bag_root(Path(temp), path), path, report, trust)
    return report


def _verify_root(root: Path, shown: Path, report: VerifyReport, trust: Trust) -> None:
    _check_tree(root, shown)
    _check_manifest_files(root, report)
    _check_bag(root, report)
    check_contents(root, report)
    check_screenshots(root, report)
    _check_named_files(root, report)
    report.time = check_timestamps(root, trust, report.add)
