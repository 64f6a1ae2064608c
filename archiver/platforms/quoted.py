"""Quoted-post embeds (X, Bluesky): the post's paragraphs, its signature and its date link.

The embed code both platforms hand out is one ``<blockquote>`` holding the post text in a
``<p>``, then, outside it, a signature ("— Name (@handle)") and a link to the post whose
label is the date. Real pages print it in more ways than that:

* sanitising CMSs and AMP pages wrap the signature in a paragraph of its own
  (``<p>— Name (@handle) <a href=…/status/…>date</a></p>``);
* long posts come in several paragraphs, each one a ``<p>``;
* a placeholder holds nothing but the link (lazy-embed scripts fill it in later);
* a few old forms have no ``<p>`` at all ("text — Name (@handle) date").

:func:`read_quoted` finds the parts wherever they sit, in one walk of the element, so
each platform only says what a link to one of its posts is and how its signature reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Generic, NamedTuple, TypeVar

from bs4 import NavigableString, Tag

from archiver.platforms.text import tag_text

R = TypeVar("R")

#: What a signature paragraph starts with (after spaces), or holds: a dash, or "(@handle)".
_SIGNATURE_SHAPE = re.compile(r"^\s*[—–-]|\(\s*@[^\s()]+\s*\)")
_LAST_DASH = re.compile(r"^(?P<text>.*\S)\s*[—–]\s*(?=[^—–]*\(\s*@)", re.DOTALL)


class QuotedEmbed(NamedTuple, Generic[R]):
    """One quoted-post embed, taken apart (a named tuple: one is made per embed, and a
    tuple is made several times faster than a frozen dataclass)."""

    #: What the date link names (the platform's reference to the post).
    ref: R
    date_anchor: Tag
    #: The post's text paragraphs, in order (the signature's paragraph is not one of them).
    paragraphs: list[Tag]
    #: The ``a[href]`` inside those paragraphs, in document order.
    text_links: list[Tag]
    #: The signature's text without the date link ("— Name (@handle) "), or "".
    signature: str
    #: Post text printed outside any paragraph, before the signature (old forms), or "".
    loose_text: str = ""


def read_quoted(element: Tag, permalink: Callable[[str], R | None]) -> QuotedEmbed[R] | None:
    """The parts of a quoted-post embed, or None when no link names a post.

    ``permalink`` says which post an ``href`` names (None: not a post of this platform).
    The date link is the last post link outside every paragraph; failing that, the last
    post link of the last paragraph that holds one, when that paragraph is a signature
    (begins with a dash or names a ``(@handle)``) or holds nothing else. A post link
    inside the post's own text (a quoted post) is never the date link.
    """
    paragraphs, outside, inside = _walk(element)
    for anchor in reversed(outside):
        ref = permalink(str(anchor["href"]))
        if ref is not None:
            signature = _text_without(element, [*paragraphs, anchor])
            loose = ""
            if not paragraphs and (split := _LAST_DASH.match(signature)):
                loose, signature = split["text"], signature[split.end("text") :]
            return QuotedEmbed(
                ref, anchor, paragraphs, _links_in(inside, paragraphs), signature, loose
            )
    for index in range(len(paragraphs) - 1, -1, -1):
        found = _last_permalink(inside[index], permalink)
        if found is None:
            continue
        anchor, ref = found
        shown = _text_without(paragraphs[index], [anchor])
        if shown.strip() and not _SIGNATURE_SHAPE.search(shown):
            return None  # a post link inside the post's text: no date link of its own
        text = paragraphs[:index]
        return QuotedEmbed(ref, anchor, text, _links_in(inside, text), shown)
    return None


def _walk(element: Tag) -> tuple[list[Tag], list[Tag], list[list[Tag]]]:
    """Outermost ``<p>`` elements, links outside them, and links inside each (by index)."""
    paragraphs: list[Tag] = []
    outside: list[Tag] = []
    inside: list[list[Tag]] = []
    # where: -1 outside every <p>, else the index of the enclosing <p>.
    stack = [(iter(element.contents), -1)]
    while stack:
        children, where = stack[-1]
        for child in children:
            if not isinstance(child, Tag):
                continue
            name = child.name
            child_where = where
            if name == "a":
                if child.attrs.get("href") is not None:
                    (outside if where < 0 else inside[where]).append(child)
            elif name == "p" and where < 0:
                child_where = len(paragraphs)
                paragraphs.append(child)
                inside.append([])
            contents = child.contents
            if len(contents) > 1 or (contents and isinstance(contents[0], Tag)):
                stack.append((iter(contents), child_where))
                break
        else:
            stack.pop()
    return paragraphs, outside, inside


def _last_permalink(
    anchors: list[Tag], permalink: Callable[[str], R | None]
) -> tuple[Tag, R] | None:
    for anchor in reversed(anchors):
        ref = permalink(str(anchor["href"]))
        if ref is not None:
            return anchor, ref
    return None


def _links_in(inside: list[list[Tag]], paragraphs: list[Tag]) -> list[Tag]:
    if len(paragraphs) == 1:
        return inside[0]  # the common case: one paragraph, its list as it is
    return [anchor for index in range(len(paragraphs)) for anchor in inside[index]]


def _text_without(node: Tag, skipped: list[Tag]) -> str:
    """``node``'s text without the ``skipped`` elements (and without comments).

    ``skipped`` lie inside ``node``; the walk descends into the elements between them and
    ``node`` (none, for an embed's own paragraphs and date link) and reads any other
    element's text whole."""
    holders: set[int] = set()
    for tag in skipped:
        parent = tag.parent
        while parent is not None and parent is not node:
            holders.add(id(parent))
            parent = parent.parent
    left_out = set(map(id, skipped))
    parts: list[str] = []
    stack = [iter(node.contents)]
    while stack:
        for child in stack[-1]:
            if id(child) in left_out:
                continue
            if isinstance(child, Tag):
                if id(child) in holders:
                    stack.append(iter(child.contents))
                    break
                parts.append(tag_text(child))
            elif type(child) is NavigableString:  # not a Comment
                parts.append(child)
        else:
            stack.pop()
    return "".join(parts)
