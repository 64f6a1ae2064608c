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
seen). Flattened text carries no post URL, so there the marker is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, ClassVar
from urllib.parse import unquote, urlencode, urlsplit

from bs4 import Comment, NavigableString, Tag

from archiver.config import Endpoints
from archiver.html_text import find_hashtags, paragraph_and_links, parse_display_date, tag_text
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
    gone_for_status,
)
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
# ``@(?<![\w@.]@)`` is ``(?<![\w@.])@`` with the "@" first, which the regex engine finds faster.
_MENTION = re.compile(
    r"@(?<![\w@.]@)([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)"
)
_SIGNATURE = re.compile(r"^[\s—–-]*(?P<name>.*?)\s*\(\s*@(?P<handle>[^\s()]+)\s*\)", re.DOTALL)
_EMBED_MARKER = "[image or embed]"
_NO_UNAUTHENTICATED = "!no-unauthenticated"
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


def find_mentions(text: str) -> list[str]:
    """``@handle.domain`` mentions in plain text, without ``@``, each once."""
    return list(dict.fromkeys(_MENTION.findall(text))) if "@" in text else []


# ---- saved-HTML embeds ---------------------------------------------------------------


def _verbatim_text(paragraph: Tag) -> tuple[str, bool]:
    """The embed ``<p>`` as the post's own text, and whether it ends in the embed marker."""
    parts: list[str] = []
    marker = False
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
            if shown.strip() == _EMBED_MARKER:
                marker = True
            else:
                parts.append(shown)
    return _normal_text("".join(parts)), marker


def _normal_text(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()


def _parse_blockquote(element: Tag, capture: Capture) -> Post | None:
    """``blockquote.bluesky-embed`` as the app's Embed dialog writes it."""
    ref = match_post(str(element.get("data-bluesky-uri", "")))
    paragraph, outside_links, _ = paragraph_and_links(element)
    date_anchor = None
    for anchor in reversed(outside_links):
        linked = match_post(str(anchor["href"]))
        if linked is not None:
            date_anchor, ref = anchor, ref or linked
            break
    if ref is None:
        return None
    text, marker = _verbatim_text(paragraph) if paragraph is not None else ("", False)
    outside = "".join(
        tag_text(child) if isinstance(child, Tag) else str(child)
        for child in element.contents
        if child is not paragraph and child is not date_anchor and not isinstance(child, Comment)
    )
    signature = _SIGNATURE.match(outside)
    name = (signature.group("name").strip() or None) if signature else None
    handle = signature.group("handle").lower() if signature else ref.handle
    if name is not None and name.lower() in (handle, f"@{handle}"):
        name = None  # the embed prints the handle when there is no display name
    actor = ref.post_id.rsplit("/", 1)[0]
    date_text = tag_text(date_anchor).strip() if date_anchor else ""
    lang = paragraph.get("lang") if paragraph is not None else None
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
        media=[Media(kind="unknown", url=ref.url)] if marker else [],
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


# ---- live fetch -----------------------------------------------------------------------


def _gone_for_error(status: int, data: Any) -> Gone | None:
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


def _post_view(view: dict[str, Any], capture: Capture) -> Post:
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
        text=_normal_text(str(record.get("text") or "")),
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


class BlueskyPlatform(Platform):
    name: ClassVar = "bluesky"
    short_link_hosts: ClassVar = frozenset({"go.bsky.app"})
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
                    text_truncated=excerpt.cut,
                    links=flattened.find_urls(body),
                    hashtags=find_hashtags(body),
                    mentions=find_mentions(body),
                    capture=capture,
                )
            )
        return posts

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
            gone = _gone_for_error(response.status, data)
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
        return Found(_post_view(view, response.capture()))


PLATFORM = BlueskyPlatform()
