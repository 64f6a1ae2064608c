"""Reddit: posts and comments from URLs, pasted embeds and the public ``.json`` view.

Reddit is the least reliable no-login source (unauthenticated ``.json`` is blocked
for many clients), so the module is careful to tell a *block* from a *deletion*: a
403 HTML page ("whoa there, pardner!") is ``BLOCKED`` and says nothing about the post.

Identity: a post is keyed by its base36 id, url ``https://www.reddit.com/r/<sub>/comments/<id>/``
(slug dropped; ``/comments/<id>/`` while the subreddit is unknown; profile posts live
in subreddit ``u_<name>``). A **comment** is keyed by its own base36 id (the identity
convention; comment and post ids are separate sequences, so a clash is possible in
theory but the url disambiguates) and its url is its permalink under the post:
``https://www.reddit.com/r/<sub>/comments/<post>/comment/<cid>/`` (``…/comments/<post>/_/<cid>/``
while the subreddit is unknown), so the post it belongs to is never lost.

Embeds (``blockquote.reddit-embed-bq``, older ``reddit-card``/``div.reddit-embed``)
carry the title, author and subreddit but never the body, so their records have a
title and empty text. A comment embed's parent is not stated, so ``in_reply_to``
stays empty there. Flattened embeds ("Fake title\\n by u/fakeuser in fakesub") carry
no id: a record is made only when the saved text kept the permalink on the title line
(markdown conversions do), otherwise nothing is invented.

Reddit has no display names (``author.name`` stays empty), no language and no
hashtags; ``over_18`` and ``upvote_ratio`` (a float) have no place in the record.
Canonical URLs, the ``.json`` listing and its gone signals live in
:mod:`archiver.platforms.reddit_listing`.
"""

from __future__ import annotations

import re
from typing import ClassVar, NamedTuple
from urllib.parse import urlsplit

from bs4 import Tag

from archiver.config import Endpoints
from archiver.platforms.base import (
    EmbedRule,
    Found,
    Gone,
    Outcome,
    Platform,
    PostRef,
    Reason,
    Request,
    Response,
)
from archiver.platforms.reddit_listing import (
    REDDIT_HOST,
    URL_IN_TEXT,
    WEB,
    comment_from_json,
    comment_url,
    find_comment,
    post_from_json,
    post_url,
    refusal_gone,
    thread_post,
    withdrawn,
)
from archiver.platforms.text import clean_text, element_text
from archiver.record import Author, Capture, Post

_THREAD_PATH = re.compile(
    r"^/(?:(?P<kind>r|user|u)/(?P<owner>[A-Za-z0-9_-]+)/)?comments/(?P<post>[a-z0-9]{2,13})"
    r"(?:/[^/]*(?:/(?P<comment>[a-z0-9]{2,13}))?)?/?$",
    re.IGNORECASE,
)
_GALLERY_PATH = re.compile(r"^/gallery/(?P<post>[a-z0-9]{2,13})/?$", re.IGNORECASE)
_SHORT_PATH = re.compile(r"^/(?P<post>[a-z0-9]{2,13})/?$", re.IGNORECASE)
_SHARE_PATH = re.compile(r"^/r/[A-Za-z0-9_]+/s/[A-Za-z0-9]+/?$")
_USER_PATH = re.compile(r"^/(?:user|u)/(?P<name>[A-Za-z0-9_-]+)/?$", re.IGNORECASE)
_FLATTENED = re.compile(
    r"^(?P<head>[^\n]+)\n[ \t]*by[ \t]+(?P<by>\S+)"
    r"(?:[ \t]+from discussion[ \t]+[^\n]+?)?(?:\n[ \t]*|[ \t]+)in[ \t]+\S+[ \t]*$",
    re.MULTILINE,
)
_MARKDOWN_LINK = re.compile(r"^\[(?P<text>.*)\]\((?P<url>[^)\s]+)\)$")


class _Thread(NamedTuple):
    """What a Reddit URL names: a post, or a comment under it."""

    sub: str | None
    post: str
    comment: str | None = None
    profile: str | None = None  # the user of a /user/<name>/comments/... URL


def _thread_of(url: str) -> _Thread | None:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host == "redd.it":
        short = _SHORT_PATH.match(parts.path)
        return _Thread(None, short["post"].lower()) if short else None
    if not REDDIT_HOST.match(host):
        return None
    gallery = _GALLERY_PATH.match(parts.path)
    if gallery:
        return _Thread(None, gallery["post"].lower())
    thread = _THREAD_PATH.match(parts.path)
    if not thread:
        return None
    owner, kind = thread["owner"], (thread["kind"] or "").lower()
    profile = owner if kind in ("user", "u") else None
    sub = f"u_{owner}" if profile else owner
    comment = thread["comment"].lower() if thread["comment"] else None
    return _Thread(sub, thread["post"].lower(), comment, profile)


def _ref_parts(ref: PostRef) -> tuple[str, str | None]:
    """(post id, comment id) behind a ref, comments keeping their post in the url."""
    found = _thread_of(ref.url)
    return (found.post, found.comment) if found else (ref.post_id, None)


# --- saved-HTML embeds and flattened text -------------------------------------------


def _handle_in(href: str, text: str) -> str | None:
    path = _USER_PATH.match(urlsplit(href).path)
    if path and REDDIT_HOST.match((urlsplit(href).hostname or "").lower()):
        return path["name"]
    found = re.fullmatch(r"/?u/([A-Za-z0-9_-]+)", text.strip())
    return found.group(1) if found else None


def _embed_record(
    target_url: str, title: str | None, handle: str | None, capture: Capture
) -> Post | None:
    found = _thread_of(target_url)
    if found is None:
        return None
    sub, post_id, comment_id = found.sub, found.post, found.comment
    author = Author(handle=handle, url=f"{WEB}/user/{handle}/" if handle else None)
    if comment_id:
        url = comment_url(sub, post_id, comment_id)
        return Post(platform="reddit", post_id=comment_id, url=url, author=author, capture=capture)
    return Post(
        platform="reddit",
        post_id=post_id,
        url=post_url(sub, post_id),
        author=author,
        title=title or None,
        capture=capture,
    )


def parse_embed(element: Tag, capture: Capture) -> Post | None:
    """A ``reddit-embed-bq`` (or older ``reddit-card``/``reddit-embed``) element."""
    target: Tag | None = None
    handle: str | None = None
    for anchor in element.find_all("a", href=True):
        href = str(anchor["href"])
        if target is None and _thread_of(href) is not None:
            target = anchor
        handle = handle or _handle_in(href, anchor.get_text())
    if target is None:
        return None
    title = element_text(target) if target.get_text(strip=True) else None
    return _embed_record(str(target["href"]), title, handle, capture)


def parse_amp(element: Tag, capture: Capture) -> Post | None:
    """``amp-reddit[data-src]``, as AMP pages embed a post or comment: its URL only."""
    return _embed_record(str(element.get("data-src") or ""), None, None, capture)


def flattened_posts(text: str, capture: Capture) -> list[Post]:
    """Flattened embeds whose title line kept its permalink (e.g. markdown)."""
    posts: list[Post] = []
    for found in _FLATTENED.finditer(text):
        head = found["head"].strip()
        link = _MARKDOWN_LINK.match(head)
        urls = [link["url"]] if link else URL_IN_TEXT.findall(head)
        target = next((url for url in urls if _thread_of(url) is not None), None)
        if target is None:
            continue
        title = link["text"] if link else head.replace(target, "").strip(" <>()-–—")
        handle = re.search(r"u/([A-Za-z0-9_-]+)", found["by"])
        record = _embed_record(target, clean_text(title), handle and handle.group(1), capture)
        if record is not None:
            posts.append(record)
    return posts


class RedditPlatform(Platform):
    name = "reddit"
    embed_rules: ClassVar[tuple[EmbedRule, ...]] = (
        EmbedRule(
            tag="blockquote",
            classes=frozenset({"reddit-embed-bq", "reddit-card"}),
            parse=parse_embed,
        ),
        EmbedRule(tag="div", classes=frozenset({"reddit-embed"}), parse=parse_embed),
        EmbedRule(tag="amp-reddit", attr="data-src", parse=parse_amp),
    )
    short_link_hosts: ClassVar[frozenset[str]] = frozenset({"redd.it"})
    #: Share links (``share_id``, ``ref``, ``ref_source``), ad clicks (``rdt``) and how
    #: many parent comments a comment link shows (``context``).
    dropped_params: ClassVar[frozenset[str]] = frozenset(
        {"share_id", "ref", "ref_source", "ref_campaign", "rdt", "context"}
    )

    def is_short_link(self, url: str) -> bool:
        host = (urlsplit(url.strip()).hostname or "").lower()
        if host == "redd.it":
            return True
        return bool(REDDIT_HOST.match(host) and _SHARE_PATH.match(urlsplit(url.strip()).path))

    def match(self, url: str) -> PostRef | None:
        found = _thread_of(url)
        if found is None:
            return None
        if found.comment:
            url = comment_url(found.sub, found.post, found.comment)
            return PostRef("reddit", found.comment, url, found.profile)
        return PostRef("reddit", found.post, post_url(found.sub, found.post), found.profile)

    def text_embeds(self, text: str, capture: Capture) -> list[Post]:
        return flattened_posts(text, capture)

    def embed_page(self, post: Post, endpoints: Endpoints) -> str | None:
        """``embed.reddit.com`` serves a post or comment at the path of its page."""
        path = urlsplit(post.url).path
        if "/comments/" not in path:
            return None
        return f"{endpoints.base('reddit_embed')}{path}"

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        post_id, comment_id = _ref_parts(ref)
        base = endpoints.base("reddit")
        path = f"/comments/{post_id}/_/{comment_id}/" if comment_id else f"/comments/{post_id}/"
        return Request(
            url=f"{base}{path}.json?raw_json=1",
            purpose="comment" if comment_id else "post",
            method="api",
            headers=(("accept", "application/json"),),
        )

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        refusal = refusal_gone(response)
        if refusal is not None:
            return refusal
        payload = response.json()
        if isinstance(payload, dict) and payload.get("error") == 404:
            return Gone(Reason.NOT_FOUND, "Reddit answered error 404", response.status)
        post = thread_post(payload)
        if response.request.purpose != "comment":
            return withdrawn(post, "selftext", response.status) or Found(
                post_from_json(post, response.capture())
            )
        _post_id, comment_id = _ref_parts(ref)
        comment = find_comment(payload[1] if len(payload) > 1 else None, comment_id or "")
        if comment is None:
            return Gone(Reason.NOT_FOUND, "the comment is not in its thread", response.status)
        return withdrawn(comment, "body", response.status) or Found(
            comment_from_json(comment, response.capture())
        )


PLATFORM = RedditPlatform()
