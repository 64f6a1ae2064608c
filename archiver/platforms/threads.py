"""Threads: post URLs on threads.com / threads.net, the pasted embed, and Meta's oEmbed.

A Threads embed (``blockquote.text-post-media``) and the oEmbed ``html`` carry no post
text, only the permalink: the record is still worth keeping, since it fixes which post
an article cited (shortcode, author handle, URL) and whether it still exists.

Flattened plain text keeps only "View on Threads": no shortcode, so
:meth:`ThreadsPlatform.text_embeds` finds no posts.
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
from archiver.platforms.text import element_text
from archiver.platforms.urls import host_of
from archiver.record import Author, Capture, Post

_HOSTS = frozenset({"threads.com", "threads.net"})
_USER_POST = re.compile(
    r"^/@(?P<user>[A-Za-z0-9._]{1,30})/post/(?P<code>[A-Za-z0-9_-]{5,})(?:/embed)?/?$"
)
_SHORT_POST = re.compile(r"^/t/(?P<code>[A-Za-z0-9_-]{5,})(?:/embed)?/?$")
_POST_BY = re.compile(r"Post by @([A-Za-z0-9._]{1,30})")
_EMBED_IFRAME = re.compile(r"threads\.(?:com|net)/(?:@[A-Za-z0-9._]+/post|t)/[\w-]+/embed")


def post_url(handle: str | None, shortcode: str) -> str:
    if handle:
        return f"https://www.threads.com/@{handle}/post/{shortcode}"
    return f"https://www.threads.com/t/{shortcode}"


def profile_url(handle: str) -> str:
    return f"https://www.threads.com/@{handle}"


def _record(ref: PostRef, handle: str | None, capture: Capture) -> Post:
    handle = handle or ref.handle
    author = Author(handle=handle, url=profile_url(handle)) if handle else Author()
    return Post(
        platform="threads",
        post_id=ref.post_id,
        url=post_url(handle, ref.post_id),
        author=author,
        capture=capture,
    )


def parse_blockquote(element: Tag, capture: Capture) -> Post | None:
    """A pasted ``blockquote.text-post-media``: identity only ("View on Threads")."""
    ref = PLATFORM.match(str(element.get("data-text-post-permalink") or ""))
    if ref is None:
        return None
    post_by = _POST_BY.search(element_text(element))
    return _record(ref, post_by.group(1) if post_by else None, capture)


def parse_iframe(element: Tag, capture: Capture) -> Post | None:
    """The ``iframe`` embed.js leaves in pages saved after it ran: identity only."""
    ref = PLATFORM.match(str(element.get("src") or ""))
    return _record(ref, None, capture) if ref is not None else None


def _read_oembed_html(root: Tag, capture: Capture) -> Post | None:
    quote = root.find("blockquote", class_="text-post-media")
    return parse_blockquote(quote, capture) if isinstance(quote, Tag) else None


class ThreadsPlatform(Platform):
    name = "threads"
    #: Share sheet ids.
    dropped_params: ClassVar[frozenset[str]] = frozenset({"xmt", "slof", "igsh", "igshid"})
    embed_rules: ClassVar[tuple[EmbedRule, ...]] = (
        EmbedRule(
            tag="blockquote",
            classes=frozenset({"text-post-media"}),
            attr="data-text-post-permalink",
            parse=parse_blockquote,
        ),
        EmbedRule(tag="iframe", attr="src", pattern=_EMBED_IFRAME, parse=parse_iframe),
    )

    def match(self, url: str) -> PostRef | None:
        if host_of(url) not in _HOSTS:
            return None
        path = urlsplit(url.strip()).path
        found = _USER_POST.match(path) or _SHORT_POST.match(path)
        if found is None:
            return None
        handle = found.groupdict().get("user")
        code = found.group("code")
        return PostRef("threads", code, post_url(handle, code), handle=handle)

    def text_embeds(self, text: str, capture: Capture) -> list[Post]:
        """None: flattened Threads embeds say only "View on Threads" (no shortcode)."""
        return []

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        return meta_oembed.oembed_request(endpoints.base("threads_oembed"), "oembed", ref.url)

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        return meta_oembed.read_oembed(ref, response, _read_oembed_html)


PLATFORM = ThreadsPlatform()
