"""Any web page as a citable post, read from the metadata it publishes about itself.

Not every cited post lives on a platform archiver knows: a blog post, a news story or a
forum thread still deserves a record. This adapter accepts any http(s) URL, fetches the
page and reads its metadata (:mod:`archiver.platforms.page_meta`); the same reading
turns a saved Mastodon or Bluesky post page into that platform's record in
:mod:`archiver.documents`, through :func:`post_from_page`.

Identity: ``post_id`` is the canonical URL itself (user info, fragment, default port and
well-known tracking parameters such as ``utm_*`` removed, scheme and host lower-cased, the
page's own query kept and sorted), so the same page cited twice is one record and two
pages that differ only in their query (``viewtopic.php?t=1`` and ``?t=2``) are two.

A page's description is only a summary, so a ``web`` record whose text comes from it is
marked ``text_truncated``; on social pages the description *is* the post text.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urljoin

from archiver.config import Endpoints
from archiver.platforms.base import (
    FollowUp,
    Found,
    Gone,
    Outcome,
    ParseError,
    Platform,
    PostRef,
    Request,
    Response,
    gone_for_status,
)
from archiver.platforms.linked_data import is_web_url, string
from archiver.platforms.page_meta import (
    GONE_SIGNALS,
    META_TAGS,
    PageMeta,
    ParsedPage,
    decode_page,
    gone_signal,
    page_meta_from_soup,
    parse_page,
    read_page_meta,
)
from archiver.platforms.text import find_hashtags, find_mentions
from archiver.platforms.urls import clean_url
from archiver.record import Capture, Media, Post

__all__ = [
    "GONE_SIGNALS",
    "META_TAGS",
    "PLATFORM",
    "PageMeta",
    "ParsedPage",
    "WebPlatform",
    "canonical_url",
    "decode_page",
    "gone_signal",
    "page_meta_from_soup",
    "parse_page",
    "post_from_page",
    "read_page_meta",
]

#: Platforms whose posts have titles; elsewhere an ``og:title`` is only a byline.
_TITLED = frozenset({"web", "reddit", "youtube"})
_MARKUP_TYPES = frozenset(
    {"text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml"}
)


def post_from_page(meta: PageMeta, ref: PostRef | None, capture: Capture) -> Post | None:
    """The record a page's metadata describes.

    ``ref`` names the post (a platform's match of one of :meth:`PageMeta.candidate_urls`);
    without one the page itself becomes a ``web`` record, or nothing if it names no URL.
    """
    if ref is None:
        url = meta.page_url()
        ref = PLATFORM.match(url) if url else None
        if ref is None:
            return None
    social = ref.platform != "web"
    text, truncated = meta.text, False
    if not text and meta.description:
        text, truncated = meta.description, not social
    text = text or ""
    author = meta.author
    if author.handle is None and ref.handle:
        author = author.model_copy(update={"handle": ref.handle})
    return Post(
        platform=ref.platform,
        post_id=ref.post_id,
        url=ref.url,
        author=author,
        created_at=meta.published,
        title=meta.title if ref.platform in _TITLED else None,
        text=text,
        text_truncated=truncated,
        lang=meta.lang or (None if social else meta.page_lang),
        media=list(meta.media),
        links=list(meta.links),
        hashtags=find_hashtags(text) if social else [],
        mentions=find_mentions(text) if social else [],
        metrics=dict(meta.metrics),
        capture=capture,
    )


def canonical_url(url: str) -> str | None:
    """``url`` as a page's identity (:func:`~archiver.platforms.urls.clean_url`): its own
    query kept, sorted, without the well-known tracking parameters; None if not http(s)."""
    return clean_url(url)


class WebPlatform(Platform):
    """Any http(s) page, read from its metadata; the registry tries it last."""

    name = "web"
    #: Generic URL shorteners: resolve them first, they often point at platform posts.
    short_link_hosts: ClassVar[frozenset[str]] = frozenset(
        {
            "bit.ly",
            "bitly.com",
            "buff.ly",
            "dlvr.it",
            "goo.gl",
            "is.gd",
            "lnkd.in",
            "ow.ly",
            "rb.gy",
            "shorturl.at",
            "t.ly",
            "tinyurl.com",
            "trib.al",
        }
    )

    def match(self, url: str) -> PostRef | None:
        canonical = canonical_url(url)
        if canonical is None:
            return None
        return PostRef(platform="web", post_id=canonical, url=canonical)

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        return Request(
            url=ref.url,
            purpose="page",
            method="page-meta",
            headers=(("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"),),
            browser=True,
        )

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        if response.request.purpose == "oembed":
            return _read_oembed(response)
        gone = gone_for_status(response.status, f"{response.url} answered HTTP {response.status}")
        if gone is not None:
            return gone
        if not 200 <= response.status < 300:
            raise ParseError(f"unexpected HTTP {response.status} from {response.url}")
        content_type = response.headers.get("content-type", "")
        capture = response.capture()
        if content_type and content_type.split(";")[0].strip().lower() not in _MARKUP_TYPES:
            # A PDF or an image is still a citable page: its bytes are the evidence.
            return Found(
                Post(platform=ref.platform, post_id=ref.post_id, url=ref.url, capture=capture)
            )
        page = parse_page(response.body, content_type)
        meta = page.meta
        signal = gone_signal(page.soup, meta)
        if signal is not None:
            return Gone(signal[0], f"{response.url} says {signal[1]!r}", response.status)
        post = post_from_page(meta, ref, capture)
        if post is None:  # pragma: no cover - a ref always yields a record
            raise ParseError(f"no page metadata in {response.url}")
        if meta.oembed_url and not post.author.name:
            return FollowUp(
                Request(
                    url=urljoin(response.url, meta.oembed_url),
                    purpose="oembed",
                    method="oembed",
                    headers=(("Accept", "application/json"),),
                    carry=post,
                ),
                page=page,
            )
        return Found(post, page=page)


def _read_oembed(response: Response) -> Outcome:
    """Complete the carried page record from oEmbed; keep it unchanged if oEmbed fails.

    The record stays the page's (its capture is the page): oEmbed only fills gaps, so a
    missing or broken oEmbed answer loses nothing the page did not already give.
    """
    post = response.request.carry
    if post is None:
        raise ParseError(f"oEmbed answer from {response.url} without the page's record")
    data: Any = None
    if response.status == 200:
        try:
            data = response.json()
        except ParseError:
            data = None
    if not isinstance(data, dict):
        return Found(post)
    author = post.author.model_copy(
        update={
            "name": post.author.name or string(data.get("author_name")),
            "url": post.author.url or _web_url(data.get("author_url")),
        }
    )
    changes: dict[str, Any] = {"author": author}
    if post.platform in _TITLED and not post.title:
        changes["title"] = string(data.get("title"))
    thumbnail = _web_url(data.get("thumbnail_url"))
    if not post.media and thumbnail:
        changes["media"] = [Media(kind="photo", url=thumbnail)]
    return Found(post.with_changes(**changes))


def _web_url(value: Any) -> str | None:
    url = string(value)
    return url if url and is_web_url(url) else None


PLATFORM = WebPlatform()
