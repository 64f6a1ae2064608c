"""index.html in a real headless browser (Debian's chromium): every post rendered, no
console message at all (a blocked request or a script error would log one), and post text
that contains markup shown as text."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from bs4 import BeautifulSoup

from archiver.browser.chromium import QUIET_FLAGS
from archiver.export.bundle import export_bundle
from archiver.export.selection import Selection
from archiver.store import Archive
from tests.chromium import CHROMIUM, chromium_needed
from tests.export.conftest import SCRIPT_TEXT, Built

pytestmark = chromium_needed("index.html not browser-tested")


def render(page: Path, profile: Path) -> tuple[str, list[str]]:
    """The DOM chromium built from ``page``, and every console message it logged."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            *QUIET_FLAGS,
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if re.search(r":CONSOLE[(:]", line)]
    return result.stdout, console


def test_console_messages_are_detected(tmp_path: Path) -> None:
    """The harness itself: a page with a script error and a blocked request is caught."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="img-src \'none\'">'
        '<img src="https://example.invalid/x.png"><script>undefinedFunction()</script>',
        "utf-8",
    )
    _, console = render(page, tmp_path / "profile")
    assert any("Uncaught ReferenceError" in line for line in console), console
    assert any("Content Security Policy" in line for line in console), console


def test_index_renders_every_post_without_console_errors(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    with Archive(built.home) as archive:
        report = export_bundle(archive, Selection(everything=True), out)
    dom, console = render(out / "data/index.html", tmp_path / "profile")
    assert console == []
    soup = BeautifulSoup(dom, "lxml")
    articles = soup.select("article.post")
    assert len(articles) == report.posts + report.unavailable == 4
    texts = [node.get_text() for node in soup.select(".text")]
    assert SCRIPT_TEXT in texts  # shown as text ...
    assert soup.find("script") is None  # ... and never run as a script
    assert "Привет, река 🌊 — the bridge is closed" in texts
    assert soup.select_one(f'img[src="media/{built.png_sha256}.png"]') is not None


def test_fixture_bundle_renders_without_console_errors(
    fixture_bundles: tuple[Path, Path], tmp_path: Path
) -> None:
    directory, _ = fixture_bundles
    dom, console = render(directory / "data/index.html", tmp_path / "profile")
    assert console == []
    records = (directory / "data/posts.jsonl").read_text("utf-8").splitlines()
    assert len(BeautifulSoup(dom, "lxml").select("article.post")) == len(records) >= 20
