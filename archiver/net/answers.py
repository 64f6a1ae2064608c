"""What one HTTP answer means: a redirect, a body to hand over, or a failure that may heal.

The client performs requests; this module reads what comes back, in one place, so the
rules that decide a run's fate stay side by side: 429 and 5xx are transient (and tell
the host gate to wait, honouring ``Retry-After`` and quota headers), except a challenge
page, which asked again would only come back; a redirect is followed by the client; a
body is read under its cap and checked against its declared length (:mod:`archiver.net.body`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from archiver.config import HttpSettings
from archiver.net.body import (
    Download,
    MediaPolicy,
    TransientError,
    exchange_of,
    read_body,
    read_media,
)
from archiver.net.politeness import HostGate, quota_delay, server_delay
from archiver.net.retries import RetryPolicy
from archiver.net.warc import HttpExchange
from archiver.platforms.challenge import challenge_page, may_be_challenge
from archiver.record import utc_now

REDIRECTS = frozenset({301, 302, 303, 307, 308})
_META_TAG = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_REFRESH = re.compile(r"http-equiv\s*=\s*[\"']?refresh", re.IGNORECASE)
_REFRESH_URL = re.compile(r"content\s*=\s*[\"']?\s*\d*\s*;?\s*url\s*=\s*([^\"'>\s]+)", re.I)


@dataclass
class Hop:
    """One exchange: a redirect, or the final answer."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    received_at: str
    location: str | None = None
    exchange: HttpExchange | None = None
    download: Download | None = None


class AnswerReader:
    """Reads the answers of one client; ``keep_exchange`` when they are written to WARC."""

    def __init__(
        self, settings: HttpSettings, gate: HostGate, retries: RetryPolicy, *, keep_exchange: bool
    ) -> None:
        self.settings, self.gate, self.retries = settings, gate, retries
        self.keep_exchange = keep_exchange

    async def read(
        self, url: str, response: httpx.Response, media: MediaPolicy | None, attempt: int
    ) -> Hop:
        """The answer as a hop, or :class:`TransientError` for one worth asking again."""
        status = response.status_code
        headers = {k.lower(): v for k, v in response.headers.items()}
        cap = self.settings.retry_after_cap_seconds
        if status == 429 or 500 <= status <= 599:
            challenge = await self._challenge(url, response, headers, media)
            if challenge is not None:
                return challenge
            delay = server_delay(headers, cap)
            if delay is not None and delay <= 0:
                delay = None  # "retry now" gets our backoff all the same
            if delay is None and status == 429:  # throttled without a hint: the host backs off
                delay = self.retries.backoff(attempt)
            if delay is not None:
                self.gate.defer(url, delay)
            advice = "the server is limiting requests; try again later"
            if status != 429:
                advice = "the server may be down; try again later"
            raise TransientError(
                f"HTTP {status}", status=status, host_wait=delay is not None, advice=advice
            )
        if quota := quota_delay(headers, cap):
            self.gate.defer(url, quota)
        location = headers.get("location") if status in REDIRECTS else None
        if media is not None and location is None:
            download = await read_media(url, response, headers, media)
            return Hop(url, status, headers, b"", utc_now(), download=download)
        body, raw = await read_body(url, response, headers, self.settings.max_body_bytes)
        exchange = exchange_of(response, raw) if self.keep_exchange else None
        target = urljoin(url, location) if location else None
        return Hop(url, status, headers, body, utc_now(), target, exchange)

    async def _challenge(
        self, url: str, response: httpx.Response, headers: dict[str, str], media: MediaPolicy | None
    ) -> Hop | None:
        """A 429 or 5xx that is a challenge page (Cloudflare's 503 "Just a moment..."), as
        an answer: asked again, it would only come back, so it is not retried but read by
        the platform as "blocked" (see :mod:`archiver.platforms.challenge`)."""
        if media is not None or not may_be_challenge(headers):
            return None
        body, raw = await read_body(url, response, headers, self.settings.max_body_bytes)
        if challenge_page(response.status_code, headers, body) is None:
            return None
        exchange = exchange_of(response, raw) if self.keep_exchange else None
        return Hop(url, response.status_code, headers, body, utc_now(), None, exchange)


def meta_refresh_target(hop: Hop) -> str | None:
    """The target of a ``<meta http-equiv="refresh">`` page (t.co answers browsers so)."""
    if hop.status != 200 or "html" not in hop.headers.get("content-type", ""):
        return None
    for tag in _META_TAG.findall(hop.body[:65536].decode("utf-8", "replace")):
        found = _REFRESH_URL.search(tag) if _REFRESH.search(tag) else None
        if found:
            return urljoin(hop.url, html.unescape(found.group(1)))
    return None
