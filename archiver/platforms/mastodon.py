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
is ignored: the hash covers the content, which shows the edit by itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from bs4 import Tag

from archiver.config import Endpoints
from archiver.html_text import tag_text
from archiver.platforms.activitypub import (
    activitypub_request,
    content_parts,
    note_post,
    read_actor,
    read_post_object,
    unique,
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
    Reason,
    Request,
    Response,
    gone_for_status,
)
from archiver.record import Author, Capture, Media, MediaKind, Post, parse_iso_utc

# Platforms the registry routes before us: their hosts are never fediverse instances.
_OTHER_PLATFORM_HOSTS = (
    "twitter.com", "x.com", "bsky.app", "reddit.com", "redd.it", "t.me", "telegram.me",
    "youtube.com", "youtu.be", "tiktok.com", "instagram.com", "facebook.com", "fb.com",
    "fb.watch", "threads.net", "threads.com",
)  # fmt: skip
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
_MEDIA_KINDS: dict[str, MediaKind] = {
    "image": "photo", "gifv": "gif", "video": "video", "audio": "audio",
}  # fmt: skip


@dataclass(frozen=True)
class _Site:
    """An instance as seen in a URL: scheme, ``host[:port]`` and bare host for handles."""

    scheme: str
    netloc: str
    host: str

    @classmethod
    def of(cls, url: str) -> _Site | None:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            return None
        try:
            port = parts.port
        except ValueError:
            return None
        host = parts.hostname.lower()
        shown = f"[{host}]" if ":" in host else host
        default = 443 if scheme == "https" else 80
        netloc = shown if port in (None, default) else f"{shown}:{port}"
        return cls(scheme, netloc, host)

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.netloc}{path}"

    def full_acct(self, acct: str) -> str:
        """``user@domain`` for remote accounts as given; local ``user`` becomes ``user@host``."""
        acct = acct.lstrip("@")
        return acct if "@" in acct else f"{acct}@{self.host}"

    def status_url(self, acct: str | None, status_id: str) -> str:
        if acct:
            return self.url(f"/@{acct.lstrip('@')}/{status_id}")
        return self.url(f"/web/statuses/{status_id}")


def _foreign(host: str) -> bool:
    return host in _OTHER_PLATFORM_HOSTS or host.endswith(_OTHER_PLATFORM_SUFFIXES)


_OTHER_PLATFORM_SUFFIXES = tuple("." + host for host in _OTHER_PLATFORM_HOSTS)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


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
        site = _Site.of(url)
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

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        site = _site_of(ref)
        path = urlsplit(ref.url).path
        if path.startswith("/notes/"):
            return activitypub_request(ref.url)
        status_id = ref.post_id.rsplit("/", 1)[1]
        return Request(
            url=site.url(f"/api/v1/statuses/{status_id}"),
            purpose="status",
            method="api",
            headers=(("Accept", "application/json"),),
        )

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        purpose = response.request.purpose
        if purpose == "activitypub":
            return _read_note(ref, response)
        if purpose == "actor":
            return _read_actor(ref, response)
        return _read_status(ref, response)


def _site_of(ref: PostRef) -> _Site:
    site = _Site.of(ref.url)
    if site is None:
        raise ParseError(f"not a fediverse post URL: {ref.url}")
    return site


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


# --- REST API: GET /api/v1/statuses/<id> --------------------------------------------


def _read_status(ref: PostRef, response: Response) -> Outcome:
    status = response.status
    if status == 401:
        return FollowUp(activitypub_request(ref.url))
    if status == 404:
        detail = f"{_error_text(response) or 'Record not found'}: deleted, private or never existed"
        return Gone(Reason.NOT_FOUND, detail + " (the REST API answers all three alike)", 404)
    if status == 410:
        return Gone(Reason.DELETED, _error_text(response) or "status is gone (410)", 410)
    if status != 200:
        gone = gone_for_status(status, _error_text(response) or f"HTTP {status}")
        if gone is None:
            raise ParseError(f"unexpected HTTP {status} from {response.url}")
        return gone
    body = response.json()
    if not isinstance(body, dict) or "id" not in body or not isinstance(body.get("account"), dict):
        raise ParseError(f"not a Mastodon Status from {response.url}")
    if isinstance(body.get("reblog"), dict):
        body = body["reblog"]
    account = _dict(body.get("account"))
    if account.get("suspended") is True:
        return Gone(Reason.SUSPENDED, f"account @{account.get('acct')} is suspended", 200)
    return Found(status_post(body, _site_of(ref), response.capture()))


def _error_text(response: Response) -> str | None:
    try:
        body = response.json()
    except ParseError:
        return None
    return str(body["error"]) if isinstance(body, dict) and body.get("error") else None


def status_post(status: dict[str, Any], site: _Site, capture: Capture) -> Post:
    """A Mastodon REST ``Status`` read into the record."""
    account = _dict(status.get("account"))
    status_id = str(status["id"])
    acct = str(account.get("acct") or account.get("username") or "").lstrip("@")
    content = content_parts(str(status.get("content") or ""))
    card_url = _dict(status.get("card")).get("url")
    mentions = [site.full_acct(str(m["acct"])) for m in _items(status, "mentions") if m.get("acct")]
    quotes = unique([_quote_url(status, site) or "", *content.quote_links])
    return Post(
        platform="mastodon",
        post_id=f"{site.netloc}/{status_id}",
        url=site.status_url(acct, status_id),
        author=Author(
            name=str(account.get("display_name") or "").strip() or account.get("username"),
            handle=site.full_acct(acct) if acct else None,
            id=f"{site.netloc}/{account['id']}" if account.get("id") else None,
            url=account.get("url"),
        ),
        created_at=parse_iso_utc(str(status.get("created_at") or "")),
        title=str(status.get("spoiler_text") or "").strip() or None,
        text=content.text,
        lang=status.get("language") or None,
        media=_status_media(status),
        links=[
            link for link in unique([*content.links, str(card_url or "")]) if link not in quotes
        ],
        hashtags=unique([str(t["name"]) for t in _items(status, "tags") if t.get("name")]),
        mentions=unique(mentions),
        in_reply_to=_reply_url(status, site),
        quotes=quotes,
        metrics=_status_metrics(status),
        capture=capture,
    )


def _items(status: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = status.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _status_media(status: dict[str, Any]) -> list[Media]:
    media: list[Media] = []
    for item in _items(status, "media_attachments"):
        url = item.get("url") or item.get("remote_url") or item.get("preview_url")
        if url:
            kind = _MEDIA_KINDS.get(str(item.get("type")), "unknown")
            media.append(Media(kind=kind, url=str(url), alt=item.get("description") or None))
    return media


def _reply_url(status: dict[str, Any], site: _Site) -> str | None:
    parent_id = status.get("in_reply_to_id")
    if not parent_id:
        return None
    parent_account = str(status.get("in_reply_to_account_id") or "")
    account = _dict(status.get("account"))
    acct = account.get("acct") if parent_account and parent_account == account.get("id") else None
    for mention in _items(status, "mentions"):
        if acct is None and parent_account and str(mention.get("id")) == parent_account:
            acct = mention.get("acct")
    return site.status_url(str(acct) if acct else None, str(parent_id))


def _quote_url(status: dict[str, Any], site: _Site) -> str | None:
    """Mastodon 4.4 ``quote``: a Quote (``quoted_status``) or a ShallowQuote (an id)."""
    quote = _dict(status.get("quote"))
    quoted = _dict(quote.get("quoted_status"))
    if quoted.get("id"):
        acct = _dict(quoted.get("account")).get("acct")
        return site.status_url(str(acct) if acct else None, str(quoted["id"]))
    if quote.get("quoted_status_id"):
        return site.status_url(None, str(quote["quoted_status_id"]))
    return None


def _status_metrics(status: dict[str, Any]) -> dict[str, int]:
    names = (
        ("replies", "replies_count"),
        ("reposts", "reblogs_count"),
        ("likes", "favourites_count"),
        ("quotes", "quotes_count"),
    )
    return {name: int(status[key]) for name, key in names if isinstance(status.get(key), int)}


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
    site = _Site.of(url)
    if site and urlsplit(url).path.startswith("/web/statuses/") and author.handle:
        user, _, host = author.handle.partition("@")
        acct = user if host == site.host else author.handle
        url = site.status_url(acct, ref.post_id.rsplit("/", 1)[1])
    return Found(post.with_changes(author=author, url=url))


PLATFORM = MastodonPlatform()
