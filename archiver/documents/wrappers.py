"""Embeds a page keeps out of sight until a script, a scroll or a click shows them.

News sites rarely print an embed as the platform wrote it. Lazy loaders, consent
("two-click") wrappers and oEmbed placeholders keep it in an attribute; single-page apps
keep it in their state JSON. None of this is a platform's shape: any site wraps any
platform's embed this way, so the wrappers are read here, once, and what they hold goes
back to the platforms' own embed rules:

* **a frame's address in a lazy attribute**: ``data-src``/``data-lazy-src`` on an
  ``iframe`` (or on a stand-in ``img``/``div``), or ``amp-iframe[src]``, holding the URL
  of an embed frame some platform reads (:class:`Frame`);
* **a post URL in a placeholder**: ``[data-oembed-url]``, CKEditor's ``<oembed url>``
  (:class:`Link`);
* **embed markup kept as text**: a ``data-*`` attribute holding the escaped
  ``<iframe>``/``<blockquote>`` the consent button will insert (:class:`Markup`);
* **embed markup in page state**: a JSON string in a ``<script>`` (``__NEXT_DATA__`` and
  the like) holding the embed code, or a template script (``type="text/template"``)
  holding it as markup (:class:`Markup`).

The tree filter asks :meth:`Wrappers.claims` about every element of a page, so the test
is a few dictionary lookups; only inline scripts and elements it claims are built.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from bs4 import Tag

from archiver.platforms.base import EmbedRule

#: Attributes lazy loaders keep a frame's address in until it scrolls into view.
LAZY_SRC = ("data-src", "data-lazy-src")
#: Attributes and elements that hold nothing but the URL of the post to embed.
URL_PLACEHOLDERS = ("data-oembed-url",)

#: Script types that hold markup, not code: templates a script inserts when the reader
#: scrolls or consents.
_MARKUP_SCRIPTS = frozenset({"text/template", "text/html", "text/x-template", "text/plain"})
_ESCAPED_MARKUP = re.compile(r"<(?:iframe|blockquote)\b", re.IGNORECASE)
#: How embed markup looks inside a JSON or JavaScript string: ``<`` escaped (``\u003c``,
#: ``\x3c``) or not, followed by the tag.
_STATE_MARKUP = re.compile(r"(?:\\u003[cC]|\\x3[cC]|<)(?:blockquote|iframe)\b")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
#: Elements consent and lazy-embed wrappers are made of (their ``data-*`` attributes are
#: looked at for escaped markup; no other element's are).
_HOLDERS = frozenset({"div", "span", "section", "figure", "aside"})
_ENOUGH = 64  # the most markup strings one script may give (state can repeat an embed)


@dataclass(frozen=True)
class Frame:
    """An embed frame's address: read as an ``<iframe src>`` by the platforms' rules."""

    src: str


@dataclass(frozen=True)
class Link:
    """A post's URL with nothing else: the post's bare record."""

    url: str


@dataclass(frozen=True)
class Markup:
    """Embed markup kept as text: parsed and read like the page itself."""

    html: str


Hidden = Frame | Link | Markup


class Wrappers:
    """The wrapper forms, for the embed rules of one registry (:func:`for_rules`)."""

    #: The only elements wrappers are made of: lazy frames and their stand-ins, oEmbed
    #: placeholders, consent boxes, inline scripts. Callers ask :meth:`claims` about these
    #: alone, so the links and paragraphs that make up most of a page cost one set lookup.
    names = frozenset({"script", "iframe", "img", "amp-iframe", "oembed"}) | _HOLDERS

    def __init__(self, frames: re.Pattern[str]) -> None:
        #: Every embed frame address some platform's iframe rule reads.
        self.frames = frames

    def claims(self, name: str, attrs: Mapping[str, object]) -> bool:
        """Whether an element with this name and these attributes may hold an embed.

        Called by the tree filter for the elements of a page named in :attr:`names` (with
        the raw attributes, before bs4 splits ``class``) and by the walk with the built
        ones, so it does a few dictionary lookups and looks at no value it need not.
        """
        if name == "script":
            return "src" not in attrs  # an inline script: page state, read by :meth:`hidden`
        if not attrs:
            return False
        lazy = attrs.get("data-src") or attrs.get("data-lazy-src")
        if name == "amp-iframe":
            lazy = attrs.get("src")
        if lazy is not None and self._frame(lazy):
            return True
        if "data-oembed-url" in attrs or (name == "oembed" and "url" in attrs):
            return True
        return name in _HOLDERS and any(_escaped(attr, value) for attr, value in attrs.items())

    def _frame(self, value: object) -> bool:
        return isinstance(value, str) and self.frames.search(value) is not None

    def hidden(self, element: Tag) -> list[Hidden]:
        """What ``element`` (which :meth:`claims`) holds out of sight, in order."""
        attrs = element.attrs
        if element.name == "script":
            content = element.get_text()
            kind = str(attrs.get("type") or "").strip().lower()
            if kind in _MARKUP_SCRIPTS:  # a template: the embed markup as it will be shown
                return [Markup(content)] if _ESCAPED_MARKUP.search(content) else []
            return [Markup(markup) for markup in state_markup(content)]
        found: list[Hidden] = []
        sources = [attrs.get("src")] if element.name == "amp-iframe" else []
        sources += [attrs.get(attr) for attr in LAZY_SRC]
        found += [Frame(src) for src in sources if isinstance(src, str) and self._frame(src)]
        urls = [attrs.get(attr) for attr in URL_PLACEHOLDERS]
        if element.name == "oembed":
            urls.append(attrs.get("url"))
        found += [Link(url.strip()) for url in urls if isinstance(url, str) and url.strip()]
        if element.name in _HOLDERS:
            found += [Markup(str(value)) for attr, value in attrs.items() if _escaped(attr, value)]
        return found


def for_rules(rules: Mapping[str, tuple[EmbedRule, ...]]) -> Wrappers:
    """The wrappers whose frames are the ones ``rules`` read (one object per rule set)."""
    patterns = tuple(
        rule.pattern
        for rule in rules.get("iframe", ())
        if rule.attr == "src" and rule.pattern is not None
    )
    return _wrappers(patterns)


@lru_cache(maxsize=8)
def _wrappers(patterns: tuple[re.Pattern[str], ...]) -> Wrappers:
    parts = [
        f"(?i:{pattern.pattern})" if pattern.flags & re.IGNORECASE else f"(?:{pattern.pattern})"
        for pattern in patterns
    ]
    return Wrappers(re.compile("|".join(parts) or r"(?!)"))


def _escaped(attr: str, value: object) -> bool:
    return (
        type(value) is str
        and "<" in value
        and attr.startswith("data-")
        and _ESCAPED_MARKUP.search(value) is not None
    )


def state_markup(script: str) -> list[str]:
    """Embed markup in the JSON strings of a script (page state), each string once.

    Only the strings around an embed tag are decoded, so a large state object costs a
    search, not a parse; a string that is not valid JSON is skipped.
    """
    found: dict[str, None] = {}
    if "blockquote" not in script and "iframe" not in script:
        return []
    position = 0
    while len(found) < _ENOUGH:
        marker = _STATE_MARKUP.search(script, position)
        if marker is None:
            break
        literal = _enclosing_string(script, marker.start())
        if literal is None:
            position = marker.end()
            continue
        start, end = literal
        position = end
        try:
            value = json.loads(script[start:end])
        except ValueError:
            continue
        if isinstance(value, str) and _ESCAPED_MARKUP.search(value):
            found.setdefault(value, None)
    return list(found)


def _enclosing_string(script: str, at: int) -> tuple[int, int] | None:
    """Start and end of the double-quoted string literal holding offset ``at``."""
    start = at
    while True:
        start = script.rfind('"', 0, start)
        if start < 0:
            return None
        before = start - 1
        while before >= 0 and script[before] == "\\":
            before -= 1
        if (start - 1 - before) % 2 == 0:  # an even run of backslashes escapes nothing
            break
    literal = _JSON_STRING.match(script, start)
    return (start, literal.end()) if literal is not None and literal.end() > at else None
