"""What Instagram, Facebook and Threads share: Meta's oEmbed answers and Meta handles.

The three platforms are fetched live through Meta's oEmbed endpoints, which need no
token since 2026-06-15 and, since 2025-11-03, return only ``html``: the same embed
markup articles paste. So a live fetch is read by handing that html to the platform's
own embed parser, while the ways Meta says "no" (Graph API error JSON, a redirect to a
login page, a "page isn't available" page) are read here, once, for all three.

The Graph error texts for oEmbed are not documented, so they are read by their words;
an error this module cannot place is archiver's failure (``ParseError``), never a
claim that the post is gone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from bs4 import BeautifulSoup, Tag

from archiver.platforms.base import (
    Found,
    Gone,
    Outcome,
    ParseError,
    PostRef,
    Reason,
    Request,
    Response,
    gone_for_status,
)
from archiver.platforms.text import element_text
from archiver.record import Capture, Post

#: Finds the platform's embed in a parsed oEmbed ``html`` and reads it (None: no embed).
HtmlReader = Callable[[Tag, Capture], Post | None]

# Instagram and Threads usernames: letters, digits, "_" and "."; at most 30 characters.
_HANDLE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)")
_LOGIN_PATH = re.compile(r"/(?:accounts/login|login(?:\.php)?)(?:[/?]|$)")

#: Page-level texts Meta shows instead of a post, and what they mean.
GONE_PAGE_TEXTS: tuple[tuple[str, Reason], ...] = (
    ("this account is private", Reason.PRIVATE),
    ("sorry, this page isn't available", Reason.NOT_FOUND),
    ("this content isn't available right now", Reason.NOT_FOUND),
    ("the link you followed may be broken", Reason.NOT_FOUND),
)

# Graph API codes for throttling (app, user, page, per-API) and for a bad/missing token.
_RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
_TOKEN_CODES = frozenset({102, 104, 190})
# Graph's "permission denied" codes (10, 200-299; 3 for a missing capability): the
# calling app may lack a permission or a reviewed feature, so they say nothing about the
# post unless their words name its own state ("private account", "turned off embedding").
_PERMISSION_CODES = frozenset({3, 10, *range(200, 300)})
_PERMISSION_WORDS = re.compile(r"\bpermissions?\b")
_GEO = re.compile(r"\bgeo|\bcountry\b|\bregion\b|\blocation\b")
_LOGIN_LIFTS = re.compile(r"\bprivate\b|\bage[- ]|\binactive\b")
_MISSING = re.compile(
    r"not found|(?:could|can)(?:not|n't) be found|do(?:es)?(?: not|n't) exist|deleted|removed"
)
_UNAVAILABLE = re.compile(r"(?:no longer|isn't|is not|not) available")


def find_handles(text: str) -> list[str]:
    """@-mentions in Instagram/Threads text (dots allowed), without ``@``, each once."""
    return list(dict.fromkeys(found.group(1) for found in _HANDLE.finditer(text)))


def oembed_request(base: str, path: str, permalink: str) -> Request:
    """The tokenless oEmbed GET for ``permalink`` at ``base``/``path``."""
    return Request(
        url=f"{base}/{path}?{urlencode({'url': permalink})}", purpose="oembed", method="oembed"
    )


def is_login_wall(url: str) -> bool:
    """Whether a final URL is one of Meta's login pages (a login wall or throttling)."""
    return bool(_LOGIN_PATH.search(urlsplit(url).path))


def page_gone(page_text: str, status: int | None) -> Gone | None:
    """The reason a Meta page shows no post, when it says one of the known texts."""
    lowered = page_text.lower().replace("\u2019", "'")
    for needle, reason in GONE_PAGE_TEXTS:
        if needle in lowered:
            return Gone(reason, f"page says: {needle}", status)
    return None


def read_oembed(ref: PostRef, response: Response, read_html: HtmlReader) -> Outcome:
    """Read a Meta oEmbed answer: a record from its ``html``, or why there is none."""
    status = response.status
    if is_login_wall(response.url):
        return Gone(Reason.LOGIN_REQUIRED, f"redirected to a login page: {response.url}", status)
    body = response.text().lstrip()
    if not body.startswith("{"):
        return _read_page(response, body)
    data = response.json()
    if not isinstance(data, dict):
        raise ParseError(f"expected an oEmbed object from {response.url}")
    if "error" in data:
        return graph_error(data["error"], status)
    gone = gone_for_status(status, f"HTTP {status} from {response.url}")
    if gone is not None:
        return gone
    if status != 200:
        raise ParseError(f"unexpected HTTP {status} from {response.url}")
    markup = data.get("html")
    if not isinstance(markup, str) or not markup.strip():
        raise ParseError(f"oEmbed answer from {response.url} carries no html")
    post = read_html(BeautifulSoup(markup, "lxml"), response.capture())
    if post is None:
        raise ParseError(f"oEmbed html from {response.url} holds no {ref.platform} embed")
    return Found(_as_named(post, ref))


def _read_page(response: Response, body: str) -> Gone:
    """An HTML page where JSON was expected: a known "gone" page, or a bare status."""
    soup = BeautifulSoup(body, "lxml")
    gone = page_gone(element_text(soup.body or soup), response.status)
    if gone is None:
        gone = gone_for_status(response.status, f"HTTP {response.status} from {response.url}")
    if gone is None:
        raise ParseError(f"expected oEmbed JSON from {response.url}, got {body[:60]!r}")
    return gone


def _as_named(post: Post, ref: PostRef) -> Post:
    """Keep the identity the caller asked for; accept the html's URL only when it adds a handle."""
    if post.post_id == ref.post_id and (ref.handle is None or post.url == ref.url):
        return post
    return post.with_changes(post_id=ref.post_id, url=ref.url)


def graph_error(error: Any, status: int) -> Gone:
    """Place a Graph API ``error`` object: a reason the post is unavailable, or ParseError."""
    if not isinstance(error, dict):
        raise ParseError(f"malformed Graph API error: {str(error)[:60]!r}")
    code = error.get("code")
    words = " ".join(
        str(error.get(key) or "") for key in ("message", "error_user_title", "error_user_msg")
    )
    text = words.lower().replace("\u2019", "'")
    detail = f"Meta oEmbed error {code}: {error.get('message') or ''}".strip()
    if code in _RATE_LIMIT_CODES or "limit reached" in text or "rate limit" in text:
        raise ParseError(f"rate limited by Meta oEmbed ({detail})")
    if code in _TOKEN_CODES or "access token" in text or "oembed read" in text:
        raise ParseError(f"Meta oEmbed asks for an access token or app review ({detail})")
    if code in _PERMISSION_CODES or _PERMISSION_WORDS.search(text):
        # "(#200) Permissions error", or code 100's "does not exist, cannot be loaded due
        # to missing permissions, or ...": perhaps archiver's, never proof of a deletion.
        reason = _reason_in_words(text, missing=False)
        if reason is None:
            raise ParseError(
                f"Meta oEmbed refused for lack of permission ({detail}); this says nothing "
                "about the post"
            )
        return Gone(reason, detail, status)
    reason = _reason_in_words(text)
    if reason is not None:
        return Gone(reason, detail, status)
    gone = gone_for_status(status, detail)
    if gone is None:
        raise ParseError(f"unrecognised {detail}")
    return gone


def _reason_in_words(text: str, *, missing: bool = True) -> Reason | None:
    """The reason a Graph error's words give; ``missing=False`` ignores "not found" words
    (a permission error may say "does not exist" of a post it was not allowed to see)."""
    geo = bool(_GEO.search(text))
    if "not supported" in text:
        # Threads: "private, inactive, and age-restricted accounts as well as geo-gated
        # posts are not supported". Only a geo-gate alone is not lifted by a login.
        if geo and not _LOGIN_LIFTS.search(text):
            return Reason.REGION_LOCKED
        return Reason.LOGIN_REQUIRED
    if "log in" in text or "login" in text or "logged in" in text:
        return Reason.LOGIN_REQUIRED
    if "embed" in text and any(
        word in text for word in ("disabled", "turned off", "not allowed", "doesn't allow")
    ):
        return Reason.EMBEDDING_DISABLED
    if geo:
        return Reason.REGION_LOCKED
    if "age-restricted" in text or "age restricted" in text or "age-gated" in text:
        return Reason.AGE_RESTRICTED
    if missing and _MISSING.search(text):
        return Reason.NOT_FOUND
    if "private" in text or "not public" in text:
        return Reason.PRIVATE
    if missing and _UNAVAILABLE.search(text):
        return Reason.NOT_FOUND
    return None
