"""The keyset pager: every walk gives the rows of its order exactly, whatever the page size,
and every page is a plain index search (never a sort of all matching rows)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from archiver.store import Archive, Evidence, Observation
from archiver.store.check_queries import PostFilter, changes_in_run, iter_targets, newly_gone
from archiver.store.checks import NewCheck, start_run, status_sql, write_checks
from tests.conftest import make_post

PLATFORMS = ("twitter", "mastodon", "bluesky")


def fill(home: Path, count: int = 40) -> Archive:
    """``count`` posts over three platforms; every fifth has no date, some share a date."""
    archive = Archive(home)
    observations = []
    for number in range(count):
        platform = PLATFORMS[number % 3]
        created = None if number % 5 == 0 else f"2026-01-{1 + number % 7:02d}"
        post = make_post(
            str(1000 + number),
            platform=platform,
            created_at=created,
            author={"name": f"Writer {number % 4}", "handle": f"writer{number % 4}"},
        )
        observations.append(Observation.of_post(post, [Evidence(url="a.html", body=b"a")]))
    archive.add(observations)
    return archive


def expected(home: Path, where: str = "1", *params: Any) -> list[str]:
    connection = sqlite3.connect(home / "archive.db")
    try:
        rows = connection.execute(
            f"SELECT key FROM posts WHERE {where} ORDER BY created_at, key", params
        )
        return [key for (key,) in rows]
    finally:
        connection.close()


@pytest.mark.parametrize("page", [1, 2, 3, 7, 500])
def test_a_walk_gives_the_order_exactly_at_any_page_size(home: Path, page: int) -> None:
    with fill(home) as archive:
        assert [r.key for r in archive.list_posts(batch_size=page)] == expected(home)
        assert [r.key for r in archive.list_posts(platform="mastodon", batch_size=page)] == (
            expected(home, "platform = 'mastodon'")
        )
        since = [r.key for r in archive.list_posts(since="2026-01-03", batch_size=page)]
        assert since == expected(home, "created_at >= '2026-01-03'")
        by = [r.key for r in archive.list_posts(author="@writer1", batch_size=page)]
        assert by == expected(home, "author_handle = 'writer1'")
        limited = [r.key for r in archive.list_posts(limit=9, batch_size=page)]
        assert limited == expected(home)[:9]


def test_a_post_added_ahead_of_the_walk_is_reached(home: Path) -> None:
    with fill(home, 10) as archive:
        walk = archive.list_posts(batch_size=2)
        seen = [next(walk).key for _ in range(3)]
        late = make_post("9999", created_at="2026-12-31")
        archive.add([Observation.of_post(late, [Evidence(url="b.html", body=b"b")])])
        seen += [row.key for row in walk]
        assert seen == expected(home) and seen[-1] == "twitter:9999"


@contextmanager
def statements(archive: Archive) -> Iterator[list[str]]:
    """Every SELECT the archive's connections run meanwhile, parameters filled in (SQLite's
    own trace, so statements run through SQLAlchemy and the driver alike are seen)."""
    seen: list[str] = []

    def record(sql: str) -> None:
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append(sql)

    def trace(connection: sqlite3.Connection, _record: Any) -> None:
        connection.set_trace_callback(record)

    event.listen(archive.engine, "connect", trace)
    archive.engine.dispose()  # connections made from now on are traced
    try:
        yield seen
    finally:
        event.remove(archive.engine, "connect", trace)
        archive.engine.dispose()


def plans(home: Path, seen: list[str]) -> list[str]:
    """The query plan of each statement, its top level only (not its subqueries')."""
    connection = sqlite3.connect(home / "archive.db")
    try:
        return [
            " / ".join(
                row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}") if row[1] == 0
            )
            for sql in seen
        ]
    finally:
        connection.close()


WALKS: dict[str, Callable[[Archive], Iterator[Any]]] = {
    "all": lambda a: a.list_posts(batch_size=4),
    "platform": lambda a: a.list_posts(platform="bluesky", batch_size=2),
    "since": lambda a: a.list_posts(since="2026-01-02", batch_size=4),
    "status": lambda a: a.list_posts(where=[status_sql("unchecked")], batch_size=4),
    "author": lambda a: a.list_posts(author="writer2", batch_size=4),
    "recheck": lambda a: iter_targets(a, PostFilter(), 0, page_size=4),
    "recheck-filtered": lambda a: iter_targets(a, PostFilter(status="unchecked"), 0, page_size=4),
}


@pytest.mark.parametrize("name", sorted(WALKS))
def test_every_page_is_an_index_search_not_a_sort(home: Path, name: str) -> None:
    with fill(home) as archive, statements(archive) as seen:
        rows = list(WALKS[name](archive))
    assert rows
    walked = [plan for plan in plans(home, seen) if "posts" in plan]
    assert len(walked) > 2  # several pages
    for plan in walked:
        assert "TEMP B-TREE" not in plan, plan
    # Pages after the first start at the previous page's last row, found in the index.
    assert all("SEARCH posts USING" in plan for plan in walked[1:]), walked


def test_a_runs_checks_are_walked_by_id_on_an_index(home: Path) -> None:
    with fill(home, 12) as archive:
        run = start_run(archive, "{}")
        assert run.id is not None
        keys = [row.key for row in archive.list_posts()]
        write_checks(
            archive,
            [NewCheck(key, run.id, "2026-02-01T00:00:00Z", "deleted", "available") for key in keys],
        )
        with statements(archive) as seen:
            gone = list(newly_gone(archive, run.id))
            changed = list(changes_in_run(archive, run.id))
    assert [line.key for line in gone] == [line.key for line in changed] == keys
    for plan in plans(home, seen):
        assert "TEMP B-TREE" not in plan and "ix_checks_run_id" in plan, plan
