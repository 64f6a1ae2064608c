"""Screenshot rows as stored: sizes read from the PNG, targets named per post, and rows
kept when the browser is missing or a page fails (no browser needed here)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from archiver.browser.chromium import BrowserMissing
from archiver.browser.proxy import Blocked
from archiver.browser.screenshot import Shot
from archiver.config import load_settings
from archiver.ingest.screenshots import png_size, render_target, row_of, screenshot_posts
from archiver.store import Archive, Observation
from archiver.store.screenshots import save_screenshots, screenshots_for
from tests.conftest import make_post


def test_png_size_reads_the_header() -> None:
    out = io.BytesIO()
    Image.new("RGB", (321, 4567), (1, 2, 3)).save(out, "PNG")
    assert png_size(out.getvalue()) == (321, 4567)
    assert png_size(b"GIF89a" + bytes(40)) is None
    assert png_size(b"") is None


def _archive_with_post(home: Path) -> Archive:
    archive = Archive(home)
    archive.add([Observation.of_post(make_post(), [])])
    return archive


def test_a_stored_post_renders_its_embed_page(home: Path) -> None:
    with _archive_with_post(home) as archive:
        stored = archive.get("twitter:1000000000000000001")
        assert stored is not None
        target = render_target(stored, load_settings())
    assert target.key == "twitter:1000000000000000001"
    assert target.url == "https://platform.twitter.com/embed/Tweet.html?id=1000000000000000001"


def test_a_shot_becomes_a_row_with_its_blob_and_a_failure_is_kept(home: Path) -> None:
    out = io.BytesIO()
    Image.new("RGB", (800, 1200), (200, 10, 10)).save(out, "PNG")
    png = out.getvalue()
    base = {
        "key": "twitter:1000000000000000001",
        "url": "https://platform.twitter.com/embed/Tweet.html?id=1000000000000000001",
        "taken_at": "2026-01-07T10:00:00Z",
        "viewport_width": 800,
        "viewport_height": 600,
        "browser_version": "156.0",
    }
    late = Shot(
        png=png,
        settled=False,
        http_status=200,
        blocked=(Blocked("http://10.0.0.5/x", "a private address"),),
        **base,  # type: ignore[arg-type]
    )
    failed = Shot(png=None, settled=True, error="the page could not be loaded", **base)  # type: ignore[arg-type]
    with _archive_with_post(home) as archive:
        capture_id = archive.captures("twitter:1000000000000000001")[-1].id
        save_screenshots(
            archive, [row_of(archive, late, capture_id), row_of(archive, failed, None)]
        )
        first, second = screenshots_for(archive, [base["key"]])[base["key"]]
        assert archive.blobs.locate(first.sha256 or "").read_bytes() == png
    assert (first.width, first.height, first.settled) == (800, 1200, False)
    assert first.capture_id == capture_id
    assert first.blocked() == [{"url": "http://10.0.0.5/x", "reason": "a private address"}]
    assert second.sha256 is None and second.error == "the page could not be loaded"


def test_posts_the_archive_does_not_hold_start_no_browser(home: Path, tmp_path: Path) -> None:
    settings = load_settings()
    settings.screenshot.browser = str(tmp_path / "no-chromium")
    with Archive(home) as archive:
        nothing = {"taken": 0, "unsettled": 0, "failed": 0, "blocked": 0}
        assert screenshot_posts(archive, settings, ["twitter:1"]).to_json() == nothing
        archive.add([Observation.of_post(make_post(), [])])
        with pytest.raises(BrowserMissing):
            screenshot_posts(archive, settings, ["twitter:1000000000000000001"])
