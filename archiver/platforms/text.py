"""Turning embed and API markup into the record's plain text, the same way for every platform.

Citations quote text, so every parser must agree on one rendering: entities decoded,
``<br>`` as a newline, paragraphs separated by a blank line, runs of spaces folded,
Unicode NFC. Dates printed in embeds, in any language, are read by
:mod:`archiver.platforms.locales`.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from collections.abc import Iterator
from collections.abc import Set as AbstractSet

from bs4 import BeautifulSoup, CData, NavigableString, PageElement, Tag

#: Elements a browser lays out as blocks: their text is a paragraph of its own, so two of
#: them never run together ("…uprising." then "#IranProtests" is two paragraphs).
_BLOCKS = frozenset(
    {"p", "div", "li", "blockquote", "section", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
     "article", "aside", "header", "footer", "main", "nav", "figure", "figcaption",
     "address", "details", "summary", "dialog", "dl", "dt", "dd", "ol", "ul", "fieldset",
     "form", "hgroup", "hr", "table", "caption", "tr", "center"}
)  # fmt: skip
#: Table cells sit side by side: a space between them, not a paragraph break.
_CELLS = frozenset({"td", "th"})
_ALWAYS_SKIPPED = frozenset({"script", "style", "template", "svg"})
#: The strings ``get_text`` reads when a tag names no types of its own (bs4's documented
#: default for ``Tag.interesting_string_types``).
_MAIN_CONTENT_STRINGS = frozenset({NavigableString, CData})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
#: Only the runs ``_SPACES.sub(" ", …)`` would change (a lone space is left alone): the
#: same result, without a replacement for every space between words.
_FOLDABLE = re.compile(r"[ \t\r\f\v\u00a0]{2,}|[\t\r\f\v\u00a0]")
_BLANKS = re.compile(r"\n{3,}")
_TAG_START = re.compile("<")
#: The most tags parsed from one piece of fetched markup (see :func:`first_tags`).
MAX_TAGS = 100_000
# The sign comes first so the regex engine can jump between signs; the look-behind then
# checks the character before it (``#(?<![\w&#]#)`` is ``(?<![\w&#])#``, faster).
_HASHTAG = re.compile(r"#(?<![\w&#]#)(\w{1,139})", re.UNICODE)
_MENTION = re.compile(r"@(?<![\w@]@)([A-Za-z0-9_]{1,30}(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")


def clean_text(text: str) -> str:
    """Decode entities, normalise to NFC, fold spaces per line, trim blank runs."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    if "\n" not in text and "\r" not in text:
        return _fold(text).strip()
    lines = [_fold(line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    joined = "\n".join(lines)
    return (_BLANKS.sub("\n\n", joined) if "\n\n\n" in joined else joined).strip()


def _fold(line: str) -> str:
    """Runs of spaces as one space; the regex runs only when there is a run to fold (a
    scan for a few characters is much cheaper than the regex's scan of every position,
    and six ``in`` tests cheaper than a generator over them)."""
    if (
        "  " in line
        or "\t" in line
        or "\u00a0" in line
        or "\r" in line
        or "\f" in line
        or "\v" in line
    ):
        return _FOLDABLE.sub(" ", line)
    return line


def element_text(element: Tag, skip: frozenset[str] = frozenset()) -> str:
    """Visible text of an element: ``<br>`` → newline, block elements → paragraphs.

    ``skip`` names tags to leave out (e.g. ``{"script", "style"}``, always skipped).
    """
    parts: list[str] = []
    _walk(element, parts, skip | _ALWAYS_SKIPPED if skip else _ALWAYS_SKIPPED)
    return clean_text("".join(parts))


def _walk(node: Tag, parts: list[str], skip: frozenset[str]) -> None:
    """Depth-first, with a stack of its own: fetched markup may nest thousands deep."""
    add = parts.append
    stack: list[Iterator[PageElement]] = [iter(node.contents)]
    closing: list[str] = [""]  # per level: what ends it (a block's break, a cell's space)
    while stack:
        for child in stack[-1]:
            if type(child) is NavigableString:  # not Comment, CData, Doctype...
                add(child.replace("\n", " "))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in skip:
                continue
            if name == "br":
                add("\n")
                continue
            contents = child.contents
            if name in _BLOCKS:
                end = "\n\n"
            elif name in _CELLS:
                end = " "
            elif len(contents) == 1 and type(contents[0]) is NavigableString:
                add(contents[0].replace("\n", " "))  # a link: no need to descend
                continue
            else:
                end = ""
            if end:
                add(end)
            stack.append(iter(contents))
            closing.append(end)
            break
        else:
            stack.pop()
            end = closing.pop()
            if end:
                add(end)


def tag_text(tag: Tag, separator: str = "") -> str:
    """``tag.get_text(separator)``, several times cheaper: the speed-up extraction needs.

    Embed parsers read the text of a few thousand small elements per article (link
    labels, signature lines, dates); ``get_text`` costs about a tenth of the whole
    extraction there (measured with ``bench/bench_extract.py``). This is the same rule
    bs4 documents for ``get_text``: the tag's descendant strings whose exact type is in
    its public ``interesting_string_types`` (NavigableString and CData when unset;
    ``Script``, ``Stylesheet``, ``TemplateString``… inside ``script``, ``style``,
    ``template``), in document order. ``tests/platforms/test_text.py`` compares the two
    on every element of the embed fixtures, so a bs4 that changes the rule fails there.
    """
    declared = tag.interesting_string_types
    types: AbstractSet[type[NavigableString]] = (
        _MAIN_CONTENT_STRINGS if declared is None else declared
    )
    contents = tag.contents
    if len(contents) == 1 and type(contents[0]) in types:
        return str(contents[0])  # a link label, a date: the common case
    parts: list[str] = []
    stack = [iter(contents)]
    while stack:
        for child in stack[-1]:
            if isinstance(child, NavigableString):
                if type(child) in types:
                    parts.append(child)
            elif isinstance(child, Tag):
                stack.append(iter(child.contents))
                break
        else:
            stack.pop()
    return separator.join(parts)


def first_tags(markup: str, limit: int | None = None) -> str:
    """``markup`` cut before its ``limit``-th tag, so parsing it builds at most ``limit``
    elements (lxml mends the cut). Fetched markup comes from anyone: bs4 keeps some 600
    bytes per element, so a page of nothing but tags (``<b>`` is 3 bytes) within the body
    cap would take gigabytes, nested or not. Real pages and posts say what archiver reads
    from them (metadata, a post's text) long before."""
    limit = MAX_TAGS if limit is None else limit
    if markup.count("<") <= limit:
        return markup
    cut = next(itertools.islice(_TAG_START.finditer(markup), limit, None))
    return markup[: cut.start()]


def html_fragment_text(markup: str) -> str:
    """Plain text of an HTML fragment (API ``content`` fields and the like)."""
    if "<" not in markup:
        return clean_text(markup)
    soup = BeautifulSoup(first_tags(markup), "lxml")
    root = soup.body or soup
    return element_text(root)


def find_hashtags(text: str) -> list[str]:
    """Hashtags in plain text, without ``#``, in order, each once."""
    return list(dict.fromkeys(_HASHTAG.findall(text))) if "#" in text else []


def find_mentions(text: str) -> list[str]:
    """@-mentions in plain text, without ``@``, in order, each once."""
    return list(dict.fromkeys(_MENTION.findall(text))) if "@" in text else []
