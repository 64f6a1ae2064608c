"""Real archives, damaged the ways disks, copies and sync tools damage them.

Shared by the store's tests and the command line's: each damage is done to a real
``archive.db`` written by :class:`~archiver.store.Archive`, with nothing of archiver's
own code (the pages are found with the ``sqlite3`` module).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

from archiver.store import Archive, Evidence, Observation
from tests.conftest import make_post

#: Posts in :func:`build`'s archive: enough that ``posts`` spans several pages.
POSTS = 40
FIRST_KEY = "twitter:1000000000000000100"


def build(home: Path, posts: int = POSTS) -> Path:
    """An archive of ``posts`` posts, closed (its write-ahead log folded in); its db path."""
    with Archive(home) as archive:
        observations = []
        for n in range(posts):
            post = make_post(str(1000000000000000100 + n), text=f"River level report {n} " * 20)
            observations.append(Observation.of_post(post, [Evidence(url="a.html", body=b"<p/>")]))
        archive.add(observations)
    db_path = home / "archive.db"
    assert not db_path.with_name("archive.db-wal").exists()
    return db_path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _page_size_and_root(db_path: Path, table: str) -> tuple[int, int]:
    # immutable: reading leaves no -shm or -wal file behind
    connection = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True)
    try:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        root = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()[0]
    finally:
        connection.close()
    return int(page_size), int(root)


def overwrite_page(db_path: Path, table: str = "posts") -> None:
    """The first page of ``table``'s b-tree overwritten with garbage (a bad sector)."""
    page_size, root = _page_size_and_root(db_path, table)
    with db_path.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xde\xad\xbe\xef" * (page_size // 4))


def truncate(db_path: Path) -> None:
    """The file cut in half (a copy interrupted, a full disk)."""
    size = db_path.stat().st_size
    with db_path.open("r+b") as handle:
        handle.truncate(size // 2)


def replace_with_text(db_path: Path) -> None:
    """Something else saved under the name (a sync conflict, a wrong file copied over)."""
    db_path.write_text("<html><body>Sign in to continue</body></html>\n")


DAMAGES: dict[str, Callable[[Path], None]] = {
    "overwritten page": overwrite_page,
    "truncated": truncate,
    "not SQLite": replace_with_text,
}


def build_damaged(home: Path, damage: str) -> tuple[Path, str]:
    """:func:`build`, then ``DAMAGES[damage]``: the db path and its digest once damaged."""
    db_path = build(home)
    DAMAGES[damage](db_path)
    return db_path, digest(db_path)
