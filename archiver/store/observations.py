"""What a batch of work hands the store, and what the store says back of each post.

Ingest, recheck and the tests build :class:`Observation` values (one capture of one post,
with the :class:`Evidence` behind it) without opening an archive; the writer
(:mod:`archiver.store.writer`) takes them as they are, and :class:`AddOutcome` tells the
caller what each one changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from archiver.record import Post, sha256_hex

AddResult = Literal["new", "updated", "unchanged"]


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
    #: The cited fields this capture shows changed since the post's first capture.
    differs: tuple[str, ...] = ()
