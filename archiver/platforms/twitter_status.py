"""X statuses without HTML: ids, URLs and the syndication endpoint's JSON.

Split from :mod:`archiver.platforms.twitter` (which owns embeds, flattened text and the
fetch steps) so each stays short. A status id is a snowflake that dates the post; the
syndication answer is the richest no-login view of a post, and its tombstones say why
a post is hidden.
"""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from archiver.platforms.base import Gone, PostRef, Reason
from archiver.platforms.text import clean_text
from archiver.platforms.urls import host_of
from archiver.record import Author, Capture, Media, MediaKind, Post, parse_iso_utc

_HOST = re.compile(
    r"^(?:(?:www|mobile|m)\.)?(?:twitter|x)\.com$"
    r"|^(?:(?:d|dl|t|i|g|m|o)\.)?(?:fxtwitter|vxtwitter|fixupx|fixvx|twittpr)\.com$"
)
_STATUS_PATH = re.compile(
    r"^/(?:i/web|(?P<handle>[A-Za-z0-9_]{1,15}))/status(?:es)?/(?P<id>\d{1,20})(?:/.*)?$"
)


#: Snowflake epoch (2010-11-04T01:42:54.657Z). Ids before snowflakes were sequential
#: and stayed below ~3e10; anything from 1e11 up decodes to a real creation time.
_TWEPOCH_MS = 1288834974657
#: The syndication API's ``mediaDetails[].type`` as the record's media kind.
_MEDIA_KINDS: dict[str, MediaKind] = {"photo": "photo", "video": "video", "animated_gif": "gif"}
_FIRST_SNOWFLAKE = 10**11
_RADIX_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
#: Up to here ``time.gmtime`` formats the same four-digit years as ``datetime``, faster.
_YEAR_10000 = 253402300800


def snowflake_time(status_id: str) -> str | None:
    """Creation time a status id encodes, as UTC ``...Z`` with milliseconds; None if pre-2010."""
    number = int(status_id) if status_id.isdigit() else 0
    if number < _FIRST_SNOWFLAKE:
        return None
    ms = (number >> 22) + _TWEPOCH_MS
    seconds, millis = divmod(ms, 1000)
    if seconds < _YEAR_10000:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{millis:03d}Z"


def syndication_token(status_id: str) -> str:
    """The token X's embed code sends: ``(id / 1e15 * π)`` in JavaScript's base 36,
    without zeros or the point. Reproduces V8's float-to-radix digits exactly."""
    value = float(int(status_id)) / 1e15 * math.pi
    return _js_base36(value).replace("0", "").replace(".", "")


def _js_base36(value: float) -> str:
    integer = math.floor(value)
    fraction = value - integer
    delta = max(0.5 * (math.nextafter(value, math.inf) - value), math.nextafter(0.0, 1.0))
    digits: list[int] = []
    while fraction >= delta:
        fraction *= 36
        delta *= 36
        digit = int(fraction)
        digits.append(digit)
        fraction -= digit
        if (fraction > 0.5 or (fraction == 0.5 and digit & 1)) and fraction + delta > 1:
            while digits and digits[-1] == 35:
                digits.pop()
            if digits:
                digits[-1] += 1
            else:
                integer += 1
            break
    whole, head = int(integer), ""
    while True:
        whole, rest = divmod(whole, 36)
        head = _RADIX_DIGITS[rest] + head
        if not whole:
            break
    tail = "".join(_RADIX_DIGITS[digit] for digit in digits)
    return head + ("." + tail if tail else "")


def status_url(handle: str | None, status_id: str) -> str:
    return f"https://x.com/{handle or 'i'}/status/{status_id}"


def profile_url(handle: str | None) -> str | None:
    return f"https://x.com/{handle}" if handle else None


#: The plain shape of almost every status link (``https://twitter.com/<handle>/status/<id>``,
#: any query or fragment): read without ``urlsplit``, which costs several times more
#: and gives the same parts for these. Anything else takes the general path below.
_PLAIN_STATUS = re.compile(
    r"https?://(?:(?:www|mobile|m)\.)?(?:twitter|x)\.com"
    r"/(?:i/web|(?P<handle>[A-Za-z0-9_]{1,15}))/status(?:es)?/(?P<id>\d{1,20})"
    r"(?:/[^?#\t\r\n]*)?(?:\?[^#\t\r\n]*)?(?:#[^\t\r\n]*)?"
)


def match_status(url: str) -> PostRef | None:
    """The X post a URL points at (any host, mirror or widget form), or None."""
    url = url.strip()
    plain = _PLAIN_STATUS.fullmatch(url)
    if plain is not None:
        return _status_ref(plain.group("handle"), plain.group("id"))
    if "://" not in url:
        url = "https://" + url.lstrip("/")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host == "platform.twitter.com" and parts.path.startswith("/embed/"):
        ids = parse_qs(parts.query).get("id", [])
        if ids and ids[0].isdigit():
            return PostRef("twitter", ids[0], status_url(None, ids[0]))
        return None
    if not _HOST.match(host):
        return None
    found = _STATUS_PATH.match(parts.path)
    if found is None:
        return None
    return _status_ref(found.group("handle"), found.group("id"))


def _status_ref(handle: str | None, digits: str) -> PostRef:
    handle = None if handle in (None, "i") else handle
    status_id = digits.lstrip("0") or "0"
    return PostRef("twitter", status_id, status_url(handle, status_id), handle)


def sort_links(urls: list[str]) -> tuple[list[str], list[str]]:
    """Split URLs into plain links and quoted X posts (as canonical URLs), each once."""
    links: list[str] = []
    quotes: list[str] = []
    for url in urls:
        if host_of(url) == "t.co":
            continue  # an unexpanded short link says nothing the text does not
        ref = match_status(url)
        target, bucket = (ref.url, quotes) if ref else (url, links)
        if target not in bucket:
            bucket.append(target)
    return links, quotes


_METRICS = (
    ("likes", "favorite_count"),
    ("replies", "conversation_count"),
    ("reposts", "retweet_count"),
    ("quotes", "quote_count"),
)
_UNAVAILABLE = {
    "Protected": Reason.PRIVATE,
    "Suspended": Reason.SUSPENDED,
    "NsfwLoggedOut": Reason.AGE_RESTRICTED,
    "NsfwViewerHasNoStatedAge": Reason.AGE_RESTRICTED,
    "NsfwViewerIsUnderage": Reason.AGE_RESTRICTED,
    "Withheld": Reason.REGION_LOCKED,
}
#: Tombstone texts are localized prose; requested with lang=en, these phrases decide.
_TOMBSTONE_PHRASES: tuple[tuple[str, Reason], ...] = (
    ("suspended", Reason.SUSPENDED),
    ("withheld", Reason.REGION_LOCKED),
    ("age-restricted", Reason.AGE_RESTRICTED),
    ("adult content", Reason.AGE_RESTRICTED),
    ("under 18", Reason.AGE_RESTRICTED),
    ("limits who can view", Reason.PRIVATE),
    ("protected", Reason.PRIVATE),
    ("private", Reason.PRIVATE),
    ("deleted", Reason.DELETED),
    ("no longer exists", Reason.DELETED),
    ("violated", Reason.BLOCKED),
)


def tombstone_gone(data: dict[str, Any]) -> Gone:
    """Why a ``TweetTombstone`` hides its post, read from its (English) text."""
    tombstone = data.get("tombstone") or {}
    text = str(((tombstone.get("text") or {}).get("text")) or "").strip()
    lowered = text.lower().replace("’", "'")
    for phrase, reason in _TOMBSTONE_PHRASES:
        if phrase in lowered:
            return Gone(reason, f"X: {text}", 200)
    return Gone(Reason.NOT_FOUND, f"X: {text or 'post unavailable'}", 200)


def _tweet_text(data: dict[str, Any]) -> str:
    """``text`` with t.co links expanded and media links dropped.

    ``display_text_range`` ends before trailing media (and quote) links; its end is used
    only when what lies past it is nothing but t.co links, so the result stays right
    whether offsets count the HTML-escaped or the unescaped text. Leading reply
    mentions are kept, as embeds show them.
    """
    raw = str(data.get("text") or "")
    entities = data.get("entities") or {}
    urls = [e for e in entities.get("urls") or [] if e.get("url")]
    media_urls = [e["url"] for e in entities.get("media") or [] if e.get("url")]
    shown = data.get("display_text_range")
    if isinstance(shown, list) and len(shown) == 2 and isinstance(shown[1], int):
        points = list(raw)
        tail = "".join(points[shown[1] :])
        for url in media_urls + [e["url"] for e in urls]:
            tail = _replace_url(tail, url, "")
        if not tail.strip():
            raw = "".join(points[: shown[1]])
    for entity in urls:
        raw = _replace_url(raw, entity["url"], entity.get("expanded_url") or entity["url"])
    for url in media_urls:
        raw = _replace_url(raw, url, "")
    return clean_text(raw)


def _replace_url(text: str, url: str, replacement: str) -> str:
    return re.sub(re.escape(url) + r"(?![A-Za-z0-9])", lambda _: replacement, text)


def _tweet_media(data: dict[str, Any]) -> list[Media]:
    media: list[Media] = []
    for item in data.get("mediaDetails") or []:
        kind = _MEDIA_KINDS.get(str(item.get("type")), "unknown")
        poster = str(item.get("media_url_https") or "")
        if kind == "photo":
            url = _original_photo(poster)
        else:
            variants = (item.get("video_info") or {}).get("variants") or []
            mp4 = [v for v in variants if v.get("content_type") == "video/mp4" and v.get("url")]
            best = max(mp4, key=lambda v: v.get("bitrate") or 0) if mp4 else None
            url = (
                best["url"] if best else next((v["url"] for v in variants if v.get("url")), poster)
            )
        if url:
            media.append(Media(kind=kind, url=url, alt=item.get("ext_alt_text") or None))
    if not media:
        media = [
            Media(kind="photo", url=p["url"]) for p in data.get("photos") or [] if p.get("url")
        ]
    return media


def _original_photo(url: str) -> str:
    """``…/media/ABC.jpg`` → ``…/media/ABC?format=jpg&name=orig`` (the full-size file)."""
    found = re.match(r"^(https://pbs\.twimg\.com/[^?]+)\.(\w+)$", url)
    return f"{found.group(1)}?format={found.group(2)}&name=orig" if found else url


def _reply_url(data: dict[str, Any]) -> str | None:
    parent_id = data.get("in_reply_to_status_id_str")
    if not parent_id:
        return None
    handle = data.get("in_reply_to_screen_name") or (
        ((data.get("parent") or {}).get("user") or {}).get("screen_name")
    )
    return status_url(handle, str(parent_id))


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(str(item) for item in items if item))


def unavailable_gone(data: dict[str, Any]) -> Gone:
    """A ``TweetUnavailable`` answer, whose ``reason`` is a code."""
    reason = _UNAVAILABLE.get(str(data.get("reason")), Reason.NOT_FOUND)
    return Gone(reason, f"X: post unavailable ({data.get('reason')})", 200)


def tweet_post(data: dict[str, Any], capture: Capture) -> Post:
    """The record of a syndication ``Tweet`` object."""
    user = data.get("user") or {}
    handle = user.get("screen_name") or None
    status_id = str(data["id_str"])
    entities = data.get("entities") or {}
    quoted = data.get("quoted_tweet") or {}
    quotes = []
    if quoted.get("id_str"):
        quotes.append(status_url((quoted.get("user") or {}).get("screen_name"), quoted["id_str"]))
    links: list[str] = []
    for entity in entities.get("urls") or []:
        expanded = entity.get("expanded_url") or entity.get("url")
        ref = match_status(expanded) if expanded else None
        if ref is not None and ref.post_id in (status_id, str(quoted.get("id_str"))):
            continue  # the quoted post, or the "show more" link to this very post
        if expanded and expanded not in links:
            links.append(expanded)
    metrics = {name: data[key] for name, key in _METRICS if isinstance(data.get(key), int)}
    return Post(
        platform="twitter",
        post_id=status_id,
        url=status_url(handle, status_id),
        author=Author(
            name=user.get("name") or None,
            handle=handle,
            id=user.get("id_str") or None,
            url=profile_url(handle),
        ),
        created_at=snowflake_time(status_id) or parse_iso_utc(str(data.get("created_at"))),
        text=_tweet_text(data),
        text_truncated=bool(data.get("note_tweet")),
        lang=data.get("lang") or None,
        media=_tweet_media(data),
        links=links,
        hashtags=_unique(tag.get("text") for tag in entities.get("hashtags") or []),
        mentions=_unique(m.get("screen_name") for m in entities.get("user_mentions") or []),
        in_reply_to=_reply_url(data),
        quotes=quotes,
        metrics=metrics,
        capture=capture,
    )
