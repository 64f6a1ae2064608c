"""The keyset pager: every walk gives the rows of its order exactly, whatever the page size
and the engine, and every page is a search of an index that holds its order (never a sort
of all matching rows).

The plans are each engine's own (``tests/store/plans.py``): SQLite's ``EXPLAIN QUERY
PLAN``, and PostgreSQL's with sorts and sequential scans priced out, where a ``Sort`` node
means no index can give the order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from archiver.store import Archive, Evidence, Observation
from archiver.store.check_queries import PostFilter, changes_in_run, iter_targets, newly_gone
from archiver.store.checks import NewCheck, start_run, status_sql, write_checks
from tests.conftest import make_post
from tests.store.conftest import OpenArchive
from tests.store.plans import own, pg_plans, plans, scans_of, sent, statements

Recorder = Callable[[Archive], AbstractContextManager[list[Any]]]
PLATFORMS = ("twitter", "mastodon", "bluesky")


def fill(archive: Archive, count: int = 40) -> Archive:
    """``count`` posts over three platforms; every fifth has no date, some share a date."""
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


def expected(archive: Archive, where: str = "1 = 1", **params: Any) -> list[str]:
    """The keys in the order a walk promises, asked of the database in one sorted query."""
    with archive.engine.connect() as connection:
        rows = connection.execute(
            text(
                f"SELECT key FROM posts WHERE {where} "
                "ORDER BY CASE WHEN created_at IS NULL THEN 0 ELSE 1 END, created_at, key"
            ),
            params,
        )
        return [key for (key,) in rows]


@pytest.mark.parametrize("page", [1, 2, 3, 7, 500])
def test_a_walk_gives_the_order_exactly_at_any_page_size(
    home: Path, open_archive: OpenArchive, page: int
) -> None:
    with fill(open_archive(home)) as archive:
        everything = expected(archive)
        assert len(everything) == 40
        assert [r.key for r in archive.list_posts(batch_size=page)] == everything
        assert [r.key for r in archive.list_posts(platform="mastodon", batch_size=page)] == (
            expected(archive, "platform = 'mastodon'")
        )
        since = [r.key for r in archive.list_posts(since="2026-01-03", batch_size=page)]
        assert since == expected(archive, "created_at >= '2026-01-03'")
        by = [r.key for r in archive.list_posts(author="@writer1", batch_size=page)]
        assert by == expected(archive, "author_handle = 'writer1'")
        limited = [r.key for r in archive.list_posts(limit=9, batch_size=page)]
        assert limited == everything[:9]


def test_a_post_added_ahead_of_the_walk_is_reached(home: Path, open_archive: OpenArchive) -> None:
    with fill(open_archive(home), 10) as archive:
        walk = archive.list_posts(batch_size=2)
        seen = [next(walk).key for _ in range(3)]
        late = make_post("9999", created_at="2026-12-31")
        archive.add([Observation.of_post(late, [Evidence(url="b.html", body=b"b")])])
        seen += [row.key for row in walk]
        assert seen == expected(archive) and seen[-1] == "twitter:9999"


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
    with fill(Archive(home)) as archive, statements(archive) as seen:
        rows = list(WALKS[name](archive))
    assert rows
    walked = [plan for plan in plans(home, seen) if "posts" in plan]
    assert len(walked) > 2  # several pages
    for plan in walked:
        assert "TEMP B-TREE" not in plan, plan
    # Pages after the first start at the previous page's last row, found in the index.
    assert all("SEARCH posts USING" in plan for plan in walked[1:]), walked


def walk_a_runs_checks(archive: Archive, recording: Recorder) -> list[Any]:
    """Checks of one run over 12 posts, walked as ``recheck``'s report does, recorded."""
    with fill(archive, 12):
        run = start_run(archive, "{}")
        assert run.id is not None
        keys = [row.key for row in archive.list_posts()]
        write_checks(
            archive,
            [NewCheck(key, run.id, "2026-02-01T00:00:00Z", "deleted", "available") for key in keys],
        )
        with recording(archive) as seen:
            gone = list(newly_gone(archive, run.id))
            changed = list(changes_in_run(archive, run.id))
    assert [line.key for line in gone] == [line.key for line in changed] == keys
    return seen


def test_a_runs_checks_are_walked_by_id_on_an_index(home: Path) -> None:
    seen = walk_a_runs_checks(Archive(home), statements)
    for plan in plans(home, seen):
        assert "TEMP B-TREE" not in plan and "ix_checks_run_id" in plan, plan


def _after(parameters: dict[str, Any]) -> list[str]:
    """The previous page's last values a keyset page starts after, as a plan shows them."""
    return [f"'{value}'" for name, value in parameters.items() if name.startswith("_after")]


def _page_statements(seen: list[Any], table: str) -> list[Any]:
    return [(sql, params) for sql, params in seen if f"FROM {table}" in sql and "_page" in sql]


@pytest.mark.parametrize("name", sorted(WALKS))
def test_on_postgresql_every_page_is_an_index_search_in_order(
    home: Path, pg_url: str, name: str
) -> None:
    with fill(Archive(home, url=pg_url)) as archive, sent(archive) as seen:
        rows = list(WALKS[name](archive))
    assert rows
    pages = _page_statements(seen, "posts")
    assert len(pages) > 2  # several pages
    for (_, parameters), plan in zip(pages, pg_plans(pg_url, pages), strict=True):
        assert not [node for node in own(plan) if node.kind == "Sort"], plan
        [scan] = scans_of(plan, "posts")
        assert scan.kind in ("Index Scan", "Index Only Scan"), plan
        # Which part of a walk by date (undated, dated) is a range of the index, not a filter.
        assert "created_at" not in scan.filter, plan
        # A page after the first starts at the previous page's last row, found in the index.
        assert all(value in scan.index_cond for value in _after(parameters)), plan
    assert any(_after(parameters) for _, parameters in pages)


def test_on_postgresql_a_runs_checks_are_walked_by_id_on_an_index(home: Path, pg_url: str) -> None:
    pages = _page_statements(walk_a_runs_checks(Archive(home, url=pg_url), sent), "checks")
    assert len(pages) == 2  # one page of each walk
    for plan in pg_plans(pg_url, pages):
        assert not [node for node in own(plan) if node.kind == "Sort"], plan
        [scan] = scans_of(plan, "checks")
        assert scan.index == "ix_checks_run_id_outcome" and "run_id" in scan.index_cond, plan
