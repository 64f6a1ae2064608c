"""Challenge and anti-bot pages: a refusal of archiver, never an answer about a post.

A CDN or bot manager that distrusts a client answers with a page of its own instead of
the platform's: Cloudflare's "Just a moment..." and "Attention Required!", Akamai's
"Access Denied" with a reference number, DDoS-Guard's check, a CAPTCHA (DataDome,
PerimeterX, hCaptcha/reCAPTCHA, Google's "unusual traffic"), an AWS WAF challenge. Such a
page says nothing about the post behind it, so its 403 must never be read as "private"
or "login required", nor its 200 as a page to archive. This module is the one place
that recognises them, from the status, the headers and the first bytes of the body, for
every platform: :meth:`~archiver.platforms.base.Platform.read` applies it to each answer
a platform module reads, and the HTTP client asks it before retrying a 429 or 5xx (a
challenge is answered at once, not asked again).

Three strengths of evidence, so an ordinary page is never mistaken for a challenge:

* a **header** only a challenge carries (``cf-mitigated: challenge``,
  ``x-amzn-waf-action``) counts on any answer;
* **page markers** only a challenge or block page carries (Cloudflare's challenge
  script, DataDome's CAPTCHA host, Akamai's reference link, ...) count on any HTML answer,
  a 200 included; markers that the same vendors also put on pages they let through
  (Cloudflare's ``/cdn-cgi/challenge-platform/scripts/jsd`` beacon, Imperva's
  ``_Incapsula_Resource``) are not among them;
* **words** of a challenge ("checking your browser", "captcha", "unusual traffic") count
  only on a refusal status (403, 429, 503), or on an HTML answer the platform module
  could not read at all, since an article or a post may quote them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["REFUSAL_STATUSES", "challenge_page", "may_be_challenge"]

#: Statuses a challenge or block page is served with, on which its words are enough.
REFUSAL_STATUSES = frozenset({403, 429, 503})
#: Challenge pages are small and say what they are early: only this much is read.
SCAN_BYTES = 64 * 1024

_HEADERS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("cf-mitigated", re.compile(r"challenge", re.I), "a Cloudflare challenge"),
    ("x-amzn-waf-action", re.compile(r"challenge|captcha", re.I), "an AWS WAF challenge"),
)


@dataclass(frozen=True)
class _Sign:
    """One kind of page, known by any of ``needles`` (lower-case bytes, found with a plain
    substring search, which is fast), confirmed by ``pattern`` when one is given."""

    kind: str
    needles: tuple[bytes, ...]
    pattern: re.Pattern[bytes] | None = None

    def found_in(self, lowered: bytes) -> bool:
        if not any(needle in lowered for needle in self.needles):
            return False
        return self.pattern is None or self.pattern.search(lowered) is not None


def _dotted(*hosts: str) -> tuple[bytes, ...]:
    """Host names as written, and with their dots as ``&#46;`` (Akamai writes them so)."""
    return tuple(v.encode() for host in hosts for v in (host, host.replace(".", "&#46;")))


#: Markers found only on challenge and block pages, first match wins.
_PAGE: tuple[_Sign, ...] = (
    _Sign(
        "a Cloudflare challenge page",
        (b"window._cf_chl_opt", b"/cdn-cgi/challenge-platform/h/", b"cf-browser-verification"),
    ),
    _Sign(
        "Cloudflare's block page",
        (b"attention required! | cloudflare", b"used cloudflare to restrict access"),
    ),
    _Sign("a DDoS-Guard check page", _dotted("check.ddos-guard.net")),
    _Sign("a DataDome CAPTCHA", _dotted("captcha-delivery.com")),
    _Sign("a PerimeterX (HUMAN) CAPTCHA", (b"px-captcha", b"_pxcaptcha")),
    _Sign("an Akamai 'Access Denied' page", _dotted("errors.edgesuite.net")),
    _Sign("an Imperva (Incapsula) block page", (b"incapsula incident id",)),
    _Sign("a Sucuri firewall block page", (b"sucuri website firewall",)),
)
#: Words of a challenge: evidence only on a refusal status or an unreadable answer.
_WORDS: tuple[_Sign, ...] = (
    _Sign(
        "a browser check ('Just a moment...')",
        (
            b"just a moment",
            b"checking your browser",
            b"checking if the site connection is secure",
            b"enable javascript and cookies to continue",
        ),
        re.compile(
            rb"<title>\s*just a moment|checking (?:your browser|if the site connection)"
            rb"|enable javascript and cookies"
        ),
    ),
    _Sign(
        "a human-verification page",
        (
            b"you are human",
            b"you are a human",
            b"are you a robot",
            b"press & hold",
            b"press &amp; hold",
        ),
    ),
    _Sign("an 'unusual traffic' CAPTCHA", (b"unusual traffic from your computer",)),
    _Sign("a CAPTCHA", (b"captcha",)),
    _Sign("a DDoS protection page", (b"ddos-guard", b"ddos protection by")),
    _Sign(
        "an 'Access Denied' page with a reference number",
        (b"access denied",),
        re.compile(
            rb"<title>\s*access denied\s*</title>.{0,4000}?reference(?:\s|&#32;)+(?:#|&#35;)",
            re.DOTALL,
        ),
    ),
)


def may_be_challenge(headers: Mapping[str, str]) -> bool:
    """Whether an answer could be a challenge at all (before its body is read): an HTML
    answer, or one with a challenge header. ``headers`` have lower-case names."""
    if any(name in headers for name, _, _ in _HEADERS):
        return True
    return "html" in headers.get("content-type", "").lower()


def challenge_page(
    status: int, headers: Mapping[str, str], body: bytes, *, unreadable: bool = False
) -> str | None:
    """What kind of challenge or anti-bot page an answer is ("a Cloudflare challenge
    page"), or None for an answer from the platform itself.

    ``headers`` have lower-case names. ``unreadable`` says the platform module could not
    read the answer at all, so a challenge's words count at any status.
    """
    for name, pattern, kind in _HEADERS:
        if pattern.search(headers.get(name, "")):
            return kind
    head = body[:SCAN_BYTES]
    if not _is_html(headers, head):
        return None
    lowered = head.lower()
    signs = _PAGE + _WORDS if unreadable or status in REFUSAL_STATUSES else _PAGE
    return next((sign.kind for sign in signs if sign.found_in(lowered)), None)


def _is_html(headers: Mapping[str, str], head: bytes) -> bool:
    content_type = headers.get("content-type", "").lower()
    if content_type:
        return "html" in content_type
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"
