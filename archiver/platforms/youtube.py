"""YouTube videos: URLs, pasted iframes, oEmbed and the watch page's player response.

A video is keyed by its 11-character id; its url is always
``https://www.youtube.com/watch?v=<id>`` whatever shape it was cited in.

Pasted embeds are bare iframes with no text, so their records hold only id and url.
A live fetch asks oEmbed first (title, channel, thumbnail; reliable and light), then
follows up with the watch page for what oEmbed lacks: description, date, channel id
and view count, and the *playability status*, which is where YouTube says a video is
private, removed, age-gated or region-locked. When the watch page cannot be read (a
consent or bot-check page), the oEmbed record is kept rather than reporting a loss.

Dates: ``publishDate``/``uploadDate`` are full ISO timestamps with an offset on
current pages (converted to UTC); older pages give only a date, which yt-dlp notes
is the US/Pacific calendar date, so it is kept as ``YYYY-MM-DD`` without claiming a
UTC day. Reason strings are matched in English, so the watch page is requested with
``Accept-Language: en``.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

from bs4 import Tag

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
from archiver.platforms.text import clean_text, find_hashtags
from archiver.record import Author, Capture, Media, Post, parse_iso_utc

WEB = "https://www.youtube.com"
_ID = re.compile(r"^[0-9A-Za-z_-]{11}$")
_NOT_IDS = frozenset({"videoseries", "live_stream"})
_PATH_ID = re.compile(r"^/(?:shorts|live|embed|v|e)/(?P<id>[0-9A-Za-z_-]{11})(?:/|$)")
_SHORT_ID = re.compile(r"^/(?P<id>[0-9A-Za-z_-]{11})/?$")
_EMBED_SRC = re.compile(r"youtube(?:-nocookie)?\.com/embed/", re.IGNORECASE)
#: ``https://www.youtube.com/embed/<id>`` (any query or fragment): the same parts as
#: ``urlsplit`` finds in it, several times cheaper; other shapes take the general path.
_PLAIN_EMBED = re.compile(
    r"https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/(?P<id>[0-9A-Za-z_-]{11})"
    r"(?:/[^?#\t\r\n]*)?(?:[?#][^\t\r\n]*)?"
)
#: Iframe titles that name the player, not the video (YouTube's embed code, CMS defaults).
_GENERIC_TITLES = frozenset(
    {"youtube video player", "youtube", "youtube video", "video", "video player",
     "embedded video", "embedded content", "youtube-videoplayer", "lecteur vidéo youtube",
     "reproductor de video de youtube", "player video di youtube", "youtube embed"}
)  # fmt: skip
_HANDLE_URL = re.compile(r"/@(?P<handle>[A-Za-z0-9._-]+)/?$")
_CHANNEL_URL = re.compile(r"/channel/(?P<id>UC[0-9A-Za-z_-]{22})/?$")
_PLAYER = re.compile(r"ytInitialPlayerResponse\s*=\s*\{")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+")
_PLAYABLE = frozenset({"OK", "LIVE_STREAM_OFFLINE", "CONTENT_CHECK_REQUIRED"})
#: Words of YouTube's playability reasons, checked in order (first match wins).
_REASON_WORDS: tuple[tuple[tuple[str, ...], Reason], ...] = (
    (("not a bot",), Reason.BLOCKED),
    (("private",), Reason.PRIVATE),
    (("terminated",), Reason.SUSPENDED),
    (("confirm your age", "age-restricted", "inappropriate for some users"), Reason.AGE_RESTRICTED),
    (("country",), Reason.REGION_LOCKED),
    (("removed", "no longer available", "isn't available anymore"), Reason.DELETED),
    (("members", "join this channel"), Reason.LOGIN_REQUIRED),
)


def video_id(url: str) -> str | None:
    """The video id in any YouTube URL shape, or None."""
    plain = _PLAIN_EMBED.fullmatch(url.strip())
    if plain is not None:  # the pasted-iframe shape, read without urlsplit
        return None if plain["id"] in _NOT_IDS else plain["id"]
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host == "youtu.be":
        found = _SHORT_ID.match(parts.path)
    elif host in ("youtube.com", "youtube-nocookie.com") or host.endswith(
        (".youtube.com", ".youtube-nocookie.com")
    ):
        if parts.path.rstrip("/") == "/watch":
            candidates = parse_qs(parts.query).get("v") or [""]
            return candidates[0] if _ID.match(candidates[0]) else None
        found = _PATH_ID.match(parts.path)
    else:
        return None
    if found is None or found["id"] in _NOT_IDS:
        return None
    return found["id"]


def watch_url(video: str) -> str:
    return f"{WEB}/watch?v={video}"


def parse_iframe(element: Tag, capture: Capture) -> Post | None:
    """A pasted ``<iframe src=".../embed/<id>">``: id, url, and the video's title when the
    iframe's ``title`` gives it (WordPress and most CMSs write the oEmbed title there;
    YouTube's own embed code writes a generic "YouTube video player")."""
    video = video_id(str(element.get("src") or ""))
    if video is None:
        return None
    title = clean_text(str(element.get("title") or ""))
    if title.casefold() in _GENERIC_TITLES:
        title = ""
    return Post(
        platform="youtube",
        post_id=video,
        url=watch_url(video),
        title=title or None,
        hashtags=find_hashtags(title),
        capture=capture,
    )


def parse_amp(element: Tag, capture: Capture) -> Post | None:
    """``amp-youtube[data-videoid]``, as AMP pages embed a video: id and url only."""
    video = str(element.get("data-videoid") or "").strip()
    if not _ID.match(video) or video in _NOT_IDS:
        return None
    return Post(platform="youtube", post_id=video, url=watch_url(video), capture=capture)


def _author_from_url(url: str | None, name: str | None) -> Author:
    if not url:
        return Author(name=name or None)
    url = url.replace("http://", "https://", 1)
    handle, channel = _HANDLE_URL.search(url), _CHANNEL_URL.search(url)
    if handle:
        return Author(name=name or None, handle=handle["handle"], url=f"{WEB}/@{handle['handle']}")
    return Author(name=name or None, id=channel["id"] if channel else None, url=url)


def post_from_oembed(video: str, data: dict[str, Any], capture: Capture) -> Post:
    title = clean_text(str(data.get("title") or "")) or None
    thumbnail = data.get("thumbnail_url")
    return Post(
        platform="youtube",
        post_id=video,
        url=watch_url(video),
        author=_author_from_url(data.get("author_url"), data.get("author_name")),
        title=title,
        media=[Media(kind="photo", url=thumbnail)] if thumbnail else [],
        hashtags=find_hashtags(title or ""),
        capture=capture,
    )


def player_response(html: str) -> dict[str, Any] | None:
    """The ``ytInitialPlayerResponse`` object a watch page assigns, if any."""
    found = _PLAYER.search(html)
    if found is None:
        return None
    try:
        value, _end = json.JSONDecoder().raw_decode(html, found.end() - 1)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _reason_text(status: dict[str, Any]) -> str:
    if status.get("reason"):
        return str(status["reason"])
    screen = ((status.get("errorScreen") or {}).get("playerErrorMessageRenderer") or {}).get(
        "reason"
    ) or {}
    if screen.get("simpleText"):
        return str(screen["simpleText"])
    return "".join(str(run.get("text", "")) for run in screen.get("runs") or [])


def unplayable(status: dict[str, Any], http_status: int) -> Gone | None:
    """The playability status as a Gone, or None when the video plays."""
    state = str(status.get("status") or "OK")
    if state in _PLAYABLE:
        return None
    reason = _reason_text(status).strip()
    detail = f"YouTube says: {reason}" if reason else f"YouTube playability status {state}"
    lowered = reason.lower()
    for words, gone_reason in _REASON_WORDS:
        if any(word in lowered for word in words):
            return Gone(gone_reason, detail, http_status)
    fallback = Reason.LOGIN_REQUIRED if state == "LOGIN_REQUIRED" else Reason.NOT_FOUND
    return Gone(fallback, detail, http_status)


def _published(micro: dict[str, Any]) -> str | None:
    for key in ("publishDate", "uploadDate"):
        value = str(micro.get(key) or "").strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return value
        if value and (parsed := parse_iso_utc(value)):
            return parsed
    return None


def post_from_player(
    video: str, player: dict[str, Any], carry: Post | None, capture: Capture
) -> Post | None:
    """The record from a player response, completing ``carry`` (the oEmbed record)."""
    details = player.get("videoDetails") or {}
    if not details.get("videoId"):
        return None
    micro = (player.get("microformat") or {}).get("playerMicroformatRenderer") or {}
    author = carry.author if carry else Author()
    if not author.handle:
        author = _author_from_url(micro.get("ownerProfileUrl"), author.name)
    channel = details.get("channelId") or micro.get("externalChannelId") or author.id
    author = author.model_copy(
        update={
            "name": details.get("author") or author.name,
            "id": channel,
            "url": author.url or (f"{WEB}/channel/{channel}" if channel else None),
        }
    )
    title = clean_text(str(details.get("title") or "")) or (carry.title if carry else None)
    text = clean_text(str(details.get("shortDescription") or ""))
    thumbnails = (details.get("thumbnail") or {}).get("thumbnails") or []
    media = carry.media if carry and carry.media else []
    if not media and thumbnails and thumbnails[-1].get("url"):
        media = [Media(kind="photo", url=thumbnails[-1]["url"])]
    views = str(details.get("viewCount") or "")
    return Post(
        platform="youtube",
        post_id=video,
        url=watch_url(video),
        author=author,
        created_at=_published(micro),
        title=title,
        text=text,
        media=media,
        links=list(dict.fromkeys(url.rstrip(".,;:!?)") for url in _URL_IN_TEXT.findall(text))),
        hashtags=find_hashtags(f"{title or ''}\n{text}"),
        metrics={"views": int(views)} if views.isdigit() else {},
        capture=capture,
    )


class YouTubePlatform(Platform):
    name = "youtube"
    #: ``watch?v=<id>``.
    post_params: ClassVar[frozenset[str]] = frozenset({"v"})
    #: Share sheet (``si``, ``feature``, ``pp``), channel labels and embed referrers. A
    #: start time (``t``) or playlist (``list``) stays in a link: it changes what it shows.
    dropped_params: ClassVar[frozenset[str]] = frozenset(
        {"si", "feature", "pp", "ab_channel", "embeds_referring_euri", "source_ve_path"}
    )
    embed_rules: ClassVar[tuple[EmbedRule, ...]] = (
        EmbedRule(tag="iframe", attr="src", pattern=_EMBED_SRC, parse=parse_iframe),
        EmbedRule(tag="amp-youtube", attr="data-videoid", parse=parse_amp),
    )

    def match(self, url: str) -> PostRef | None:
        video = video_id(url)
        return PostRef("youtube", video, watch_url(video)) if video else None

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        query = urlencode({"url": watch_url(ref.post_id), "format": "json"})
        return Request(
            url=f"{endpoints.base('youtube')}/oembed?{query}",
            purpose="oembed",
            method="oembed",
            headers=(("accept", "application/json"),),
            fallback=self.watch_request(ref, endpoints, None),  # the page alone holds the video
        )

    def watch_request(self, ref: PostRef, endpoints: Endpoints, carry: Post | None) -> Request:
        return Request(
            url=f"{endpoints.base('youtube')}/watch?v={ref.post_id}",
            purpose="watch",
            method="page-meta",
            headers=(("accept-language", "en-US,en;q=0.8"),),
            browser=True,
            carry=carry,
        )

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        if response.request.purpose == "watch":
            return self._read_watch(ref, response)
        return self._read_oembed(ref, response, endpoints)

    def _read_oembed(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        status, body = response.status, response.text().strip()
        if body.lower() == "forbidden" and status in (200, 403):
            return Gone(Reason.PRIVATE, "YouTube oEmbed answered Forbidden: private video", status)
        if status == 200:
            data = response.json()
            if not isinstance(data, dict) or "title" not in data:
                raise ParseError("YouTube oEmbed JSON has no title")
            carry = post_from_oembed(ref.post_id, data, response.capture())
            return FollowUp(self.watch_request(ref, endpoints, carry))
        if status == 401:
            detail = (
                "YouTube oEmbed answered 401: embedding is disabled for this video "
                "(YouTube also answers 401 for some private videos)"
            )
            return Gone(Reason.EMBEDDING_DISABLED, detail, status)
        if status == 400:
            detail = "YouTube oEmbed answered 400 Bad Request: it knows no video with this id"
            return Gone(Reason.NOT_FOUND, detail, status)
        if status == 403:
            return Gone(Reason.PRIVATE, "YouTube oEmbed answered 403: private video", status)
        gone = gone_for_status(status, f"YouTube oEmbed answered {status}: deleted or unknown")
        if gone is None:
            raise ParseError(f"unexpected HTTP {status} from YouTube oEmbed")
        return gone

    def _read_watch(self, ref: PostRef, response: Response) -> Outcome:
        carry = response.request.carry
        status = response.status
        if status != 200:
            gone = gone_for_status(status, f"YouTube watch page answered {status}")
            if gone is not None:
                return gone
            raise ParseError(f"unexpected HTTP {status} from the YouTube watch page")
        player = player_response(response.text())
        gone = unplayable((player or {}).get("playabilityStatus") or {}, response.status)
        if gone is not None and not (gone.reason is Reason.BLOCKED and carry is not None):
            return gone
        post = None
        if player is not None and gone is None:
            post = post_from_player(ref.post_id, player, carry, response.capture())
        if post is not None:
            return Found(post)
        if carry is not None:
            return Found(carry)
        raise ParseError("YouTube watch page holds no ytInitialPlayerResponse")


PLATFORM = YouTubePlatform()
