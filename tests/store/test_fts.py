"""The full-text index follows the posts table: one entry per post, replaced on change."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from archiver.store import Archive, Evidence, Observation
from tests.conftest import make_post


def observe(post, body: bytes) -> Observation:  # type: ignore[no-untyped-def]
    return Observation.of_post(post, [Evidence(url=post.capture.source, body=body)])


def index_rows(home: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(home / "archive.db") as connection:
        return connection.execute("SELECT key, text FROM posts_fts ORDER BY key").fetchall()


def test_changed_posts_replace_their_own_entries_only(home: Path) -> None:
    first = [make_post(f"100000000000000000{n}", text=f"Gauge {n} reads low") for n in range(3)]
    with Archive(home) as archive:
        archive.add([observe(post, b"<html>one</html>") for post in first])
        edited = make_post(
            "1000000000000000001",
            text="Gauge 1 reads high",
            method="api",
            source="https://cdn.example/tweet-result?id=1",
            raw=b"{}",
        )
        archive.add([observe(edited, b"{}")])

        assert [row.key for row in archive.search("high")] == ["twitter:1000000000000000001"]
        assert sorted(row.key for row in archive.search("low")) == [
            "twitter:1000000000000000000",
            "twitter:1000000000000000002",
        ]
    rows = index_rows(home)
    assert [key for key, _ in rows] == [
        "twitter:1000000000000000000",
        "twitter:1000000000000000001",
        "twitter:1000000000000000002",
    ]
    assert dict(rows)["twitter:1000000000000000001"] == "Gauge 1 reads high"
