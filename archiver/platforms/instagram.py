"""Instagram: post URLs, the pasted ``blockquote.instagram-media`` embeds, and Meta oEmbed.

Articles carry two generations of embed. Version 14 (current) holds no caption, only
"A post shared by Name (@handle)"; versions up to 12 also hold the caption and a
``<time datetime>``. Both are read by one parser, which also reads the ``html`` that the
tokenless Meta oEmbed endpoint returns, so live fetches and saved articles agree.

Flattened plain text keeps only "View this post on Instagram … A post shared by Name
(@handle)": no shortcode, so nothing citable can be rebuilt from it and
:meth:`InstagramPlatform.text_embeds` finds no posts.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urlsplit

from bs4 import Tag

from archiver.config import Endpoints
from archiver.platforms import meta_oembed
from archiver.platforms.base import (
    EmbedRule,
    Outcome,
    Platform,
    PostRef,
    Request,
    Response,
)
from archiver.platforms.locales import credit_line, is_view_on_instagram
from archiver.platforms.text import element_text, find_hashtags
from archiver.platforms.urls import host_of
from archiver.record import Author, Capture, Media, Post, parse_iso_utc

_HOSTS = frozenset(
    {"instagram.com", "m.instagram.com", "instagr.am", "ddinstagram.com", "d.ddinstagram.com"}
)
# /p/SC/, /reel/SC/, /reels/SC/, /tv/SC/, /<user>/p/SC/, each optionally /embed[/captioned]/.
_POST_PATH = re.compile(
    r"^/(?:(?!share/|explore/|accounts/|stories/)(?P<user>[A-Za-z0-9._]{1,30})/)?"
    r"(?:p|reels?|tv)/(?P<code>[A-Za-z0-9_-]{5,})"
    r"(?:/embed(?:/captioned)?)?/?$"
)
_SHARE_PATH = re.compile(r"^/share/(?:(?:p|reel)/)?[A-Za-z0-9_-]+/?$")
_PROFILE_PATH = re.compile(r"^/([A-Za-z0-9._]{1,30})/?$")
_HANDLE_IN_PARENS = re.compile(r"\(@([A-Za-z0-9._]+)\)")
#: Longest text a byline a site shortened or replaced may have ("Zum Beitrag", "Instagram").
_SHORT = 80
_EMBED_IFRAME = re.compile(r"instagram\.com/(?:[A-Za-z0-9._]+/)?(?:p|reels?|tv)/[\w-]+/embed")


def canonical_url(shortcode: str) -> str:
    return f"https://www.instagram.com/p/{shortcode}/"


def profile_url(handle: str) -> str:
    return f"https://www.instagram.com/{handle}/"


def _is_instagram(url: str) -> bool:
    return host_of(url) in _HOSTS


def parse_blockquote(element: Tag, capture: Capture) -> Post | None:
    """A pasted ``blockquote.instagram-media`` (any version, any language) to a record."""
    ref = _ref_of_blockquote(element)
    if ref is None:
        return None
    paragraphs = element.find_all("p")
    byline = _byline_paragraph(paragraphs, ref)
    caption = "\n\n".join(
        text
        for paragraph in paragraphs
        if paragraph is not byline
        and (text := element_text(paragraph))
        and not is_view_on_instagram(text)
    )
    author = _author(byline, ref.handle)
    when = byline.find("time") if byline is not None else None
    created_at = parse_iso_utc(str(when.get("datetime") or "")) if when is not None else None
    return Post(
        platform="instagram",
        post_id=ref.post_id,
        url=ref.url,
        author=author,
        created_at=created_at,
        text=caption,
        text_truncated=caption.endswith("…"),
        media=shown_media(ref.post_id),
        hashtags=find_hashtags(caption),
        mentions=meta_oembed.find_handles(caption),
        capture=capture,
    )


def parse_iframe(element: Tag, capture: Capture) -> Post | None:
    """The ``iframe`` embed.js leaves behind in pages saved after it ran: identity only."""
    ref = PLATFORM.match(str(element.get("src") or ""))
    return _identity_post(ref, capture) if ref is not None else None


def parse_amp(element: Tag, capture: Capture) -> Post | None:
    """``amp-instagram[data-shortcode]``, as AMP pages embed a post: identity only."""
    code = str(element.get("data-shortcode") or "").strip()
    ref = PLATFORM.match(canonical_url(code)) if code else None
    return _identity_post(ref, capture) if ref is not None else None


def _identity_post(ref: PostRef, capture: Capture) -> Post:
    author = Author(handle=ref.handle, url=profile_url(ref.handle)) if ref.handle else Author()
    return Post(
        platform="instagram",
        post_id=ref.post_id,
        url=ref.url,
        author=author,
        media=shown_media(ref.post_id),
        capture=capture,
    )


def shown_media(shortcode: str) -> list[Media]:
    """What every embed of a post shows: its photo or video (an Instagram post has no
    other kind). The markup never gives the file's address, so the item points at the
    post's embed page, which shows the media itself; kind ``unknown`` until a live fetch
    says which."""
    return [Media(kind="unknown", url=f"https://www.instagram.com/p/{shortcode}/embed/")]


def _ref_of_blockquote(element: Tag) -> PostRef | None:
    permalink = element.get("data-instgrm-permalink")
    candidates = [str(permalink)] if permalink else []
    candidates += [str(link.get("href")) for link in element.find_all("a", href=True)]
    for candidate in candidates:
        ref = PLATFORM.match(candidate)
        if ref is not None:
            return ref
    return None


def _byline_paragraph(paragraphs: list[Tag], ref: PostRef) -> Tag | None:
    """The paragraph crediting the author, which is never caption text: the last one
    that holds a ``<time>``, a ``(@handle)``, a credit line in any language
    (:mod:`locales`) or a link to the author's profile; or, when the embed has a single
    paragraph that is nothing but a short link to the post, that one (a v14 byline a
    site shortened or replaced: "Zum Beitrag", "Instagram")."""
    for paragraph in reversed(paragraphs):
        text = element_text(paragraph)
        if (
            paragraph.find("time")
            or _HANDLE_IN_PARENS.search(text)
            or credit_line(text)
            or _profile_link(paragraph)
        ):
            return paragraph
    if len(paragraphs) == 1:
        links = paragraphs[0].find_all("a", href=True)
        text = element_text(paragraphs[0])
        only_link = len(links) == 1 and element_text(links[0]) == text
        linked = PLATFORM.match(str(links[0]["href"])) if only_link else None
        if linked is not None and linked.post_id == ref.post_id and len(text) <= _SHORT:
            return paragraphs[0]
    return None


def _author(byline: Tag | None, fallback_handle: str | None) -> Author:
    name: str | None = None
    handle: str | None = None
    if byline is not None:
        text = element_text(byline)
        in_parens = _HANDLE_IN_PARENS.search(text)
        handle = in_parens.group(1) if in_parens else None
        credit = credit_line(text)
        name = credit[0] if credit else None
        if name is not None and name.startswith("@"):  # "A post shared by @handle"
            handle, name = handle or name[1:], None
        profile = _profile_link(byline)
        if profile is not None:
            # Older embeds link the name itself: "A post shared by <a>Name</a> (@handle)".
            name = element_text(profile[0]) or name
            handle = handle or profile[1]
    handle = handle or fallback_handle
    return Author(
        name=name.strip() if name else None,
        handle=handle,
        url=profile_url(handle) if handle else None,
    )


def _profile_link(byline: Tag) -> tuple[Tag, str] | None:
    for link in byline.find_all("a", href=True):
        href = str(link["href"])
        found = _PROFILE_PATH.match(urlsplit(href).path)
        if _is_instagram(href) and found is not None and PLATFORM.match(href) is None:
            return link, found.group(1)
    return None


def _read_oembed_html(root: Tag, capture: Capture) -> Post | None:
    quote = root.find("blockquote", class_="instagram-media")
    return parse_blockquote(quote, capture) if isinstance(quote, Tag) else None


class InstagramPlatform(Platform):
    name = "instagram"
    #: Share sheet ids and the carousel position a link opens at.
    dropped_params: ClassVar[frozenset[str]] = frozenset({"igsh", "igshid", "img_index"})
    embed_rules: ClassVar[tuple[EmbedRule, ...]] = (
        EmbedRule(tag="blockquote", classes=frozenset({"instagram-media"}), parse=parse_blockquote),
        EmbedRule(tag="iframe", attr="src", pattern=_EMBED_IFRAME, parse=parse_iframe),
        EmbedRule(tag="amp-instagram", attr="data-shortcode", parse=parse_amp),
    )

    def match(self, url: str) -> PostRef | None:
        if not _is_instagram(url):
            return None
        found = _POST_PATH.match(urlsplit(url.strip()).path)
        if found is None:
            return None
        code = found.group("code")
        return PostRef("instagram", code, canonical_url(code), handle=found.group("user"))

    def minimal_post(self, ref: PostRef, capture: Capture) -> Post:
        """What a post link alone says, and that the post shows a photo or video."""
        return _identity_post(ref, capture)

    def is_short_link(self, url: str) -> bool:
        """``instagram.com/share/(p|reel)/<code>`` links only redirect to the post."""
        return _is_instagram(url) and bool(_SHARE_PATH.match(urlsplit(url.strip()).path))

    def text_embeds(self, text: str, capture: Capture) -> list[Post]:
        """None: flattened Instagram embeds carry no shortcode (see the module docstring)."""
        return []

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        base = endpoints.base("meta_oembed")
        return meta_oembed.oembed_request(base, "instagram_oembed", ref.url)

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        return meta_oembed.read_oembed(ref, response, _read_oembed_html)


PLATFORM = InstagramPlatform()
