"""Has a post changed since it was cited? Two captures compared on what a citation quotes.

A journalist cites the post as the article embedded it; a live fetch days later may find
other words, another author name, another date or fewer photos. :func:`archiver.merge.merge`
combines observations into the best record, so on its own it would silently switch the
record to the later words. This module decides, separately, whether a later capture says
something *different* from an earlier one, rather than only *more*:

- **text**: the same words (runs of white space count as one space, and every link
  counts as one link: an embed prints ``example.org/floods/2026/ga…`` or a ``t.co``
  address where the platform's API gives the whole URL, so link targets are not
  compared; ``links`` keeps them). The earlier text
  may have been cut short (``text_truncated``, or it visibly ends in ``…``): then the
  later text must begin with what the earlier one kept. An earlier capture without text
  lacked it; a later one without text says nothing about it.
- **author**: the display name (white space as above) and the handle (any case, with or
  without ``@``), each compared only when both captures give it.
- **date**: two full timestamps must name the same second. A date-only ``created_at``
  (an embed prints the author's local date, which can be a day off UTC) differs only
  from a time more than one day away from it: a missing time is something lacked.
- **media**: compared only when both captures list media, by how many items of each kind
  (photo, video, gif, audio) they hold, since an embed and an API name the same photo by
  different URLs. The later capture differs when it holds fewer of some kind: a photo
  removed or replaced by a video. More items later is what the earlier one lacked (an
  embed shows the first photo only); items of unknown kind (a player page standing in
  for the media) are not counted.

The rules are documented for readers of the record in ``docs/record.md`` ("Changed since
cited"). Like :mod:`archiver.merge` this is a rule about records only (floor 1).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Literal

from archiver.record import Media, Post

__all__ = ["CITED_FIELDS", "CitedField", "citation_differences"]

CitedField = Literal["text", "author", "date", "media"]
#: The fields a citation quotes, in the order differences are reported.
CITED_FIELDS: tuple[CitedField, ...] = ("text", "author", "date", "media")

_SPACE = re.compile(r"\s+")
#: A link as posts print it: with a scheme, or a host with a path (a shortened label).
_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)+/\S*")
_ELLIPSIS = ("…", "...")


def citation_differences(earlier: Post, later: Post) -> tuple[CitedField, ...]:
    """The cited fields in which ``later`` says something other than ``earlier`` (not
    merely more), in :data:`CITED_FIELDS` order; empty when it only adds what was lacking."""
    found: list[CitedField] = []
    if _text_differs(earlier, later):
        found.append("text")
    if _author_differs(earlier, later):
        found.append("author")
    if _date_differs(earlier.created_at, later.created_at):
        found.append("date")
    if _media_differs(earlier.media, later.media):
        found.append("media")
    return tuple(found)


def _words(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _text_differs(earlier: Post, later: Post) -> bool:
    if earlier.text == later.text:
        return False
    before, after = (_words(_LINK.sub("\u27e8link\u27e9", post.text)) for post in (earlier, later))
    if not before or not after:
        return False
    if before == after:
        return False
    kept = before
    for mark in _ELLIPSIS:
        if kept.endswith(mark):
            kept = kept[: -len(mark)].rstrip()
            break
    cut = earlier.text_truncated or kept != before
    return not (cut and after.startswith(kept))


def _author_differs(earlier: Post, later: Post) -> bool:
    names = (_words(earlier.author.name or ""), _words(later.author.name or ""))
    handles = (
        (earlier.author.handle or "").lstrip("@").lower(),
        (later.author.handle or "").lstrip("@").lower(),
    )
    return any(a and b and a != b for a, b in (names, handles))


def _date_differs(earlier: str | None, later: str | None) -> bool:
    if not earlier or not later or earlier == later:
        return False
    if len(earlier) == 10 or len(later) == 10:
        return abs(_day(earlier) - _day(later)) > timedelta(days=1)
    first, second = _moment(earlier), _moment(later)
    if first is None or second is None:
        return earlier != later
    return first.replace(microsecond=0) != second.replace(microsecond=0)


def _moment(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _day(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value[:10])
    except ValueError:
        return datetime.min


def _media_differs(earlier: list[Media], later: list[Media]) -> bool:
    before = Counter(item.kind for item in earlier if item.kind != "unknown")
    after = Counter(item.kind for item in later if item.kind != "unknown")
    if not before or not after:
        return False
    return any(after[kind] < count for kind, count in before.items())
