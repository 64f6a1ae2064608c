"""Reading servers' wait hints, and the host gate's spacing, waits and memory."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from archiver.net.politeness import (
    HostGate,
    host_key,
    quota_delay,
    reset_seconds,
    retry_after_seconds,
    server_delay,
)
from tests.net.local import Sleeps


def _in(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def test_retry_after_takes_seconds_or_an_http_date() -> None:
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(" 1.5 ") == 1.5
    by_date = retry_after_seconds(format_datetime(_in(30), usegmt=True))
    assert by_date is not None and 28 <= by_date <= 30
    assert retry_after_seconds("soon") is None


def test_reset_headers_in_each_platform_form() -> None:
    epoch = reset_seconds(str(int(time.time()) + 50))  # X and Bluesky
    assert epoch is not None and 48 <= epoch <= 50
    assert reset_seconds("7") == 7  # Reddit: seconds until reset
    assert reset_seconds("42.0") == 42
    iso = reset_seconds(_in(40).isoformat().replace("+00:00", "Z"))  # Mastodon
    assert iso is not None and 38 <= iso <= 40
    assert reset_seconds("2026-13-45") is None


EPOCH = "{epoch}"  # replaced by now + the given seconds when the test runs


@pytest.mark.parametrize(
    ("headers", "offset", "low", "high"),
    [
        ({"retry-after": "5", "x-rate-limit-reset": EPOCH}, 90, 5, 5),
        ({"x-rate-limit-reset": EPOCH}, 90, 88, 90),  # X
        ({"ratelimit-reset": EPOCH, "ratelimit-remaining": "0"}, 20, 18, 20),  # Bluesky
        ({"x-ratelimit-reset": "12", "x-ratelimit-remaining": "0.0"}, 0, 12, 12),  # Reddit
        ({"retry-after": "100000"}, 0, 120, 120),  # capped
        ({"x-rate-limit-reset": EPOCH}, -30, 0, 0),  # already past
    ],
)
def test_server_delay(headers: dict[str, str], offset: int, low: float, high: float) -> None:
    epoch = str(int(time.time()) + offset)
    filled = {name: value.format(epoch=epoch) for name, value in headers.items()}
    delay = server_delay(filled, cap=120)
    assert delay is not None and low <= delay <= high


def test_no_hint_means_no_server_delay() -> None:
    assert server_delay({"content-type": "text/html"}, cap=60) is None
    assert server_delay({"retry-after": "whenever"}, cap=60) is None


def test_quota_delay_only_when_nothing_is_left() -> None:
    assert quota_delay({"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "30"}, 60) == 30
    assert quota_delay({"x-ratelimit-remaining": "12", "x-ratelimit-reset": "30"}, 60) is None
    assert quota_delay({"x-ratelimit-reset": "30"}, 60) is None


def test_host_key_keeps_the_port() -> None:
    assert host_key("http://127.0.0.1:8123/@alice/1") == "127.0.0.1:8123"
    assert host_key("https://X.com/a") == "x.com"


def test_interval_spaces_requests_to_one_host_only() -> None:
    sleeps = Sleeps()
    gate = HostGate(concurrency=4, per_host_concurrency=4, interval_seconds=2.0, sleep=sleeps)

    async def scenario() -> None:
        for url in ("http://a.test/1", "http://a.test/2", "http://b.test/1", "http://a.test/3"):
            async with gate.slot(url):
                pass

    asyncio.run(scenario())
    # a.test/1 goes at once, a.test/2 two seconds later, b.test at once, a.test/3 after
    # a.test/2's two seconds (the fake sleep does not move the clock).
    assert len(sleeps.calls) == 2
    assert 1.9 <= sleeps.calls[0] <= 2.0
    assert 3.9 <= sleeps.calls[1] <= 4.0


def test_defer_holds_every_request_to_the_host() -> None:
    sleeps = Sleeps()
    gate = HostGate(concurrency=4, per_host_concurrency=4, sleep=sleeps)

    async def scenario() -> None:
        gate.defer("http://a.test/x", 15)
        assert 14 <= gate.waiting_time("http://a.test/other") <= 15
        assert gate.waiting_time("http://b.test/") == 0
        async with gate.slot("http://b.test/y"):
            pass
        async with gate.slot("http://a.test/z"):
            pass

    asyncio.run(scenario())
    assert len(sleeps.calls) == 1 and 14 <= sleeps.calls[0] <= 15


def test_idle_hosts_are_forgotten() -> None:
    gate = HostGate(concurrency=4, per_host_concurrency=2)

    async def scenario() -> None:
        for n in range(2000):
            async with gate.slot(f"http://host{n}.test/"):
                pass

    asyncio.run(scenario())
    assert gate.hosts_tracked == 0
