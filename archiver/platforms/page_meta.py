"""What a page says about itself: Open Graph, Twitter Card, JSON-LD and discovery links.

A saved Mastodon or Bluesky post page and any live web page describe themselves with
the same metadata (platforms.md §11), so one reader serves :mod:`archiver.documents`
(saved pages) and the generic adapter in :mod:`archiver.platforms.web` (live pages).
It reads only the ``meta``, ``link``, ``script`` and ``title`` elements, which a document
collects during its single walk of the tree, so no second search of a big page is made.

Precedence, most specific first: a JSON-LD posting or article node, then Open Graph,
then Twitter Card, then ``<title>`` / ``<meta name=description>``. Both ``property=``
and ``name=`` are read, since sites mix them (Bluesky writes ``name="twitter:card"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag, UnicodeDammit

from archiver.platforms.base import Reason
from archiver.platforms.linked_data import (
    LinkedData,
    choose_linked_data,
    is_web_url,
    parse_count,
    record_date,
)
from archiver.platforms.text import clean_text, first_tags
from archiver.record import Author, Media, MediaKind, sha256_hex

#: Tags that carry page metadata; documents collect them during their single tree walk.
META_TAGS: tuple[str, ...] = ("meta", "link", "script", "title")

#: Page-level "this post is gone" sentences (platforms.md §11, auto-archiver's list).
GONE_SIGNALS: tuple[tuple[str, Reason], ...] = (
    ("Hmm...this page doesn't exist", Reason.NOT_FOUND),
    ("Sorry, this page isn't available", Reason.NOT_FOUND),
    ("Video unavailable", Reason.NOT_FOUND),
    ("Post not found", Reason.NOT_FOUND),
    ("This content isn't available right now", Reason.NOT_FOUND),
    ("The link you followed may be broken", Reason.NOT_FOUND),
    (
        "This author has chosen to make their posts visible only to people who are signed in",
        Reason.LOGIN_REQUIRED,
    ),
)
#: How much longer than the sentence a text unit may be and still count as the message.
_GONE_SLACK = 80

_BYLINE = re.compile(r"^(?P<name>.*?)\s*\(@(?P<handle>[^()\s]+)\)$")
_AT_POST = re.compile(r"^at://(?P<repo>[^/]+)/app\.bsky\.feed\.post/(?P<rkey>[^/?#]+)$")
_LATIN1 = frozenset({"iso-8859-1", "latin-1", "latin1", "ascii", "us-ascii"})
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
_CARD_METRICS = {"likes": "likes", "replies": "replies", "reposts": "reposts", "views": "views"}
_MEDIA_KINDS: dict[str, MediaKind] = {"image": "photo", "video": "video", "audio": "audio"}


@dataclass(frozen=True)
class PageMeta:
    """A page's self-description, each field already chosen by precedence."""

    url: str | None = None
    canonical: str | None = None
    oembed_url: str | None = None
    activitypub_url: str | None = None
    at_uri: str | None = None
    title: str | None = None
    description: str | None = None
    #: The post or article body from JSON-LD, as plain text.
    text: str | None = None
    site_name: str | None = None
    og_type: str | None = None
    #: The JSON-LD ``@type`` the post fields came from, if any.
    ld_type: str | None = None
    published: str | None = None
    author: Author = field(default_factory=Author)
    #: Content language (JSON-LD ``inLanguage``, else ``og:locale``).
    lang: str | None = None
    #: ``<html lang>``: the interface language on social sites, the content's elsewhere.
    page_lang: str | None = None
    media: tuple[Media, ...] = ()
    links: tuple[str, ...] = ()
    metrics: tuple[tuple[str, int], ...] = ()

    @property
    def is_posting(self) -> bool:
        """Whether JSON-LD describes a social post (``SocialMediaPosting`` & co.)."""
        return self.ld_type in ("SocialMediaPosting", "DiscussionForumPosting")

    def candidate_urls(self) -> list[str]:
        """URLs that may name the post, most identifying first (for platform routing).

        An ``at://`` alternate comes first: it carries the author's DID, the stable half
        of a Bluesky identity, where ``og:url`` carries whatever handle was requested.
        """
        found: list[str] = []
        at_post = _AT_POST.match(self.at_uri or "")
        if at_post:
            found.append(f"https://bsky.app/profile/{at_post['repo']}/post/{at_post['rkey']}")
        found += [url for url in (self.url, self.canonical) if url]
        if self.oembed_url:
            found += parse_qs(urlsplit(self.oembed_url).query).get("url", [])[:1]
        if self.activitypub_url:
            found.append(self.activitypub_url)
        return list(dict.fromkeys(url for url in found if is_web_url(url)))

    def page_url(self) -> str | None:
        """The page's own canonical address, for a ``web`` record."""
        for url in (self.canonical, self.url):
            if url and is_web_url(url):
                return url
        return None


def read_page_meta(elements: Iterable[Tag], *, page_lang: str | None = None) -> PageMeta:
    """Page metadata from the ``meta``/``link``/``script``/``title`` elements of a page."""
    reader = _MetaReader()
    for element in elements:
        reader.feed(element)
    return reader.result(page_lang)


def page_meta_from_soup(soup: BeautifulSoup) -> PageMeta:
    root = soup.find("html")
    lang = _attr(root, "lang").strip() if isinstance(root, Tag) else ""
    return read_page_meta(soup.find_all(META_TAGS), page_lang=lang or None)


@dataclass(frozen=True)
class ParsedPage:
    """A fetched page parsed once, whole, handed on with what was read from it.

    Building the tree is most of what reading a page costs, so the web adapter's tree
    travels with its record (:class:`~archiver.platforms.base.Found`) to whoever reads
    the same page again (an article's embeds and links in :mod:`archiver.ingest`),
    which checks ``raw_sha256`` to know the tree is of the bytes it holds.
    """

    soup: BeautifulSoup = field(compare=False, repr=False)
    meta: PageMeta
    #: SHA-256 of the body the tree was parsed from.
    raw_sha256: str
    #: False when the page had more tags than are parsed (:func:`first_tags`): its
    #: metadata (at the top) is all there, but not every element after the cut.
    whole: bool = True


def parse_page(body: bytes, content_type: str | None = None) -> ParsedPage:
    """The one place a fetched page's bytes become a tree: decoded as its header says,
    cut before :data:`~archiver.platforms.text.MAX_TAGS` tags, parsed by lxml."""
    markup = decode_page(body, content_type)
    kept = first_tags(markup)
    soup = BeautifulSoup(kept, "lxml")
    return ParsedPage(soup, page_meta_from_soup(soup), sha256_hex(body), len(kept) == len(markup))


def decode_page(body: bytes, content_type: str | None = None) -> str:
    """A fetched page as text: the header's charset, else what the bytes declare or sniff as."""
    declared = _CHARSET.search(content_type or "")
    known = [declared.group(1)] if declared else []
    dammit = UnicodeDammit(body, known_definite_encodings=known, is_html=True)
    if (dammit.original_encoding or "").lower() in _LATIN1:
        # As browsers read it (WHATWG): a Latin-1 or ASCII label means windows-1252,
        # whose curly quotes and dashes pages written on Windows are full of.
        try:
            return body.decode("windows-1252")
        except UnicodeDecodeError:
            pass
    return dammit.unicode_markup or body.decode("utf-8", errors="replace")


def gone_signal(soup: BeautifulSoup, meta: PageMeta) -> tuple[Reason, str] | None:
    """The page-level "this post is gone" sentence a page shows, if it is such a page.

    A page with a JSON-LD posting shows a live post, so it is never read as gone.
    Otherwise a signal counts when a short text unit (the title, the description, or one
    string of the body) *starts* with it: an article quoting the sentence is not a
    missing page, and neither is a post that mentions it in passing.
    """
    if meta.is_posting:
        return None
    units = [meta.title or "", meta.description or ""]
    body = soup.find("body")
    if isinstance(body, Tag):
        units += [str(node) for node in body.find_all(string=True) if _visible(node)]
    for unit in units:
        normal = _normal(unit)
        for sentence, reason in GONE_SIGNALS:
            wanted = _normal(sentence)
            if normal.startswith(wanted) and len(normal) <= len(wanted) + _GONE_SLACK:
                return reason, sentence
    return None


def _visible(node: object) -> bool:
    parent = getattr(node, "parent", None)
    return type(node) is NavigableString and getattr(parent, "name", None) not in (
        "script",
        "style",
        "template",
        "noscript",
    )


def _normal(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2026", "...")
    return " ".join(text.split()).casefold()


class _MetaReader:
    """Accumulates metadata elements in document order; first value of a key wins."""

    def __init__(self) -> None:
        self.props: dict[str, str] = {}
        self.og_media: list[Media] = []
        self.card_images: list[Media] = []
        self.links: dict[str, str] = {}
        self.json_ld: list[str] = []
        self.title: str | None = None

    def feed(self, element: Tag) -> None:
        name = element.name
        if name == "meta":
            key = (_attr(element, "property") or _attr(element, "name")).strip().lower()
            content = _attr(element, "content").strip()
            if key and content:
                self._meta(key, content)
        elif name == "link":
            self._link(element)
        elif name == "script":
            if "ld+json" in _attr(element, "type").lower():
                self.json_ld.append(element.get_text())
        elif name == "title" and self.title is None and element.find_parent("svg") is None:
            self.title = clean_text(element.get_text()) or None

    def _meta(self, key: str, content: str) -> None:
        self.props.setdefault(key, content)
        head, _, tail = key.partition(":")
        kind, _, part = tail.partition(":")
        if head == "og" and kind in _MEDIA_KINDS:
            if part == "" or (part in ("url", "secure_url") and not self.og_media):
                self.og_media.append(Media(kind=_MEDIA_KINDS[kind], url=content))
            elif part == "alt" and self.og_media and self.og_media[-1].kind == "photo":
                self.og_media[-1] = self.og_media[-1].model_copy(update={"alt": content})
        elif key in ("twitter:image", "twitter:image:src"):
            self.card_images.append(Media(kind="photo", url=content))
        elif key == "twitter:image:alt" and self.card_images:
            self.card_images[-1] = self.card_images[-1].model_copy(update={"alt": content})

    def _link(self, element: Tag) -> None:
        rels = {rel.lower() for rel in element.get_attribute_list("rel") if rel}
        href = _attr(element, "href").strip()
        kind = _attr(element, "type").lower()
        if not href:
            return
        if "canonical" in rels:
            self.links.setdefault("canonical", href)
        elif "alternate" in rels:
            if "json+oembed" in kind:
                self.links.setdefault("oembed", href)
            elif "activity+json" in kind or "activitystreams" in kind:
                self.links.setdefault("activitypub", href)
            elif href.startswith("at://"):
                self.links.setdefault("at", href)

    def result(self, page_lang: str | None) -> PageMeta:
        props = self.props
        ld = choose_linked_data(self.json_ld)
        description = props.get("og:description") or props.get("twitter:description")
        published = ld.published if ld else None
        for key in ("og:published_time", "article:published_time", "date"):
            published = published or record_date(props.get(key))
        media = ld.media if ld and ld.is_posting else ()
        if not media and (not (ld and ld.is_posting) or self._large_card()):
            # On a post page a small card's image is the author's avatar, not the post's.
            media = tuple(self.og_media) or tuple(self.card_images)
        return PageMeta(
            url=props.get("og:url") or (ld.url if ld else None),
            canonical=self.links.get("canonical"),
            oembed_url=self.links.get("oembed"),
            activitypub_url=self.links.get("activitypub"),
            at_uri=self.links.get("at"),
            title=(ld.headline if ld else None)
            or props.get("og:title")
            or props.get("twitter:title")
            or self.title,
            description=clean_text(description or props.get("description") or "") or None,
            text=ld.text if ld else None,
            site_name=props.get("og:site_name"),
            og_type=props.get("og:type"),
            ld_type=ld.type if ld else None,
            published=published or record_date(self._card("posted at")),
            author=self._author(ld),
            lang=(ld.lang if ld else None) or props.get("og:locale", "").replace("_", "-") or None,
            page_lang=page_lang,
            media=_unique_media(media),
            links=ld.links if ld else (),
            metrics=tuple({**dict(ld.metrics if ld else ()), **self._card_metrics()}.items()),
        )

    def _author(self, ld: LinkedData | None) -> Author:
        props = self.props
        name, handle = (ld.author_name, ld.author_handle) if ld else (None, None)
        author_id, url = (ld.author_id, ld.author_url) if ld else (None, None)
        byline = _BYLINE.match(props.get("og:title", ""))
        if byline:
            name = name or byline["name"] or None
            handle = handle or byline["handle"]
        handle = handle or props.get("profile:username") or props.get("twitter:creator")
        written_by = props.get("article:author")
        if written_by and is_web_url(written_by):
            url = url or written_by
        else:
            name = name or written_by
        at_repo = (self.links.get("at") or "").removeprefix("at://").split("/", 1)[0]
        if author_id is None and at_repo.startswith("did:"):
            author_id = at_repo
        name = clean_text(name or props.get("author") or "") or None
        return Author(
            name=name,
            handle=(handle or "").strip().lstrip("@") or None,
            id=author_id,
            url=url if url and is_web_url(url) else None,
        )

    def _card(self, label: str) -> str | None:
        for number in range(1, 9):
            if self.props.get(f"twitter:label{number}", "").strip().lower() == label:
                return self.props.get(f"twitter:value{number}")
        return None

    def _large_card(self) -> bool:
        return self.props.get("twitter:card") == "summary_large_image" or any(
            item.kind != "photo" for item in self.og_media
        )

    def _card_metrics(self) -> dict[str, int]:
        """Twitter Card label pairs; explicit labels beat schema.org's coarser actions."""
        metrics: dict[str, int] = {}
        for label, name in _CARD_METRICS.items():
            count = parse_count(self._card(label))
            if count is not None:
                metrics[name] = count
        return metrics


def _unique_media(items: Iterable[Media]) -> tuple[Media, ...]:
    seen: dict[str, Media] = {}
    for item in items:
        seen.setdefault(item.url, item)
    return tuple(seen.values())


def _attr(element: Tag, name: str) -> str:
    value = element.get(name)
    if isinstance(value, list):
        return " ".join(value)
    return value or ""
