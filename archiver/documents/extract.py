"""Saved articles and pages → the posts they embed, with no network at all.

People cite posts by pasting embeds into articles; what survives is a saved ``.html``
(or a plain-text copy of it) long after the post itself may be gone. This module reads
such documents the way the platforms' embed scripts would have, but offline:

* HTML is parsed **once** with lxml, building only the elements that can be or hold
  an embed (a ``parse_only`` filter derived from every platform's
  :class:`~archiver.platforms.base.EmbedRule`: an admitted element keeps its whole
  subtree), and walked **once**: every element a rule names goes to that platform's
  parser; WordPress link-only embeds (``figure.wp-block-embed`` holding just a URL)
  become minimal records. Tree building is most of the cost of reading an article, so
  one with a thousand embeds costs little more than a bare parse of it.
* A page already parsed whole (a page fetched live, parsed once by the web adapter) is
  walked, and read as a page if it has no embeds, from the tree handed in (``tree=``).
* HTML with no embeds is parsed again, whole, and read as a saved single-post page
  (Mastodon, Bluesky, any page): its metadata names the post (``page-meta``), else its
  visible text is searched for flattened embeds, else the page becomes a ``web`` record.
* Plain text goes to every platform's flattened-text reader (``text-embed``), plus
  lines that hold nothing but a post URL (how WordPress and Markdown write embeds).

Bytes are decoded the way a browser would (BOM, declared charset, UTF-8, then
windows-1252), so pages saved by old tools still read. Nothing here raises for a bad
document: what could be found comes back with one-line warnings; a source that cannot
be read at all becomes a :class:`SourceFailure`.

Duplicates: one record per key, in the order first seen, its copies combined by
:func:`archiver.merge.merge` (the rule the store uses for captures, documented in
``docs/record.md``); within one document, a later copy counts as the later observation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import BinaryIO, TypeVar

from bs4 import BeautifulSoup, Tag

from archiver.documents import sources as document_sources
from archiver.documents import wrappers
from archiver.documents.sources import (
    DocumentError,
    Kind,
    SourceFailure,
    decode_document,
    recorded_source,
    sniff_kind,
)
from archiver.documents.tree import embed_tree, tags_named
from archiver.merge import merge
from archiver.platforms import web
from archiver.platforms.base import EmbedRule
from archiver.platforms.registry import REGISTRY, Registry
from archiver.platforms.text import clean_text, element_text
from archiver.record import Capture, CaptureMethod, Post, sha256_hex, utc_now

__all__ = [
    "DocumentError",
    "DocumentResult",
    "SourceFailure",
    "decode_document",
    "extract_bytes",
    "iter_documents",
    "recorded_source",
    "sniff_kind",
]

_T = TypeVar("_T")
_WP_EMBED = "wp-block-embed"
_EMBED_MARKUP = ("blockquote", "iframe", "script", "video", "object", "embed")
_HTML_OPEN = re.compile(r"<html\b", re.IGNORECASE)
_HTML_CLOSE = re.compile(r"</html\s*>", re.IGNORECASE)
#: How deep embed markup kept as text may nest (a consent wrapper in page state: 2).
_MAX_DEPTH = 2
_URL_LINE = re.compile(r"^[ \t]*<?(https?://[^\s<>]+?)>?[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class DocumentResult:
    """What one document held."""

    #: The file path as given, or ``-`` for stdin: for messages; records hold only its name.
    source: str
    #: The bytes the posts were parsed from, kept as evidence (``capture.raw_sha256``).
    raw: bytes
    kind: Kind
    #: One record per distinct key, in document order.
    posts: list[Post]
    #: One-line, user-facing notes ("no embedded posts found in …", skipped embeds).
    warnings: list[str]


# --- one document ------------------------------------------------------------------------


def extract_bytes(
    raw: bytes,
    source: str,
    *,
    captured_at: str | None = None,
    router: Registry = REGISTRY,
    keep_path: bool = False,
    tree: BeautifulSoup | None = None,
) -> DocumentResult:
    """The posts in one saved document. Raises :class:`DocumentError` only when the bytes
    are not a document at all (empty, binary, undecodable). ``router`` replaces the
    registry of every platform (tests bring a few of their own). Messages name ``source``
    as given; the records name only the file (:func:`recorded_source`). ``tree`` is the
    page already parsed whole (a page fetched live, :class:`~archiver.platforms.web.ParsedPage`):
    it is walked instead of parsing ``raw`` again."""
    text = decode_document(raw, source)
    kind = sniff_kind(text)
    recorded = recorded_source(source, keep_path=keep_path)
    stamp = _Stamp(recorded, captured_at or utc_now(), sha256_hex(raw))
    warnings: list[str] = []
    if kind == "html":
        posts = _from_html(text, source, stamp, router, warnings, tree)
    else:
        posts = _from_text(text, source, stamp.capture("text-embed"), router, warnings)
    if not posts:
        warnings.append(f"no embedded posts found in {source}")
    return DocumentResult(source=source, raw=raw, kind=kind, posts=posts, warnings=warnings)


@dataclass(frozen=True)
class _Stamp:
    source: str
    captured_at: str
    raw_sha256: str

    def capture(self, method: CaptureMethod) -> Capture:
        return Capture(
            method=method,
            source=self.source,
            captured_at=self.captured_at,
            raw_sha256=self.raw_sha256,
        )


# --- HTML -----------------------------------------------------------------------------------


def _from_html(
    text: str,
    source: str,
    stamp: _Stamp,
    router: Registry,
    warnings: list[str],
    tree: BeautifulSoup | None = None,
) -> list[Post]:
    found = _Found()
    walk = _Walk(router, stamp.capture("embed-html"), source, warnings)
    for post in walk.page(text) if tree is None else walk.tree(tree):
        found.add(post)
    if _HTML_OPEN.search(text, 0, 4096) and not _HTML_CLOSE.search(text):
        warnings.append(
            f"{source} looks cut short (no closing </html>): posts after the cut are missing"
        )
    if found.posts:
        return found.posts
    # No embeds: the page fallback reads the whole tree.
    page = tree if tree is not None else BeautifulSoup(text, "lxml")
    meta_elements = list(tags_named(page, frozenset(web.META_TAGS)))
    return _from_page(page, meta_elements, source, stamp, router, warnings)


@dataclass(frozen=True)
class _Walk:
    """One walk of a page's embed candidates: each element a rule names goes to that
    platform's parser; WordPress embed blocks and the wrappers that keep an embed out of
    sight (:mod:`archiver.documents.wrappers`) are read here, what they hold going back
    to the same rules."""

    router: Registry
    capture: Capture
    source: str
    warnings: list[str]

    def page(self, text: str, depth: int = 0) -> Iterator[Post]:
        """The posts of a page, or of embed markup a wrapper kept as text, in order."""
        rules = self.router.embed_rules()
        return self.tree(embed_tree(text, rules, wrappers.for_rules(rules)), depth)

    def tree(self, soup: BeautifulSoup, depth: int = 0) -> Iterator[Post]:
        """The posts of a parsed page: only its embed candidates (:func:`embed_tree`) or
        the whole page (the rules are applied to each element either way)."""
        rules = self.router.embed_rules()
        hidden = wrappers.for_rules(rules)
        for element in tags_named(soup, frozenset(rules) | {"figure"}, hidden):
            post = _embed(
                element, rules.get(element.name, ()), self.capture, self.source, self.warnings
            )
            if post is None and element.name == "figure":
                post = self._guarded(partial(_wordpress_link, element, self.capture, self.router))
            if isinstance(post, Post):
                yield post
            elif element.name in hidden.names and hidden.claims(element.name, element.attrs):
                for held in hidden.hidden(element):
                    yield from self._held(held, soup, depth)

    def _held(self, held: wrappers.Hidden, soup: BeautifulSoup, depth: int) -> Iterator[Post]:
        if isinstance(held, wrappers.Frame):
            frame = soup.new_tag("iframe", attrs={"src": held.src})
            rules = self.router.embed_rules().get("iframe", ())
            post = _embed(frame, rules, self.capture, self.source, self.warnings)
            if post is not None:
                yield post
        elif isinstance(held, wrappers.Link):
            route = self._guarded(partial(self.router.match_social, held.url))
            if route is not None:
                yield route.platform.minimal_post(route.ref, self.capture)
        elif depth < _MAX_DEPTH:  # markup inside markup inside the page, at most
            yield from self.page(held.html, depth + 1)

    def _guarded(self, step: Callable[[], _T]) -> _T | None:
        return _guarded(step, self.source, self.warnings)


def _embed(
    element: Tag, rules: tuple[EmbedRule, ...], capture: Capture, source: str, warnings: list[str]
) -> Post | None:
    """The first record a matching rule's parser makes of ``element`` (None: not an embed)."""
    # Read once for every rule of the tag; an element without classes skips the read.
    classes = element.get_attribute_list("class") if "class" in element.attrs else ()
    for rule in rules:
        if not rule.matches(element, classes):
            continue
        try:
            post = rule.parse(element, capture)
        except Exception as exc:
            _warn_skipped(exc, source, warnings)
            continue
        if post is not None:
            return post
    return None


def _guarded(step: Callable[[], _T], source: str, warnings: list[str]) -> _T | None:
    """Run one platform step; its failure costs that embed or URL, never the document."""
    try:
        return step()
    except Exception as exc:
        _warn_skipped(exc, source, warnings)
        return None


def _warn_skipped(exc: Exception, source: str, warnings: list[str]) -> None:
    lines = str(exc).strip().splitlines()
    detail = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    warnings.append(f"skipped an embed in {source} ({detail})")


def _wordpress_link(figure: Tag, capture: Capture, router: Registry) -> Post | None:
    """A WordPress embed block (``figure.wp-block-embed``) whose oEmbed never ran: its
    wrapper holds only the post's URL, as text or as a link, sometimes around a
    screenshot of the post whose ``alt`` gives its text. Any other figure (a photo whose
    credit links to a post) is no embed, and neither is a block holding embed markup
    (the platform rules read that)."""
    if _WP_EMBED not in figure.get_attribute_list("class") or figure.find(_EMBED_MARKUP):
        return None
    wrapper = figure.find(class_="wp-block-embed__wrapper")
    holder = wrapper if isinstance(wrapper, Tag) else figure
    links = holder.find_all("a", href=True)
    for url in holder.get_text(" ").split() + [str(a["href"]) for a in links]:
        found = router.match_social(url) if url.startswith(("http://", "https://")) else None
        if found is None:
            continue
        post = found.platform.minimal_post(found.ref, capture)
        shown = [
            str(image.get("alt") or "")
            for link in links
            if (image := link.find("img")) is not None
            and router.key_of(str(link["href"])) == post.key
        ]
        text = clean_text(shown[0]) if shown else ""
        return post.with_changes(text=text) if text and not post.text else post
    return None


def _from_page(
    soup: BeautifulSoup,
    meta_elements: list[Tag],
    source: str,
    stamp: _Stamp,
    router: Registry,
    warnings: list[str],
) -> list[Post]:
    """No embeds: a saved single-post page, flattened embeds in its text, or the page."""
    root = soup.find("html")
    lang = root.get("lang") if isinstance(root, Tag) else None
    meta = web.read_page_meta(meta_elements, page_lang=lang if isinstance(lang, str) else None)
    signal = web.gone_signal(soup, meta)
    if signal is not None:
        warnings.append(f"{source} shows {signal[1]!r}: the post was not available when saved")
        return []
    capture = stamp.capture("page-meta")
    for url in meta.candidate_urls():
        found = _guarded(partial(router.match_social, url), source, warnings)
        if found is not None:
            post = _guarded(partial(web.post_from_page, meta, found[1], capture), source, warnings)
            return [post] if post is not None else []
    body = soup.find("body")
    visible = element_text(body if isinstance(body, Tag) else soup)
    posts = _from_text(visible, source, stamp.capture("text-embed"), router, warnings)
    if posts:
        return posts
    page = _guarded(partial(web.post_from_page, meta, None, capture), source, warnings)
    if page is None:
        return []
    warnings.append(f"no embedded posts found in {source}; recorded the page itself ({page.url})")
    return [page]


# --- plain text -------------------------------------------------------------------------------


def _from_text(
    text: str, source: str, capture: Capture, router: Registry, warnings: list[str]
) -> list[Post]:
    found: list[tuple[int, Post]] = []
    for platform in router.text_platforms():
        posts = _guarded(partial(platform.text_embeds, text, capture), source, warnings)
        found += [(_position(text, post), post) for post in posts or () if isinstance(post, Post)]
    for line in _URL_LINE.finditer(text):
        match = _guarded(partial(router.match_social, line.group(1)), source, warnings)
        if match is not None:
            found.append((line.start(), match.platform.minimal_post(match.ref, capture)))
    located = [post for _, post in sorted(found, key=lambda pair: pair[0])]
    collected = _Found()
    for post in located:
        collected.add(post)
    return collected.posts


def _position(text: str, post: Post) -> int:
    """Where a post found in flattened text sits, to report posts in document order."""
    first_line = post.text.strip().split("\n", 1)[0][:40]
    for needle in (first_line, post.url, f"@{post.author.handle}" if post.author.handle else ""):
        if needle:
            at = text.find(needle)
            if at >= 0:
                return at
    return len(text)


# --- duplicates ---------------------------------------------------------------------------------


class _Found:
    """Records by key in first-seen order, each with its later copies merged in."""

    def __init__(self) -> None:
        self._by_key: dict[str, Post] = {}

    def add(self, post: Post) -> None:
        first = self._by_key.get(post.key)
        self._by_key[post.key] = post if first is None else merge(first, post)

    @property
    def posts(self) -> list[Post]:
        return list(self._by_key.values())


# --- sources -----------------------------------------------------------------------------------


def iter_documents(
    sources: Sequence[str],
    *,
    stdin: BinaryIO | None = None,
    max_bytes: int,
    captured_at: str | None = None,
    router: Registry = REGISTRY,
    keep_path: bool = False,
) -> Iterator[DocumentResult | SourceFailure]:
    """Each source's result in order: files, directories (recursively), ``-`` for stdin.

    Streams: one document's bytes and tree are alive at a time. See
    :mod:`archiver.documents.sources` for which files a directory contributes.
    """
    return document_sources.iter_documents(
        sources,
        stdin=stdin,
        max_bytes=max_bytes,
        read=lambda raw, source: extract_bytes(
            raw, source, captured_at=captured_at, router=router, keep_path=keep_path
        ),
    )
