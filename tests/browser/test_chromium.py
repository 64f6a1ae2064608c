"""Finding the browser, and the flags it is started with."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archiver.browser.chromium import (
    QUIET_FLAGS,
    BrowserMissing,
    find_browser,
    sandboxed,
    system_browser,
)
from archiver.config import ScreenshotSettings


def test_a_configured_browser_that_is_not_there_says_how_to_install_one(tmp_path: Path) -> None:
    settings = ScreenshotSettings(browser=str(tmp_path / "no-such-chromium"))
    with pytest.raises(BrowserMissing) as caught:
        find_browser(settings)
    message = str(caught.value)
    assert "\n" not in message
    assert "no-such-chromium" in message and "apt install chromium" in message


def test_no_system_browser_says_how_to_install_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(Path, "exists", lambda self: False)
    assert system_browser() is None
    with pytest.raises(BrowserMissing, match=r"apt install chromium"):
        find_browser(ScreenshotSettings())


def test_a_configured_browser_is_used(tmp_path: Path) -> None:
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_browser(ScreenshotSettings(browser=str(fake))) == fake


def test_flags_keep_the_browser_off_the_network_by_itself() -> None:
    for flag in (
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
    ):
        assert flag in QUIET_FLAGS
    assert "--no-sandbox" not in QUIET_FLAGS  # only as root, through sandboxed()


def test_the_sandbox_is_off_only_as_root() -> None:
    assert sandboxed() is (os.geteuid() != 0)
