"""Bluesky posts without HTML: post URLs and AT-URIs, and the getPostThread JSON.

Split from :mod:`archiver.platforms.bluesky` (which owns embeds, flattened text and the
fetch steps) so each stays short. A post is keyed by its author's DID when known (a
handle is a domain name that can change hands); the AppView's postView is the richest
no-login view of a post, and its facets, whose offsets count UTF-8 *bytes*, are where
links, mentions and tags come from (link labels in the text are shortened).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import unquote, urlsplit

from archiver.platforms.base import Gone, ParseError, PostRef, Reason, gone_for_status
from archiver.record import Author, Capture, Media, Post, parse_iso_utc

_WEB_HOST = re.compile(r"^(?:www\.)?(?:(?:c|fx|vx)?bsky\.app|bskx\.app|main\.bsky\.dev)$")
_ACTOR = r"(?:did:(?:plc|web):[A-Za-z0-9._:%-]+|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)"
_RKEY = r"[A-Za-z0-9._~:-]{1,512}"
_WEB_PATH = re.compile(rf"^/profile/(?P<actor>{_ACTOR})/post/(?P<rkey>{_RKEY})/?$")
_EMBED_PATH = re.compile(rf"^/embed/(?P<actor>{_ACTOR})/app\.bsky\.feed\.post/(?P<rkey>{_RKEY})$")
_AT_URI = re.compile(
    rf"^at://(?P<actor>{_ACTOR})/(?P<collection>[a-z][A-Za-z0-9.]+)/(?P<rkey>{_RKEY})$"
)
_HANDLE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]+$")
#: Collections other than posts that a record embed may point at, and their web paths.
_RECORD_PAGES = {"app.bsky.feed.generator": "feed", "app.bsky.graph.list": "lists"}
_METRICS = (
    ("likes", "likeCount"),
    ("reposts", "repostCount"),
    ("replies", "replyCount"),
    ("quotes", "quoteCount"),
    ("bookmarks", "bookmarkCount"),
)


def _normal_actor(actor: str) -> str:
    actor = unquote(actor)
    return actor if actor.startswith("did:") else actor.lower()


def post_ref(actor: str, rkey: str) -> PostRef:
    actor = _normal_actor(actor)
    handle = None if actor.startswith("did:") else actor
    return PostRef("bluesky", f"{actor}/{rkey}", post_url(actor, rkey), handle)


def post_url(actor: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{actor}/post/{rkey}"


def profile_url(actor: str) -> str:
    return f"https://bsky.app/profile/{actor}"


def match_post(url: str) -> PostRef | None:
    """The Bluesky post a URL or AT-URI names (web, mirror or embed host), or None."""
    url = url.strip()
    at_uri = _AT_URI.match(url)
    if at_uri:
        if at_uri.group("collection") != "app.bsky.feed.post":
            return None
        return post_ref(at_uri.group("actor"), at_uri.group("rkey"))
    if "://" not in url:
        url = "https://" + url.lstrip("/")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path)
    found = None
    if host == "embed.bsky.app":
        found = _EMBED_PATH.match(path)
    elif _WEB_HOST.match(host):
        found = _WEB_PATH.match(path)
    return post_ref(found.group("actor"), found.group("rkey")) if found else None


def record_page(at_uri: str) -> tuple[str, bool] | None:
    """The web page of a record an embed points at, and whether it is a post."""
    found = _AT_URI.match(at_uri)
    if found is None:
        return None
    actor, collection, rkey = found.group("actor", "collection", "rkey")
    if collection == "app.bsky.feed.post":
        return post_url(actor, rkey), True
    if collection in _RECORD_PAGES:
        return f"{profile_url(actor)}/{_RECORD_PAGES[collection]}/{rkey}", False
    return None


def normal_text(text: str) -> str:
    """Post text as stored: LF line ends and NFC, so an embed and the live post agree."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()


def gone_for_error(status: int, data: Any) -> Gone | None:
    error = str(data.get("error", "")) if isinstance(data, dict) else ""
    message = str(data.get("message", "")) if isinstance(data, dict) else ""
    detail = f"Bluesky: {error or status} {message}".strip()
    if error == "NotFound":
        return Gone(Reason.NOT_FOUND, detail, status)
    if error in ("BlockedActor", "BlockedByActor"):
        return Gone(Reason.LOGIN_REQUIRED, detail, status)
    if error == "AccountTakedown":
        return Gone(Reason.SUSPENDED, detail, status)
    if error == "AccountDeactivated":
        return Gone(Reason.NOT_FOUND, detail, status)
    if error == "InvalidRequest" and "resolve" in message.lower():
        return Gone(Reason.NOT_FOUND, detail, status)  # the handle names no account now
    return gone_for_status(status, detail)


def _facet_entities(record: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Links, mentions and hashtags from facets, whose offsets count UTF-8 bytes."""
    raw = str(record.get("text") or "").encode("utf-8")
    links: list[str] = []
    mentions: list[str] = []
    tags: list[str] = []
    facets = [f for f in record.get("facets") or [] if isinstance(f, dict)]
    for facet in sorted(facets, key=lambda f: (f.get("index") or {}).get("byteStart") or 0):
        index = facet.get("index") or {}
        start, end = index.get("byteStart"), index.get("byteEnd")
        shown = ""
        if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(raw):
            shown = raw[start:end].decode("utf-8", errors="replace")
        for feature in facet.get("features") or []:
            kind = str(feature.get("$type", ""))
            if kind.endswith("#link") and feature.get("uri"):
                links.append(str(feature["uri"]))
            elif kind.endswith("#mention") and feature.get("did"):
                handle = shown[1:] if shown.startswith("@") else ""
                mentions.append(handle.lower() if _HANDLE.match(handle) else str(feature["did"]))
            elif kind.endswith("#tag") and feature.get("tag"):
                tags.append(str(feature["tag"]).lstrip("#"))
    tags += [str(tag).lstrip("#") for tag in record.get("tags") or [] if tag]
    return _unique(links), _unique(mentions), _unique(tags)


def _embed_content(embed: Any, did: str) -> tuple[list[Media], list[str], list[str]]:
    """Media, links and quoted posts of a hydrated embed view (or a raw record embed)."""
    if not isinstance(embed, dict):
        return [], [], []
    kind = str(embed.get("$type", "")).split("#")[0]
    media: list[Media] = []
    links: list[str] = []
    quotes: list[str] = []
    if kind == "app.bsky.embed.images":
        for image in embed.get("images") or []:
            url = image.get("fullsize") or _blob_url(did, image.get("image"))
            if url:
                media.append(Media(kind="photo", url=url, alt=image.get("alt") or None))
    elif kind == "app.bsky.embed.video":
        url = embed.get("playlist") or _blob_url(did, embed.get("video"), video=True)
        if url:
            media.append(Media(kind="video", url=url, alt=embed.get("alt") or None))
    elif kind == "app.bsky.embed.external":
        uri = (embed.get("external") or {}).get("uri")
        links += [str(uri)] if uri else []
    elif kind in ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia"):
        target = embed.get("record") or {}
        if kind == "app.bsky.embed.recordWithMedia":
            media, links, _ = _embed_content(embed.get("media"), did)
            target = target.get("record") or target
        page = record_page(str(target.get("uri", "")))
        if page is not None:
            (quotes if page[1] else links).append(page[0])
    elif kind == "app.bsky.embed.gallery":
        for item in embed.get("items") or []:
            url = item.get("fullsize") or item.get("thumb")
            if url:
                media.append(Media(kind="photo", url=url, alt=item.get("alt") or None))
    return media, links, quotes


def _blob_url(did: str, blob: Any, video: bool = False) -> str | None:
    """CDN URL of a raw blob reference, for records the AppView did not hydrate."""
    cid = ((blob or {}).get("ref") or {}).get("$link") if isinstance(blob, dict) else None
    if not cid:
        return None
    if video:
        return f"https://video.bsky.app/watch/{did}/{cid}/playlist.m3u8"
    return f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/{cid}@jpeg"


def post_view(view: dict[str, Any], capture: Capture) -> Post:
    uri = _AT_URI.match(str(view.get("uri", "")))
    author = view.get("author") or {}
    record = view.get("record") or {}
    if uri is None or not isinstance(record, dict):
        raise ParseError("Bluesky postView has no post uri or record")
    did, rkey = str(author.get("did") or uri.group("actor")), uri.group("rkey")
    handle = str(author.get("handle") or "").lower() or None
    links, mentions, tags = _facet_entities(record)
    hydrated = view.get("embed") if isinstance(view.get("embed"), dict) else record.get("embed")
    media, embed_links, quotes = _embed_content(hydrated, did)
    parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
    reply_page = record_page(str(parent)) if parent else None
    langs = record.get("langs") or []
    return Post(
        platform="bluesky",
        post_id=f"{did}/{rkey}",
        url=post_url(did, rkey),
        author=Author(
            name=author.get("displayName") or None, handle=handle, id=did, url=profile_url(did)
        ),
        created_at=parse_iso_utc(str(record.get("createdAt", ""))),
        text=normal_text(str(record.get("text") or "")),
        lang=str(langs[0]) if langs else None,
        media=media,
        links=_unique(links + embed_links),
        hashtags=tags,
        mentions=mentions,
        in_reply_to=reply_page[0] if reply_page else None,
        quotes=quotes,
        metrics={name: view[key] for name, key in _METRICS if isinstance(view.get(key), int)},
        capture=capture,
    )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
