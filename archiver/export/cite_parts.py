"""The pieces every citation style is built from: dates, names, handles, titles, platforms.

Kept apart from :mod:`archiver.export.cite` so each style there reads as its guide's
pattern. Display names are used as the platform shows them: they are not structured
names, so archiver never inverts them into "Surname, I." (see docs/export.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from archiver.errors import ArchiverError

if TYPE_CHECKING:  # read, never built, here: `archiver --help` need not load the models
    from archiver.record import Post

MONTHS: tuple[str, ...] = tuple(
    "January February March April May June July August September October November December".split()  # noqa: SIM905
)
#: MLA abbreviates every month of more than four letters.
MLA_MONTHS: tuple[str, ...] = tuple(
    "Jan. Feb. Mar. Apr. May June July Aug. Sept. Oct. Nov. Dec.".split()  # noqa: SIM905
)
PLATFORM_LABELS = {
    "twitter": "X",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "reddit": "Reddit",
    "telegram": "Telegram",
    "youtube": "YouTube",
    "tiktok": "TikTok",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "threads": "Threads",
}
VIDEO_PLATFORMS = frozenset({"youtube", "tiktok"})


class CitationError(ArchiverError, ValueError):
    """A citation was asked for in a style archiver does not know."""


@dataclass(frozen=True)
class ArchivedCopy:
    """Where and when archiver's copy of a post was made.

    ``url`` is where a reader can consult the copy (a published bundle, a repository);
    without it the copy is named by the archive and the record's content hash.
    """

    captured_at: str
    url: str | None = None
    content_hash: str | None = None
    archive_name: str = "archiver"
    #: False when the platform no longer shows the post (Wikipedia's ``url-status=dead``).
    live: bool = True
    #: When the post changed since cited: the capture time of the version this copy is
    #: (``2026-01-09 10:30 UTC``), so the citation says which version it cites.
    version: str | None = None


@dataclass(frozen=True)
class When:
    year: int
    month: int
    day: int
    hour: int | None = None
    minute: int | None = None


def parse_when(value: str | None) -> When | None:
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?", value or "")
    if not match:
        return None
    y, m, d, hh, mm = match.groups()
    return When(int(y), int(m), int(d), int(hh) if hh else None, int(mm) if mm else None)


def clock(when: When) -> str | None:
    """``10:15 a.m. UTC``: the 12-hour clock MLA and Chicago use, with the zone stated."""
    if when.hour is None or when.minute is None:
        return None
    suffix = "a.m." if when.hour < 12 else "p.m."
    return f"{(when.hour % 12) or 12}:{when.minute:02d} {suffix} UTC"


def long_date(value: str | None) -> str | None:
    """``March 4, 2026`` (APA and Chicago order)."""
    when = parse_when(value)
    return f"{MONTHS[when.month - 1]} {when.day}, {when.year}" if when else None


def iso_date(value: str | None) -> str | None:
    when = parse_when(value)
    return f"{when.year:04d}-{when.month:02d}-{when.day:02d}" if when else None


def one_line(text: str) -> str:
    """``text`` on one line, each run of whitespace (line breaks too) as one space. A
    citation is one line: a name, a URL or a post must not start a line of its own (a
    forged reference in a list, a forged RIS tag). Other characters stay as they are:
    the data is exact, and the CLI shows control characters as escapes."""
    return re.sub(r"\s+", " ", text).strip()


_PAIRS = {"(": ")", "[": "]", "{": "}", "“": "”", "‘": "’", "«": "»"}
_TRAILING = " ,;:-–—/&"


def _balanced(text: str) -> bool:
    """True when every bracket and quote opened in ``text`` is closed in it."""
    if text.count('"') % 2:
        return False
    stack: list[str] = []
    for char in text:
        if char in _PAIRS:
            stack.append(_PAIRS[char])
        elif char in _PAIRS.values() and (not stack or stack.pop() != char):
            return False
    return not stack


def first_words(text: str, count: int = 20) -> str:
    """The first ``count`` words; a URL, hashtag or emoji counts as one word (APA 7).

    A cut falls on a word boundary and never leaves an open quote or bracket or a
    dangling comma: words are given back until what remains is balanced."""
    words = one_line(text).split(" ") if text.strip() else []
    if len(words) <= count:
        return " ".join(words)
    for end in range(count, 0, -1):
        kept = " ".join(words[:end]).rstrip(_TRAILING)
        if kept and _balanced(kept):
            return kept
    return " ".join(words[:count]).rstrip(_TRAILING)


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary and marked with an ellipsis."""
    flat = one_line(text)
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:") + "…"


def platform_label(post: Post) -> str:
    if post.platform == "web":
        host = urlsplit(post.url).hostname or post.url
        return host.removeprefix("www.")
    return PLATFORM_LABELS.get(post.platform, post.platform.capitalize())


def handle_of(post: Post) -> str | None:
    handle = (post.author.handle or "").strip().lstrip("@")
    if not handle:
        return None
    return f"u/{handle}" if post.platform == "reddit" else f"@{handle}"


def author_with_handle(post: Post) -> str | None:
    """``Name [@handle]`` (APA, and the CSL/BibTeX author), the handle alone, or the name."""
    name, handle = (post.author.name or "").strip(), handle_of(post)
    if name and handle and name.lstrip("@") != handle.lstrip("@"):
        return f"{name} [{handle}]"
    return name or handle


def handle_then_name(post: Post) -> str | None:
    """``@handle (Name)``: MLA's author element for social media."""
    name, handle = (post.author.name or "").strip(), handle_of(post)
    if handle and name and name.lstrip("@") != handle.lstrip("@"):
        return f"{handle} ({name})"
    return handle or name or None


def name_then_handle(post: Post) -> str | None:
    """``Name (@handle)``: Chicago's author element for social media."""
    name, handle = (post.author.name or "").strip(), handle_of(post)
    if name and handle and name.lstrip("@") != handle.lstrip("@"):
        return f"{name} ({handle})"
    return name or handle


def post_title(post: Post) -> str:
    """What stands in for a title: the post's own title, else its whole text."""
    return one_line(post.title or post.text)


def descriptor(post: Post) -> str:
    """APA's bracketed description of the kind of post."""
    if post.platform in VIDEO_PLATFORMS:
        return "Video"
    if post.platform == "reddit":
        return "Online forum post"
    if post.platform == "facebook":
        return "Status update"
    if post.platform == "instagram":
        return "Video" if any(m.kind == "video" for m in post.media) else "Photograph"
    return "Post"


def attachments(post: Post) -> str:
    """APA's ``[Image attached]`` / ``[Video attached]`` for posts that carry media."""
    if post.platform in VIDEO_PLATFORMS | {"instagram"}:
        return ""
    kinds = {m.kind for m in post.media}
    if kinds & {"video", "gif"}:
        return " [Video attached]"
    if "photo" in kinds:
        return " [Image attached]"
    return ""


def end_mark(text: str, mark: str = ".") -> str:
    """``text`` ending in one sentence mark (none added after ``?``, ``!`` or ``.``)."""
    return text if text.endswith((".", "?", "!", "…")) else text + mark


def quote(text: str, mark: str) -> str:
    """A title in double quotes with its closing punctuation inside (MLA, Chicago);
    inner double quotes become single ones."""
    inner = text.replace('"', "'")
    if not inner.endswith(("?", "!", "…", mark)):
        inner += mark
    return f'"{inner}"'


def post_address(post: Post) -> str | None:
    """The post's own URL, or None when archiver does not know it: a post found in
    flattened text (a ``text-…`` id) holds only its author's profile, and citing that
    would send a reader to the wrong page."""
    from archiver.merge import has_status_id  # with the records, not at `--help`

    return post.url if has_status_id(post) else None


def unknown_address(post: Post, first_word: str = "post") -> str:
    """What a citation says in place of an unknown post URL: where the post was found."""
    return f"{first_word} URL unknown; found in {post.capture.source}"


def address_or_source(post: Post) -> str:
    """The post's URL, else the words that say it is unknown and name the article."""
    return post_address(post) or unknown_address(post)


def where(copy: ArchivedCopy) -> str:
    """Where the copy is, and which version it is when the post changed since cited."""
    notes = [f"version captured {copy.version}"] if copy.version else []
    if copy.url:
        place = f"at {copy.url}"
    else:
        place = f"in {copy.archive_name}"
        notes += [f"content hash {copy.content_hash}"] if copy.content_hash else []
    return place + (f" ({', '.join(notes)})" if notes else "")
