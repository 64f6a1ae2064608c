"""How often and for how long one URL is tried: attempts, backoff, deadlines, time budget.

Only failures that can heal are retried (:class:`~archiver.net.body.TransientError`:
connection errors, timeouts, truncated bodies, 429 and 5xx). Every attempt of a request,
the first included, runs in :meth:`RetryPolicy.run`, which stops at ``http.max_attempts``
or as soon as the next wait would overrun the URL's time budget. Time is bounded twice:
each attempt has a deadline from connecting to its last byte
(``http.request_deadline_seconds``), so a server dribbling a byte a second cannot hold a
URL, and every request, redirect, attempt and wait made for one URL shares one budget
(``http.url_budget_seconds``).

The loop is a short one of our own rather than tenacity's: an ``AsyncRetrying`` per
request leaves reference cycles (the retrying object and its call state point at each
other) that only the cyclic garbage collector frees, and at concurrency 64 collecting
them cost some 25% more CPU per URL (bench/bench_fetch.py, with and without ``gc``).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from archiver.config import HttpSettings
from archiver.net.body import RetriesExhausted, TransientError
from archiver.net.politeness import HostGate, Sleep

T = TypeVar("T")

log = logging.getLogger(__name__)


class TimeBudget:
    """The time one URL may take: every redirect, attempt and wait between attempts.

    The clock starts when the URL's first request gets its turn at the host, not while
    it queues behind the other URLs of a batch.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._started: float | None = None

    def start(self) -> None:
        if self._started is None:
            self._started = time.monotonic()

    def remaining(self) -> float:
        if self._started is None:
            return self.seconds
        return self.seconds - (time.monotonic() - self._started)


class RetryPolicy:
    """The retry and time rules of one client, from its ``[http]`` settings."""

    def __init__(self, settings: HttpSettings, gate: HostGate, sleep: Sleep) -> None:
        self.settings = settings
        self._gate = gate
        self._sleep = sleep

    async def run(
        self,
        url: str,
        budget: TimeBudget,
        attempt: Callable[[int], Awaitable[T]],
        *,
        method: str = "GET",
    ) -> T:
        """``attempt(1)``, ``attempt(2)``, … until one returns or raises anything but a
        :class:`TransientError`; then :class:`RetriesExhausted` once ``max_attempts`` are spent
        or the next wait (ours, or the host's ``Retry-After``) would overrun ``budget``."""
        number = 1
        while True:
            try:
                return await attempt(number)
            except TransientError as error:
                wait = self._wait_after(error, number)
                left = budget.remaining()
                if number >= self.settings.max_attempts or left <= max(
                    wait, self._gate.waiting_time(url)
                ):
                    raise self.exhausted(url, error, number, method) from error
                log.info(
                    "%s %s: attempt %d failed (%s); retrying in %.1f s",
                    *(method, url, number, error, wait),
                )
                await self._sleep(wait)
                number += 1

    def deadline(self, budget: TimeBudget) -> float:
        """Seconds the next attempt may take: its deadline, or what the budget has left."""
        return max(0.0, min(self.settings.request_deadline_seconds, budget.remaining()))

    def overran(self, seconds: float) -> TransientError:
        """The failure of an attempt that ran out of ``seconds``."""
        if seconds < self.settings.request_deadline_seconds:
            return TransientError(
                "the URL's time budget ran out",
                advice="try again later or raise http.url_budget_seconds",
            )
        return TransientError(
            f"no complete answer within {seconds:g} s",
            advice="try again later or raise http.request_deadline_seconds",
        )

    def exhausted(
        self, url: str, error: TransientError, attempts: int, method: str = "GET"
    ) -> RetriesExhausted:
        """The one-line failure once no attempt is left (or no time for one)."""
        early = ""
        if attempts < self.settings.max_attempts:
            early = (
                " (stopped early: the next try would overrun the URL's time budget, "
                f"http.url_budget_seconds = {self.settings.url_budget_seconds:g})"
            )
        return RetriesExhausted(
            f"{method} {url} failed after {attempts} attempt{'s' * (attempts != 1)}: "
            f"{error}; {error.advice}{early}",
            url=url,
            status=error.status,
        )

    def backoff(self, attempt: int) -> float:
        """initial × 2^(attempt-1), plus up to ``initial`` of jitter, capped at the max."""
        initial = self.settings.backoff_initial_seconds
        delay = initial * 2 ** (attempt - 1) + random.uniform(0, initial)
        return min(delay, self.settings.backoff_max_seconds)

    def _wait_after(self, error: TransientError, attempt: int) -> float:
        """The pause after failed ``attempt``: none when the host gate already holds one."""
        return 0.0 if error.host_wait else self.backoff(attempt)
