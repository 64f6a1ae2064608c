"""An article page as the side that cites: the page's own record and the posts it links to.

``add`` archives an article page as evidence and every post it cites. The embeds are read
by :mod:`archiver.documents.extract`; this module reads what that walk does not build:
the page as a ``web`` record from its metadata (for a saved copy, whose address only its
canonical link or ``og:url`` gives) and the post URLs linked in its body
(:func:`~archiver.documents.links.body_post_links`). The page is parsed whole, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bs4 import BeautifulSoup

from archiver.documents.links import body_post_links
from archiver.documents.sources import decode_document, recorded_source, sniff_kind
from archiver.platforms import web
from archiver.platforms.registry import REGISTRY, Registry
from archiver.record import Capture, Post, sha256_hex, utc_now

__all__ = ["ArticlePage", "read_article_page"]


@dataclass(frozen=True)
class ArticlePage:
    """What an article page says about itself and links to."""

    #: The page as a ``web`` record, its capture the page's bytes; None when the page
    #: names no address of its own (no canonical link, no ``og:url``), names a post's
    #: (a saved post page is the post, not an article) or is no HTML.
    record: Post | None = None
    #: Post URLs linked in the article's body, in page order, one per post.
    linked: list[str] = field(default_factory=list)


def read_article_page(
    raw: bytes,
    source: str,
    *,
    captured_at: str | None = None,
    keep_path: bool = False,
    router: Registry = REGISTRY,
    tree: BeautifulSoup | None = None,
) -> ArticlePage:
    """The record and body links of the page in ``raw`` (``tree``: the page already
    parsed whole, not parsed again). Raises
    :class:`~archiver.documents.sources.DocumentError` for bytes that are no document."""
    text = decode_document(raw, source)
    if sniff_kind(text) != "html":
        return ArticlePage()
    soup = tree if tree is not None else BeautifulSoup(text, "lxml")
    capture = Capture(
        method="page-meta",
        source=recorded_source(source, keep_path=keep_path),
        captured_at=captured_at or utc_now(),
        raw_sha256=sha256_hex(raw),
    )
    record = web.post_from_page(web.page_meta_from_soup(soup), None, capture)
    if record is not None and (record.platform != "web" or router.match_social(record.url)):
        record = None  # the page of a post (its canonical address a post's): no article
    return ArticlePage(record, body_post_links(soup, router))
