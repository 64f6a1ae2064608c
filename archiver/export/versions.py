"""A post changed since cited, as people read it: the version first archived (the one an
article cited) beside the latest capture that differs from it, field by field.

The store flags the post (:mod:`archiver.changes` decides; ``posts.differs_fields`` and
``differs_capture_id`` keep the verdict); ``show``, the bundle's page and ``cite`` read
both versions back from the captures, which are never rewritten, so both stay quotable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archiver.record import Post
from archiver.store import CaptureRow, PostSummary


@dataclass(frozen=True)
class Versions:
    """The cited fields that differ, the capture first archived, and the later one."""

    fields: tuple[str, ...]
    cited: CaptureRow
    later: CaptureRow

    @property
    def cited_post(self) -> Post:
        return Post.model_validate_json(self.cited.record_json or "")

    @property
    def later_post(self) -> Post:
        return Post.model_validate_json(self.later.record_json or "")

    def side_by_side(self) -> list[tuple[str, str, str]]:
        """``(field, as first archived, as captured later)`` for each field that differs."""
        first, later = self.cited_post, self.later_post
        return [(name, shown(first, name), shown(later, name)) for name in self.fields]

    def to_json(self) -> dict[str, Any]:
        return {
            "fields": list(self.fields),
            "cited": _capture_json(self.cited),
            "later": _capture_json(self.later),
        }


def _capture_json(capture: CaptureRow) -> dict[str, Any]:
    return {
        "capture": capture.id,
        "captured_at": capture.captured_at,
        "method": capture.method,
        "source": capture.source,
        "content_hash": capture.content_hash,
    }


def shown(post: Post, name: str) -> str:
    """One cited field of ``post`` as a line (or block, for the text) people read."""
    if name == "text":
        return post.text + (" [cut short]" if post.text_truncated else "")
    if name == "author":
        handle = f"@{post.author.handle}" if post.author.handle else ""
        return " ".join(filter(None, (post.author.name, handle))) or "unknown"
    if name == "date":
        return post.created_at or "unknown"
    if name == "media":
        kinds = Counter(item.kind for item in post.media)
        return ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())) or "none"
    raise ValueError(f"not a cited field: {name!r}")


def versions_of(row: PostSummary, captures: Sequence[CaptureRow]) -> Versions | None:
    """The two versions of a post flagged changed since cited (None when it is not)."""
    if not row.differs_fields:
        return None
    with_record = [capture for capture in captures if capture.record_json]
    later = next((c for c in with_record if c.id == row.differs_capture_id), None)
    if not with_record or later is None:
        return None
    cited = min(with_record, key=lambda capture: (capture.captured_at, capture.id or 0))
    return Versions(tuple(row.differs_fields.split()), cited, later)
