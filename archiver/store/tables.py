"""The SQLite tables, as sqlmodel classes.

Captures are append-only evidence: a capture row is never updated or deleted, so
every earlier copy of a post survives later ones. The ``posts`` row is derived from
them (the best merged view, plus the latest known status) and may be rewritten.
Records are kept as their canonical JSON text so the exact bytes that were hashed
can be re-read; the searchable columns beside them are copies for queries. Each record
text is stored once: a post whose merged record is exactly one of its captures' records
names that capture (``record_capture_id``) instead of holding a second copy. The
reference goes from the derived row to the evidence, so a capture never has to change
when the post's view does.
Checks (``archiver recheck``) are append-only history too: one row per check, never
rewritten, so when a post went and why can always be read back.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Field, Index, SQLModel, UniqueConstraint


class PostRow(SQLModel, table=True):
    """The table of posts. Read posts through :class:`~archiver.store.Archive`, which
    resolves ``record_json``; the raw column is NULL when a capture holds the record."""

    __tablename__ = "posts"
    __table_args__ = (
        # The orders ``list`` and ``export`` walk (oldest first), as plain index scans for
        # keyset pages: all posts, and one platform's.
        Index("ix_posts_created_key", "created_at", "key"),
        Index("ix_posts_platform_created_key", "platform", "created_at", "key"),
        # ``status`` counts posts by status and platform from this index alone.
        Index("ix_posts_status_platform_key", "status", "platform", "key"),
        # Posts changed since cited, counted by ``status`` and walked by ``list --changed``.
        Index(
            "ix_posts_differs_created_key",
            "created_at",
            "key",
            sqlite_where=text("differs_fields IS NOT NULL"),
            postgresql_where=text("differs_fields IS NOT NULL"),
        ),
    )

    key: str = Field(primary_key=True)
    platform: str
    post_id: str
    url: str = Field(index=True)
    author_name: str | None = None
    author_handle: str | None = Field(default=None, index=True)
    created_at: str | None = None
    title: str | None = None
    text: str = ""
    content_hash: str | None = None
    #: The merged record (JSON) when no capture holds it verbatim; None when
    #: ``record_capture_id`` names the capture that does, or the post was never seen available.
    record_json: str | None = None
    #: The capture whose ``record_json`` is this post's merged record, when one is.
    record_capture_id: int | None = None
    #: "archived" while available; otherwise a platform reason (deleted, private, ...).
    status: str = "archived"
    status_detail: str | None = None
    first_captured_at: str
    last_captured_at: str = Field(index=True)
    capture_count: int = 0
    #: Changed since cited: the cited fields (``text author date media``, space-separated)
    #: in which a later capture differs from the post's first (see :mod:`archiver.changes`);
    #: None while every capture agrees with the first.
    differs_fields: str | None = None
    #: The latest capture that differs from the first (shown beside it by ``show``).
    differs_capture_id: int | None = None


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


class RecheckRun(SQLModel, table=True):
    """One ``archiver recheck`` run: what it selected, and whether it finished.

    A run left unfinished (interrupted) is continued by the next run of the same
    selection; ``baseline_capture_id`` is the newest capture when the run began, so a
    resumed run still compares against what was known before it started.
    """

    __tablename__ = "recheck_runs"

    id: int | None = Field(default=None, primary_key=True)
    started_at: str
    finished_at: str | None = None
    #: "running" (or interrupted), "finished", or "abandoned" (superseded by --restart).
    state: str = Field(default="running", index=True)
    #: The selection as the user gave it, canonical JSON, and its SHA-256 for look-ups.
    selection_json: str = "{}"
    selection_key: str = Field(default="", index=True)
    baseline_capture_id: int = 0


class CheckRow(SQLModel, table=True):
    """One check of one post. Append-only: a check is history and is never rewritten."""

    __tablename__ = "checks"
    __table_args__ = (
        Index("ix_checks_run_post", "run_id", "post_key"),
        # A run's checks in order (paged by id), and counted by outcome, from the index alone.
        Index("ix_checks_run_id_outcome", "run_id", "id", "outcome"),
        # A post's latest check, and latest definitive one, from the index alone.
        Index("ix_checks_post_id_outcome", "post_key", "id", "outcome"),
        Index("ix_checks_post_checked", "post_key", "checked_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_key: str = Field(foreign_key="posts.key")
    run_id: int = Field(foreign_key="recheck_runs.id")
    checked_at: str
    #: available, changed, deleted, private, suspended, unavailable or error.
    outcome: str
    #: The post's outcome class before this check (from its status), None when unknown.
    previous_outcome: str | None = None
    http_status: int | None = None
    #: The platform's reason (deleted, not_found, login_required, ...) when not available.
    reason: str | None = None
    detail: str | None = None
    method: str | None = None
    source: str | None = None
    content_hash: str | None = None
    raw_sha256: str | None = None
    #: The capture this check stored (a change, a new baseline or a newly gone post).
    capture_id: int | None = Field(default=None, foreign_key="captures.id")
    warc_file: str | None = None
    warc_offset: int | None = None


class CopyRow(SQLModel, table=True):
    """A public copy of a post found elsewhere (Wayback Machine, a Memento archive)."""

    __tablename__ = "copies"
    __table_args__ = (UniqueConstraint("post_key", "url", name="uq_copy_url"),)

    id: int | None = Field(default=None, primary_key=True)
    post_key: str = Field(index=True, foreign_key="posts.key")
    #: "wayback" or "memento".
    source: str
    url: str
    archived_at: str | None = None
    found_at: str


class WorkClaim(SQLModel, table=True):
    """Work one of several processes sharing a PostgreSQL archive has taken: a post to
    recheck in a run, a URL to add from a list (see :mod:`archiver.store.claims`).

    A claim is held until ``lease_until`` (the server's clock, seconds since the epoch);
    a worker that dies leaves its claims to expire, and another worker takes them over.
    """

    __tablename__ = "work_claims"

    #: What the items belong to: ``recheck:<run id>`` or ``add:<hash of the list>``.
    kind: str = Field(primary_key=True)
    #: A post key or a URL.
    item: str = Field(primary_key=True)
    worker: str
    lease_until: float
    #: Finished (or nothing to do): never handed out again.
    done: bool = False
