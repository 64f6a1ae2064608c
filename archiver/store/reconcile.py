"""One post, one record: a post found in flattened text joins the post its real id names.

Flattened text shows no status id, so a post read from it is stored under a ``text-…``
key. When the same post is later (or earlier) stored with its real id, from the article
as HTML or a live fetch, the two rows become one: every row that named the text key
(captures, media, aliases, checks, and any later table with a ``posts.key`` foreign key)
names the real key, the text key becomes an alias of it, and the post's view is the
two views merged by :func:`archiver.merge.merge`. The captures themselves are evidence
and stay exactly as they were recorded: only the post they are filed under changes.

:func:`archiver.merge.same_post` decides whether two records are one post; a text post
that matches more than one post with an id is left alone, since a wrong merge would
corrupt both records and a missed one only leaves two.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, text
from sqlmodel import SQLModel

from archiver.merge import TEXT_ID_PREFIX, as_key_of, merge, same_post
from archiver.record import Post
from archiver.store import dialect
from archiver.store.fts import reindex_posts, remove_posts
from archiver.store.reads import RECORD_SQL, keys_sql
from archiver.store.tables import AliasRow

_CANDIDATES = """
SELECT key, platform, post_id, author_handle, created_at FROM posts
WHERE author_handle IN (SELECT value FROM json_each(:handles))
AND substr(created_at, 1, 10) IN (SELECT value FROM json_each(:days))
AND (record_json IS NOT NULL OR record_capture_id IS NOT NULL)"""


def is_text_key(key: str) -> bool:
    """Whether ``key`` names a post found in flattened text (``platform:text-…``)."""
    return key.partition(":")[2].startswith(TEXT_ID_PREFIX)


def joined_keys(connection: Connection, keys: Iterable[str]) -> dict[str, str]:
    """The real key each of ``keys`` (text keys) was joined to, for those that were."""
    wanted = [key for key in keys if is_text_key(key)]
    if not wanted:
        return {}
    rows = connection.execute(
        text("SELECT url, post_key FROM aliases WHERE url IN (SELECT value FROM json_each(:k))"),
        {"k": json.dumps(wanted)},
    )
    return {url: key for url, key in rows}


def join_text_posts(connection: Connection, rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Join each text post among ``rows`` (posts-table rows just written) to the post with
    an id it is, and each post with an id to the text posts that are it. Returns the real
    key of each text key joined."""
    joined = {}
    for text_key, real_key in _pairs(connection, rows):
        if _join(connection, text_key, real_key):
            joined[text_key] = real_key
    return joined


def _pairs(connection: Connection, rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    handles: set[str] = set()
    days: set[str] = set()
    for row in rows:
        handle, created = row.get("author_handle"), row.get("created_at")
        if not handle or not created or row.get("record_json") is None:
            continue
        handles.update({handle, handle.lower()})
        try:
            day = date.fromisoformat(created[:10])
        except ValueError:
            continue
        days.update(str(day + timedelta(days=shift)) for shift in (-1, 0, 1))
    if not handles:
        return []
    params = {"handles": json.dumps(sorted(handles)), "days": json.dumps(sorted(days))}
    by_author: dict[tuple[str, str], tuple[list[Any], list[Any]]] = {}
    for near in connection.execute(text(_CANDIDATES), params):
        author = (near.platform, near.author_handle.casefold())
        texts, with_ids = by_author.setdefault(author, ([], []))
        (texts if near.post_id.startswith(TEXT_ID_PREFIX) else with_ids).append(near)
    candidates = {
        (found.key, other.key)
        for texts, with_ids in by_author.values()
        for found in texts
        for other in with_ids
        if _near(found.created_at, other.created_at)
    }
    if not candidates:
        return []
    where, keys = keys_sql(sorted({key for pair in candidates for key in pair}))
    query = text(f"SELECT posts.key, {RECORD_SQL} FROM posts WHERE {where}")
    views = {key: Post.model_validate_json(view) for key, view in connection.execute(query, keys)}
    matches: dict[str, list[str]] = {}
    for text_key, real_key in sorted(candidates):
        if same_post(views[text_key], views[real_key]):
            matches.setdefault(text_key, []).append(real_key)
    # More than one match is ambiguous: both records are left alone.
    return [(text_key, found[0]) for text_key, found in matches.items() if len(found) == 1]


def _near(first: str, second: str) -> bool:
    return abs((date.fromisoformat(first[:10]) - date.fromisoformat(second[:10])).days) <= 1


def _references() -> list[tuple[str, str]]:
    """Every (table, column) that names a post: a foreign key to ``posts.key``, or a
    ``post_key`` (a citation may name a post not stored yet), from the table definitions,
    so a table added later follows a joined post without a change here."""
    return sorted(
        (table.name, column.name)
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if column.name == "post_key"
        or any(key.target_fullname == "posts.key" for key in column.foreign_keys)
    )


#: A capture of the text post that the real post holds too: the same document read the
#: same way (a plain-text article with the post's signature and its bare URL on a line).
_SAME_CAPTURE = """
SELECT 1 FROM captures t JOIN captures r
ON r.post_key = :real AND r.method = t.method AND r.source = t.source
AND r.raw_sha256 = t.raw_sha256
WHERE t.post_key = :text LIMIT 1
"""


def _join(connection: Connection, text_key: str, real_key: str) -> bool:
    """Join the two posts; False, leaving both as they are, when a capture of each is the
    same capture (one post may hold it once), so no evidence is ever dropped."""
    keys = {"text": text_key, "real": real_key}
    if connection.execute(text(_SAME_CAPTURE), keys).first() is not None:
        return False
    where, params = keys_sql([text_key, real_key])
    query = text(f"SELECT posts.*, {RECORD_SQL} AS view_json FROM posts WHERE {where}")
    rows = {row.key: dict(row._mapping) for row in connection.execute(query, params)}
    found, real = rows[text_key], rows[real_key]
    view = _merged_view(found, real)
    # Rows that name the post follow it; a derived row the real post already has (the same
    # media URL, the same alias) is kept once. Captures never collide (checked above).
    for table, column in _references():
        dialect.update_or_skip(connection, SQLModel.metadata.tables[table], column, keys)
        if table != "captures":
            connection.execute(text(f"DELETE FROM {table} WHERE {column} = :text"), keys)
    aliases = dialect.insert(connection, AliasRow.__table__)  # type: ignore[attr-defined]
    connection.execute(
        aliases.values(url=text_key, post_key=real_key).on_conflict_do_update(
            index_elements=["url"], set_={"post_key": real_key}
        )
    )
    remove_posts(connection, [text_key])
    connection.execute(text("DELETE FROM posts WHERE key = :text"), keys)
    update = {
        "key": real_key,
        "first": min(found["first_captured_at"], real["first_captured_at"]),
        "last": max(found["last_captured_at"], real["last_captured_at"]),
        "count": (found["capture_count"] or 0) + (real["capture_count"] or 0),
    }
    sets = "first_captured_at = :first, last_captured_at = :last, capture_count = :count"
    if view is not None:
        update |= {
            "record": view.to_json(),
            "hash": view.content_hash,
            "name": view.author.name,
            "handle": view.author.handle,
            "created": view.created_at,
            "title": view.title,
            "text": view.text,
        }
        sets += (
            ", record_json = :record, record_capture_id = NULL, content_hash = :hash, "
            "author_name = :name, author_handle = :handle, created_at = :created, "
            "title = :title, text = :text"
        )
    connection.execute(text(f"UPDATE posts SET {sets} WHERE key = :key"), update)
    reindex_posts(connection, [real | _columns(update)] if view is not None else [real])
    return True


def _merged_view(found: Mapping[str, Any], real: Mapping[str, Any]) -> Post | None:
    """The real post's view with the text post's merged in (None when it adds nothing)."""
    real_view = Post.model_validate_json(real["view_json"])
    text_view = as_key_of(
        Post.model_validate_json(found["view_json"]), real_view.post_id, real_view.url
    )
    earlier, later = (
        (text_view, real_view)
        if found["first_captured_at"] <= real["first_captured_at"]
        else (real_view, text_view)
    )
    merged = merge(earlier, later)
    return None if merged is real_view else merged


def _columns(update: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "title": update["title"],
        "text": update["text"],
        "author_name": update["name"],
        "author_handle": update["handle"],
    }
