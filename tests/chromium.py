"""The Chromium the browser tests drive: the system's, found as archiver finds it."""

from __future__ import annotations

import pytest

from archiver.browser.chromium import system_browser

CHROMIUM = system_browser()


def chromium_needed(what: str) -> pytest.MarkDecorator:
    """Skip, saying so, where no Chromium is installed (.ci/run installs Debian's)."""
    return pytest.mark.skipif(
        CHROMIUM is None, reason=f"chromium is not installed (apt-get install -y chromium): {what}"
    )
