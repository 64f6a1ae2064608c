"""``verify``'s time step: are the bundle's timestamps sound, and what do they prove?

Each token (over the tag manifest, or over a tree's root) is checked once: signature,
certificate chain at the token's time, and message imprint (see
:func:`archiver.evidence.tsa.verify_token`). A chain is first built to the certificates
archiver trusts (those it ships and those configured), the bundle's own certificates
serving only as intermediates; failing that, to the bundle's own roots, which is
reported as a note naming the root's fingerprint, for the reader to compare with the
authority's published one. Then each timestamped capture is checked: its leaf values
against the capture in ``captures/captures.jsonl`` and its raw bytes, its Merkle path up
to the root its tokens stamp. Anything that does not hold is a problem naming the file
and the capture; a bundle without timestamps verifies as before, with a note.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.evidence import TimestampError, TokenUntrusted
from archiver.evidence.merkle import MerkleError, leaf_hash, root_from_path
from archiver.evidence.tsa import (
    Trust,
    Verified,
    fingerprint,
    iso,
    load_certificates,
    verify_token,
)
from archiver.export.timestamps import CERTIFICATES_FILE, FOLDER, PATHS_FILE, TAG_MANIFEST

Report = Callable[[str, str], None]
_RAW = "data/captures/raw/"
#: A token is a few kilobytes, a certificate file a few more; a bundle is untrusted input.
_MAX_TOKEN_BYTES = 1 << 20
_MAX_CERTIFICATES_BYTES = 4 << 20
_CATALOG = "data/captures/captures.jsonl"
#: Screenshots are leaves too: their list, and their PNGs (see archiver.export.screenshots).
_SHOTS = "data/captures/screenshots.jsonl"


@dataclass(frozen=True)
class Proof:
    """One token that verified: the time it proves, who signed, what it chains to."""

    time: str
    tsa: str
    trusted_by: str

    def to_json(self) -> dict[str, str]:
        return {"time": self.time, "tsa": self.tsa, "trusted_by": self.trusted_by}


@dataclass
class CaptureTime:
    key: str
    capture_id: int | None
    captured_at: str | None
    proofs: list[Proof] = field(default_factory=list)

    @property
    def earliest(self) -> Proof | None:
        return min(self.proofs, key=lambda proof: proof.time, default=None)


@dataclass
class TimeFindings:
    """What the timestamps of a bundle prove (problems go to the report itself)."""

    bundle: list[Proof] = field(default_factory=list)
    captures: dict[str, list[CaptureTime]] = field(default_factory=dict)
    #: Timestamped screenshots by post (``capture_id`` holds the screenshot's id and
    #: ``captured_at`` when it was taken).
    screenshots: dict[str, list[CaptureTime]] = field(default_factory=dict)
    unstamped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle": [proof.to_json() for proof in self.bundle],
            "captures": _times_json(self.captures, "capture_id", "captured_at"),
            "screenshots": _times_json(self.screenshots, "screenshot_id", "taken_at"),
            "unstamped_posts": self.unstamped,
            "notes": self.notes,
        }


def _times_json(
    found: dict[str, list[CaptureTime]], id_name: str, time_name: str
) -> list[dict[str, Any]]:
    return [
        {
            "key": c.key,
            id_name: c.capture_id,
            time_name: c.captured_at,
            "existed_by": [proof.to_json() for proof in c.proofs],
        }
        for times in found.values()
        for c in times
    ]


class _Tokens:
    """Checks each token once, against archiver's trust first, then the bundle's own."""

    def __init__(self, root: Path, trust: Trust, findings: TimeFindings) -> None:
        self.root, self.findings = root, findings
        shipped = _certificates(root / CERTIFICATES_FILE) + _certificates(
            root / "data" / CERTIFICATES_FILE
        )
        self.trusted = trust.plus(Trust.of(shipped).only_intermediates())
        self.self_trusted = trust.plus(Trust.of(shipped))
        self._done: dict[tuple[str, bytes], Proof | str] = {}

    def check(self, relpath: str, message: bytes) -> Proof | str:
        """The proof in the token at ``relpath`` over ``message``, or why there is none."""
        if (relpath, message) not in self._done:
            self._done[relpath, message] = self._check(relpath, message)
        return self._done[relpath, message]

    def _check(self, relpath: str, message: bytes) -> Proof | str:
        path = self.root / relpath
        if not _inside(self.root, path) or not path.is_file():
            return "the token file is missing"
        if path.stat().st_size > _MAX_TOKEN_BYTES:
            return "the token file is larger than any token"
        reply = path.read_bytes()
        try:
            return _proof(verify_token(reply, message, self.trusted), "archiver's certificates")
        except TokenUntrusted as untrusted:
            try:
                verified = verify_token(reply, message, self.self_trusted)
            except TimestampError:
                return str(untrusted)
        except TimestampError as exc:
            return str(exc)
        anchor = verified.root
        named = anchor.subject.rfc4514_string() if anchor is not None else "unknown"
        sha = fingerprint(anchor) if anchor is not None else "?"
        self.findings.notes.append(
            f"{relpath} chains only to a certificate the bundle itself ships ({named}, "
            f"SHA-256 {sha}): compare it with the authority's published certificate, or add "
            "that to [timestamps] certificates"
        )
        return _proof(verified, "the bundle's own certificate")


def _proof(verified: Verified, trusted_by: str) -> Proof:
    return Proof(iso(verified.gen_time), verified.signer, trusted_by)


def _certificates(path: Path) -> list[Any]:
    if not path.is_file() or path.stat().st_size > _MAX_CERTIFICATES_BYTES:
        return []
    try:
        return load_certificates(path.read_bytes(), path.name)
    except TimestampError:
        return []


def _inside(root: Path, path: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


def check_timestamps(root: Path, trust: Trust, problem: Report) -> TimeFindings:
    """Check every timestamp in the bag at ``root``; ``problem(path, message)`` reports
    what fails. Returns what the timestamps prove."""
    findings = TimeFindings()
    tokens = _Tokens(root, trust, findings)
    bag_tokens = sorted((root / FOLDER).glob(f"{TAG_MANIFEST}.*.tsr"))
    manifest = root / TAG_MANIFEST
    for path in bag_tokens:
        relpath = path.relative_to(root).as_posix()
        if not manifest.is_file():
            problem(relpath, f"it stamps {TAG_MANIFEST}, which is missing")
            continue
        result = tokens.check(relpath, manifest.read_bytes())
        if isinstance(result, Proof):
            findings.bundle.append(result)
        else:
            problem(relpath, f"the timestamp over {TAG_MANIFEST} does not hold: {result}")
    stamped_keys = _check_captures(root, tokens, findings, problem)
    _list_unstamped(root, stamped_keys, findings)
    if not bag_tokens and not stamped_keys:
        findings.notes.append(
            "no timestamps: this bundle proves that nothing changed since it was made, "
            "not when it was made (see docs/evidence.md)"
        )
    elif not bag_tokens:
        findings.notes.append("the bundle itself carries no timestamp; its captures do")
    return findings


def _check_captures(
    root: Path, tokens: _Tokens, findings: TimeFindings, problem: Report
) -> set[str]:
    paths = root / "data" / PATHS_FILE
    if not paths.is_file():
        return set()
    catalog = _catalog(root / _CATALOG)
    shots = _screenshot_catalog(root / _SHOTS)
    raw_hashes: dict[str, str | None] = {}
    failed: set[str] = set()
    where = f"data/{PATHS_FILE}"
    for number, line in _lines(paths, where, problem):
        key = str(line.get("key"))
        is_shot = "screenshot_id" in line
        capture_id = line.get("screenshot_id" if is_shot else "capture_id")
        shown = (
            f"{where} line {number} ({key}, {'screenshot' if is_shot else 'capture'} {capture_id})"
        )
        try:
            root_hash = bytes.fromhex(line["root"])
            leaf = leaf_hash(line["raw_sha256"], line["content_hash"])
            path = [bytes.fromhex(part) for part in line["path"]]
            reached = root_from_path(leaf, line["leaf_index"], line["tree_size"], path)
        except (KeyError, TypeError, ValueError, MerkleError) as exc:
            problem(shown, f"not a readable Merkle path ({exc})")
            continue
        troubles = (
            _shot_troubles(root, line, shots.get(capture_id))
            if is_shot
            else _leaf_troubles(root, line, catalog.get(capture_id), raw_hashes)
        )
        for trouble in troubles:
            problem(shown, trouble)
        if reached != root_hash:
            problem(shown, "its Merkle path does not lead to the timestamped root")
            continue
        capture = CaptureTime(key, capture_id, line.get("taken_at" if is_shot else "captured_at"))
        listed = line.get("tokens") or []
        for relpath in listed:
            result = tokens.check(f"data/{relpath}", root_hash)
            if isinstance(result, Proof):
                capture.proofs.append(result)
            elif f"data/{relpath}" not in failed:
                failed.add(f"data/{relpath}")
                problem(
                    f"data/{relpath}", f"the timestamp over {line['root']} does not hold: {result}"
                )
        if not listed:
            problem(shown, "no token is listed for it")
        (findings.screenshots if is_shot else findings.captures).setdefault(key, []).append(capture)
    return set(findings.captures)


def _leaf_troubles(
    root: Path,
    line: dict[str, Any],
    listed: tuple[Any, Any] | None,
    raws: dict[str, str | None],
) -> Iterator[str]:
    """How the capture as shipped differs from what was timestamped."""
    if listed is None:
        yield f"its capture is not in {_CATALOG}"
    elif listed != (line["raw_sha256"], line["content_hash"]):
        yield (
            "the capture in captures.jsonl (raw "
            f"{listed[0]}, content {listed[1]}) is not the one timestamped (raw "
            f"{line['raw_sha256']}, content {line['content_hash']})"
        )
    raw = str(line["raw_sha256"])
    if raw not in raws:
        raws[raw] = _sha256_of(root / _RAW / raw) if raw.isalnum() else None
    found = raws[raw]
    if found is not None and found != raw:
        yield f"its raw bytes ({_RAW}{raw}) changed since it was timestamped (now {found})"


def _shot_troubles(root: Path, line: dict[str, Any], listed: Any) -> Iterator[str]:
    """How a screenshot as shipped differs from what was timestamped."""
    sha256 = str(line["raw_sha256"])
    if line.get("content_hash") is not None:
        yield "a screenshot's leaf has no content hash, but this line gives one"
    if listed is None:
        yield f"its screenshot is not in {_SHOTS}"
    elif listed != sha256:
        yield f"the screenshot in {_SHOTS} ({listed}) is not the one timestamped ({sha256})"
    png = f"data/screenshots/{sha256}.png"
    found = _sha256_of(root / png) if sha256.isalnum() else None
    if found is not None and found != sha256:
        yield f"its PNG ({png}) changed since it was timestamped (now {found})"


def _screenshot_catalog(path: Path) -> dict[Any, Any]:
    """screenshot id -> PNG SHA-256, as ``screenshots.jsonl`` lists them."""
    return {
        entry.get("id"): entry.get("sha256") for _, entry in _lines(path, _SHOTS, lambda *_: None)
    }


def _sha256_of(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _catalog(path: Path) -> dict[Any, tuple[Any, Any]]:
    """capture id -> (raw SHA-256, content hash) as ``captures.jsonl`` lists them."""
    found: dict[Any, tuple[Any, Any]] = {}
    for _, entry in _lines(path, _CATALOG, lambda *_: None):
        for capture in entry.get("captures") or []:
            if isinstance(capture, dict):
                found[capture.get("id")] = (capture.get("raw_sha256"), capture.get("content_hash"))
    return found


def _list_unstamped(root: Path, stamped: set[str], findings: TimeFindings) -> None:
    posts = root / "data" / "posts.jsonl"
    if not posts.is_file():
        return
    for _, record in _lines(posts, "data/posts.jsonl", lambda *_: None):
        key = record.get("key")
        if isinstance(key, str) and key not in stamped:
            findings.unstamped.append(key)


def _lines(path: Path, where: str, problem: Report) -> Iterator[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                problem(where, f"line {number}: not valid JSON ({exc})")
                continue
            if isinstance(value, dict):
                yield number, value
