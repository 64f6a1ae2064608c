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

A post first found in flattened text has no status id (a ``text-…`` id, see
:func:`archiver.platforms.flattened.text_post_id`); when the same post is later found with
its real id, :func:`same_post` says whether the two are one post, and :func:`as_key_of`
gives the text observation the real key so :func:`merge` can combine them.

It lives beside :mod:`archiver.record` (floor 1) because it is a rule about records
only: documents (floor 3) and the store (floor 2) both import it without depending on
each other, and reading a saved article never loads the SQL store.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from archiver.record import Author, Media, Post

__all__ = [
    "METHOD_RANK",
    "TEXT_ID_PREFIX",
    "as_key_of",
    "has_status_id",
    "merge",
    "merge_all",
    "outranks",
    "same_post",
]

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


# -- a post found in flattened text, and the same post found with its id -------------------

#: The id prefix of a post found in flattened text, which shows no status id.
TEXT_ID_PREFIX = "text-"
#: A cut text must keep at least this many comparable characters to be matched by prefix.
_MIN_PREFIX = 24
#: Link labels differ between renderings (t.co, expanded, ``pic.twitter.com``, "…" labels).
_LINKS = re.compile(r"(?:https?://|pic\.twitter\.com/|www\.)\S*", re.IGNORECASE)
_FULL_LINKS = re.compile(r"https?://\S+", re.IGNORECASE)
_KEPT_MARKS = frozenset("#@")


def has_status_id(post: Post) -> bool:
    """Whether ``post`` carries its platform's own id (not one made from flattened text)."""
    return not post.post_id.startswith(TEXT_ID_PREFIX)


def same_post(found_in_text: Post, with_id: Post) -> bool:
    """Whether a post found in flattened text is the post ``with_id`` names.

    Conservative, because merging two different posts would corrupt both records: the
    same platform and author handle (case aside), dates at most one day apart (a printed
    date is local to whoever made the embed, an API's is UTC) and the same text once
    what renderings change is set aside (spacing, punctuation, case, Unicode forms, link
    labels; but two texts that both show full links must share one). A text known to be
    cut matches only as a prefix of the other, of at least :data:`_MIN_PREFIX` characters.
    Posts that differ in one word or one figure do not match: a one-word correction
    posted the same day is another post.
    """
    if has_status_id(found_in_text) or not has_status_id(with_id):
        return False
    if found_in_text.platform != with_id.platform:
        return False
    first, second = found_in_text.author.handle, with_id.author.handle
    if not first or not second or _handle(first) != _handle(second):
        return False
    if not _near_days(found_in_text.created_at, with_id.created_at):
        return False
    texts = (_comparable(found_in_text.text), _comparable(with_id.text))
    if not all(texts) or not _links_agree(found_in_text.text, with_id.text):
        return False
    if texts[0] == texts[1]:
        return True
    if not (found_in_text.text_truncated or with_id.text_truncated):
        return False
    # A text that is a prefix of the other sorts first by length and by value alike, and
    # no other pair can match, so what the sort is keyed on cannot matter.
    shorter, longer = sorted(texts, key=len)  # pragma: no mutate
    return len(shorter) >= _MIN_PREFIX and longer.startswith(shorter)


def as_key_of(found_in_text: Post, post_id: str, url: str) -> Post:
    """``found_in_text`` under the id and URL of the post it is, so the two can be merged
    (the text observation's own URL is its author's profile, never the post's)."""
    return found_in_text.with_changes(post_id=post_id, url=url)


def _handle(handle: str) -> str:
    return handle.lstrip("@").casefold()


def _near_days(first: str | None, second: str | None) -> bool:
    if not first or not second:
        return False
    try:
        days = date.fromisoformat(first[:10]) - date.fromisoformat(second[:10])
    except ValueError:
        return False
    return abs(days.days) <= 1


def _links_agree(first: str, second: str) -> bool:
    """Unless one text shows no full link, the two share one: the same words with other
    links ("New episode: …" twice a day) are other posts."""
    links = [
        {link.rstrip(".,;:!?)") for link in _FULL_LINKS.findall(text) if not link.endswith("…")}
        for text in (first, second)
    ]
    return not all(links) or bool(links[0] & links[1])


def _comparable(text: str) -> str:
    """``text`` as renderings of one post agree on it: letters, digits, symbols (emoji)
    and ``#``/``@``, case-folded and NFKC-normalised, without links or a final "…"."""
    # Spacing, punctuation and a final "…" (NFKC makes it "...") are all left out below.
    text = _LINKS.sub(" ", unicodedata.normalize("NFKC", text))
    return "".join(
        char
        for char in text.casefold()
        # Categories are one capital letter of LMNPSZC: "XXLNSXX" keeps the same ones.
        if char in _KEPT_MARKS or unicodedata.category(char)[0] in "LNS"  # pragma: no mutate
    )
