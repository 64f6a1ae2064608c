"""One post, many captures: how the stored view of a post is derived from all of them.

An embed gives a date, an API gives the exact time; an oEmbed gives the author, a
widget gives media. The post's stored record is the record of its most
authoritative capture, with fields it left empty filled from the others, so no
capture ever makes the view poorer. Ties go to the newest capture, so an edit
seen by a later fetch of the same kind wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from archiver.record import Post

#: Higher means more authoritative: live platform data over what an article kept.
METHOD_RANK: dict[str, int] = {
    "api": 5,
    "activitypub": 5,
    "widget": 5,
    "oembed": 4,
    "page-meta": 3,
    "embed-html": 2,
    "text-embed": 1,
}

_FILLABLE = (
    "created_at",
    "title",
    "text",
    "lang",
    "media",
    "links",
    "hashtags",
    "mentions",
    "in_reply_to",
    "quotes",
    "metrics",
)
_AUTHOR_FIELDS = ("name", "handle", "id", "url")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _more_precise_time(current: str | None, candidate: str | None) -> bool:
    """True when ``candidate`` adds a clock time to the same day ``current`` names."""
    return bool(
        current
        and candidate
        and len(current) == 10
        and len(candidate) > 10
        and candidate.startswith(current)
    )


def merge_records(records: Sequence[dict[str, Any]]) -> Post:
    """Merge capture records (JSON dicts of the same key, oldest capture first) into the
    post's stored view."""
    if not records:
        raise ValueError("merge_records needs at least one record")
    # ``records`` come oldest capture first; the index breaks ties of ``captured_at``
    # (whole seconds), so of two captures in the same second the later one wins.
    ordered = [
        record
        for _, record in sorted(
            enumerate(records),
            key=lambda item: (
                METHOD_RANK.get(item[1]["capture"]["method"], 0),
                item[1]["capture"]["captured_at"],
                item[0],
            ),
            reverse=True,
        )
    ]
    merged: dict[str, Any] = {**ordered[0], "author": dict(ordered[0].get("author") or {})}
    for other in ordered[1:]:
        for name in _FILLABLE:
            if _empty(merged.get(name)) and not _empty(other.get(name)):
                merged[name] = other[name]
        if _more_precise_time(merged.get("created_at"), other.get("created_at")):
            merged["created_at"] = other["created_at"]
        other_author = other.get("author") or {}
        for name in _AUTHOR_FIELDS:
            if _empty(merged["author"].get(name)) and not _empty(other_author.get(name)):
                merged["author"][name] = other_author[name]
    merged.pop("key", None)
    merged.pop("content_hash", None)
    return Post.model_validate(merged)
