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
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, NamedTuple
from urllib.parse import urlsplit

from bs4 import Tag

from archiver.config import Endpoints
from archiver.html_text import clean_text, element_text
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
from archiver.record import Author, Capture, Media, Post, from_epoch

WEB = "https://www.reddit.com"
_REDDIT_HOST = re.compile(r"^(?:[a-z0-9-]+\.)*reddit\.com$")
_THREAD_PATH = re.compile(
    r"^/(?:(?P<kind>r|user|u)/(?P<owner>[A-Za-z0-9_-]+)/)?comments/(?P<post>[a-z0-9]{2,13})"
    r"(?:/[^/]*(?:/(?P<comment>[a-z0-9]{2,13}))?)?/?$",
    re.IGNORECASE,
)
_GALLERY_PATH = re.compile(r"^/gallery/(?P<post>[a-z0-9]{2,13})/?$", re.IGNORECASE)
_SHORT_PATH = re.compile(r"^/(?P<post>[a-z0-9]{2,13})/?$", re.IGNORECASE)
_SHARE_PATH = re.compile(r"^/r/[A-Za-z0-9_]+/s/[A-Za-z0-9]+/?$")
_USER_PATH = re.compile(r"^/(?:user|u)/(?P<name>[A-Za-z0-9_-]+)/?$", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"https?://[^\s<>()\[\]\"']+")
_USER_MENTION = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})\b")
_FLATTENED = re.compile(
    r"^(?P<head>[^\n]+)\n[ \t]*by[ \t]+(?P<by>\S+)"
    r"(?:[ \t]+from discussion[ \t]+[^\n]+?)?(?:\n[ \t]*|[ \t]+)in[ \t]+\S+[ \t]*$",
    re.MULTILINE,
)
_MARKDOWN_LINK = re.compile(r"^\[(?P<text>.*)\]\((?P<url>[^)\s]+)\)$")
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
    if not _REDDIT_HOST.match(host):
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
    if path and _REDDIT_HOST.match((urlsplit(href).hostname or "").lower()):
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


def flattened_posts(text: str, capture: Capture) -> list[Post]:
    """Flattened embeds whose title line kept its permalink (e.g. markdown)."""
    posts: list[Post] = []
    for found in _FLATTENED.finditer(text):
        head = found["head"].strip()
        link = _MARKDOWN_LINK.match(head)
        urls = [link["url"]] if link else _URL_IN_TEXT.findall(head)
        target = next((url for url in urls if _thread_of(url) is not None), None)
        if target is None:
            continue
        title = link["text"] if link else head.replace(target, "").strip(" <>()-–—")
        handle = re.search(r"u/([A-Za-z0-9_-]+)", found["by"])
        record = _embed_record(target, clean_text(title), handle and handle.group(1), capture)
        if record is not None:
            posts.append(record)
    return posts


# --- the .json view ------------------------------------------------------------------


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
    target = data.get("url_overridden_by_dest") or data.get("url") or ""
    if urlsplit(target).hostname == "i.redd.it":
        kind = "gif" if target.lower().endswith(".gif") else "photo"
        return [Media(kind=kind, url=target)]
    images = (data.get("preview") or {}).get("images") or []
    return [
        Media(kind="photo", url=image["source"]["url"])
        for image in images
        if (image.get("source") or {}).get("url")
    ]


def _links(data: dict[str, Any], text: str) -> list[str]:
    links: list[str] = []
    target = data.get("url_overridden_by_dest") or ""
    if not data.get("is_self") and target and not data.get("crosspost_parent"):
        host = (urlsplit(target).hostname or "").lower()
        if host not in ("i.redd.it", "v.redd.it") and not _REDDIT_HOST.match(host):
            links.append(target)
    for url in _URL_IN_TEXT.findall(text):
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


def _withdrawn(data: dict[str, Any], body_field: str, status: int) -> Gone | None:
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


def _find_comment(listing: Any, comment_id: str) -> dict[str, Any] | None:
    if not isinstance(listing, dict):
        return None
    for child in (listing.get("data") or {}).get("children") or []:
        data = child.get("data") or {}
        if child.get("kind") == "t1" and data.get("id") == comment_id:
            return data
        found = _find_comment(data.get("replies"), comment_id)
        if found is not None:
            return found
    return None


def _thread_post(payload: Any) -> dict[str, Any]:
    try:
        child = payload[0]["data"]["children"][0]
    except (KeyError, IndexError, TypeError) as exc:
        raise ParseError("Reddit .json is not a [post listing, comment listing] pair") from exc
    if child.get("kind") != "t3" or "id" not in child.get("data", {}):
        raise ParseError("Reddit .json listing does not start with a t3 post")
    return child["data"]


def _refusal(response: Response) -> Gone | None:
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


class RedditPlatform(Platform):
    name = "reddit"
    embed_rules: ClassVar[tuple[EmbedRule, ...]] = (
        EmbedRule(
            tag="blockquote",
            classes=frozenset({"reddit-embed-bq", "reddit-card"}),
            parse=parse_embed,
        ),
        EmbedRule(tag="div", classes=frozenset({"reddit-embed"}), parse=parse_embed),
    )
    short_link_hosts: ClassVar[frozenset[str]] = frozenset({"redd.it"})

    def is_short_link(self, url: str) -> bool:
        host = (urlsplit(url.strip()).hostname or "").lower()
        if host == "redd.it":
            return True
        return bool(_REDDIT_HOST.match(host) and _SHARE_PATH.match(urlsplit(url.strip()).path))

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
        refusal = _refusal(response)
        if refusal is not None:
            return refusal
        payload = response.json()
        if isinstance(payload, dict) and payload.get("error") == 404:
            return Gone(Reason.NOT_FOUND, "Reddit answered error 404", response.status)
        post = _thread_post(payload)
        if response.request.purpose != "comment":
            return _withdrawn(post, "selftext", response.status) or Found(
                post_from_json(post, response.capture())
            )
        _post_id, comment_id = _ref_parts(ref)
        comment = _find_comment(payload[1] if len(payload) > 1 else None, comment_id or "")
        if comment is None:
            return Gone(Reason.NOT_FOUND, "the comment is not in its thread", response.status)
        return _withdrawn(comment, "body", response.status) or Found(
            comment_from_json(comment, response.capture())
        )


PLATFORM = RedditPlatform()
