"""Screenshots of posts: each page rendered in a tab of one headless Chromium, shot full height.

A batch starts one browser and renders up to ``[screenshot] concurrency`` pages at once,
each in a fresh context (no cookies shared between posts) behind its own guarded proxy
(:mod:`archiver.browser.proxy`), so every request a page makes is checked and what was
refused is known page by page. A page has ``page_deadline_seconds`` to settle (its load
event, then half a second without requests); one that has not is shot as it is then, and
the shot says so (``settled=False``). A page that cannot be loaded at all gets no
screenshot, and its error says why; the batch carries on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archiver.browser.chromium import launched
from archiver.browser.proxy import Blocked, GuardedProxy
from archiver.config import Settings
from archiver.errors import ArchiverError
from archiver.net.guard import AddressGuard
from archiver.record import utc_now

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

#: Time kept back from a page's deadline for the screenshot itself.
_SHOT_SECONDS = 10.0


class BrowserEnded(ArchiverError):
    """The browser went away in the middle of a batch."""


@dataclass(frozen=True)
class Target:
    """A page to render, and the post (key) it shows."""

    key: str
    url: str


@dataclass(frozen=True)
class Shot:
    """One rendered page: the PNG (None when the page could not be loaded) and how it
    was taken."""

    key: str
    url: str
    png: bytes | None
    taken_at: str
    viewport_width: int
    viewport_height: int
    browser_version: str
    #: False when the page was still loading at its deadline and was shot as it was.
    settled: bool
    #: The main document's HTTP status, when one came back.
    http_status: int | None = None
    blocked: tuple[Blocked, ...] = field(default_factory=tuple)
    error: str | None = None


class _Renderer:
    def __init__(self, browser: Browser, settings: Settings, guard: AddressGuard) -> None:
        self.browser = browser
        self.settings = settings
        self.guard = guard
        self.options = settings.screenshot

    def failed(self, target: Target, error: str) -> Shot:
        """The result for a page that could not be rendered at all."""
        return Shot(
            key=target.key,
            url=target.url,
            png=None,
            taken_at=utc_now(),
            viewport_width=self.options.viewport_width,
            viewport_height=self.options.viewport_height,
            browser_version=self.browser.version,
            settled=False,
            error=error,
        )

    async def shoot(self, target: Target) -> Shot:
        from playwright.async_api import Error as PlaywrightError

        options = self.options
        viewport = {"width": options.viewport_width, "height": options.viewport_height}
        async with _proxy(self.settings, self.guard) as proxy:
            context = await self.browser.new_context(
                viewport=viewport,  # type: ignore[arg-type]
                proxy={"server": proxy.url},
                user_agent=self.settings.http.browser_user_agent,
                service_workers="block",
                accept_downloads=False,
            )
            try:
                page = await context.new_page()
                settled, status, error = await self._load(page, target.url)
                png = None
                if error is None:
                    try:
                        png = await page.screenshot(
                            full_page=True, type="png", timeout=_SHOT_SECONDS * 1000
                        )
                    except PlaywrightError as exc:
                        error = f"the screenshot failed: {_first_line(exc)}"
            finally:
                await context.close()
        return Shot(
            key=target.key,
            url=target.url,
            png=png,
            taken_at=utc_now(),
            viewport_width=options.viewport_width,
            viewport_height=options.viewport_height,
            browser_version=self.browser.version,
            settled=settled,
            http_status=status,
            blocked=tuple(proxy.blocked),
            error=error,
        )

    async def _load(self, page: Page, url: str) -> tuple[bool, int | None, str | None]:
        """Open ``url`` and wait for it to settle: (settled, HTTP status, error)."""
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        deadline = time.monotonic() + self.options.page_deadline_seconds

        def left() -> float:
            return max(1.0, (deadline - time.monotonic()) * 1000)

        status: int | None = None
        try:
            response = await page.goto(url, wait_until="load", timeout=left())
            status = response.status if response is not None else None
            await page.wait_for_load_state("networkidle", timeout=left())
        except PlaywrightTimeout:
            return False, status, None
        except PlaywrightError as exc:
            return True, status, f"the page could not be loaded: {_first_line(exc)}"
        return True, status, None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


async def shoot_all(
    targets: Sequence[Target],
    settings: Settings,
    on_shot: Callable[[Shot], None],
    *,
    guard: AddressGuard | None = None,
) -> None:
    """Render every target with one browser, ``[screenshot] concurrency`` tabs at a time,
    calling ``on_shot`` with each result as it comes (in completion order)."""
    if not targets:
        return
    guard = guard or AddressGuard.from_settings(settings)
    # The browser's own requests (none are expected with its quiet flags) are guarded too.
    async with _proxy(settings, guard) as own, launched(settings.screenshot, own.url) as browser:
        from playwright.async_api import Error as PlaywrightError

        renderer = _Renderer(browser, settings, guard)
        slots = asyncio.Semaphore(settings.screenshot.concurrency)

        async def one(target: Target) -> None:
            async with slots:
                try:
                    shot = await renderer.shoot(target)
                except PlaywrightError as exc:  # a tab that crashed: this page only
                    shot = renderer.failed(target, f"the browser failed: {_first_line(exc)}")
                if shot.error is not None and not browser.is_connected():
                    # Not this page's failure: the browser is gone (Ctrl-C, a crash).
                    raise BrowserEnded(
                        "Chromium ended before the batch did (interrupted, or it crashed); "
                        "the screenshots taken until then are kept"
                    )
                on_shot(shot)

        await asyncio.gather(*(one(target) for target in targets))


def _proxy(settings: Settings, guard: AddressGuard) -> GuardedProxy:
    http = settings.http
    return GuardedProxy(
        guard,
        max_bytes=http.max_body_bytes,
        deadline_seconds=http.request_deadline_seconds,
        connect_timeout_seconds=http.connect_timeout_seconds,
    )


def take_screenshots(
    targets: Sequence[Target],
    settings: Settings,
    on_shot: Callable[[Shot], None],
    *,
    guard: AddressGuard | None = None,
) -> None:
    """:func:`shoot_all` for callers outside an event loop."""
    asyncio.run(shoot_all(targets, settings, on_shot, guard=guard))
