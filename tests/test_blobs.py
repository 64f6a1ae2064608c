"""Content-addressed blobs: two folder levels, and archives written with one moved over on
open, without ever losing sight of a file, even when the move is interrupted."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from archiver.blobs import LAYOUT_FILE, BlobStore
from archiver.store import Archive


def one_level(home: Path, count: int) -> dict[str, bytes]:
    """``count`` blobs as the first archives stored them: ``blobs/sha256/ab/abcd…``."""
    stored = {}
    for number in range(count):
        data = f"response body {number}".encode()
        digest = hashlib.sha256(data).hexdigest()
        folder = home / "blobs" / "sha256" / digest[:2]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / digest).write_bytes(data)
        stored[digest] = data
    return stored


def every_blob_is_found(store: BlobStore, home: Path, stored: dict[str, bytes]) -> None:
    for digest, data in stored.items():
        assert store.exists(digest) and store.get(digest) == data
        assert store.size(digest) == len(data)
        assert (home / store.relative_path(digest)).read_bytes() == data


def test_a_new_blob_is_stored_two_levels_deep(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    assert store.upgrade_layout()
    digest = store.put(b"bytes")
    assert (
        store.path_for(digest) == tmp_path / "blobs" / "sha256" / digest[:2] / digest[2:4] / digest
    )
    assert store.relative_path(digest) == f"blobs/sha256/{digest[:2]}/{digest[2:4]}/{digest}"
    assert store.get(digest) == b"bytes" and store.put(b"bytes") == digest


def test_opening_an_archive_moves_one_level_blobs_and_says_so(home: Path) -> None:
    stored = one_level(home, 40)
    (home / "blobs" / "sha256" / "ab").mkdir(exist_ok=True)
    (home / "blobs" / "sha256" / "ab" / ".incoming-x1y2").write_bytes(b"half a write")
    with Archive(home) as archive:
        every_blob_is_found(archive.blobs, home, stored)
    for digest in stored:
        assert (home / "blobs" / "sha256" / digest[:2] / digest[2:4] / digest).is_file()
        assert not (home / "blobs" / "sha256" / digest[:2] / digest).exists()
    assert (home / "blobs" / LAYOUT_FILE).read_text().startswith("sha256/ab/cd/")


def test_an_interrupted_move_loses_no_blob_and_the_next_open_finishes_it(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = one_level(home, 60)
    renames = 0
    real_rename = os.rename

    def crash_after_twenty(source: str, target: str) -> None:
        nonlocal renames
        renames += 1
        if renames > 20:
            raise KeyboardInterrupt  # the user gave up waiting
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", crash_after_twenty)
    with pytest.raises(KeyboardInterrupt):
        Archive(home)
    monkeypatch.setattr(os, "rename", real_rename)

    # Half moved: a store that has not finished the move finds every file in either place.
    half = BlobStore(home / "blobs")
    every_blob_is_found(half, home, stored)
    assert not (home / "blobs" / LAYOUT_FILE).exists()
    new = half.put(b"written while half moved")
    assert half.get(new) == b"written while half moved"

    with Archive(home) as archive:
        every_blob_is_found(archive.blobs, home, stored | {new: b"written while half moved"})
    assert (home / "blobs" / LAYOUT_FILE).exists()
    left = [p for p in (home / "blobs" / "sha256").glob("??/*") if p.is_file()]
    assert [p.name for p in left] == [], "one-level files remain"


def test_a_blob_written_twice_meanwhile_is_kept_once(home: Path) -> None:
    stored = one_level(home, 1)
    ((digest, data),) = stored.items()
    two_level = home / "blobs" / "sha256" / digest[:2] / digest[2:4] / digest
    two_level.parent.mkdir(parents=True)
    two_level.write_bytes(data)  # another process stored the same bytes the new way
    with Archive(home) as archive:
        every_blob_is_found(archive.blobs, home, stored)
    assert not (home / "blobs" / "sha256" / digest[:2] / digest).exists()


def test_a_home_that_cannot_be_written_is_read_in_both_layouts(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = one_level(home, 5)

    def refuse(source: str, target: str) -> None:
        raise PermissionError(13, "Permission denied", source)

    monkeypatch.setattr(os, "rename", refuse)
    store = BlobStore(home / "blobs")
    assert not store.upgrade_layout()
    every_blob_is_found(store, home, stored)
