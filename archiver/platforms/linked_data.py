"""JSON-LD (schema.org) as pages embed it, reduced to the one node that describes the post.

Pages write JSON-LD carelessly: an object, an array, an ``@graph`` of nodes linked by
``@id``, values that are a string here and a list of objects there, HTML comments or
CDATA around the script, raw newlines inside strings. Every reader of it needs the same
tolerance, so it lives here once; anything unreadable is simply absent, never an error.

Mastodon emits ``SocialMediaPosting`` and Bluesky ``DiscussionForumPosting`` (see
platforms.md §11); blogs and newspapers emit ``Article`` and its kin.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from archiver.platforms.text import html_fragment_text
from archiver.record import Media, MediaKind, parse_iso_utc

POSTING_TYPES = frozenset({"SocialMediaPosting", "DiscussionForumPosting"})
ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "BlogPosting",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "LiveBlogPosting",
        "TechArticle",
        "ScholarlyArticle",
    }
)
#: schema.org interaction types → the record's metric names.
_METRIC_ACTIONS = {
    "LikeAction": "likes",
    "ShareAction": "reposts",
    "ReplyAction": "replies",
    "CommentAction": "replies",
    "ViewAction": "views",
    "WatchAction": "views",
}
_MAX_DEPTH = 8
_DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:$|[T ])")
_COUNT = re.compile(r"^\d[\d,.\u202f ]*$")


@dataclass(frozen=True)
class LinkedData:
    """The JSON-LD node that describes the page's post or article."""

    type: str
    url: str | None = None
    headline: str | None = None
    #: ``text`` or ``articleBody``, as plain text.
    text: str | None = None
    published: str | None = None
    author_name: str | None = None
    author_handle: str | None = None
    author_id: str | None = None
    author_url: str | None = None
    lang: str | None = None
    media: tuple[Media, ...] = ()
    #: ``sharedContent`` URLs (Mastodon's link preview card).
    links: tuple[str, ...] = ()
    metrics: tuple[tuple[str, int], ...] = ()

    @property
    def is_posting(self) -> bool:
        return self.type in POSTING_TYPES


def choose_linked_data(scripts: Iterable[str]) -> LinkedData | None:
    """The first posting node in the page's JSON-LD scripts, else the first article node."""
    nodes: list[dict[str, Any]] = []
    for script in scripts:
        _collect(_load_json(script), nodes, 0)
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    for wanted in (POSTING_TYPES, ARTICLE_TYPES):
        for node in nodes:
            found = wanted.intersection(_types(node))
            if found:
                return _read_node(node, min(found), by_id)
    return None


def _read_node(node: dict[str, Any], kind: str, by_id: dict[str, Any]) -> LinkedData:
    author = _first(node.get("author"))
    if isinstance(author, dict) and set(author) <= {"@id", "@type"}:
        author = by_id.get(str(author.get("@id")), author)
    if not isinstance(author, dict):
        author = {"name": author} if isinstance(author, str) else {}
    handle = (string(author.get("alternateName")) or "").lstrip("@") or None
    identifier = (string(author.get("identifier")) or "").lstrip("@") or None
    text = string(node.get("text")) or string(node.get("articleBody"))
    page = _first(node.get("mainEntityOfPage"))
    url = string(node.get("url")) or string(page.get("@id") if isinstance(page, dict) else page)
    shared = [string(item.get("url")) for item in _list(node.get("sharedContent"))]
    return LinkedData(
        type=kind,
        url=url if url and is_web_url(url) else None,
        headline=string(node.get("headline")) or string(node.get("name")),
        text=(html_fragment_text(text) or None) if text else None,
        published=record_date(string(node.get("datePublished"))),
        author_name=string(author.get("name")),
        author_handle=handle,
        author_id=identifier if identifier != handle else None,
        author_url=string(author.get("url")),
        lang=string(node.get("inLanguage")),
        media=tuple(
            _media(node.get("image"), "photo")
            + _media(node.get("video"), "video")
            + _media(node.get("audio"), "audio")
        ),
        links=tuple(dict.fromkeys(link for link in shared if link and is_web_url(link))),
        metrics=tuple(_metrics(node.get("interactionStatistic")).items()),
    )


def _load_json(script: str) -> Any:
    text = script.strip()
    for junk in ("<!--", "//<![CDATA[", "<![CDATA["):
        text = text.removeprefix(junk)
    for junk in ("-->", "//]]>", "]]>"):
        text = text.removesuffix(junk)
    try:
        return json.loads(text, strict=False)
    except (ValueError, RecursionError):
        return None


def _collect(data: Any, nodes: list[dict[str, Any]], depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            _collect(item, nodes, depth + 1)
    elif isinstance(data, dict):
        nodes.append(data)
        _collect(data.get("@graph"), nodes, depth + 1)
        _collect(data.get("mainEntity"), nodes, depth + 1)


def _types(node: dict[str, Any]) -> set[str]:
    names = _list(node.get("@type"))
    return {n.rsplit("/", 1)[-1].removeprefix("schema:") for n in names if isinstance(n, str)}


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def string(value: Any) -> str | None:
    """A JSON value as a non-empty stripped string (the first, if it is a list)."""
    value = _first(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _media(value: Any, kind: MediaKind) -> list[Media]:
    found: list[Media] = []
    for item in _list(value):
        url: str | None = item if isinstance(item, str) else None
        alt: str | None = None
        if isinstance(item, dict):
            url = string(item.get("contentUrl")) or string(item.get("url"))
            alt = string(item.get("description")) or string(item.get("caption"))
        if url and is_web_url(url):
            found.append(Media(kind=kind, url=url.strip(), alt=alt))
    return found


def _metrics(value: Any) -> dict[str, int]:
    metrics: dict[str, int] = {}
    for counter in _list(value):
        if not isinstance(counter, dict):
            continue
        action = counter.get("interactionType")
        if isinstance(action, dict):
            action = action.get("@type")
        name = _METRIC_ACTIONS.get(str(action).rstrip("/").rsplit("/", 1)[-1])
        count = parse_count(counter.get("userInteractionCount"))
        if name and count is not None:
            metrics[name] = metrics.get(name, 0) + count
    return metrics


def parse_count(value: Any) -> int | None:
    """A displayed or JSON count (``12``, ``"1,234"``) as an int; anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and _COUNT.match(value.strip()):
        return int(re.sub(r"\D", "", value))
    return None


def record_date(value: str | None) -> str | None:
    """A page's timestamp in record form; a time without a zone keeps only its date."""
    if not value:
        return None
    value = value.strip()
    try:
        exact = parse_iso_utc(value)
        if exact:
            return exact
        day = _DATE_PREFIX.match(value)
        return date.fromisoformat(day.group(1)).isoformat() if day else None
    except (ValueError, OverflowError):
        return None


def is_web_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False
