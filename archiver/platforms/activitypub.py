"""Fediverse building blocks: status HTML and ActivityStreams objects, read once for everyone.

Mastodon's REST API and every ActivityPub server (Mastodon, Pleroma, Akkoma, Misskey,
GoToSocial...) send post text as the same flavour of HTML: links whose visible text is
cut by ``<span class="invisible">`` pieces, mentions in ``h-card`` spans, hashtags as
``a.mention.hashtag``, and since Mastodon 4.4 a ``p.quote-inline`` "RE: <link>"
fallback for quotes. A citation must quote what the author wrote, so links are
rendered as their full ``href`` (not the truncated display) and the quote fallback is
moved out of the text into ``quotes``.

The ActivityPub reading lives here, not in ``mastodon.py``, so that the generic page
adapter can reuse it for any page that advertises an ``application/activity+json``
alternate. Nothing here opens a socket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from archiver.platforms.base import Gone, ParseError, Reason, Request, Response, gone_for_status
from archiver.platforms.text import element_text, first_tags
from archiver.record import Author, Capture, Media, MediaKind, PlatformName, Post, parse_iso_utc

#: What to send to get an ActivityStreams object instead of the HTML page.
ACCEPT_ACTIVITY = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
ACCEPT_HEADERS: tuple[tuple[str, str], ...] = (("Accept", ACCEPT_ACTIVITY),)
#: Object types Mastodon ingests as posts (spec/activitypub.md).
POST_TYPES = frozenset({"Note", "Question", "Article", "Page", "Image", "Audio", "Video", "Event"})
#: Wrappers whose ``object`` is the post.
WRAPPER_TYPES = frozenset({"Create", "Update", "Announce"})

_QUOTE_KEYS = ("quote", "quoteUrl", "quoteUri", "_misskey_quote")


@dataclass
class Content:
    """Status HTML read into the record's terms."""

    text: str = ""
    links: list[str] = field(default_factory=list)
    quote_links: list[str] = field(default_factory=list)


@dataclass
class NoteFields:
    """Everything an ActivityStreams post object says, before its author is resolved."""

    text: str = ""
    summary: str | None = None
    created_at: str | None = None
    lang: str | None = None
    media: list[Media] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    in_reply_to: str | None = None
    quotes: list[str] = field(default_factory=list)
    metrics: dict[str, int] = field(default_factory=dict)
    attributed_to: str | None = None


def unique(items: list[str]) -> list[str]:
    """Items in order, each once, empties dropped."""
    return list(dict.fromkeys(item for item in items if item))


def _is_tag_link(anchor: Tag) -> bool:
    classes = set(anchor.get_attribute_list("class"))
    rel = set(anchor.get_attribute_list("rel"))
    in_card = anchor.find_parent(class_="h-card") is not None
    return bool(classes & {"mention", "hashtag", "u-url"}) or "tag" in rel or in_card


def _shows_its_href(anchor: Tag, href: str) -> bool:
    """Whether the anchor displays (part of) its own URL rather than chosen words."""
    if anchor.find(class_=("invisible", "ellipsis")) is not None:
        return True
    shown = anchor.get_text().strip().rstrip("…").strip()
    bare = re.sub(r"^https?://(www\.)?", "", shown)
    return bool(bare) and bare in href


def content_parts(markup: str) -> Content:
    """Text, outbound links and quote-fallback links of status HTML."""
    if not markup.strip():
        return Content()
    soup = BeautifulSoup(first_tags(markup), "lxml")
    root = soup.body or soup
    quote_links: list[str] = []
    for fallback in root.select(".quote-inline"):
        quote_links += [str(a.get("href")) for a in fallback.find_all("a", href=True)]
        fallback.decompose()
    links: list[str] = []
    for anchor in root.find_all("a", href=True):
        href = str(anchor["href"]).strip()
        if _is_tag_link(anchor) or not href.startswith(("http://", "https://")):
            continue
        links.append(href)
        if _shows_its_href(anchor, href):
            anchor.clear()
            anchor.append(href)
    return Content(element_text(root), unique(links), unique(quote_links))


def first_url(value: Any) -> str | None:
    """An AS2 ``url``/``href`` that may be a string, a Link object or a list of either."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        return first_url(value.get("href") or value.get("id"))
    if isinstance(value, list):
        for item in value:
            found = first_url(item)
            if found:
                return found
    return None


def _media_kind(media_type: str, object_type: str) -> MediaKind:
    major = media_type.split("/", 1)[0].lower()
    if major == "image" or object_type == "Image":
        return "photo"
    if major == "video" or object_type == "Video":
        return "video"
    if major == "audio" or object_type == "Audio":
        return "audio"
    return "unknown"


def _attachments(items: Any) -> tuple[list[Media], list[str]]:
    media: list[Media] = []
    links: list[str] = []
    for item in items if isinstance(items, list) else [items] if items else []:
        if not isinstance(item, dict):
            continue
        url = first_url(item.get("url") or item.get("href"))
        if not url:
            continue
        if item.get("type") == "Link" and not str(item.get("mediaType", "")).startswith(
            ("image/", "video/", "audio/")
        ):
            links.append(url)
            continue
        kind = _media_kind(str(item.get("mediaType") or ""), str(item.get("type") or ""))
        media.append(Media(kind=kind, url=url, alt=(item.get("name") or None)))
    return media, links


def _mention_handle(tag: dict[str, Any]) -> str | None:
    name = str(tag.get("name") or "").strip().lstrip("@")
    if not name:
        return None
    if "@" in name:
        return name
    host = urlsplit(str(tag.get("href") or "")).hostname
    return f"{name}@{host}" if host else name


def _tags(items: Any) -> tuple[list[str], list[str]]:
    hashtags: list[str] = []
    mentions: list[str] = []
    for tag in items if isinstance(items, list) else [items] if items else []:
        if not isinstance(tag, dict):
            continue
        if tag.get("type") == "Hashtag" and tag.get("name"):
            hashtags.append(str(tag["name"]).lstrip("#"))
        elif tag.get("type") == "Mention":
            handle = _mention_handle(tag)
            if handle:
                mentions.append(handle)
    return unique(hashtags), unique(mentions)


def _total(collection: Any) -> int | None:
    if isinstance(collection, dict) and isinstance(collection.get("totalItems"), int):
        return int(collection["totalItems"])
    return None


def _content_and_lang(obj: dict[str, Any]) -> tuple[str, str | None]:
    found = obj.get("contentMap")
    content_map: dict[str, Any] = found if isinstance(found, dict) else {}
    langs = list(content_map)
    content = obj.get("content")
    if not isinstance(content, str) and langs:
        content = content_map[langs[0]]
    lang = langs[0] if len(langs) == 1 else None
    return (content if isinstance(content, str) else ""), lang


def _without_quote_fallback(text: str, quotes: list[str]) -> str:
    """Drop a trailing ``RE: <quoted url>`` line (Misskey's fallback for quote-blind servers)."""
    for url in quotes:
        if text.endswith(f"RE: {url}"):
            return text.removesuffix(f"RE: {url}").rstrip()
    return text


def note_fields(obj: dict[str, Any]) -> NoteFields:
    """Read an ActivityStreams post object (Note, Question, Article...)."""
    markup, lang = _content_and_lang(obj)
    content = content_parts(markup)
    media, attachment_links = _attachments(obj.get("attachment"))
    hashtags, mentions = _tags(obj.get("tag"))
    quotes = [first_url(obj.get(key)) or "" for key in _QUOTE_KEYS]
    metrics = {
        name: count
        for name, count in (
            ("likes", _total(obj.get("likes"))),
            ("reposts", _total(obj.get("shares"))),
            ("replies", _total(obj.get("replies"))),
        )
        if count is not None
    }
    quotes = unique(quotes + content.quote_links)
    summary = obj.get("summary")
    published = obj.get("published")
    return NoteFields(
        text=_without_quote_fallback(content.text, quotes),
        summary=summary.strip() or None if isinstance(summary, str) else None,
        created_at=parse_iso_utc(published) if isinstance(published, str) else None,
        lang=lang,
        media=media,
        links=[link for link in unique(content.links + attachment_links) if link not in quotes],
        hashtags=hashtags,
        mentions=mentions,
        in_reply_to=first_url(obj.get("inReplyTo")),
        quotes=quotes,
        metrics=metrics,
        attributed_to=first_url(obj.get("attributedTo")),
    )


def actor_author(actor: dict[str, Any]) -> Author:
    """The author an actor document describes: handle ``preferredUsername@host``."""
    actor_id = first_url(actor.get("id"))
    username = str(actor.get("preferredUsername") or "").strip()
    host = urlsplit(actor_id or "").hostname
    fallback = author_from_actor_uri(actor_id) if actor_id else Author()
    handle = f"{username}@{host}" if username and host else fallback.handle
    name = str(actor.get("name") or "").strip() or username or None
    url = first_url(actor.get("url")) or actor_id
    return Author(name=name, handle=handle, id=actor_id, url=url)


def author_from_actor_uri(uri: str) -> Author:
    """What an actor URI alone tells. Only ``/@name`` names the user: ``/users/<x>`` is a
    username on Mastodon but an opaque id on Misskey, so it is not guessed from."""
    parts = urlsplit(uri)
    found = re.match(r"^/@([\w.-]+)/?$", parts.path)
    handle = f"{found.group(1)}@{parts.hostname}" if found and parts.hostname else None
    return Author(handle=handle, id=uri, url=uri)


# --- fetching: requests, gone answers, objects and actors --------------------------------


def activitypub_request(
    url: str, purpose: str = "activitypub", carry: Post | None = None
) -> Request:
    """A GET for an ActivityStreams document (``purpose`` names the step)."""
    return Request(
        url=url, purpose=purpose, method="activitypub", headers=ACCEPT_HEADERS, carry=carry
    )


def activitypub_gone(response: Response, what: str) -> Gone:
    """A non-200 ActivityPub answer: 410 Tombstone, 401 secure mode (signed fetch), 404."""
    status = response.status
    if status == 410:
        return Gone(Reason.DELETED, f"{what} is gone (410 Tombstone)", 410)
    if status == 401:
        detail = f"{what} needs a signed fetch (the instance runs in secure mode)"
        return Gone(Reason.LOGIN_REQUIRED, detail, 401)
    if status == 404:
        return Gone(Reason.NOT_FOUND, f"{what} not found (deleted, private or never existed)", 404)
    gone = gone_for_status(status, f"{what}: HTTP {status}")
    if gone is None:
        raise ParseError(f"unexpected HTTP {status} from {response.url}")
    return gone


def read_post_object(response: Response) -> dict[str, Any] | Gone:
    """The post object an ActivityPub answer holds (unwrapping Create/Update/Announce)."""
    if response.status != 200:
        return activitypub_gone(response, "ActivityPub object")
    obj = response.json()
    if not isinstance(obj, dict):
        raise ParseError(f"not an ActivityStreams object from {response.url}")
    if obj.get("type") in WRAPPER_TYPES and isinstance(obj.get("object"), dict):
        obj = obj["object"]
    if obj.get("type") == "Tombstone":
        return Gone(Reason.DELETED, "ActivityPub object is a Tombstone", response.status)
    if obj.get("type") not in POST_TYPES:
        raise ParseError(f"ActivityStreams type {obj.get('type')!r} is not a post")
    return obj


def note_post(
    obj: dict[str, Any], platform: PlatformName, post_id: str, url: str, capture: Capture
) -> Post:
    """A post object as a record; the author is what the actor URI tells until resolved."""
    fields = note_fields(obj)
    actor = fields.attributed_to
    return Post(
        platform=platform,
        post_id=post_id,
        url=url,
        author=author_from_actor_uri(actor) if actor else Author(),
        created_at=fields.created_at,
        title=fields.summary,
        text=fields.text,
        lang=fields.lang,
        media=fields.media,
        links=fields.links,
        hashtags=fields.hashtags,
        mentions=fields.mentions,
        in_reply_to=fields.in_reply_to,
        quotes=fields.quotes,
        metrics=fields.metrics,
        capture=capture,
    )


def read_actor(response: Response) -> Author | Gone | None:
    """The author an actor answer gives; Gone if suspended or 410; None if unreadable."""
    if response.status == 410:
        return Gone(Reason.SUSPENDED, "author account is gone (410): suspended or deleted", 410)
    if response.status != 200:
        return None
    actor = response.json()
    if not isinstance(actor, dict) or not actor.get("id"):
        raise ParseError(f"not an ActivityPub actor from {response.url}")
    if actor.get("suspended") is True:
        return Gone(Reason.SUSPENDED, f"account {actor.get('preferredUsername')} is suspended", 200)
    return actor_author(actor)
