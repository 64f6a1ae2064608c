"""Queries over many posts' checks: what a recheck selects, and what ``status`` and reports show.

Everything here streams: selections page through post keys (keyset pagination, never
OFFSET, so rows changing status mid-run are neither skipped nor repeated), and reports
page through check ids, so memory stays flat whatever the archive's size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from archiver.store.archive import Archive
from archiver.store.checks import (
    FIRST_GONE_SQL,
    GONE,
    LAST_CHECK_SQL,
    STATE_SQL,
    sql_in,
    status_sql,
)


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
        clauses.append(f"{plus}posts.key IN (SELECT value FROM json_each(:keys))")
        params["keys"] = json.dumps(list(selection.keys))
    if selection.platform:
        clauses.append(f"{plus}posts.platform = :platform")
        params["platform"] = selection.platform
    if selection.author:
        needle = selection.author.lstrip("@").lower()
        clauses.append(
            "(lower(posts.author_handle) LIKE :a_handle OR lower(posts.author_handle) LIKE "
            ":a_handle_at OR lower(posts.author_name) LIKE :a_name)"
        )
        params |= {
            "a_handle": needle,
            "a_handle_at": f"{needle}@%",
            "a_name": f"%{selection.author.lower()}%",
        }
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
    where = " AND ".join(clauses) or "1"
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
    clauses += ["+posts.platform = :page_platform", "posts.key > :after", "posts.key < :end"]
    params |= {"end": f"{platform};"}  # ";" sorts right after ":"
    query = text(
        "SELECT key, platform, post_id, url, status FROM posts WHERE "
        + " AND ".join(clauses)
        + " ORDER BY key LIMIT :limit"
    )
    after = f"{platform}:"
    while True:
        with archive.engine.connect() as connection:
            page = connection.execute(
                query, params | {"page_platform": platform, "after": after, "limit": page_size}
            ).all()
            if not page:
                return
            hashes = _prior_hashes(connection, [row[0] for row in page], baseline)
        for key, platform_name, post_id, url, status in page:
            yield Target(key, platform_name, post_id, url, status, hashes.get(key, {}))
        after = page[-1][0]


def _prior_hashes(connection: Any, keys: Sequence[str], baseline: int) -> dict[str, dict[str, str]]:
    """Per post and capture method, the content hash of its latest capture up to ``baseline``."""
    rows = connection.execute(
        text(
            "SELECT post_key, method, content_hash, MAX(id) FROM captures "
            "WHERE post_key IN (SELECT value FROM json_each(:keys)) AND id <= :baseline "
            "AND content_hash IS NOT NULL GROUP BY post_key, method"
        ),
        {"keys": json.dumps(list(keys)), "baseline": baseline},
    )
    found: dict[str, dict[str, str]] = {}
    for key, method, content_hash, _ in rows:
        found.setdefault(key, {})[method] = content_hash
    return found


# -- status ----------------------------------------------------------------------------------


@dataclass
class OutcomeCounts:
    """Posts by platform and state, plus how many had their latest check fail."""

    by_platform: dict[str, dict[str, int]] = field(default_factory=dict)
    last_check_failed: dict[str, int] = field(default_factory=dict)


def outcome_counts(archive: Archive) -> OutcomeCounts:
    """Each post counted once, under its state (``unchecked`` until a check has seen it)."""
    query = text(
        "SELECT platform, state, last_any = 'error', COUNT(*) FROM ("
        f"SELECT posts.platform, {STATE_SQL} AS state, {LAST_CHECK_SQL} AS last_any "
        "FROM posts) GROUP BY 1, 2, 3"
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


_LINE = (
    "SELECT c.id, c.post_key, posts.platform, posts.url, c.previous_outcome, c.outcome, "
    f"c.checked_at, c.http_status, c.reason, c.detail, {FIRST_GONE_SQL}, "
    "(SELECT COUNT(*) FROM copies k WHERE k.post_key = c.post_key), "
    "(SELECT k.url FROM copies k WHERE k.post_key = c.post_key "
    "ORDER BY k.archived_at DESC LIMIT 1) "
    "FROM checks c JOIN posts ON posts.key = c.post_key "
    "WHERE c.run_id = :run AND c.id > :after AND ({condition}) ORDER BY c.id LIMIT :limit"
)
_NEWLY_GONE = (
    f"c.outcome IN {sql_in(GONE)} AND (c.previous_outcome IS NULL "
    f"OR c.previous_outcome NOT IN {sql_in(GONE)})"
)
_CHANGES = (
    "c.outcome IN ('changed', 'error') OR c.previous_outcome IS NULL "
    "OR c.outcome != c.previous_outcome"
)


def _lines(archive: Archive, run_id: int, condition: str, page: int = 500) -> Iterator[CheckLine]:
    query = text(_LINE.format(condition=condition))
    after = 0
    while True:
        with archive.engine.connect() as connection:
            rows = connection.execute(query, {"run": run_id, "after": after, "limit": page}).all()
        if not rows:
            return
        for row in rows:
            yield CheckLine(*row)
        after = rows[-1][0]


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


def gone_in_run(archive: Archive, run_id: int, page: int = 500) -> Iterator[tuple[str, str]]:
    """(key, url) of every post a run found gone, streamed."""
    query = text(
        "SELECT c.id, c.post_key, posts.url FROM checks c JOIN posts ON posts.key = c.post_key "
        f"WHERE c.run_id = :run AND c.outcome IN {sql_in(GONE)} AND c.id > :after "
        "ORDER BY c.id LIMIT :limit"
    )
    after = 0
    while True:
        with archive.engine.connect() as connection:
            rows = connection.execute(query, {"run": run_id, "after": after, "limit": page}).all()
        if not rows:
            return
        for _, key, url in rows:
            yield key, url
        after = rows[-1][0]


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
