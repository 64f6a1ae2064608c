"""Bluesky (AT Protocol): post URLs and AT-URIs, embeds, flattened signatures, live fetch.

Bluesky's public AppView answers without a login, so a live fetch is one XRPC call.
Two details make this module more than field copying: facet offsets count UTF-8
*bytes* (not characters), and link labels in the text are shortened, so links come
from the facets, never from the text. Posts are identified by the author's DID when
it is known, because handles are domain names that can change hands.

Embeds: ``blockquote.bluesky-embed`` carries the post text verbatim (raw newlines
kept), so its ``<p>`` is read as text rather than rendered as HTML. Its
``[image or embed]`` link says only that *something* is attached; it becomes one media
item of kind ``unknown`` whose URL is the post itself (where the attachment can be
seen). Flattened text carries no post URL, so there the marker is dropped. Post URLs,
AT-URIs and the getPostThread JSON live in :mod:`archiver.platforms.bluesky_thread`.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urlencode

from bs4 import Comment, NavigableString, Tag

from archiver.config import Endpoints
from archiver.platforms import flattened
from archiver.platforms.base import (
    EmbedRule,
    Found,
    Gone,
    Outcome,
    ParseError,
    Platform,
    PostRef,
    Reason,
    Request,
    Response,
)
from archiver.platforms.bluesky_thread import (
    gone_for_error,
    match_post,
    normal_text,
    post_view,
    profile_url,
)
from archiver.platforms.locales import parse_display_date
from archiver.platforms.quoted import read_quoted
from archiver.platforms.text import find_hashtags, tag_text
from archiver.record import Author, Capture, Post, parse_iso_utc

# ``@(?<![\w@.]@)`` is ``(?<![\w@.])@`` with the "@" first, which the regex engine finds faster.
_MENTION = re.compile(
    r"@(?<![\w@.]@)([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)"
)
_SIGNATURE = re.compile(r"^[\s—–-]*(?P<name>.*?)\s*\(\s*@(?P<handle>[^\s()]+)\s*\)", re.DOTALL)
_EMBED_MARKER = "[image or embed]"
_NO_UNAUTHENTICATED = "!no-unauthenticated"


def find_mentions(text: str) -> list[str]:
    """``@handle.domain`` mentions in plain text, without ``@``, each once."""
    return list(dict.fromkeys(_MENTION.findall(text))) if "@" in text else []


# ---- saved-HTML embeds ---------------------------------------------------------------


def _verbatim_text(paragraph: Tag) -> str:
    """An embed ``<p>`` as the post's own text, without the ``[image or embed]`` link.

    That link says only that something is attached, with no address of its own (it
    points at the post), so it is neither text nor a media item.
    """
    parts: list[str] = []
    for child in paragraph.contents:
        if isinstance(child, NavigableString):
            if isinstance(child, Comment):
                continue
            chunk = str(child)
            if parts and parts[-1] == "\n" and chunk.startswith("\n"):
                chunk = chunk[1:]  # a CMS that turned newlines into <br>\n
            parts.append(chunk)
        elif isinstance(child, Tag) and child.name == "br":
            parts.append("\n")
        elif isinstance(child, Tag):
            shown = tag_text(child)
            if shown.strip() != _EMBED_MARKER:
                parts.append(shown)
    return normal_text("".join(parts))


def _parse_blockquote(element: Tag, capture: Capture) -> Post | None:
    """``blockquote.bluesky-embed`` as the app's Embed dialog writes it, or as a CMS
    reprints it (see :mod:`archiver.platforms.quoted`)."""
    quoted = read_quoted(element, match_post)
    ref = match_post(str(element.get("data-bluesky-uri", ""))) or (quoted.ref if quoted else None)
    if ref is None:
        return None
    paragraphs = quoted.paragraphs if quoted else element.find_all("p")
    text = "\n\n".join(filter(None, map(_verbatim_text, paragraphs)))
    signature = _SIGNATURE.match(quoted.signature) if quoted else None
    name = (signature.group("name").strip() or None) if signature else None
    handle = signature.group("handle").lower() if signature else ref.handle
    if name is not None and name.lower() in (handle, f"@{handle}"):
        name = None  # the embed prints the handle when there is no display name
    actor = ref.post_id.rsplit("/", 1)[0]
    date_text = tag_text(quoted.date_anchor).strip() if quoted else ""
    lang = paragraphs[0].get("lang") if paragraphs else None
    return Post(
        platform="bluesky",
        post_id=ref.post_id,
        url=ref.url,
        author=Author(
            name=name,
            handle=handle,
            id=actor if actor.startswith("did:") else None,
            url=profile_url(actor),
        ),
        created_at=(parse_iso_utc(date_text) if "0" <= date_text[:1] <= "9" else None)
        or parse_display_date(date_text),  # an ISO date starts with its year's digits
        text=text,
        lang=str(lang) if lang else None,
        links=flattened.find_urls(text),
        hashtags=find_hashtags(text),
        mentions=find_mentions(text),
        capture=capture,
    )


def _parse_iframe(element: Tag, capture: Capture) -> Post | None:
    """``embed.bsky.app/embed/<did>/app.bsky.feed.post/<rkey>``: identity only."""
    ref = match_post(str(element.get("src", "")))
    if ref is None:
        return None
    actor = ref.post_id.rsplit("/", 1)[0]
    author = Author(id=actor, url=profile_url(actor)) if actor.startswith("did:") else Author()
    return Post(
        platform="bluesky", post_id=ref.post_id, url=ref.url, author=author, capture=capture
    )


class BlueskyPlatform(Platform):
    name: ClassVar = "bluesky"
    short_link_hosts: ClassVar = frozenset({"go.bsky.app"})
    #: The embed code's links (``?ref_src=embed``) and frame (``ref_url``).
    dropped_params: ClassVar = frozenset({"ref_src", "ref_url"})
    embed_rules: ClassVar = (
        EmbedRule(tag="blockquote", classes=frozenset({"bluesky-embed"}), parse=_parse_blockquote),
        EmbedRule(
            tag="iframe",
            attr="src",
            pattern=re.compile(r"embed\.bsky\.app/embed/"),
            parse=_parse_iframe,
        ),
    )

    def match(self, url: str) -> PostRef | None:
        return match_post(url)

    def text_embeds(self, text: str, capture: Capture) -> list[Post]:
        posts = []
        for signature, excerpt in flattened.signed_posts(text):
            if "." not in signature.handle:
                continue  # X handles never hold a dot
            handle = signature.handle.lower()
            created_at = parse_iso_utc(signature.date_text) or parse_display_date(
                signature.date_text
            )
            body = excerpt.text
            posts.append(
                Post(
                    platform="bluesky",
                    post_id=flattened.text_post_id(handle, created_at, body),
                    url=profile_url(handle),
                    author=Author(
                        name=signature.name or None, handle=handle, url=profile_url(handle)
                    ),
                    created_at=created_at,
                    text=body,
                    text_truncated=excerpt.cut or flattened.visibly_cut(body),
                    links=flattened.find_urls(body),
                    hashtags=find_hashtags(body),
                    mentions=find_mentions(body),
                    capture=capture,
                )
            )
        return posts

    def embed_page(self, post: Post, endpoints: Endpoints) -> str | None:
        """``embed.bsky.app/embed/<did>/app.bsky.feed.post/<rkey>``: it needs the author's
        DID, so a post known only by handle has none."""
        actor, _, rkey = post.post_id.rpartition("/")
        did = actor if actor.startswith("did:") else post.author.id
        if not rkey or not did or not did.startswith("did:"):
            return None
        return f"{endpoints.base('bluesky_embed')}/embed/{did}/app.bsky.feed.post/{rkey}"

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        actor, rkey = ref.post_id.rsplit("/", 1)
        query = urlencode(
            {"uri": f"at://{actor}/app.bsky.feed.post/{rkey}", "depth": 0, "parentHeight": 0}
        )
        url = f"{endpoints.base('bluesky_appview')}/xrpc/app.bsky.feed.getPostThread?{query}"
        accept = (("accept", "application/json"),)
        return Request(url, purpose="thread", method="api", headers=accept)

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        if response.status != 200:
            try:
                data = response.json()
            except ParseError:
                data = None
            gone = gone_for_error(response.status, data)
            if gone is None:
                raise ParseError(f"Bluesky answered {response.status} for {ref.post_id}")
            return gone
        data = response.json()
        thread = data.get("thread") if isinstance(data, dict) else None
        if not isinstance(thread, dict):
            raise ParseError(f"Bluesky getPostThread answer for {ref.post_id} has no thread")
        kind = str(thread.get("$type", ""))
        if kind.endswith("#notFoundPost") or thread.get("notFound"):
            return Gone(Reason.NOT_FOUND, f"Bluesky: post not found: {thread.get('uri')}", 200)
        if kind.endswith("#blockedPost") or thread.get("blocked"):
            return Gone(Reason.BLOCKED, f"Bluesky: post blocked: {thread.get('uri')}", 200)
        view = thread.get("post")
        if not isinstance(view, dict):
            raise ParseError(f"Bluesky thread for {ref.post_id} has no post")
        labels = (view.get("author") or {}).get("labels") or []
        if any(label.get("val") == _NO_UNAUTHENTICATED for label in labels):
            detail = "Bluesky: the author shows posts only to signed-in users"
            return Gone(Reason.LOGIN_REQUIRED, detail, 200)
        return Found(post_view(view, response.capture()))


PLATFORM = BlueskyPlatform()
