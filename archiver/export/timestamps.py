"""A bundle's proof of when: what ``export`` adds so a bag's timestamps stand alone.

Under ``data/timestamps/`` (payload, so the manifests cover it too)::

    paths.jsonl              one line per timestamped capture (or screenshot, with
                             ``screenshot_id``): its leaf values, tree root and size,
                             its index and Merkle path, its tokens
    roots/<root>             each tree's 32-byte root: the message its tokens stamp
    tokens/<root>.<tsa>.tsr  each authority's RFC 3161 reply over that root
    certificates.pem         the certificates those tokens were verified by

and at the bag's top, beside the tag manifests (outside them: a token cannot list
itself)::

    timestamps/tagmanifest-sha256.txt.<tsa>.tsr   a token over tagmanifest-sha256.txt
    timestamps/certificates.pem                   the certificates it was verified by

The tag manifest lists every manifest, and each manifest every payload file, so a token
over it dates the whole bag. ``docs/evidence.md`` shows how to check each token with
``openssl ts -verify``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509

from archiver.config import Settings
from archiver.evidence.merkle import split_path
from archiver.evidence.stamping import Refusal, Stamp, stamp_message
from archiver.evidence.tsa import fingerprint, load_certificates, to_pem
from archiver.export.bag import BagWriter, PayloadStream
from archiver.store import Archive
from archiver.store.screenshots import ScreenshotRow
from archiver.store.timestamps import CapturePath, capture_paths, screenshot_paths, trees

FOLDER = "timestamps"
PATHS_FILE = f"{FOLDER}/paths.jsonl"
CERTIFICATES_FILE = f"{FOLDER}/certificates.pem"
TAG_MANIFEST = "tagmanifest-sha256.txt"
_BATCH = 500


def authority_slug(name: str) -> str:
    """An authority's name as a file-name part (``127.0.0.1:8080`` -> ``127.0.0.1-8080``)."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-.") or "tsa"


@dataclass
class _Tree:
    root: str
    size: int
    tokens: list[str]


class BundleTimestamps:
    """Collects the exported captures' timestamps as the bundle is written, in batches of
    captures (one query each), and writes each tree's tokens once."""

    def __init__(self, archive: Archive, bag: BagWriter) -> None:
        self.archive, self.bag = archive, bag
        self.captures = 0
        self.screenshots = 0
        self._pending: list[tuple[str, Any]] = []
        self._trees: dict[int, _Tree] = {}
        self._paths: PayloadStream | None = None
        self._certificates: dict[str, x509.Certificate] = {}

    def add(self, key: str, captures: Sequence[Any]) -> None:
        """Note ``key``'s exported captures (``CaptureRow``); written in batches."""
        self._pending += [(key, row) for row in captures]
        if len(self._pending) >= _BATCH:
            self._flush()

    def add_screenshots(self, key: str, rows: Sequence[ScreenshotRow]) -> None:
        """Note ``key``'s exported screenshots: each stamped one gets a line like a
        capture's, with ``screenshot_id`` for ``capture_id`` and its PNG as raw bytes."""
        found = screenshot_paths(self.archive, [row.id for row in rows if row.id is not None])
        self._load_trees({stamp.tree_id for stamp in found.values()})
        for row in rows:
            stamp = found.get(row.id) if row.id is not None else None
            if stamp is None or row.sha256 is None:
                continue
            self._write(
                {
                    "key": key,
                    "screenshot_id": row.id,
                    "taken_at": row.taken_at,
                    "raw_sha256": row.sha256,
                    "content_hash": None,
                },
                stamp,
            )
            self.screenshots += 1

    def close(self) -> None:
        self._flush()
        if self._paths is not None:
            self._paths.close()
        if self._certificates:
            pem = to_pem(self._certificates.values()).encode("ascii")
            self.bag.add_bytes(CERTIFICATES_FILE, pem)

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        found = capture_paths(self.archive, [row.id for _, row in pending])
        self._load_trees({stamp.tree_id for stamp in found.values()})
        for key, row in pending:
            stamp = found.get(row.id)
            if stamp is None:
                continue
            leaf = {
                "key": key,
                "capture_id": row.id,
                "captured_at": row.captured_at,
                "raw_sha256": row.raw_sha256,
                "content_hash": row.content_hash,
            }
            self._write(leaf, stamp)
            self.captures += 1

    def _write(self, leaf: dict[str, Any], stamp: CapturePath) -> None:
        tree = self._trees[stamp.tree_id]
        line = {
            **leaf,
            "root": tree.root,
            "tree_size": tree.size,
            "leaf_index": stamp.leaf_index,
            "path": [part.hex() for part in split_path(stamp.path)],
            "tokens": tree.tokens,
        }
        if self._paths is None:
            self._paths = self.bag.open_stream(PATHS_FILE)
        self._paths.write(json.dumps(line, ensure_ascii=False) + "\n")

    def _load_trees(self, tree_ids: set[int]) -> None:
        for tree, tokens in trees(self.archive, tree_ids - set(self._trees)):
            assert tree.id is not None
            names: list[str] = []
            for token in tokens:
                name = f"{FOLDER}/tokens/{tree.root}.{authority_slug(token.authority)}.tsr"
                if name in names or self.bag.has(name):
                    name = name.removesuffix(".tsr") + f"-{token.id}.tsr"
                self.bag.add_bytes(name, token.reply)
                names.append(name)
                self._keep_certificates(token.chain_pem)
            self.bag.add_bytes(f"{FOLDER}/roots/{tree.root}", bytes.fromhex(tree.root))
            self._trees[tree.id] = _Tree(tree.root, tree.size, names)

    def _keep_certificates(self, pem: str) -> None:
        if not pem:
            return
        for certificate in load_certificates(pem.encode("ascii"), "a stored token's chain"):
            self._certificates.setdefault(fingerprint(certificate), certificate)


@dataclass
class TagStamper:
    """Stamps a finished bag's tag manifest: given to :meth:`BagWriter.finish` as ``seal``,
    it returns the token files to place beside the tag manifests."""

    settings: Settings
    stamps: list[Stamp] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    def summary(self) -> list[dict[str, str]]:
        """Each authority asked: its time, or why it gave no token (for ``--json``)."""
        stamped = [{"authority": s.authority.name, "time": s.time} for s in self.stamps]
        return stamped + [{"authority": r.authority.name, "error": r.reason} for r in self.refusals]

    def __call__(self, tags: Path) -> dict[str, bytes]:
        message = (tags / TAG_MANIFEST).read_bytes()
        self.stamps, self.refusals = stamp_message(message, self.settings)
        files: dict[str, bytes] = {}
        certificates: dict[str, x509.Certificate] = {}
        for stamp in self.stamps:
            name = f"{FOLDER}/{TAG_MANIFEST}.{authority_slug(stamp.authority.name)}.tsr"
            files[name] = stamp.reply
            for certificate in stamp.verified.chain:
                certificates.setdefault(fingerprint(certificate), certificate)
        if certificates:
            files[CERTIFICATES_FILE] = to_pem(certificates.values()).encode("ascii")
        return files
