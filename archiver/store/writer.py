"""Writing a batch of observations: set-based SQL, one transaction, no per-row ORM work.

A 1,000-embed article or a 100,000-post recheck must not pay an ORM flush per row,
so a batch is planned in memory (which captures are new, how each post's merged view
changes) and then written with a handful of multi-row statements. The merged view is
updated incrementally from the stored view and the new record, so the cost of a
capture does not grow with the number of captures a post already has. A view that is
exactly a capture's record is not stored twice: the post names that capture.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, func, text

from archiver.blobs import BlobStore
from archiver.changes import CitedField, citation_differences
from archiver.merge import as_key_of, merge
from archiver.record import Post
from archiver.store.dialect import insert
from archiver.store.fts import reindex_posts
from archiver.store.observations import Observation
from archiver.store.reads import RECORD_SQL, keys_sql
from archiver.store.reconcile import is_text_key, join_text_posts, joined_keys
from archiver.store.tables import AliasRow, CaptureRow, MediaRow, PostRow

POSTS = PostRow.__table__  # type: ignore[attr-defined]
CAPTURES = CaptureRow.__table__  # type: ignore[attr-defined]
MEDIA = MediaRow.__table__  # type: ignore[attr-defined]
ALIASES = AliasRow.__table__  # type: ignore[attr-defined]


@dataclass
class _Plan:
    posts: dict[str, dict[str, Any]]
    captures: list[dict[str, Any]] = field(default_factory=list)
    changed_posts: set[str] = field(default_factory=set)
    reindex: set[str] = field(default_factory=set)
    media: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    #: Posts whose view is the record of a capture of this batch: key -> its index.
    view_capture: dict[str, int] = field(default_factory=dict)
    #: Each post's first capture with a record: the version cited (see :class:`_Cited`).
    cited: dict[str, _Cited] = field(default_factory=dict)
    #: Posts whose latest differing capture is one of this batch: key -> its index.
    differs_capture: dict[str, int] = field(default_factory=dict)


@dataclass
class _Cited:
    """A post's earliest capture with a record, by ``captured_at``: the version an article
    cited. Stored captures have an ``id``; one of this batch its ``index`` in the plan."""

    parsed: Post | None = None
    id: int | None = None
    index: int | None = None
    #: The record as stored, when read from the archive (often the post's view as well).
    json: str | None = None

    @property
    def post(self) -> Post:
        """The record, parsed when first needed: a capture stored before never needs it."""
        if self.parsed is None:
            assert self.json is not None, "a stored capture's record is read with it"
            self.parsed = Post.model_validate_json(self.json)
        return self.parsed


Written = tuple[str, str, str, tuple[CitedField, ...]]


def write_batch(
    connection: Connection, blobs: BlobStore, observations: Sequence[Observation]
) -> list[Written]:
    """Store ``observations``; return for each its key, result,
    the post's status, and the cited fields it shows changed (empty when none)."""
    stored: dict[int, str] = {}  # a document's posts share one body: hash it once

    def put(body: bytes) -> str:
        if id(body) not in stored:
            stored[id(body)] = blobs.put(body)
        return stored[id(body)]

    evidence = [[put(item.body) for item in obs.evidence] for obs in observations]
    # A text post already joined to the post it is (see archiver.store.reconcile) is
    # filed under that post again.
    joined = joined_keys(connection, {obs.key for obs in observations})
    if joined:
        observations = [
            replace(obs, key=joined[obs.key]) if obs.key in joined else obs for obs in observations
        ]
    keys = sorted({obs.key for obs in observations})
    plan = _Plan(posts=_existing_posts(connection, keys), cited=_first_records(connection, keys))
    seen = _existing_signatures(connection, keys, {obs.raw_sha256 for obs in observations})
    results = [
        _plan_one(plan, seen, obs, hashes, blobs)
        for obs, hashes in zip(observations, evidence, strict=True)
    ]
    _execute(connection, plan)
    joined.update(join_text_posts(connection, [plan.posts[key] for key in plan.changed_posts]))
    return [_joined_result(result, joined, plan) for result in results]


def _joined_result(result: Written, joined: dict[str, str], plan: _Plan) -> Written:
    """A text post's result told as the post it joined: that post was updated."""
    key = joined.get(result[0])
    if key is None:
        return result
    status = plan.posts[key]["status"] if key in plan.posts else result[2]
    return key, "updated", status, result[3]


def _existing_posts(connection: Connection, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The stored rows of ``keys``, each with its view in ``record_json`` wherever it is kept."""
    where, params = keys_sql(keys)
    rows = connection.execute(
        text(f"SELECT posts.*, {RECORD_SQL} AS view_json FROM posts WHERE {where}"), params
    )
    found = {}
    for row in rows:
        post = dict(row._mapping)
        post["record_json"] = post.pop("view_json")
        found[row.key] = post
    return found


def _first_records(connection: Connection, keys: list[str]) -> dict[str, _Cited]:
    """The earliest capture with a record of each of ``keys`` that has one."""
    where, params = keys_sql(keys, "post_key")
    query = text(
        "SELECT c.post_key, c.id, c.record_json FROM captures c WHERE c.id IN ("
        "SELECT (SELECT f.id FROM captures f WHERE f.post_key = k.post_key "
        "AND f.record_json IS NOT NULL ORDER BY f.captured_at, f.id LIMIT 1) "
        f"FROM (SELECT DISTINCT post_key FROM captures WHERE {where}) k)"
    )
    return {
        key: _Cited(id=capture_id, json=record)
        for key, capture_id, record in connection.execute(query, params)
    }


def _existing_signatures(
    connection: Connection, keys: list[str], raws: set[str]
) -> set[tuple[str, str, str, str]]:
    where, params = keys_sql(keys, "post_key")
    query = text(
        f"SELECT post_key, method, source, raw_sha256 FROM captures WHERE {where} "
        "AND raw_sha256 IN (SELECT value FROM json_each(:raws))"
    )
    rows = connection.execute(query, params | {"raws": json.dumps(sorted(raws))})
    return {tuple(row) for row in rows}  # type: ignore[misc]


def _plan_one(
    plan: _Plan,
    seen: set[tuple[str, str, str, str]],
    obs: Any,
    blob_hashes: list[str],
    blobs: BlobStore,
) -> Written:
    # A text post's URL is its author's profile, which names no one post.
    profile = is_text_key(f"{obs.platform}:{obs.post_id}")
    for url in {*obs.aliases, *([] if profile else [obs.url])}:
        plan.aliases.setdefault(url, obs.key)
    signature = (obs.key, obs.method, obs.source, obs.raw_sha256)
    row = plan.posts.get(obs.key)
    if signature in seen and row is not None:
        if obs.post is not None:  # the same answer again, perhaps with its media downloaded now
            _plan_media(plan, obs.key, obs.post, blobs, downloaded_only=True)
        return obs.key, "unchanged", row["status"], ()
    seen.add(signature)
    post: Post | None = obs.post
    record_json = post.to_json() if post else None
    plan.captures.append(
        {
            "post_key": obs.key,
            "captured_at": obs.captured_at,
            "method": obs.method,
            "source": obs.source,
            "raw_sha256": obs.raw_sha256,
            "content_hash": post.content_hash if post else None,
            "record_json": record_json,
            "status": obs.status,
            "status_detail": obs.detail,
            "http_status": obs.http_status,
            "evidence_json": json.dumps(
                [item.describe(sha) for item, sha in zip(obs.evidence, blob_hashes, strict=True)]
            ),
        }
    )
    if row is None:
        row = plan.posts[obs.key] = {
            "key": obs.key,
            "platform": obs.platform,
            "post_id": obs.post_id,
            "url": obs.url,
            "record_json": None,
            "record_capture_id": None,
            "content_hash": None,
            "status": obs.status,
            "status_detail": obs.detail,
            "first_captured_at": obs.captured_at,
            "last_captured_at": obs.captured_at,
            "capture_count": 0,
        }
        result = "new"
    else:
        result = "unchanged"
    before = (row["content_hash"], row["status"])
    differs = _compare_with_cited(plan, row, obs.key, post) if post is not None else ()
    row["capture_count"] = (row["capture_count"] or 0) + 1
    row["first_captured_at"] = min(row["first_captured_at"], obs.captured_at)
    # Only a live observation says whether a post exists now; a saved article does not,
    # and an older observation imported late never overrides a newer one.
    if obs.live and obs.captured_at >= row["last_captured_at"]:
        row["status"], row["status_detail"] = obs.status, obs.detail
    row["last_captured_at"] = max(row["last_captured_at"], obs.captured_at)
    if post is not None:
        cited = plan.cited.get(obs.key)
        stored = cited.post if cited and cited.json == row["record_json"] else row["record_json"]
        merged = _merge(row, stored, post)
        view = record_json if merged is post and record_json else merged.to_json()
        if view == record_json:  # this capture holds the view
            plan.view_capture[obs.key] = len(plan.captures) - 1
        elif view != row["record_json"]:  # a merge no capture holds: the post keeps it
            plan.view_capture.pop(obs.key, None)
            row["record_capture_id"] = None
        _apply_view(row, merged, view)
        plan.reindex.add(obs.key)
        _plan_media(plan, obs.key, merged, blobs)
        if post is not merged:  # files downloaded with this capture, if the view kept others
            _plan_media(plan, obs.key, post, blobs, downloaded_only=True)
    plan.changed_posts.add(obs.key)
    if result != "new" and (row["content_hash"], row["status"]) != before:
        result = "updated"
    return obs.key, result, row["status"], differs


def _compare_with_cited(
    plan: _Plan, row: dict[str, Any], key: str, post: Post
) -> tuple[CitedField, ...]:
    """Flag the post changed since cited when ``post`` (the plan's latest capture) and its
    first capture differ by :func:`archiver.changes.citation_differences`; the fields."""
    index = len(plan.captures) - 1
    cited = plan.cited.get(key)
    if cited is None:
        plan.cited[key] = _Cited(post, index=index)
        return ()
    if post.capture.captured_at >= cited.post.capture.captured_at:
        differs, later = citation_differences(cited.post, post), _Cited(post, index=index)
    else:  # an older observation imported late is the cited version from now on
        differs, later = citation_differences(post, cited.post), cited
        plan.cited[key] = _Cited(post, index=index)
    if differs:
        row["differs_fields"] = " ".join(differs)
        if later.index is not None:
            plan.differs_capture[key] = later.index
        else:
            plan.differs_capture.pop(key, None)
            row["differs_capture_id"] = later.id
    return differs


def _plan_media(
    plan: _Plan, key: str, post: Post, blobs: BlobStore, *, downloaded_only: bool = False
) -> None:
    """Media rows for ``post``'s media (only those downloaded, if ``downloaded_only``);
    a download recorded earlier is never replaced by "not downloaded"."""
    for item in post.media:
        if downloaded_only and not item.sha256:
            continue
        known = plan.media.get((key, item.url))
        if known is not None and known["sha256"] and not item.sha256:
            continue
        plan.media[(key, item.url)] = {
            "post_key": key,
            "url": item.url,
            "kind": item.kind,
            "alt": item.alt,
            "sha256": item.sha256,
            "content_type": item.content_type,
            "size": blobs.size(item.sha256) if item.sha256 else None,
            "downloaded_at": post.capture.captured_at if item.sha256 else None,
        }


def _merge(row: dict[str, Any], stored: str | Post | None, post: Post) -> Post:
    """The post's view after ``post``: the stored view (its JSON, or already read) and the
    new capture merged by :func:`archiver.merge.merge` (the view keeps its base's capture,
    so it ranks as it). A text post filed under the post it was joined to is merged as
    that post."""
    if post.key != row["key"]:
        post = as_key_of(post, row["post_id"], row["url"])
    if stored is None:
        return post
    view = Post.model_validate_json(stored) if isinstance(stored, str) else stored
    return merge(view, post)


def _apply_view(row: dict[str, Any], merged: Post, view: str) -> None:
    row.update(
        record_json=view,
        content_hash=merged.content_hash,
        url=merged.url,
        author_name=merged.author.name,
        author_handle=merged.author.handle,
        created_at=merged.created_at,
        title=merged.title,
        text=merged.text,
    )


_POST_COLUMNS = (
    "key", "platform", "post_id", "url", "author_name", "author_handle", "created_at", "title",
    "text", "content_hash", "record_json", "record_capture_id", "status", "status_detail",
    "first_captured_at", "last_captured_at", "capture_count", "differs_fields",
    "differs_capture_id",
)  # fmt: skip


def _execute(connection: Connection, plan: _Plan) -> None:
    if plan.changed_posts:
        rows = [
            {name: plan.posts[key].get(name) for name in _POST_COLUMNS}
            for key in sorted(plan.changed_posts)
        ]
        for row in rows:
            row["text"] = row["text"] or ""
            if row["key"] in plan.view_capture or row["record_capture_id"] is not None:
                row["record_json"] = None  # a capture holds it
        upsert = insert(connection, POSTS)
        connection.execute(
            upsert.on_conflict_do_update(
                index_elements=["key"],
                set_={name: upsert.excluded[name] for name in _POST_COLUMNS if name != "key"},
            ),
            rows,
        )
    if plan.captures:
        # Inserted after their posts (each names its post); then the posts whose view one
        # of them holds are pointed at it.
        inserted = insert(connection, CAPTURES).returning(
            CAPTURES.c.id, sort_by_parameter_order=True
        )
        ids = list(connection.execute(inserted, plan.captures).scalars())
        for column, pointers in (
            ("record_capture_id", plan.view_capture),
            ("differs_capture_id", plan.differs_capture),
        ):
            if pointers:
                connection.execute(
                    text(f"UPDATE posts SET {column} = :id WHERE key = :key"),
                    [{"id": ids[index], "key": key} for key, index in pointers.items()],
                )
    if plan.reindex:
        keys = sorted(plan.reindex)
        reindex_posts(connection, [plan.posts[key] for key in keys])
    if plan.media:
        upsert = insert(connection, MEDIA)
        connection.execute(
            upsert.on_conflict_do_update(
                index_elements=["post_key", "url"],
                set_={
                    "kind": upsert.excluded.kind,
                    "alt": upsert.excluded.alt,
                    "sha256": _coalesce(upsert, "sha256"),
                    "content_type": _coalesce(upsert, "content_type"),
                    "size": _coalesce(upsert, "size"),
                    "downloaded_at": _coalesce(upsert, "downloaded_at"),
                },
            ),
            list(plan.media.values()),
        )
    if plan.aliases:
        connection.execute(
            insert(connection, ALIASES).on_conflict_do_nothing(index_elements=["url"]),
            [{"url": url, "post_key": key} for url, key in plan.aliases.items()],
        )


def _coalesce(upsert: Any, name: str) -> Any:
    return func.coalesce(upsert.excluded[name], MEDIA.c[name])
