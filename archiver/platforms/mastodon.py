"""Mastodon and the rest of the fediverse (Pleroma, Akkoma, Misskey, GoToSocial).

Why by path shape: these servers run on any host, so a post is recognised by its path
(``/@user/<id>``, ``/users/<u>/statuses/<id>``, ``/notice/<id>``, ``/notes/<id>``...)
on any http(s) host and port. The registry consults every named-host platform first;
we still refuse their hosts, so ``tiktok.com/@user/video/<id>`` is never ours.

Identity: ids are instance-local, so ``post_id`` is ``<host[:port]>/<id>`` and the URL
keeps scheme and port (a test server at http://127.0.0.1:8123 is a valid instance).
Handles are ``user@host`` everywhere (host without port), as the embeds print them.

Embeds carry no text: only the post URL and "Post by @user@inst". An article saved as
plain text keeps just ``Post by @user@inst View on Mastodon``: the author, not the post,
whose id lived only in the link's href that plain-text saving drops. A record without
an id cannot be re-fetched or cited, and unlike X or Bluesky there is no post text to
hash into a stand-in id, so we return nothing unless the link survived next to it
(Markdown ``[...](url)``, ``<url>`` or ``(url)``) and belongs to that same author.

Live fetch: ``GET /api/v1/statuses/<id>`` (public posts need no token). Its 404
"Record not found" is the same for deleted, private and never-existing posts, so it
reads as NOT_FOUND, never DELETED. Instances that require auth answer 401; we then ask
for the ActivityPub object (``Accept: application/activity+json``) and, in a second
step, its ``attributedTo`` actor for the handle. Misskey has no Mastodon API, so its
``/notes/<id>`` go to ActivityPub directly.

Content warnings: ``spoiler_text`` (AP ``summary``) goes into ``title``. It is text
the author wrote and readers see first, so the hash must cover it; a separate field
keeps ``text`` exactly the post body without inventing a "CW:" marker. ``edited_at``
is ignored: the hash covers the content, which shows the edit by itself. The REST
``Status`` reading and the instance (:class:`Site`) a URL names live in
:mod:`archiver.platforms.mastodon_status`; ActivityPub objects are read by
:mod:`archiver.platforms.activitypub`.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urlsplit

from bs4 import Tag

from archiver.config import Endpoints
from archiver.platforms.activitypub import (
    activitypub_request,
    note_post,
    read_actor,
    read_post_object,
)
from archiver.platforms.base import (
    EmbedRule,
    FollowUp,
    Found,
    Gone,
    Outcome,
    ParseError,
    Platform,
    PostRef,
    Request,
    Response,
)
from archiver.platforms.mastodon_status import Site, read_status, site_of
from archiver.platforms.text import tag_text
from archiver.platforms.urls import owner_of_host
from archiver.record import Author, Capture, Post

#: ``/@user/ID``: a status of one of the server's own accounts, which has an embed page.
_LOCAL_STATUS_PATH = re.compile(r"/@[A-Za-z0-9_]+/\d+/?")

_USER = r"(?P<user>[A-Za-z0-9_][\w.-]*(?:@[\w.-]+)?)"
_ULID = r"(?P<id>[0-9A-Z]{26})"
#: (path shape, canonical path). Mastodon ids are numeric; GoToSocial uses ULIDs,
#: Pleroma/Akkoma base62 flake ids, Misskey lower-case base36 "aid" ids.
_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^/(?:web/)?@{_USER}/(?P<id>\d+)(?:/embed)?/?$"), "/@{user}/{id}"),
    (re.compile(rf"^/@{_USER}/statuses/{_ULID}/?$"), "/@{user}/statuses/{id}"),
    (re.compile(r"^/users/(?P<user>[\w.-]+)/statuses/(?P<id>\d+)(?:/embed)?/?$"), "/@{user}/{id}"),
    (re.compile(rf"^/users/(?P<user>[\w.-]+)/statuses/{_ULID}/?$"), "/@{user}/statuses/{id}"),
    (re.compile(r"^/web/statuses/(?P<id>\d+)/?$"), "/web/statuses/{id}"),
    # Short ids (/notice/12) are common announcement pages on ordinary sites: not ours.
    (re.compile(r"^/notice/(?P<id>[0-9A-Za-z]{6,})/?$"), "/notice/{id}"),
    (re.compile(r"^/notes/(?P<id>(?=[0-9a-z]*\d)[0-9a-z]{10,})/?$"), "/notes/{id}"),
)
_POST_BY = re.compile(r"Post by @([\w.-]+@[\w.-]+\.\w+)")
_FLAT = re.compile(
    r"Post by @(?P<handle>[\w.-]+@[\w.-]+\.\w+)\s+View on Mastodon"
    r"(?:\s*\]?\s*[(<\[]?\s*(?P<url>https?://[^\s)\]>]+))?"
)


def _foreign(host: str) -> bool:
    """Platforms the registry routes before us: their hosts are never fediverse servers."""
    return owner_of_host(host) is not None


# --- saved-HTML embeds ------------------------------------------------------------

_EMBED_IFRAME_SRC = re.compile(r"/(?:@[^/]+|users/[^/]+/statuses)/\w+/embed/?(?:[?#]|$)")


def _parse_blockquote(element: Tag, capture: Capture) -> Post | None:
    embed_url = element.get("data-embed-url")
    ref = PLATFORM.match(str(embed_url)) if embed_url else None
    if ref is None:  # the first link, looked up only when the embed URL names no post
        link = element.find("a", href=True)
        href = link.get("href") if link else None
        ref = PLATFORM.match(str(href)) if href else None
    if ref is None:
        return None
    shown = _POST_BY.search(tag_text(element, " "))
    return _bare_post(ref, shown.group(1) if shown else None, capture)


def _parse_iframe(element: Tag, capture: Capture) -> Post | None:
    ref = PLATFORM.match(str(element.get("src") or ""))
    return _bare_post(ref, None, capture) if ref is not None else None


class MastodonPlatform(Platform):
    name = "mastodon"
    embed_rules: ClassVar[tuple[EmbedRule, ...]] = (
        EmbedRule(
            tag="blockquote",
            classes=frozenset({"mastodon-embed"}),
            attr="data-embed-url",
            parse=_parse_blockquote,
        ),
        EmbedRule(tag="iframe", attr="src", pattern=_EMBED_IFRAME_SRC, parse=_parse_iframe),
    )

    def match(self, url: str) -> PostRef | None:
        site = Site.of(url)
        if site is None or _foreign(site.host.removeprefix("www.")):
            return None
        path = urlsplit(url.strip()).path
        for pattern, canonical in _SHAPES:
            found = pattern.match(path)
            if found is None:
                continue
            user = found.groupdict().get("user")
            status_id = found.group("id")
            return PostRef(
                platform="mastodon",
                post_id=f"{site.netloc}/{status_id}",
                url=site.url(canonical.format(user=user, id=status_id)),
                handle=site.full_acct(user) if user else None,
            )
        return None

    def text_embeds(self, text: str, capture: Capture) -> list[Post]:
        posts: list[Post] = []
        for found in _FLAT.finditer(text):
            ref = self.match(found.group("url") or "")
            handle = found.group("handle")
            if ref is None or not _same_author(ref, handle):
                continue
            posts.append(_bare_post(ref, handle, capture))
        return posts

    def embed_page(self, post: Post, endpoints: Endpoints) -> str | None:
        """The status's ``/embed`` page on its own server (``/@user/ID/embed``), which a
        server serves only for its own accounts' statuses; none for other URL shapes."""
        path = urlsplit(post.url).path
        if not _LOCAL_STATUS_PATH.fullmatch(path):
            return None
        return f"{post.url.split('?', 1)[0].rstrip('/')}/embed"

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        site = site_of(ref)
        path = urlsplit(ref.url).path
        if path.startswith("/notes/"):
            return activitypub_request(ref.url)
        status_id = ref.post_id.rsplit("/", 1)[1]
        return Request(
            url=site.url(f"/api/v1/statuses/{status_id}"),
            purpose="status",
            method="api",
            headers=(("Accept", "application/json"),),
            # The ActivityPub document answers when the REST API is closed or down.
            fallback=activitypub_request(ref.url),
        )

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        purpose = response.request.purpose
        if purpose == "activitypub":
            return _read_note(ref, response)
        if purpose == "actor":
            return _read_actor(ref, response)
        return read_status(ref, response)


def _same_author(ref: PostRef, handle: str) -> bool:
    """Whether a URL found next to "Post by @handle" is that author's post."""
    if ref.handle:
        return ref.handle.lower() == handle.lower()
    return urlsplit(ref.url).hostname == handle.lower().partition("@")[2]


def _bare_post(ref: PostRef, handle: str | None, capture: Capture) -> Post:
    return Post(
        platform="mastodon",
        post_id=ref.post_id,
        url=ref.url,
        author=Author(handle=handle or ref.handle),
        capture=capture,
    )


# --- ActivityPub: the Note, then its actor -------------------------------------------


def _read_note(ref: PostRef, response: Response) -> Outcome:
    obj = read_post_object(response)
    if isinstance(obj, Gone):
        return obj
    post = note_post(obj, "mastodon", ref.post_id, ref.url, response.capture())
    actor = post.author.id
    if ref.handle:  # the URL's /@user beats a guess from the actor URI until it is resolved
        post = post.with_changes(author=post.author.model_copy(update={"handle": ref.handle}))
    if actor:
        return FollowUp(activitypub_request(actor, purpose="actor", carry=post))
    return Found(post)


def _read_actor(ref: PostRef, response: Response) -> Outcome:
    """Complete the carried post with the actor's handle; keep the post if the actor fails."""
    post = response.request.carry
    if post is None:
        raise ParseError("actor response without the post it completes")
    author = read_actor(response)
    if isinstance(author, Gone):
        return author
    if author is None:
        return Found(post)
    url = post.url
    site = Site.of(url)
    if site and urlsplit(url).path.startswith("/web/statuses/") and author.handle:
        user, _, host = author.handle.partition("@")
        acct = user if host == site.host else author.handle
        url = site.status_url(acct, ref.post_id.rsplit("/", 1)[1])
    return Found(post.with_changes(author=author, url=url))


PLATFORM = MastodonPlatform()
