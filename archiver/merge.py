"""One post observed twice: the single rule that combines two observations of it.

A post reaches archiver many times: twice as an embed in one article, as an embed and
then through a live fetch, again when a recheck sees it edited. Each observation knows
part of the post (an embed prints a date, the API the exact time; a Facebook embed cuts
the text short; an oEmbed answer has no media), so what archiver shows and cites is their
merge, and it must never be poorer than any one of them. Saved documents (duplicate
embeds) and the store (captures into a post's view) both use :func:`merge`, so an embed
and a capture are combined by the same rules. They are documented, for readers of the
record, in ``docs/record.md`` ("One post, many observations"):

1. **Base**: the more authoritative observation, by capture method (:data:`METHOD_RANK`),
   then the later ``captured_at``; on a tie, the observation merged in later. Its URL,
   capture and every field it knows are kept.
2. **Nothing known is lost**: each field the base leaves empty is taken from the other
   (author field by field; a media item's ``alt``, kind and download details by URL).
3. **Text**: a full text replaces a truncated one (``text_truncated``); a truncated text
   never replaces a full one, however authoritative its source.
4. **Date**: a full timestamp replaces a date-only ``created_at`` of the same (UTC) day,
   whichever observation it comes from; a timestamp of another day is a different
   claim, and the base's stands. A date never replaces a timestamp.
5. **Metrics**: one snapshot, never mixed: the base's counts when it has any, else the
   other's. Counts taken at different moments would add up to numbers nobody saw
   together; every capture keeps its own counts in the archive.

It lives beside :mod:`archiver.record` (floor 1) because it is a rule about records
only: documents (floor 3) and the store (floor 2) both import it without depending on
each other, and reading a saved article never loads the SQL store.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from archiver.record import Author, Media, Post

__all__ = ["METHOD_RANK", "merge", "merge_all", "outranks"]

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

_SCALARS = ("title", "lang", "in_reply_to")
_LISTS = ("links", "hashtags", "mentions", "quotes")
_AUTHOR_FIELDS = ("name", "handle", "id", "url")
_MEDIA_DETAILS = ("alt", "sha256", "content_type")


def _rank(post: Post) -> tuple[int, datetime]:
    """Method first, then time: ``captured_at`` is UTC ending in ``Z``, which Python 3.11
    reads; every capture method has a rank (a method without one is a KeyError, not a
    silent lowest rank)."""
    capture = post.capture
    return METHOD_RANK[capture.method], datetime.fromisoformat(capture.captured_at)


def outranks(later: Post, earlier: Post) -> bool:
    """True when ``later`` is the base of ``merge(earlier, later)`` (ties go to ``later``)."""
    return _rank(later) >= _rank(earlier)


def merge(earlier: Post, later: Post) -> Post:
    """``earlier`` and ``later`` (two observations of one post, ``later`` merged in after
    ``earlier``) as one record, by the rules of the module doc.

    Returns the base object itself when the other adds nothing, so a caller can tell.
    Raises :class:`ValueError` for two different posts.
    """
    if earlier.key != later.key:
        raise ValueError(f"cannot merge {earlier.key} with {later.key}: different posts")
    base, other = (later, earlier) if outranks(later, earlier) else (earlier, later)
    changes: dict[str, Any] = {}
    author = _author(base.author, other.author)
    if author is not None:
        changes["author"] = author
    for name in _SCALARS:
        if not getattr(base, name) and getattr(other, name):
            changes[name] = getattr(other, name)
    for name in _LISTS:
        if not getattr(base, name) and getattr(other, name):
            changes[name] = list(getattr(other, name))
    media = _media(base.media, other.media)
    if media is not None:
        changes["media"] = media
    if _takes_text(base, other):
        changes["text"], changes["text_truncated"] = other.text, other.text_truncated
    if _takes_date(base.created_at, other.created_at):
        changes["created_at"] = other.created_at
    if not base.metrics and other.metrics:
        changes["metrics"] = dict(other.metrics)
    return base.with_changes(**changes) if changes else base


def merge_all(posts: Iterable[Post]) -> Post:
    """Observations of one post, in the order they were made (or arrived), merged."""
    merged: Post | None = None
    for post in posts:
        merged = post if merged is None else merge(merged, post)
    if merged is None:
        raise ValueError("merge_all needs at least one observation")
    return merged


def _author(base: Author, other: Author) -> Author | None:
    filled = {
        name: getattr(other, name)
        for name in _AUTHOR_FIELDS
        if not getattr(base, name) and getattr(other, name)
    }
    return base.model_copy(update=filled) if filled else None


def _media(base: list[Media], other: list[Media]) -> list[Media] | None:
    """The base's media, each item completed from the other's item of the same URL;
    ``None`` when the other adds nothing (so :func:`merge` can return the base itself)."""
    if not base:
        return [item.model_copy() for item in other] if other else None
    by_url = {item.url: item for item in other}
    items = [_completed(item, by_url.get(item.url)) for item in base]
    return items if any(map(operator.is_not, items, base)) else None


def _completed(item: Media, match: Media | None) -> Media:
    """``item`` with what only ``match`` knows of it; ``item`` itself when that is nothing."""
    if match is None:
        return item
    update: dict[str, Any] = {
        name: getattr(match, name)
        for name in _MEDIA_DETAILS
        if getattr(item, name) is None and getattr(match, name) is not None
    }
    if item.kind == "unknown" and match.kind != "unknown":
        update["kind"] = match.kind
    return item.model_copy(update=update) if update else item


def _takes_text(base: Post, other: Post) -> bool:
    """A full text replaces a truncated one, and any text replaces none; never the reverse."""
    if not other.text:
        return False
    if not base.text:
        return True
    return base.text_truncated and not other.text_truncated


def _takes_date(base: str | None, other: str | None) -> bool:
    """``other`` fills a missing date, or gives a date-only one its time of the same day."""
    if other is None or other == base:
        return False
    if base is None:
        return True
    return _date_only(base) and not _date_only(other) and other[:10] == base


def _date_only(value: str) -> bool:
    return len(value) == 10
