"""Reading posts back: the typed rows callers get, and the SQL that selects them.

Lists stream plain rows built straight from SQLite's tuples (no ORM object per row),
through the one keyset pager, in an order an index holds, so listing a million posts
costs the same per post as listing ten. A post's record is read only where it is used
(one post, or a page of an export), since it is most of a row's bytes and usually lives
in the capture it was taken from (see :mod:`archiver.store.tables`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from archiver.store.pager import Walk, walk

#: A SQL condition on ``posts`` and its parameters (``status_sql``, ``gone_since_sql``, …).
Clause = tuple[str, dict[str, Any]]


@dataclass(slots=True)  # not frozen: a frozen dataclass costs 5x as much to make, per row
class PostSummary:
    """A stored post as lists show it: every column of its row except the record."""

    key: str
    platform: str
    post_id: str
    url: str
    author_name: str | None
    author_handle: str | None
    created_at: str | None
    title: str | None
    text: str
    content_hash: str | None
    #: "archived" while available; otherwise a platform reason (deleted, private, ...).
    status: str
    status_detail: str | None
    first_captured_at: str
    last_captured_at: str
    capture_count: int
    #: The cited fields a later capture changed (``text date``), None when none did.
    differs_fields: str | None = None
    differs_capture_id: int | None = None


@dataclass(slots=True)
class StoredPost(PostSummary):
    """A stored post with its merged record (JSON), None when it was never seen available."""

    record_json: str | None = None


_SUMMARY = tuple(f"posts.{item.name}" for item in fields(PostSummary))
SUMMARY_COLUMNS = ", ".join(_SUMMARY)
#: The post's merged record, wherever it is kept.
RECORD_SQL = (
    "COALESCE(posts.record_json, "
    "(SELECT c.record_json FROM captures c WHERE c.id = posts.record_capture_id))"
)
#: Posts changed since cited (a later capture differs from the first in a cited field).
CHANGED_SINCE_CITED: Clause = ("posts.differs_fields IS NOT NULL", {})
#: Oldest first; posts without a date first of all. Both orders are index scans.
_BY_DATE = ("posts.created_at", "posts.key")


def author_sql(author: str) -> Clause:
    """Posts by ``author``: a handle, with or without @ (``name`` also matches ``name@server``),
    or part of a display name; case does not matter."""
    needle = author.lstrip("@").lower()
    return (
        "(lower(posts.author_handle) LIKE :a_handle OR lower(posts.author_handle) LIKE "
        ":a_handle_at OR lower(posts.author_name) LIKE :a_name)",
        {"a_handle": needle, "a_handle_at": f"{needle}@%", "a_name": f"%{author.lower()}%"},
    )


def keys_sql(keys: Sequence[str], column: str = "posts.key") -> Clause:
    """``column`` is one of ``keys`` (any number of them: passed as one JSON parameter)."""
    return f"{column} IN (SELECT value FROM json_each(:keys))", {"keys": json.dumps(list(keys))}


@dataclass(frozen=True)
class PostQuery:
    """Which posts to list. Every filter given must match."""

    platform: str | None = None
    author: str | None = None
    #: Posted on or after / on or before (a date or an ISO time).
    since: str | None = None
    until: str | None = None
    #: A stored status, compared as it is.
    status: str | None = None
    keys: Sequence[str] | None = None
    #: More conditions on ``posts``.
    where: Sequence[Clause] = ()

    def walk(self) -> Walk:
        """The walk over these posts by date, on the index that holds that order."""
        clauses: list[Clause] = list(self.where)
        if self.platform:
            clauses.append(("posts.platform = :platform", {"platform": self.platform}))
            source = "posts INDEXED BY ix_posts_platform_created_key"
        else:
            source = "posts INDEXED BY ix_posts_created_key"
        if self.keys is not None:
            clauses.append(keys_sql(self.keys))
            source = "posts"  # a few given posts: found by key, then sorted
        if self.author:
            clauses.append(author_sql(self.author))
        if self.since:
            clauses.append(("posts.created_at >= :since", {"since": self.since}))
        if self.until:
            clauses.append(("posts.created_at <= :until", {"until": self.until + "\uffff"}))
        if self.status:
            clauses.append(("posts.status = :status", {"status": self.status}))
        params: dict[str, Any] = {}
        for _, values in clauses:
            params |= values
        return Walk(
            columns=_SUMMARY,
            source=source,
            order=_BY_DATE,
            where=tuple(sql for sql, _ in clauses),
            params=params,
            nullable_first=True,
        )


def list_posts(
    engine: Engine, query: PostQuery, *, limit: int | None = None, page: int = 500
) -> Iterator[PostSummary]:
    # The order's columns are among the summary's, so each row is exactly a summary.
    return itertools.starmap(PostSummary, walk(engine, query.walk(), page=page, limit=limit))


def summaries(engine: Engine, keys: Sequence[str]) -> dict[str, PostSummary]:
    """The posts with ``keys`` (those that exist), in one query."""
    sql, params = keys_sql(keys)
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT {SUMMARY_COLUMNS} FROM posts WHERE {sql}"), params)
        return {row[0]: PostSummary(*row) for row in rows}


def records(engine: Engine, keys: Sequence[str]) -> dict[str, str | None]:
    """The merged record of each of ``keys`` (None for a post never seen available)."""
    sql, params = keys_sql(keys)
    with engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT posts.key, {RECORD_SQL} FROM posts WHERE {sql}"), params
        )
        return {key: record for key, record in rows}


#: How a reference names a post, best first: its key, a URL it was seen at, its URL.
_FIND = f"""
WITH refs(ref) AS (SELECT DISTINCT value FROM json_each(:refs)),
named(ref, rank, key) AS (
    SELECT refs.ref, 0, posts.key FROM refs JOIN posts ON posts.key = refs.ref
    UNION ALL
    SELECT refs.ref, 1, aliases.post_key FROM refs JOIN aliases ON aliases.url = refs.ref
    UNION ALL
    SELECT refs.ref, 2, posts.key FROM refs JOIN posts ON posts.url = refs.ref
)
SELECT named.ref, named.rank, {SUMMARY_COLUMNS}, {RECORD_SQL}
FROM named JOIN posts ON posts.key = named.key
"""


def find(engine: Engine, refs: Sequence[str]) -> dict[str, StoredPost]:
    """The post each of ``refs`` (a key or a URL) names, with its record, in one query."""
    best: dict[str, tuple[int, StoredPost]] = {}
    with engine.connect() as connection:
        for row in connection.execute(text(_FIND), {"refs": json.dumps(list(refs))}):
            ref, rank = row[0], row[1]
            if ref not in best or rank < best[ref][0]:
                best[ref] = (rank, StoredPost(*row[2:]))
    return {ref: post for ref, (_, post) in best.items()}


def live_captured(engine: Engine, keys: Sequence[str]) -> set[str]:
    """Those of ``keys`` with a capture from a live fetch (one with an HTTP status)."""
    sql, params = keys_sql(keys, "post_key")
    query = text(f"SELECT DISTINCT post_key FROM captures WHERE {sql} AND http_status IS NOT NULL")
    with engine.connect() as connection:
        return {row[0] for row in connection.execute(query, params)}
