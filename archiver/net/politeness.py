"""Politeness: how many requests at once, how often per host, and how long a host said to wait.

Platforms throttle or ban clients that hammer them, and a 429 answered by more
requests only digs deeper. :class:`HostGate` bounds requests in flight (globally and
per host), spaces requests to one host, and keeps a per-host "not before" time, so
when one request is told to wait, every other request to that host waits too. The
functions below read the waits servers announce: ``Retry-After`` and the platforms'
own rate-limit reset headers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# (remaining, reset) header pairs, consulted after Retry-After. X and Bluesky send the
# reset as epoch seconds; Reddit as seconds until the reset, Mastodon as an ISO time.
RESET_HEADERS = (
    ("x-rate-limit-remaining", "x-rate-limit-reset"),
    ("ratelimit-remaining", "ratelimit-reset"),
    ("x-ratelimit-remaining", "x-ratelimit-reset"),
)
_EPOCH_THRESHOLD = 1_000_000_000  # a reset value this large is a Unix time, not a delay
_SWEEP_ABOVE = 256  # hosts remembered before idle ones are swept


def host_key(url: str) -> str:
    """The unit of politeness: host and port, lower-case."""
    return urlsplit(url).netloc.lower()


@dataclass
class _Host:
    slots: asyncio.Semaphore
    users: int = 0
    not_before: float = 0.0
    next_start: float = 0.0


class HostGate:
    """Admits one request at a time into a bounded number of global and per-host slots."""

    def __init__(
        self,
        *,
        concurrency: int,
        per_host_concurrency: int,
        interval_seconds: float = 0.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._global = asyncio.Semaphore(concurrency)
        self._per_host = per_host_concurrency
        self._interval = interval_seconds
        self._sleep = sleep
        self._hosts: dict[str, _Host] = {}

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold a host slot (waiting out its "not before" time), then a global slot.

        The host slot comes first, so requests queued behind a slow or throttled host
        do not sit on global slots that other hosts could use.
        """
        host = host_key(url)
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host(asyncio.Semaphore(self._per_host))
        state.users += 1
        try:
            async with state.slots:
                await self._wait_turn(host, state)
                async with self._global:
                    yield
        finally:
            state.users -= 1
            self._forget_idle(host)

    def defer(self, url: str, delay: float) -> None:
        """No request to ``url``'s host may start for ``delay`` seconds from now."""
        host = host_key(url)
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host(asyncio.Semaphore(self._per_host))
        if delay > 0:
            state.not_before = max(state.not_before, time.monotonic() + delay)
            log.info("%s asked us to wait %.1f s", host, delay)

    def waiting_time(self, url: str) -> float:
        """Seconds until the host of ``url`` may be asked again (0 when it may now)."""
        state = self._hosts.get(host_key(url))
        return 0.0 if state is None else max(0.0, state.not_before - time.monotonic())

    @property
    def hosts_tracked(self) -> int:
        """Hosts with state kept (busy, or told to wait); idle ones are forgotten."""
        return len(self._hosts)

    async def _wait_turn(self, host: str, state: _Host) -> None:
        now = time.monotonic()
        start = max(now, state.not_before, state.next_start)
        if self._interval > 0:
            state.next_start = start + self._interval
        while start > now:
            log.info("waiting %.1f s before the next request to %s", start - now, host)
            await self._sleep(start - now)
            now = time.monotonic()
            if state.not_before <= start:  # nobody pushed the time back while we slept
                break
            start = state.not_before

    def _forget_idle(self, host: str) -> None:
        now = time.monotonic()
        names = list(self._hosts) if len(self._hosts) > _SWEEP_ABOVE else [host]
        for name in names:
            state = self._hosts.get(name)
            if state and state.users == 0 and max(state.not_before, state.next_start) <= now:
                del self._hosts[name]


def server_delay(headers: dict[str, str], cap: float) -> float | None:
    """Seconds a 429/5xx asks us to wait (Retry-After, else a reset header), capped."""
    value = headers.get("retry-after")
    delay = retry_after_seconds(value) if value else None
    if delay is None:
        for _, reset in RESET_HEADERS:
            if reset in headers and (delay := reset_seconds(headers[reset])) is not None:
                break
    return None if delay is None else max(0.0, min(delay, cap))


def quota_delay(headers: dict[str, str], cap: float) -> float | None:
    """Seconds until the quota resets, when a response says none is left (remaining 0)."""
    for remaining, reset in RESET_HEADERS:
        left = _number(headers.get(remaining, ""))
        if left is not None and left <= 0 and reset in headers:
            delay = reset_seconds(headers[reset])
            return None if delay is None else max(0.0, min(delay, cap))
    return None


def retry_after_seconds(value: str) -> float | None:
    """``Retry-After``: delay-seconds or an HTTP date."""
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return _seconds_until(moment)


def reset_seconds(value: str) -> float | None:
    """A reset header: epoch seconds, seconds until the reset, or an ISO 8601 time."""
    number = _number(value)
    if number is not None:
        return number - time.time() if number >= _EPOCH_THRESHOLD else number
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return _seconds_until(moment)


def _seconds_until(moment: datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - datetime.now(UTC)).total_seconds()


def _number(value: str) -> float | None:
    if not value:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None
