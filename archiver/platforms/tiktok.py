"""TikTok videos and photo posts: URLs, pasted embeds, oEmbed and the video page's data.

A post is keyed by its numeric id; its url is ``https://www.tiktok.com/@<user>/video/<id>``
(``/@/video/<id>``, which TikTok also serves, while the user is unknown; photo posts too
use ``/video/`` so every capture of a post agrees). TikTok ids are snowflake-like: the
top 32 bits are the creation time in epoch seconds, so embeds and oEmbed answers (which
carry no date) still get a UTC ``created_at``, the same one the page's ``createTime`` gives.

The pasted embed (``blockquote.tiktok-embed``) holds the caption between the author's
``@user`` link and a "♬ sound" link; neither is caption text. The sound title is left
out of the record entirely: it names the audio track, not anything the author wrote.
Flattened embeds ("@user caption #tag ♬ original sound - name") carry no id, so
:meth:`TikTokPlatform.text_embeds` finds nothing rather than inventing a post.

A live fetch asks oEmbed first (caption, author, thumbnail), then the video page, whose
``__UNIVERSAL_DATA_FOR_REHYDRATION__`` script holds the full item and a ``statusCode``
that says private / region-locked / user-gone. A page without it (a captcha) or with
status 10204 after oEmbed has just vouched for the post is read as a blocked page read,
and the oEmbed record is kept.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from bs4 import BeautifulSoup, Tag

from archiver.config import Endpoints
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
from archiver.platforms.text import clean_text, element_text, find_hashtags
from archiver.record import Author, Capture, Media, Post, from_epoch

WEB = "https://www.tiktok.com"
_HOST = re.compile(r"^(?:(?:www|m|vm|vt)\.)?tiktok\.com$|^(?:[a-z0-9-]+\.)?tiktokv\.com$")
_USER_PATH = re.compile(r"^/@(?P<user>[\w.-]*)/(?:video|photo)/(?P<id>\d{6,20})/?$")
_BARE_PATH = re.compile(
    r"^/(?:share/video|embed/v2|embed|player/v1|v)/(?P<id>\d{6,20})(?:\.html)?/?$"
)
_PLAYER_SRC = re.compile(r"tiktok\.com/(?:embed/v2|embed|player/v1)/\d")
_PROFILE_PATH = re.compile(r"^/@(?P<user>[\w.-]+)/?$")
_SHORT_PATH = re.compile(r"^/t/[A-Za-z0-9]+/?$")
# TikTok handles: letters, digits, "_" and "." (not last), up to 24 characters.
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_.]{0,23}[A-Za-z0-9_])")
_FIRST_PLAUSIBLE, _LAST_PLAUSIBLE = 1_451_606_400, 4_102_444_800  # 2016 .. 2100
_METRICS = (
    ("views", "playCount"),
    ("likes", "diggCount"),
    ("replies", "commentCount"),
    ("shares", "shareCount"),
    ("saves", "collectCount"),
)
_STATUS_CODES: dict[int, tuple[Reason, str]] = {
    10216: (Reason.PRIVATE, "TikTok says the post is private (status 10216)"),
    10221: (
        Reason.NOT_FOUND,
        "TikTok says the account was not found (status 10221): deleted, banned or renamed",
    ),
    10222: (Reason.PRIVATE, "TikTok says the account is private (status 10222)"),
    10231: (Reason.REGION_LOCKED, "TikTok says the post is not available in this region (10231)"),
}
_UNAVAILABLE_DETAIL = (
    "TikTok says the post is not available (status 10204); TikTok also answers this to "
    "blocked clients, so the post may still exist"
)


def post_url(handle: str | None, post_id: str) -> str:
    return f"{WEB}/@{handle or ''}/video/{post_id}"


def created_from_id(post_id: str) -> str | None:
    """The creation time encoded in a TikTok id's top 32 bits, when plausible."""
    seconds = int(post_id) >> 32
    return from_epoch(seconds) if _FIRST_PLAUSIBLE <= seconds <= _LAST_PLAUSIBLE else None


def _ids_in(url: str) -> tuple[str, str | None] | None:
    """(post id, user) of a TikTok post URL."""
    parts = urlsplit(url.strip())
    if not _HOST.match((parts.hostname or "").lower()):
        return None
    found = _USER_PATH.match(parts.path)
    if found:
        return found["id"], found["user"] or None
    bare = _BARE_PATH.match(parts.path)
    return (bare["id"], None) if bare else None


def _handle_of(url: str) -> str | None:
    parts = urlsplit(url)
    found = _PROFILE_PATH.match(parts.path) or _USER_PATH.match(parts.path)
    return (found["user"] or None) if found else None


def find_mentions(text: str) -> list[str]:
    """@-mentions in a caption, dots kept (``@ferry.fan``), in order, each once."""
    return list(dict.fromkeys(_MENTION.findall(text)))


def _author(handle: str | None, name: str | None = None, author_id: str | None = None) -> Author:
    url = f"{WEB}/@{handle}" if handle else None
    return Author(name=name or None, handle=handle, id=author_id or None, url=url)


def _record(post_id: str, author: Author, text: str, **fields: Any) -> Post:
    fields.setdefault("hashtags", find_hashtags(text))
    fields.setdefault("mentions", find_mentions(text))
    fields.setdefault("created_at", created_from_id(post_id))
    url = post_url(author.handle, post_id)
    return Post(platform="tiktok", post_id=post_id, url=url, author=author, text=text, **fields)


# --- saved-HTML embeds ---------------------------------------------------------------


def parse_embed(element: Tag, capture: Capture) -> Post | None:
    """A ``blockquote.tiktok-embed``: caption, hashtags and handle; no date, no name."""
    cited = _ids_in(str(element.get("cite") or ""))
    post_id = str(element.get("data-video-id") or "").strip() or (cited and cited[0])
    if not post_id or not post_id.isdigit():
        return None
    body = copy.copy(element.find("section") or element)
    handle = cited[1] if cited else None
    anchors = body.find_all("a")
    for anchor in anchors:
        href, label = str(anchor.get("href") or ""), anchor.get_text(strip=True)
        if "/music/" in href or label.startswith("♬"):
            anchor.decompose()
    profiles = [(a, _handle_of(str(a.get("href") or ""))) for a in body.find_all("a")]
    author_link, linked = next(((a, user) for a, user in profiles if user), (None, None))
    if author_link is not None and handle in (None, linked):
        handle = linked
        author_link.decompose()
    text = element_text(body)
    tags = [
        str(a.get("title") or a.get_text(strip=True)).lstrip("#")
        for a in body.find_all("a", href=re.compile(r"/tag/"))
    ]
    hashtags = list(dict.fromkeys(tag for tag in tags if tag)) or find_hashtags(text)
    return _record(
        post_id,
        _author(handle),
        text,
        hashtags=hashtags,
        media=shown_media(post_id),
        capture=capture,
    )


def parse_player(element: Tag, capture: Capture) -> Post | None:
    """The player TikTok's embed.js puts in place of the blockquote
    (``iframe[src=…/embed/v2/<id>]``), or the one sites embed directly
    (``…/player/v1/<id>``), or ``amp-tiktok[data-src]`` (an id or a post URL): identity,
    and the date the id holds."""
    value = str(element.get("src") or element.get("data-src") or "").strip()
    found = (value, None) if value.isdigit() else _ids_in(value)
    if found is None:
        return None
    post_id, handle = found
    return PLATFORM.minimal_post(
        PostRef("tiktok", post_id, post_url(handle, post_id), handle), capture
    )


def shown_media(post_id: str) -> list[Media]:
    """What every embed of a post shows: its video (or photo slideshow). The markup never
    gives the file's address, so the item points at TikTok's player for the post, which
    plays only that; kind ``unknown`` until a live fetch says which."""
    return [Media(kind="unknown", url=f"{WEB}/player/v1/{post_id}")]


# --- oEmbed and the video page ---------------------------------------------------------


def post_from_oembed(ref: PostRef, data: dict[str, Any], capture: Capture) -> Post:
    handle = data.get("author_unique_id") or _handle_of(str(data.get("author_url") or ""))
    handle = handle or ref.handle
    thumbnail = data.get("thumbnail_url")
    media = [Media(kind="photo", url=thumbnail)] if thumbnail else []
    text = clean_text(str(data.get("title") or ""))
    author = _author(handle, data.get("author_name"))
    return _record(ref.post_id, author, text, media=media, capture=capture)


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _item_media(item: dict[str, Any]) -> list[Media]:
    images = (item.get("imagePost") or {}).get("images") or []
    photos = [
        Media(kind="photo", url=urls[0])
        for image in images
        if (urls := (image.get("imageURL") or {}).get("urlList") or [])
    ]
    if photos:
        return photos
    video = item.get("video") or {}
    media = [Media(kind="video", url=video["playAddr"])] if video.get("playAddr") else []
    if video.get("cover"):
        media.append(Media(kind="photo", url=video["cover"]))
    return media


def post_from_item(item: dict[str, Any], carry: Post | None, capture: Capture) -> Post:
    """The record from a page's ``itemStruct``."""
    shown = item.get("author")
    author: dict[str, Any] = shown if isinstance(shown, dict) else {}
    handle = author.get("uniqueId") or (carry.author.handle if carry else None)
    name = author.get("nickname") or (carry.author.name if carry else None)
    text = clean_text(str(item.get("desc") or ""))
    extras = item.get("textExtra") or []
    hashtags = [str(extra["hashtagName"]) for extra in extras if extra.get("hashtagName")]
    mentions = [str(extra["userUniqueId"]) for extra in extras if extra.get("userUniqueId")]
    stats = item.get("stats") or item.get("statsV2") or {}
    counts = {key: _count(stats.get(field)) for key, field in _METRICS}
    lang = str(item.get("textLanguage") or "")
    created = _count(item.get("createTime"))
    post_id = str(item["id"])
    return _record(
        post_id,
        _author(handle, name, str(author.get("id") or "")),
        text,
        created_at=from_epoch(created) if created else created_from_id(post_id),
        title=clean_text(str((item.get("imagePost") or {}).get("title") or "")) or None,
        lang=lang if lang and lang != "un" else None,
        media=_item_media(item),
        hashtags=list(dict.fromkeys(hashtags)) or find_hashtags(text),
        mentions=list(dict.fromkeys(mentions)) or find_mentions(text),
        metrics={key: value for key, value in counts.items() if value is not None},
        capture=capture,
    )


def video_detail(html: str) -> dict[str, Any] | None:
    """``__DEFAULT_SCOPE__["webapp.video-detail"]`` of a video page, if it has one."""
    script = BeautifulSoup(html, "lxml").find("script", id="__UNIVERSAL_DATA_FOR_REHYDRATION__")
    if script is None:
        return None
    try:
        data = json.loads(script.get_text())
    except ValueError:
        return None
    detail = (data.get("__DEFAULT_SCOPE__") or {}).get("webapp.video-detail")
    return detail if isinstance(detail, dict) else None


class TikTokPlatform(Platform):
    name = "tiktok"
    embed_rules: ClassVar[tuple[EmbedRule, ...]] = (
        EmbedRule(tag="blockquote", classes=frozenset({"tiktok-embed"}), parse=parse_embed),
        EmbedRule(tag="iframe", attr="src", pattern=_PLAYER_SRC, parse=parse_player),
        EmbedRule(tag="amp-tiktok", attr="data-src", parse=parse_player),
    )
    short_link_hosts: ClassVar[frozenset[str]] = frozenset({"vm.tiktok.com", "vt.tiktok.com"})
    #: The app's share links (``?_r=1&_t=…&share_item_id=…``), web share and embed links.
    dropped_params: ClassVar[frozenset[str]] = frozenset(
        {"_r", "_t", "checksum", "embed_source", "is_from_webapp", "preview_pb", "refer",
         "sec_user_id", "sender_device", "sender_web_id", "share_app_id", "share_item_id",
         "share_link_id", "source", "timestamp", "tt_from", "u_code", "user_id", "web_id"}
    )  # fmt: skip

    def is_short_link(self, url: str) -> bool:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        if host in self.short_link_hosts:
            return True
        return host in ("tiktok.com", "www.tiktok.com", "m.tiktok.com") and bool(
            _SHORT_PATH.match(parts.path)
        )

    def minimal_post(self, ref: PostRef, capture: Capture) -> Post:
        """What a post link alone says: the id, so the time, and maybe the handle; and
        that the post shows a video (or photos)."""
        media = shown_media(ref.post_id)
        return _record(ref.post_id, _author(ref.handle), "", media=media, capture=capture)

    def match(self, url: str) -> PostRef | None:
        if self.is_short_link(url):
            return None
        found = _ids_in(url)
        if found is None:
            return None
        post_id, handle = found
        return PostRef("tiktok", post_id, post_url(handle, post_id), handle)

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        query = urlencode({"url": post_url(ref.handle, ref.post_id)})
        return Request(
            url=f"{endpoints.base('tiktok')}/oembed?{query}",
            purpose="oembed",
            method="oembed",
            headers=(("accept", "application/json"),),
            fallback=self.page_request(ref, endpoints, None),  # the page alone holds the post
        )

    def page_request(self, ref: PostRef, endpoints: Endpoints, carry: Post | None) -> Request:
        handle = (carry.author.handle if carry else None) or ref.handle or ""
        return Request(
            url=f"{endpoints.base('tiktok')}/@{handle}/video/{ref.post_id}",
            purpose="page",
            method="page-meta",
            browser=True,
            carry=carry,
        )

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        if response.request.purpose == "page":
            return self._read_page(ref, response)
        status = response.status
        if status in (400, 404):
            detail = f"TikTok oEmbed answered {status}: the post is deleted or never existed"
            return Gone(Reason.NOT_FOUND, detail, status)
        if status != 200:
            gone = gone_for_status(status, f"TikTok oEmbed answered {status}")
            if gone is None:
                raise ParseError(f"unexpected HTTP {status} from TikTok oEmbed")
            return gone
        data = response.json()
        if not isinstance(data, dict):
            raise ParseError("TikTok oEmbed answered JSON that is not an object")
        if "html" not in data and "author_url" not in data:
            detail = f"TikTok oEmbed answered an error ({data.get('code') or data.get('message')})"
            return Gone(Reason.NOT_FOUND, detail, status)
        carry = post_from_oembed(ref, data, response.capture())
        return FollowUp(self.page_request(ref, endpoints, carry))

    def _read_page(self, ref: PostRef, response: Response) -> Outcome:
        carry = response.request.carry
        if response.status != 200:
            gone = gone_for_status(response.status, f"TikTok page answered {response.status}")
            if gone is not None:
                return gone
            raise ParseError(f"unexpected HTTP {response.status} from the TikTok video page")
        detail = video_detail(response.text())
        code = _count((detail or {}).get("statusCode"))
        if code in _STATUS_CODES:
            reason, text = _STATUS_CODES[code]
            return Gone(reason, text, response.status)
        item = ((detail or {}).get("itemInfo") or {}).get("itemStruct") or {}
        if code == 0 and item.get("id"):
            return Found(post_from_item(item, carry, response.capture()))
        if carry is not None:
            return Found(carry)
        if code == 10204:
            return Gone(Reason.BLOCKED, _UNAVAILABLE_DETAIL, response.status)
        raise ParseError(f"TikTok page holds no readable video detail (statusCode {code})")


PLATFORM = TikTokPlatform()
