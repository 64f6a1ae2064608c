"""The archive on disk: ``archive.db`` (SQLite through sqlmodel) plus content-addressed blobs.

Writes come in batches, one transaction each, in WAL mode: an interrupted run loses
at most the batch in flight and never harms what was committed before it. Blobs are
written before the transaction that references them, so a committed capture always
points at bytes that exist.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session, SQLModel, col, create_engine, select

from archiver.blobs import BlobStore
from archiver.record import Post, sha256_hex
from archiver.store.fts import ensure_fts, fts_query, reindex_post
from archiver.store.merge import merge_records
from archiver.store.tables import AliasRow, CaptureRow, MediaRow, PostRow

SCHEMA_VERSION = 1
AddResult = Literal["new", "updated", "unchanged"]


class StoreError(Exception):
    """The archive cannot be opened or written; the message says what to do."""


@dataclass(frozen=True)
class Evidence:
    """One response or document behind a capture, kept as a blob (and in WARC when fetched)."""

    url: str
    body: bytes
    http_status: int | None = None
    content_type: str | None = None
    purpose: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_record_id: str | None = None

    def describe(self, sha256: str) -> dict[str, Any]:
        return {
            "url": self.url,
            "http_status": self.http_status,
            "sha256": sha256,
            "content_type": self.content_type,
            "purpose": self.purpose,
            "warc_file": self.warc_file,
            "warc_offset": self.warc_offset,
            "warc_record_id": self.warc_record_id,
        }


@dataclass
class Observation:
    """What one capture saw of one post: its record, or that the platform withholds it."""

    key: str
    platform: str
    post_id: str
    url: str
    method: str
    source: str
    captured_at: str
    evidence: list[Evidence]
    post: Post | None = None
    status: str = "archived"
    detail: str | None = None
    http_status: int | None = None
    aliases: list[str] = field(default_factory=list)

    @classmethod
    def of_post(cls, post: Post, evidence: list[Evidence], **extra: Any) -> Observation:
        return cls(
            key=post.key,
            platform=post.platform,
            post_id=post.post_id,
            url=post.url,
            method=post.capture.method,
            source=post.capture.source,
            captured_at=post.capture.captured_at,
            evidence=evidence,
            post=post,
            **extra,
        )

    @property
    def raw_sha256(self) -> str:
        if self.post is not None:
            return self.post.capture.raw_sha256
        return sha256_hex(self.evidence[-1].body) if self.evidence else sha256_hex(b"")


@dataclass(frozen=True)
class AddOutcome:
    key: str
    result: AddResult
    status: str


def _configure(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Archive:
    """An archive home: open it, add observations in batches, query posts and captures."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create archive home {self.home}: {exc.strerror}") from exc
        self.db_path = self.home / "archive.db"
        self.blobs = BlobStore(self.home / "blobs")
        self.engine: Engine = create_engine(f"sqlite:///{self.db_path}")
        event.listen(self.engine, "connect", _configure)
        try:
            SQLModel.metadata.create_all(self.engine)
            with self.engine.begin() as connection:
                ensure_fts(connection)
                connection.execute(text(f"PRAGMA user_version = {SCHEMA_VERSION}"))
        except (DatabaseError, OperationalError) as exc:
            raise StoreError(
                f"{self.db_path} is not a usable archive database ({exc.orig}); "
                "choose another --home or move the file away"
            ) from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------

    def add(self, observations: Sequence[Observation]) -> list[AddOutcome]:
        """Store a batch of observations in one transaction; idempotent per evidence."""
        if not observations:
            return []
        stored = {
            id(obs): [self.blobs.put(item.body) for item in obs.evidence] for obs in observations
        }
        keys = sorted({obs.key for obs in observations})
        outcomes: list[AddOutcome] = []
        with Session(self.engine) as session:
            posts = {
                row.key: row
                for row in session.exec(select(PostRow).where(col(PostRow.key).in_(keys)))
            }
            captures: dict[str, list[CaptureRow]] = {}
            for capture in session.exec(
                select(CaptureRow).where(col(CaptureRow.post_key).in_(keys))
            ):
                captures.setdefault(capture.post_key, []).append(capture)
            for obs in observations:
                outcomes.append(self._add_one(session, obs, stored[id(obs)], posts, captures))
            session.commit()
        return outcomes

    def _add_one(
        self,
        session: Session,
        obs: Observation,
        blob_hashes: list[str],
        posts: dict[str, PostRow],
        captures: dict[str, list[CaptureRow]],
    ) -> AddOutcome:
        existing = captures.setdefault(obs.key, [])
        raw_sha = obs.raw_sha256
        row = posts.get(obs.key)
        duplicate = any(
            c.method == obs.method and c.source == obs.source and c.raw_sha256 == raw_sha
            for c in existing
        )
        if duplicate and row is not None:
            self._add_aliases(session, obs)
            return AddOutcome(obs.key, "unchanged", row.status)
        record_json = obs.post.to_json() if obs.post is not None else None
        capture = CaptureRow(
            post_key=obs.key,
            captured_at=obs.captured_at,
            method=obs.method,
            source=obs.source,
            raw_sha256=raw_sha,
            content_hash=obs.post.content_hash if obs.post is not None else None,
            record_json=record_json,
            status=obs.status,
            status_detail=obs.detail,
            http_status=obs.http_status,
            evidence_json=json.dumps(
                [item.describe(sha) for item, sha in zip(obs.evidence, blob_hashes, strict=True)]
            ),
        )
        if row is None:
            row = PostRow(
                key=obs.key,
                platform=obs.platform,
                post_id=obs.post_id,
                url=obs.url,
                first_captured_at=obs.captured_at,
                last_captured_at=obs.captured_at,
            )
            posts[obs.key] = row
            result: AddResult = "new"
        else:
            result = "unchanged"
        session.add(row)
        session.flush()
        session.add(capture)
        existing.append(capture)
        before = (row.content_hash, row.status)
        self._refresh_post(session, row, existing, obs)
        if result != "new" and (row.content_hash, row.status) != before:
            result = "updated"
        self._add_aliases(session, obs)
        return AddOutcome(obs.key, result, row.status)

    def _refresh_post(
        self, session: Session, row: PostRow, captures: list[CaptureRow], obs: Observation
    ) -> None:
        records = [json.loads(c.record_json) for c in captures if c.record_json]
        row.capture_count = len(captures)
        row.last_captured_at = max(row.last_captured_at, obs.captured_at)
        row.first_captured_at = min(row.first_captured_at, obs.captured_at)
        row.status, row.status_detail = obs.status, obs.detail
        if records:
            merged = merge_records(records)
            row.record_json = merged.to_json()
            row.content_hash = merged.content_hash
            row.url = merged.url
            row.author_name = merged.author.name
            row.author_handle = merged.author.handle
            row.created_at = merged.created_at
            row.title = merged.title
            row.text = merged.text
            reindex_post(session.connection(), row)
            self._add_media(session, row.key, merged)
        session.add(row)

    def _add_media(self, session: Session, key: str, post: Post) -> None:
        known = {m.url for m in session.exec(select(MediaRow).where(MediaRow.post_key == key))}
        for item in post.media:
            if item.url not in known:
                session.add(MediaRow(post_key=key, url=item.url, kind=item.kind, alt=item.alt))
                known.add(item.url)

    def _add_aliases(self, session: Session, obs: Observation) -> None:
        for url in {obs.url, *obs.aliases}:
            if session.get(AliasRow, url) is None:
                session.add(AliasRow(url=url, post_key=obs.key))

    def record_media_download(
        self, key: str, url: str, sha256: str, content_type: str | None, size: int, at: str
    ) -> None:
        with Session(self.engine) as session:
            row = session.exec(
                select(MediaRow).where(MediaRow.post_key == key, MediaRow.url == url)
            ).first()
            if row is None:
                row = MediaRow(post_key=key, url=url)
            row.sha256, row.content_type, row.size, row.downloaded_at = (
                sha256,
                content_type,
                size,
                at,
            )
            session.add(row)
            session.commit()

    # -- reading -------------------------------------------------------------------

    def get(self, key_or_url: str) -> PostRow | None:
        with Session(self.engine) as session:
            row = session.get(PostRow, key_or_url)
            if row is None:
                alias = session.get(AliasRow, key_or_url)
                if alias is not None:
                    row = session.get(PostRow, alias.post_key)
            if row is None:
                row = session.exec(select(PostRow).where(PostRow.url == key_or_url)).first()
            return row

    def has_key(self, key: str) -> bool:
        return self.get(key) is not None

    def captures(self, key: str) -> list[CaptureRow]:
        with Session(self.engine) as session:
            query = (
                select(CaptureRow).where(CaptureRow.post_key == key).order_by(col(CaptureRow.id))
            )
            return list(session.exec(query))

    def media(self, key: str) -> list[MediaRow]:
        with Session(self.engine) as session:
            return list(session.exec(select(MediaRow).where(MediaRow.post_key == key)))

    def list_posts(
        self,
        *,
        platform: str | None = None,
        author: str | None = None,
        since: str | None = None,
        until: str | None = None,
        status: str | None = None,
        keys: Sequence[str] | None = None,
        limit: int | None = None,
        batch_size: int = 500,
    ) -> Iterator[PostRow]:
        """Posts matching every filter given, oldest first, streamed in pages."""
        query = select(PostRow)
        if platform:
            query = query.where(PostRow.platform == platform)
        if author:
            needle = author.lstrip("@").lower()
            query = query.where(
                (col(PostRow.author_handle).ilike(needle))
                | (col(PostRow.author_handle).ilike(f"{needle}@%"))
                | (col(PostRow.author_name).ilike(f"%{author}%"))
            )
        if since:
            query = query.where(col(PostRow.created_at) >= since)
        if until:
            query = query.where(col(PostRow.created_at) <= until + "\uffff")
        if status:
            query = query.where(PostRow.status == status)
        if keys is not None:
            query = query.where(col(PostRow.key).in_(list(keys)))
        query = query.order_by(col(PostRow.created_at), col(PostRow.key))
        yield from self._paged(query, limit, batch_size)

    def _paged(self, query: Any, limit: int | None, batch_size: int) -> Iterator[PostRow]:
        offset, sent = 0, 0
        with Session(self.engine) as session:
            while limit is None or sent < limit:
                page = list(session.exec(query.offset(offset).limit(batch_size)))
                if not page:
                    return
                for row in page:
                    if limit is not None and sent >= limit:
                        return
                    sent += 1
                    yield row
                offset += len(page)

    def search(self, query: str, limit: int = 50) -> list[PostRow]:
        """Full-text search over text, title and author (FTS5), best match first."""
        match = fts_query(query)
        if not match:
            return []
        with Session(self.engine) as session:
            keys = [
                row[0]
                for row in session.connection().execute(
                    text(
                        "SELECT key FROM posts_fts WHERE posts_fts MATCH :q "
                        "ORDER BY bm25(posts_fts) LIMIT :n"
                    ),
                    {"q": match, "n": limit},
                )
            ]
            rows = {
                r.key: r for r in session.exec(select(PostRow).where(col(PostRow.key).in_(keys)))
            }
        return [rows[key] for key in keys if key in rows]

    def counts(self) -> dict[str, dict[str, int]]:
        """Number of posts by platform and status."""
        result: dict[str, dict[str, int]] = {}
        with Session(self.engine) as session:
            rows = session.connection().execute(
                text("SELECT platform, status, COUNT(*) FROM posts GROUP BY platform, status")
            )
            for platform, status, count in rows:
                result.setdefault(platform, {})[status] = count
        return result
