"""The system's Chromium, found and started for screenshots, and always ended.

archiver never downloads a browser: it runs the one the system has (Debian's
``chromium``) or the one ``[screenshot] browser`` names, driven over the DevTools
protocol by Playwright (the optional ``screenshot`` extra), which is imported here and
only here, when a screenshot is actually asked for.

The browser starts with no profile (Playwright gives each launch a fresh temporary
profile and deletes it when the browser is closed), no extensions, no sync, no
component updates and no background requests of its own, and each page gets a fresh
context (no cookies or storage shared between posts). ``--no-sandbox`` is passed only
when running as root, where Chromium refuses to start sandboxed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from archiver.config import ScreenshotSettings
from archiver.errors import ArchiverError

if TYPE_CHECKING:
    from playwright.async_api import Browser

#: Names the system's Chromium goes by, tried in order when no path is configured.
BROWSER_NAMES = ("chromium", "chromium-browser")
INSTALL_HINT = "install it (Debian/Ubuntu: apt install chromium) or set [screenshot] browser = PATH"

#: Flags that keep Chromium from making requests of its own, or outside the proxy.
QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--disable-quic",
    # WebRTC may not open UDP around the proxy (it could reach private addresses).
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--disable-gpu",
    "--hide-scrollbars",
    "--mute-audio",
)


class BrowserMissing(ArchiverError):
    """No browser (or no Playwright) to take screenshots with."""


def system_browser() -> Path | None:
    """The system's Chromium on ``PATH`` (or where Debian puts it), if there is one."""
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found is not None:
            return Path(found)
    debian = Path("/usr/bin/chromium")
    return debian if debian.exists() else None


def find_browser(settings: ScreenshotSettings) -> Path:
    """The Chromium to run: ``[screenshot] browser``, else the system's."""
    if settings.browser:
        configured = Path(settings.browser).expanduser()
        executable = shutil.which(str(configured))
        if executable is None:
            raise BrowserMissing(
                f"--screenshot: the browser {settings.browser} in [screenshot] browser "
                f"is not an executable file; {INSTALL_HINT}"
            )
        return Path(executable)
    found = system_browser()
    if found is not None:
        return found
    raise BrowserMissing(f"--screenshot needs Chromium, and none was found; {INSTALL_HINT}")


def ready(settings: ScreenshotSettings) -> Path:
    """The browser to run, once it and Playwright are known to be there: checked before a
    batch starts, so a missing browser costs one line, not a batch fetched in vain."""
    executable = find_browser(settings)
    _playwright()
    return executable


def _playwright() -> None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError as exc:
        raise BrowserMissing(
            "--screenshot needs the screenshot extra: pip install 'archiver[screenshot]'"
        ) from exc


def sandboxed() -> bool:
    """Chromium's sandbox, on unless archiver runs as root (where Chromium refuses it)."""
    return not hasattr(os, "geteuid") or os.geteuid() != 0


@asynccontextmanager
async def launched(settings: ScreenshotSettings, proxy_url: str) -> AsyncIterator[Browser]:
    """One headless Chromium for a batch, pointed at ``proxy_url``; ended on leaving,
    whatever happened (an error, a cancelled run, Ctrl-C)."""
    executable = ready(settings)
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        try:
            browser = await driver.chromium.launch(
                executable_path=executable,
                headless=True,
                chromium_sandbox=sandboxed(),
                args=[
                    *QUIET_FLAGS,
                    f"--proxy-server={proxy_url}",
                    # Chromium sends loopback past a proxy unless told not to.
                    "--proxy-bypass-list=<-loopback>",
                ],
                handle_sigint=True,
                handle_sigterm=True,
                handle_sighup=True,
            )
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise BrowserMissing(f"--screenshot: {executable} did not start ({first})") from exc
        try:
            yield browser
        finally:
            await browser.close()
