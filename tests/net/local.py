"""What the network tests share: fast settings, a sleep that records and does not wait,
and a client that may reach their server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from typing import Any

from archiver.config import HttpSettings
from archiver.net.client import HttpClient
from archiver.net.guard import AddressGuard

#: The test servers listen on 127.0.0.1, which the address guard refuses unless allowed.
ALLOW_LOCAL = AddressGuard(allow_private=True)


def local_client(http: HttpSettings, **kw: Any) -> HttpClient:
    """A client that may reach 127.0.0.1 (tests of the guard itself build their own)."""
    return HttpClient(http, guard=ALLOW_LOCAL, **kw)


def settings(**changes: Any) -> HttpSettings:
    values: dict[str, Any] = {
        "user_agent": "archiver-test/1 (+https://example.org)",
        "browser_user_agent": "Mozilla/5.0 (test browser)",
        "timeout_seconds": 2.0,
        "connect_timeout_seconds": 2.0,
        "max_redirects": 5,
        "concurrency": 8,
        "per_host_concurrency": 4,
        "max_attempts": 4,
        "backoff_initial_seconds": 0.01,
        "backoff_max_seconds": 0.05,
        "retry_after_cap_seconds": 30.0,
        "max_body_bytes": 100_000,
    }
    values.update(changes)
    return HttpSettings(**values)


class Sleeps:
    """An injected sleep that records every wait and does not really wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        await asyncio.sleep(0)

    @property
    def real(self) -> list[float]:
        return [s for s in self.calls if s > 0]
