"""Turning embed and API markup into the record's plain text, the same way for every platform.

Citations quote text, so every parser must agree on one rendering: entities decoded,
``<br>`` as a newline, paragraphs separated by a blank line, runs of spaces folded,
Unicode NFC. Dates printed in embeds ("March 4, 2026", "May 13, 2025 at 11:37 PM")
are read here too, since several platforms share the US-English forms.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime

from bs4 import BeautifulSoup, NavigableString, Tag

_BLOCKS = frozenset({"p", "div", "li", "blockquote", "section", "h1", "h2", "h3", "h4", "pre"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANKS = re.compile(r"\n{3,}")
_HASHTAG = re.compile(r"(?<![\w&#])#(\w{1,139})", re.UNICODE)
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{1,30}(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")


def clean_text(text: str) -> str:
    """Decode entities, normalise to NFC, fold spaces per line, trim blank runs."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def element_text(element: Tag, skip: frozenset[str] = frozenset()) -> str:
    """Visible text of an element: ``<br>`` → newline, block elements → paragraphs.

    ``skip`` names tags to leave out (e.g. ``{"script", "style"}``, always skipped).
    """
    parts: list[str] = []
    _walk(element, parts, skip | {"script", "style", "template", "svg"})
    return clean_text("".join(parts))


def _walk(node: Tag, parts: list[str], skip: frozenset[str]) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # not Comment, CData, Doctype...
                parts.append(str(child).replace("\n", " "))
            continue
        if not isinstance(child, Tag) or child.name in skip:
            continue
        if child.name == "br":
            parts.append("\n")
        elif child.name in _BLOCKS:
            parts.append("\n\n")
            _walk(child, parts, skip)
            parts.append("\n\n")
        else:
            _walk(child, parts, skip)


def html_fragment_text(markup: str) -> str:
    """Plain text of an HTML fragment (API ``content`` fields and the like)."""
    if "<" not in markup:
        return clean_text(markup)
    soup = BeautifulSoup(markup, "lxml")
    root = soup.body or soup
    return element_text(root)


def find_hashtags(text: str) -> list[str]:
    """Hashtags in plain text, without ``#``, in order, each once."""
    return _unique(match.group(1) for match in _HASHTAG.finditer(text))


def find_mentions(text: str) -> list[str]:
    """@-mentions in plain text, without ``@``, in order, each once."""
    return _unique(match.group(1) for match in _MENTION.finditer(text))


def _unique(items: object) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:  # type: ignore[attr-defined]
        seen.setdefault(item, None)
    return list(seen)


_MONTH_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%A, %B %d, %Y")
_TIME_FORMATS = (
    "%b %d, %Y at %I:%M %p",
    "%B %d, %Y at %I:%M %p",
    "%b %d, %Y at %H:%M",
    "%B %d, %Y at %H:%M",
)


def parse_display_date(text: str) -> str | None:
    """A date as embeds print it, to ``YYYY-MM-DD``.

    Embed dates carry no time zone (X, Bluesky, Facebook print local dates), so
    even when a clock time is shown only the calendar date is kept: claiming a
    UTC instant would invent precision the source does not have.
    """
    value = _SPACES.sub(" ", text.replace("\u202f", " ")).strip().rstrip(".")
    value = value.replace("Sept ", "Sep ")
    for fmt in _TIME_FORMATS + _MONTH_FORMATS:
        try:
            return datetime.strptime(value, fmt).strftime("%Y-%m-%d")
        except ValueError:
            continue
    iso = re.match(r"^(\d{4}-\d{2}-\d{2})", value)
    return iso.group(1) if iso else None
