"""The archive on disk: ``archive.db`` (SQLite through sqlmodel) plus content-addressed blobs.

Writes come in batches, one transaction each, in WAL mode: an interrupted run loses
at most the batch in flight and never harms what was committed before it. Blobs are
written before the transaction that references them, so a committed capture always
points at bytes that exist.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session, col, create_engine, select

from archiver.blobs import BlobStore
from archiver.errors import ArchiverError
from archiver.record import Post, sha256_hex
from archiver.store import reads
from archiver.store.fts import fts_query
from archiver.store.reads import Clause, PostSummary, StoredPost
from archiver.store.schema import NewerArchiveError, prepare
from archiver.store.tables import CaptureRow, MediaRow
from archiver.store.writer import write_batch

AddResult = Literal["new", "updated", "unchanged"]


class StoreError(ArchiverError):
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
    #: True when the post was seen on the platform just now (a fetch), so its status
    #: counts; a saved document says nothing about whether the post still exists.
    live: bool = False

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
        self.engine: Engine = create_engine(f"sqlite:///{self.db_path}")
        event.listen(self.engine, "connect", _configure)
        try:
            prepare(self.engine)
        except NewerArchiveError as exc:
            raise StoreError(f"{self.db_path}: {exc}") from exc
        except (DatabaseError, OperationalError) as exc:
            raise StoreError(
                f"{self.db_path} is not a usable archive database ({exc.orig}); "
                "choose another --home or move the file away"
            ) from exc
        self.blobs = BlobStore(self.home / "blobs")
        self.blobs.upgrade_layout()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------

    def add(self, observations: Sequence[Observation]) -> list[AddOutcome]:
        """Store a batch of observations in one transaction; idempotent per evidence.

        Blobs are written first, so a committed capture always points at bytes that exist.
        """
        if not observations:
            return []
        with self.engine.begin() as connection:
            results = write_batch(connection, self.blobs, observations)
        return [AddOutcome(key, result, status) for key, result, status in results]  # type: ignore[arg-type]

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

    def get(self, key_or_url: str) -> StoredPost | None:
        """The post a key, a URL it was seen at, or its URL names; with its record."""
        return self.get_many([key_or_url]).get(key_or_url)

    def get_many(self, refs: Sequence[str]) -> dict[str, StoredPost]:
        """:meth:`get` for many references in one query: each one that names a post."""
        return reads.find(self.engine, refs)

    def records_for(self, keys: Sequence[str]) -> dict[str, str | None]:
        """The merged record (JSON) of several posts in one query (None: never seen available)."""
        return reads.records(self.engine, keys)

    def live_captured(self, keys: Sequence[str]) -> set[str]:
        """Those of ``keys`` with a capture from a live fetch, in one query."""
        return reads.live_captured(self.engine, keys)

    def captures(self, key: str) -> list[CaptureRow]:
        with Session(self.engine) as session:
            query = (
                select(CaptureRow).where(CaptureRow.post_key == key).order_by(col(CaptureRow.id))
            )
            return list(session.exec(query))

    def media(self, key: str) -> list[MediaRow]:
        with Session(self.engine) as session:
            return list(session.exec(select(MediaRow).where(MediaRow.post_key == key)))

    def captures_for(self, keys: Sequence[str]) -> dict[str, list[CaptureRow]]:
        """Captures of several posts in one query (for exports that walk posts in pages)."""
        found: dict[str, list[CaptureRow]] = {key: [] for key in keys}
        with Session(self.engine) as session:
            query = (
                select(CaptureRow)
                .where(col(CaptureRow.post_key).in_(list(keys)))
                .order_by(col(CaptureRow.id))
            )
            for row in session.exec(query):
                found.setdefault(row.post_key, []).append(row)
        return found

    def media_for(self, keys: Sequence[str]) -> dict[str, list[MediaRow]]:
        """Media rows of several posts in one query."""
        found: dict[str, list[MediaRow]] = {key: [] for key in keys}
        with Session(self.engine) as session:
            query = (
                select(MediaRow)
                .where(col(MediaRow.post_key).in_(list(keys)))
                .order_by(col(MediaRow.id))
            )
            for row in session.exec(query):
                found.setdefault(row.post_key, []).append(row)
        return found

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
        where: Sequence[Clause] = (),
    ) -> Iterator[PostSummary]:
        """Posts matching every filter given, oldest first (undated first of all), streamed
        a page at a time by keyset, so any walk costs the same per post.

        ``where`` adds SQL conditions on ``posts`` (e.g. :func:`archiver.store.checks.status_sql`).
        """
        query = reads.PostQuery(platform, author, since, until, status, keys, where)
        return reads.list_posts(self.engine, query, limit=limit, page=batch_size)

    def search(self, query: str, limit: int = 50) -> list[PostSummary]:
        """Full-text search over text, title and author (FTS5), best match first."""
        match = fts_query(query)
        if not match:
            return []
        with self.engine.connect() as connection:
            keys = [
                row[0]
                for row in connection.execute(
                    text(
                        "SELECT key FROM posts_fts WHERE posts_fts MATCH :q "
                        "ORDER BY bm25(posts_fts) LIMIT :n"
                    ),
                    {"q": match, "n": limit},
                )
            ]
        rows = reads.summaries(self.engine, keys)
        return [rows[key] for key in keys if key in rows]

    def counts(self) -> dict[str, dict[str, int]]:
        """Number of posts by platform and status."""
        result: dict[str, dict[str, int]] = {}
        with self.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT platform, status, COUNT(*) FROM posts GROUP BY platform, status")
            )
            for platform, status, count in rows:
                result.setdefault(platform, {})[status] = count
        return result
