"""Reading a bundle's ``index.html`` back, card by card, so ``verify`` can hold what a
reader sees against the records.

A page can be edited after export while its manifests are rewritten to match; only
comparing each card with its record catches that. The markup read here is the one
:mod:`archiver.export.viewer` writes (``<article class="post">`` and its classes), and
the tests of this module write their pages with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree


@dataclass(frozen=True)
class Card:
    """What one post's card shows: its anchor, author, title, text and content hash."""

    anchor: str
    author: str | None
    title: str | None
    text: str | None
    content_hash: str | None


def read_cards(handle: BinaryIO) -> Iterator[Card]:
    """Every ``<article class="post">`` of a page this module wrote, in order.

    The page is parsed as a stream (lxml's pull parser, each card dropped once read), so
    a page of any size is read in flat memory. A page that is not one archiver wrote
    yields fewer or different cards, which the caller names.
    """
    parser = etree.HTMLPullParser(events=("end",), tag="article", encoding="utf-8")
    while True:
        chunk = handle.read(1 << 16)
        if chunk:
            parser.feed(chunk)
        else:
            with suppress(etree.XMLSyntaxError):  # an empty page: no cards, the caller says
                parser.close()
        for _, element in parser.read_events():
            if "post" in (element.get("class") or "").split():
                yield _card(element)
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
        if not chunk:
            return


def _card(article: etree._Element) -> Card:
    def text_of(tag: str, css_class: str) -> str | None:
        for element in article.iter(tag):
            if css_class in (element.get("class") or "").split():
                return "".join(element.itertext())
        return None

    content_hash = None
    for term in article.iter("dt"):
        value = term.getnext()
        if "".join(term.itertext()) == "Content hash" and value is not None:
            content_hash = "".join(value.itertext())
            break
    return Card(
        anchor=article.get("id") or "",
        author=text_of("span", "author"),
        title=text_of("h2", "title"),
        text=text_of("div", "text"),
        content_hash=content_hash,
    )


def as_shown(text: str) -> str:
    """``text`` as an HTML parser gives it back from the page: line ends as ``\\n`` and
    NUL as U+FFFD (HTML allows neither raw), for comparing a card with its record."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
