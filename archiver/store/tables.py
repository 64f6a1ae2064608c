"""The SQLite tables, as sqlmodel classes.

Captures are append-only evidence: a capture row is never updated or deleted, so
every earlier copy of a post survives later ones. The ``posts`` row is derived from
them (the best merged view, plus the latest known status) and may be rewritten.
Records are kept as their canonical JSON text so the exact bytes that were hashed
can be re-read; the searchable columns beside them are copies for queries.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel, UniqueConstraint


class PostRow(SQLModel, table=True):
    __tablename__ = "posts"

    key: str = Field(primary_key=True)
    platform: str = Field(index=True)
    post_id: str
    url: str
    author_name: str | None = None
    author_handle: str | None = Field(default=None, index=True)
    created_at: str | None = Field(default=None, index=True)
    title: str | None = None
    text: str = ""
    content_hash: str | None = None
    #: The merged record (JSON), or None when the post was never seen available.
    record_json: str | None = None
    #: "archived" while available; otherwise a platform reason (deleted, private, ...).
    status: str = Field(default="archived", index=True)
    status_detail: str | None = None
    first_captured_at: str
    last_captured_at: str = Field(index=True)
    capture_count: int = 0


class CaptureRow(SQLModel, table=True):
    __tablename__ = "captures"
    __table_args__ = (
        UniqueConstraint("post_key", "method", "source", "raw_sha256", name="uq_capture_evidence"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_key: str = Field(index=True, foreign_key="posts.key")
    captured_at: str
    method: str
    source: str
    raw_sha256: str
    #: Null for a capture that found the post unavailable.
    content_hash: str | None = None
    record_json: str | None = None
    status: str = "archived"
    status_detail: str | None = None
    http_status: int | None = None
    #: JSON list of every response behind this capture (url, status, sha256, warc ref).
    evidence_json: str = "[]"


class MediaRow(SQLModel, table=True):
    __tablename__ = "media"
    __table_args__ = (UniqueConstraint("post_key", "url", name="uq_media_url"),)

    id: int | None = Field(default=None, primary_key=True)
    post_key: str = Field(index=True, foreign_key="posts.key")
    url: str
    kind: str = "unknown"
    alt: str | None = None
    sha256: str | None = None
    content_type: str | None = None
    size: int | None = None
    downloaded_at: str | None = None


class AliasRow(SQLModel, table=True):
    """Other URLs that name a stored post (as given by users, short links, mirrors)."""

    __tablename__ = "aliases"

    url: str = Field(primary_key=True)
    post_key: str = Field(index=True, foreign_key="posts.key")
