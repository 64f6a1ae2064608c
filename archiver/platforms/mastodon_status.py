"""Mastodon's REST ``Status`` read into the record, and the instance a URL names.

Split from :mod:`archiver.platforms.mastodon` (which owns URL shapes, embeds,
flattened text, the fetch steps and the ActivityPub fallback) so each stays short.
Ids are instance-local, so every URL and id is built from the :class:`Site` the post
lives on. The status answer's 404 is the same for deleted, private and never-existing
posts, so only 410 reads as DELETED; a 401 means the instance wants a token, and the
post is then asked for as an ActivityPub object instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from archiver.platforms.activitypub import activitypub_request, content_parts, unique
from archiver.platforms.base import (
    FollowUp,
    Found,
    Gone,
    Outcome,
    ParseError,
    PostRef,
    Reason,
    Response,
    gone_for_status,
)
from archiver.record import Author, Capture, Media, MediaKind, Post, parse_iso_utc

_MEDIA_KINDS: dict[str, MediaKind] = {
    "image": "photo", "gifv": "gif", "video": "video", "audio": "audio",
}  # fmt: skip


@dataclass(frozen=True)
class Site:
    """An instance as seen in a URL: scheme, ``host[:port]`` and bare host for handles."""

    scheme: str
    netloc: str
    host: str

    @classmethod
    def of(cls, url: str) -> Site | None:
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


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def site_of(ref: PostRef) -> Site:
    site = Site.of(ref.url)
    if site is None:
        raise ParseError(f"not a fediverse post URL: {ref.url}")
    return site


def read_status(ref: PostRef, response: Response) -> Outcome:
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
    return Found(status_post(body, site_of(ref), response.capture()))


def _error_text(response: Response) -> str | None:
    try:
        body = response.json()
    except ParseError:
        return None
    return str(body["error"]) if isinstance(body, dict) and body.get("error") else None


def status_post(status: dict[str, Any], site: Site, capture: Capture) -> Post:
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


def _reply_url(status: dict[str, Any], site: Site) -> str | None:
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


def _quote_url(status: dict[str, Any], site: Site) -> str | None:
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
