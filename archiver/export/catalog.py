"""``captures/captures.jsonl``: one line per post of a bundle, and its typed shape.

The bundle writer and ``verify`` share these models, so the file is written and read
back by one definition: a line that does not fit it (a string where a list belongs, a
field archiver never writes) was not written by archiver, and ``verify`` says so instead
of tripping over it. Evidence and media name their files by SHA-256, so a line also says
what the bundle must hold: ``path`` is where the file is, or None when the archive could
not supply it at export (and ``verify`` then names it as missing).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EvidenceEntry(_Entry):
    """One response or document behind a capture, as a bundle holds it."""

    url: str | None
    sha256: str | None
    #: Where the bytes are in the bundle (``captures/raw/<sha256>``), None when missing.
    path: str | None
    http_status: int | None = None
    content_type: str | None = None
    purpose: str | None = None
    #: The bundle WARC and the response's offset in it, None when it was not copied.
    warc_path: str | None = None
    warc_offset: int | None = None
    warc_record_id: str | None = None
    #: Where the record was in the archive's own WARC files.
    source_warc_file: str | None = None
    source_warc_offset: int | None = None


class CaptureEntry(_Entry):
    """One capture of a post (append-only evidence), as a bundle describes it."""

    id: int | None
    captured_at: str
    method: str
    source: str
    raw_sha256: str
    content_hash: str | None
    status: str
    status_detail: str | None
    http_status: int | None
    evidence: list[EvidenceEntry]
    #: The record as this capture saw it (its own content hash), None when unavailable.
    record: dict[str, Any] | None = None


class MediaEntry(_Entry):
    """A media item of a post; ``path`` is set when the downloaded file is in the bundle."""

    url: str
    kind: str
    alt: str | None
    sha256: str | None
    content_type: str | None
    size: int | None
    path: str | None


class CatalogEntry(_Entry):
    """One line of ``captures/captures.jsonl``: a post's status, media and captures."""

    key: str
    url: str
    #: The post's state (docs/recheck.md), its reason when gone, and the platform's words.
    status: str
    reason: str | None
    status_detail: str | None
    last_checked_at: str | None
    #: The content hash of the post's line in ``posts.jsonl``; None when it has none.
    content_hash: str | None
    first_captured_at: str | None
    last_captured_at: str | None
    capture_count: int
    media: list[MediaEntry]
    captures: list[CaptureEntry]

    def to_line(self) -> str:
        return self.model_dump_json() + "\n"
