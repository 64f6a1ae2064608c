"""Queries over many posts' checks: what a recheck selects, and what ``status`` and reports show.

Everything here streams through the one keyset pager (:mod:`archiver.store.pager`):
selections walk post keys (rows changing status mid-run are neither skipped nor repeated),
reports walk a run's check ids, so memory stays flat whatever the archive's size; counts
are one grouped query each, read from indexes that hold every column they need.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from archiver.store import claims
from archiver.store.archive import Archive
from archiver.store.checks import (
    FIRST_GONE_SQL,
    GONE,
    LAST_CHECK_SQL,
    LAST_DEFINITIVE_SQL,
    sql_in,
    state_sql,
    status_sql,
)
from archiver.store.pager import Walk, walk
from archiver.store.reads import author_sql, keys_sql


@dataclass(frozen=True)
class PostFilter:
    """Which posts a recheck takes. Every field given must match."""

    keys: tuple[str, ...] | None = None
    platform: str | None = None
    author: str | None = None
    status: str | None = None
    #: ISO time: only posts without a definitive check since then.
    not_checked_since: str | None = None
    #: Skip posts already checked in this run (resuming it).
    not_in_run: int | None = None


@dataclass(frozen=True)
class Target:
    """A post to check, with what earlier captures of it hashed to, per capture method."""

    key: str
    platform: str
    post_id: str
    url: str
    status: str
    prior_hashes: dict[str, str] = field(default_factory=dict)


def _where(selection: PostFilter, *, by_key: bool = False) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on ``posts``. ``by_key``: for queries walking the primary key in
    order, so SQLite is kept off the other indexes (``+column``), which would make it
    gather and sort every matching row for each page."""
    plus = "+" if by_key else ""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if selection.keys is not None:
        sql, extra = keys_sql(selection.keys, f"{plus}posts.key")
        clauses.append(sql)
        params |= extra
    if selection.platform:
        clauses.append(f"{plus}posts.platform = :platform")
        params["platform"] = selection.platform
    if selection.author:
        sql, extra = author_sql(selection.author)
        clauses.append(sql)
        params |= extra
    if selection.status:
        sql, extra = status_sql(selection.status, use_index=not by_key)
        clauses.append(sql)
        params |= extra
    if selection.not_checked_since:
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM checks c WHERE c.post_key = posts.key "
            "AND c.outcome != 'error' AND c.checked_at >= :checked_since)"
        )
        params["checked_since"] = selection.not_checked_since
    if selection.not_in_run is not None:
        clauses.append(
            "NOT EXISTS (SELECT 1 FROM checks r WHERE r.run_id = :run AND r.post_key = posts.key)"
        )
        params["run"] = selection.not_in_run
    return clauses, params


def count_selected(archive: Archive, selection: PostFilter) -> int:
    clauses, params = _where(selection)
    where = " AND ".join(clauses) or "1 = 1"
    with archive.engine.connect() as connection:
        query = text(f"SELECT COUNT(*) FROM posts WHERE {where}")
        return int(connection.execute(query, params).scalar() or 0)


def platforms_selected(archive: Archive, selection: PostFilter) -> list[str]:
    if selection.platform:
        return [selection.platform]
    with archive.engine.connect() as connection:
        rows = connection.execute(text("SELECT DISTINCT platform FROM posts ORDER BY platform"))
        return [row[0] for row in rows]


def iter_targets(
    archive: Archive, selection: PostFilter, baseline_capture_id: int, page_size: int = 256
) -> Iterator[Target]:
    """The selected posts, taking platforms in turn so that no one host gets them all at once."""
    pagers = [
        _pages(archive, selection, platform, baseline_capture_id, page_size)
        for platform in platforms_selected(archive, selection)
    ]
    while pagers:
        for pager in list(pagers):
            target = next(pager, None)
            if target is None:
                pagers.remove(pager)
            else:
                yield target


def _pages(
    archive: Archive, selection: PostFilter, platform: str, baseline: int, page_size: int
) -> Iterator[Target]:
    clauses, params = _where(selection, by_key=True)
    # A key is "<platform>:<post_id>", so one platform's posts are one range of keys.
    clauses += ["+posts.platform = :page_platform", "posts.key > :start", "posts.key < :end"]
    params |= {"page_platform": platform, "start": f"{platform}:", "end": f"{platform};"}
    rows = walk(
        archive.engine,
        Walk(
            columns=("posts.key", "posts.platform", "posts.post_id", "posts.url", "posts.status"),
            source="posts",
            order=("posts.key",),
            where=tuple(clauses),
            params=params,
        ),
        page=page_size,
    )
    while page := list(itertools.islice(rows, page_size)):
        with archive.engine.connect() as connection:
            hashes = _prior_hashes(connection, [row[0] for row in page], baseline)
        for row in page:
            yield Target(row[0], row[1], row[2], row[3], row[4], hashes.get(row[0], {}))


def claimed_targets(
    archive: Archive, selection: PostFilter, baseline_capture_id: int, share: claims.Share
) -> Iterator[Target]:
    """The selected posts this worker claims, a batch at a time, among other workers on the
    same PostgreSQL archive (:mod:`archiver.store.claims`), until none is left to claim.
    The caller marks each post done (``share.finish``) once its check is written, and
    asks again while other workers hold claims (one of them may die)."""
    clauses, params = _where(selection)
    after = ""
    while True:
        where = " AND ".join([*clauses, "posts.key > :after"])
        candidates = f"SELECT posts.key FROM posts WHERE {where} ORDER BY posts.key"
        keys = share.claim(archive.engine, candidates, params | {"after": after})
        if not keys and not after:
            return
        if keys:
            after = max(keys)
            yield from _targets_of(archive, sorted(keys), baseline_capture_id)
        else:  # from the start again: claims that expired behind us
            after = ""


def _targets_of(archive: Archive, keys: list[str], baseline: int) -> Iterator[Target]:
    where, params = keys_sql(keys)
    columns = "posts.key, posts.platform, posts.post_id, posts.url, posts.status"
    with archive.engine.connect() as connection:
        query = text(f"SELECT {columns} FROM posts WHERE {where} ORDER BY posts.key")
        rows = connection.execute(query, params).all()
        hashes = _prior_hashes(connection, keys, baseline)
    for row in rows:
        yield Target(row[0], row[1], row[2], row[3], row[4], hashes.get(row[0], {}))


def _prior_hashes(connection: Any, keys: Sequence[str], baseline: int) -> dict[str, dict[str, str]]:
    """Per post and capture method, the content hash of its latest capture up to ``baseline``."""
    rows = connection.execute(
        text(
            "SELECT post_key, method, content_hash FROM captures WHERE id IN ("
            "SELECT MAX(id) FROM captures WHERE post_key IN (SELECT value FROM json_each(:keys)) "
            "AND id <= :baseline AND content_hash IS NOT NULL GROUP BY post_key, method)"
        ),
        {"keys": json.dumps(list(keys)), "baseline": baseline},
    )
    found: dict[str, dict[str, str]] = {}
    for key, method, content_hash in rows:
        found.setdefault(key, {})[method] = content_hash
    return found


# -- status ----------------------------------------------------------------------------------


@dataclass
class OutcomeCounts:
    """Posts by platform and state, plus how many had their latest check fail."""

    by_platform: dict[str, dict[str, int]] = field(default_factory=dict)
    last_check_failed: dict[str, int] = field(default_factory=dict)


def outcome_counts(archive: Archive) -> OutcomeCounts:
    """Each post counted once, under its state (``unchecked`` until a check has seen it).

    One grouped query: the posts are read from an index, and each post's latest checks are
    look-ups on ix_checks_post_id_outcome, which at 100,000 posts beat every set-based form
    measured (joins on the checks grouped by post), since SQLite joins by looking up.
    """
    # Grouped twice: first by the stored columns (read from ix_posts_status_platform_key
    # alone), then the few groups by state.
    grouped = (
        "SELECT platform, status, last_definitive, last_any = 'error' AS failed, COUNT(*) AS n "
        f"FROM (SELECT posts.platform, posts.status, {LAST_DEFINITIVE_SQL} AS last_definitive, "
        f"{LAST_CHECK_SQL} AS last_any FROM posts) AS p GROUP BY 1, 2, 3, 4"
    )
    query = text(
        f"SELECT platform, {state_sql('status', 'last_definitive')}, failed, "
        f"CAST(SUM(n) AS INTEGER) FROM ({grouped}) AS g GROUP BY 1, 2, 3"
    )
    counts = OutcomeCounts()
    with archive.engine.connect() as connection:
        for platform, state, failed_last, number in connection.execute(query):
            by = counts.by_platform.setdefault(platform, {})
            by[state] = by.get(state, 0) + number
            if failed_last:
                failed = counts.last_check_failed
                failed[platform] = failed.get(platform, 0) + number
    return counts


@dataclass(frozen=True)
class CheckLine:
    """One check of a run with its post, as ``status`` and reports list them."""

    check_id: int
    key: str
    platform: str
    url: str
    previous_outcome: str | None
    outcome: str
    checked_at: str
    http_status: int | None
    reason: str | None
    detail: str | None
    first_gone_at: str | None
    copies: int
    latest_copy: str | None


_LINE_COLUMNS = (
    "c.id", "c.post_key", "posts.platform", "posts.url", "c.previous_outcome", "c.outcome",
    "c.checked_at", "c.http_status", "c.reason", "c.detail", FIRST_GONE_SQL,
    "(SELECT COUNT(*) FROM copies k WHERE k.post_key = c.post_key)",
    "(SELECT k.url FROM copies k WHERE k.post_key = c.post_key "
    "ORDER BY k.archived_at DESC LIMIT 1)",
)  # fmt: skip
_RUN_CHECKS = "checks c JOIN posts ON posts.key = c.post_key"
_NEWLY_GONE = (
    f"c.outcome IN {sql_in(GONE)} AND (c.previous_outcome IS NULL "
    f"OR c.previous_outcome NOT IN {sql_in(GONE)})"
)
_CHANGES = (
    "c.outcome IN ('changed', 'error') OR c.previous_outcome IS NULL "
    "OR c.outcome != c.previous_outcome"
)


def _run_checks(
    archive: Archive, run_id: int, columns: tuple[str, ...], condition: str, page: int = 500
) -> Iterator[tuple[Any, ...]]:
    """The checks of run ``run_id`` meeting ``condition``, in order, a page at a time."""
    what = Walk(
        columns=columns,
        source=_RUN_CHECKS,
        order=("c.id",),
        where=("c.run_id = :run", condition),
        params={"run": run_id},
    )
    return walk(archive.engine, what, page=page)


def _lines(archive: Archive, run_id: int, condition: str) -> Iterator[CheckLine]:
    return itertools.starmap(CheckLine, _run_checks(archive, run_id, _LINE_COLUMNS, condition))


def newly_gone(archive: Archive, run_id: int) -> Iterator[CheckLine]:
    """Posts a run found gone that were not gone before it."""
    return _lines(archive, run_id, _NEWLY_GONE)


def count_newly_gone(archive: Archive, run_id: int) -> int:
    with archive.engine.connect() as connection:
        query = text(f"SELECT COUNT(*) FROM checks c WHERE c.run_id = :run AND {_NEWLY_GONE}")
        return int(connection.execute(query, {"run": run_id}).scalar() or 0)


def changes_in_run(archive: Archive, run_id: int) -> Iterator[CheckLine]:
    """Checks of a run whose outcome differs from the post's previous one, edits, and errors."""
    return _lines(archive, run_id, _CHANGES)


def gone_in_run(archive: Archive, run_id: int) -> Iterator[tuple[str, str]]:
    """(key, url) of every post a run found gone, streamed."""
    condition = f"c.outcome IN {sql_in(GONE)}"
    for _, key, url in _run_checks(archive, run_id, ("c.id", "c.post_key", "posts.url"), condition):
        yield key, url


def aliases_of(archive: Archive, keys: Sequence[str]) -> dict[str, list[str]]:
    """Other URLs known for each post (as users gave them, short links, mirrors)."""
    with archive.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT post_key, url FROM aliases "
                "WHERE post_key IN (SELECT value FROM json_each(:keys)) ORDER BY url"
            ),
            {"keys": json.dumps(list(keys))},
        )
        found: dict[str, list[str]] = {}
        for key, url in rows:
            found.setdefault(key, []).append(url)
        return found
