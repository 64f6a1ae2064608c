"""Reddit's public ``.json`` thread listing read into records, and what says a post is gone.

Split from :mod:`archiver.platforms.reddit` (which owns URLs, embeds, flattened text and
the fetch steps) so each stays short. The listing is a ``[post listing, comment
listing]`` pair; deletions and removals show as ``[deleted]``/``[removed]`` bodies and
``removed_by_category``, while blocks and interstitials come back as HTML or redirects
that must never be read as a deletion.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from archiver.platforms.base import Gone, ParseError, Reason, Response, gone_for_status
from archiver.platforms.text import clean_text
from archiver.record import Author, Capture, Media, MediaKind, Post, from_epoch

WEB = "https://www.reddit.com"
REDDIT_HOST = re.compile(r"^(?:[a-z0-9-]+\.)*reddit\.com$")
URL_IN_TEXT = re.compile(r"https?://[^\s<>()\[\]\"']+")
_USER_MENTION = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})\b")
_BLOCK_MARKERS = (
    "whoa there, pardner",
    "blocked due to a network policy",
    "blocked by network security",
    "<title>blocked</title>",
)
_REMOVAL_DETAIL = {
    "deleted": "deleted by its author",
    "author": "deleted by its author",
    "moderator": "removed by moderators",
    "automod_filtered": "removed by moderators (AutoModerator)",
    "reddit": "removed by Reddit",
    "anti_evil_ops": "removed by Reddit",
    "community_ops": "removed by Reddit",
    "legal_operations": "removed by Reddit for legal reasons",
    "copyright_takedown": "removed by Reddit after a copyright notice",
    "content_takedown": "removed by Reddit",
}


def post_url(sub: str | None, post_id: str) -> str:
    return f"{WEB}/r/{sub}/comments/{post_id}/" if sub else f"{WEB}/comments/{post_id}/"


def comment_url(sub: str | None, post_id: str, comment_id: str) -> str:
    middle = "comment" if sub else "_"
    return f"{post_url(sub, post_id)}{middle}/{comment_id}/"


def _original_image(url: str) -> str:
    """``preview.redd.it`` resized copies → the ``i.redd.it`` original (query dropped)."""
    parts = urlsplit(url)
    if parts.hostname == "preview.redd.it":
        return f"https://i.redd.it{parts.path}"
    return url


def _gallery_media(data: dict[str, Any]) -> list[Media]:
    metadata = data.get("media_metadata") or {}
    media: list[Media] = []
    for item in (data.get("gallery_data") or {}).get("items") or []:
        meta = metadata.get(item.get("media_id")) or {}
        if meta.get("status") != "valid":
            continue
        source = meta.get("s") or {}
        caption = item.get("caption") or None
        animation = source.get("gif") or source.get("mp4")
        if meta.get("e") == "AnimatedImage" and animation:
            media.append(Media(kind="gif", url=_original_image(animation), alt=caption))
        elif meta.get("e") == "RedditVideo" and (meta.get("hlsUrl") or meta.get("dashUrl")):
            media.append(Media(kind="video", url=meta.get("hlsUrl") or meta["dashUrl"]))
        elif source.get("u"):
            media.append(Media(kind="photo", url=_original_image(source["u"]), alt=caption))
    return media


def _media(data: dict[str, Any]) -> list[Media]:
    if data.get("gallery_data"):
        return _gallery_media(data)
    video = (data.get("secure_media") or data.get("media") or {}).get("reddit_video") or {}
    if video.get("fallback_url"):
        return [Media(kind="video", url=video["fallback_url"])]
    target = _target(data)
    if urlsplit(target).hostname == "i.redd.it":
        kind: MediaKind = "gif" if target.lower().endswith(".gif") else "photo"
        return [Media(kind=kind, url=target)]
    images = (data.get("preview") or {}).get("images") or []
    return [
        Media(kind="photo", url=image["source"]["url"])
        for image in images
        if (image.get("source") or {}).get("url")
    ]


def _target(data: dict[str, Any]) -> str:
    """Where a link post points: ``url_overridden_by_dest``, or ``url`` in older answers
    that lack it (for a self post, ``url`` is its own permalink, which callers skip)."""
    return str(data.get("url_overridden_by_dest") or data.get("url") or "")


def _links(data: dict[str, Any], text: str) -> list[str]:
    links: list[str] = []
    target = _target(data)
    if not data.get("is_self") and target and not data.get("crosspost_parent"):
        host = (urlsplit(target).hostname or "").lower()
        if host not in ("i.redd.it", "v.redd.it") and not REDDIT_HOST.match(host):
            links.append(target)
    for url in URL_IN_TEXT.findall(text):
        url = url.rstrip(".,;:!?*_~")
        if url not in links:
            links.append(url)
    return links


def _mentions(text: str) -> list[str]:
    return list(dict.fromkeys(_USER_MENTION.findall(text)))


def _author(data: dict[str, Any]) -> Author:
    name = data.get("author")
    if not name or name == "[deleted]":
        return Author()
    return Author(handle=name, id=data.get("author_fullname"), url=f"{WEB}/user/{name}/")


def _metrics(data: dict[str, Any], *names: tuple[str, str]) -> dict[str, int]:
    return {key: int(data[field]) for key, field in names if isinstance(data.get(field), int)}


def _crosspost_url(data: dict[str, Any]) -> list[str]:
    parent = data.get("crosspost_parent")
    if not parent:
        return []
    for source in data.get("crosspost_parent_list") or []:
        if source.get("name") == parent:
            return [post_url(source.get("subreddit"), source["id"])]
    return [post_url(None, str(parent).removeprefix("t3_"))]


def post_from_json(data: dict[str, Any], capture: Capture) -> Post:
    text = clean_text(data.get("selftext") or "")
    return Post(
        platform="reddit",
        post_id=data["id"],
        url=post_url(data.get("subreddit"), data["id"]),
        author=_author(data),
        created_at=from_epoch(data["created_utc"]),
        title=clean_text(data.get("title") or "") or None,
        text=text,
        media=_media(data),
        links=_links(data, text),
        mentions=_mentions(text),
        quotes=_crosspost_url(data),
        metrics=_metrics(data, ("score", "score"), ("comments", "num_comments")),
        capture=capture,
    )


def comment_from_json(data: dict[str, Any], capture: Capture) -> Post:
    sub, post_id = data.get("subreddit"), str(data.get("link_id", "")).removeprefix("t3_")
    parent = str(data.get("parent_id") or "")
    if parent.startswith("t1_"):
        in_reply_to = comment_url(sub, post_id, parent.removeprefix("t1_"))
    else:
        in_reply_to = post_url(sub, post_id)
    text = clean_text(data.get("body") or "")
    return Post(
        platform="reddit",
        post_id=data["id"],
        url=comment_url(sub, post_id, data["id"]),
        author=_author(data),
        created_at=from_epoch(data["created_utc"]),
        text=text,
        links=_links({"is_self": True}, text),
        mentions=_mentions(text),
        in_reply_to=in_reply_to,
        metrics=_metrics(data, ("score", "score")),
        capture=capture,
    )


def withdrawn(data: dict[str, Any], body_field: str, status: int) -> Gone | None:
    """Deleted-by-author or removed-by-moderators markers in a post or comment."""
    body = data.get(body_field)
    category = data.get("removed_by_category")
    if (body == "[deleted]" and data.get("author") == "[deleted]") or category in (
        "deleted",
        "author",
    ):
        return Gone(Reason.DELETED, "deleted by its author", status)
    if body == "[removed]" or category:
        detail = _REMOVAL_DETAIL.get(str(category), "removed by moderators")
        return Gone(Reason.DELETED, detail, status)
    return None


def find_comment(listing: Any, comment_id: str) -> dict[str, Any] | None:
    if not isinstance(listing, dict):
        return None
    for child in (listing.get("data") or {}).get("children") or []:
        data = child.get("data") or {}
        if child.get("kind") == "t1" and data.get("id") == comment_id:
            return data
        found = find_comment(data.get("replies"), comment_id)
        if found is not None:
            return found
    return None


def thread_post(payload: Any) -> dict[str, Any]:
    try:
        child = payload[0]["data"]["children"][0]
    except (KeyError, IndexError, TypeError) as exc:
        raise ParseError("Reddit .json is not a [post listing, comment listing] pair") from exc
    if child.get("kind") != "t3" or "id" not in child.get("data", {}):
        raise ParseError("Reddit .json listing does not start with a t3 post")
    return child["data"]


def refusal_gone(response: Response) -> Gone | None:
    """Blocks, interstitials and error answers (anything that is not a thread)."""
    status, page = response.status, response.text()[:20000].lstrip()
    is_html = page.startswith("<")
    if is_html and any(marker in page.lower() for marker in _BLOCK_MARKERS):
        detail = "Reddit blocked this request (network policy); this is not a deletion"
        return Gone(Reason.BLOCKED, detail, status)
    path = urlsplit(response.url).path
    if path.startswith("/over18"):
        return Gone(Reason.AGE_RESTRICTED, "Reddit asks to confirm age (NSFW)", status)
    if path.startswith("/login"):
        return Gone(Reason.LOGIN_REQUIRED, "Reddit redirected to its login page", status)
    if status == 200:
        return None
    try:
        payload = response.json()
    except ParseError:
        payload = {}
    reason = str(payload.get("reason", "")) if isinstance(payload, dict) else ""
    if reason in ("private", "gold_only"):
        return Gone(Reason.PRIVATE, f"the subreddit is private ({reason})", status)
    if reason == "quarantined":
        detail = "quarantined subreddit: only logged-in accounts that opt in may view it"
        return Gone(Reason.LOGIN_REQUIRED, detail, status)
    if reason == "banned":
        return Gone(Reason.SUSPENDED, "the subreddit is banned", status)
    gone = gone_for_status(status, f"Reddit answered HTTP {status}")
    if gone is None:
        raise ParseError(f"unexpected HTTP {status} from Reddit")
    return gone
