"""Acceptance of ``--screenshot``: ``add`` and ``recheck`` render each post's embed page in
the system's Chromium, against the replay server standing in for every platform.

Each platform's embed page is an imitation (tests/browser/pages.py: a card with an avatar
image and an element filled in after loading) served where the ``[endpoints]`` send the
browser; Telegram's is its real-shaped ``?embed=1`` widget fixture, and a generic page is
rendered itself.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from tests.browser.pages import AVATAR_RGB, EMBED_PAGES, LATE_RGB, embed_page, solid_png
from tests.chromium import chromium_needed
from tests.e2e.posts import (
    ARTICLE,
    BSKY_DID,
    BSKY_KEY,
    TELEGRAM_URL,
    X_ID,
    X_KEY,
    serve_one_of_each,
    toot_key,
    toot_url,
)
from tests.e2e.replay import Answer, Replay, write_config
from tests.e2e.stored import blob, count, query, run_cli
from tests.evidence.tsa_server import running_tsa, timestamps_table

PRIVATE_IMAGE = "http://10.0.0.5/pixel.png"


def serve_embed_pages(replay: Replay) -> dict[str, str]:
    """The embed page of each fixture post on the replay server; post key -> page URL."""
    replay.on("/avatar.png", Answer(200, solid_png(AVATAR_RGB, (48, 48)), "image/png"))
    replay.on("/counts.json", Answer.json({"likes": 12}))
    shapes = list(EMBED_PAGES.values())
    pages = {
        X_KEY: f"/embed/Tweet.html?id={X_ID}",
        toot_key(replay): f"/@alice/{toot_url(replay).rsplit('/', 1)[1]}/embed",
        BSKY_KEY: f"/embed/{BSKY_DID}/app.bsky.feed.post/3lp3gy6ehhc4g",
        # The post's canonical URL, which keeps no slug.
        "reddit:1c9k2mf": "/r/FakeCityNews/comments/1c9k2mf/",
    }
    for (key, path), shape in zip(pages.items(), shapes, strict=False):
        markup = embed_page(shape).decode()
        if key == X_KEY:  # a tracker on an internal address, which must be refused
            markup = markup.replace("</body>", f'<img src="{PRIVATE_IMAGE}"></body>')
        replay.on(path.split("?", 1)[0], Answer.html(markup))
        pages[key] = replay.url(path)
    pages["telegram:riversidewatch/4821"] = replay.url(
        TELEGRAM_URL.removeprefix("https://t.me") + "?embed=1"
    )
    return pages


@pytest.fixture
def shot_config(replay: Replay, tmp_path: Path) -> Path:
    """Every endpoint on the replay server, and a page deadline no loaded test machine
    reaches (the deadline itself is tested in tests/browser)."""
    return write_config(
        tmp_path / "config.toml", replay.base_url, screenshot={"page_deadline_seconds": 120.0}
    )


def screenshots(home: Path) -> dict[str, dict[str, object]]:
    return {row["post_key"]: row for row in query(home, "SELECT * FROM screenshots ORDER BY id")}


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


@chromium_needed("add --screenshot not tested")
def test_add_screenshot_stores_a_png_per_post(
    replay: Replay, shot_config: Path, home: Path
) -> None:
    urls = serve_one_of_each(replay)
    pages = serve_embed_pages(replay)
    run = run_cli("add", "--screenshot", *urls, home=home, config=shot_config)
    assert run.exit_code == 0, run.output
    assert "screenshots: 6 taken, 0 not settled, 0 failed, 1 request(s) refused" in run.output, (
        run.output
    )
    shots = screenshots(home)
    keys = {row["key"] for row in query(home, "SELECT key FROM posts")}
    assert set(shots) == keys and len(keys) == 6
    for key, row in shots.items():
        assert row["url"] == pages.get(key, replay.url(ARTICLE)), key  # a page: itself
        assert row["settled"] == 1 and row["error"] is None and row["http_status"] == 200
        assert row["viewport_width"] == 800 and row["viewport_height"] == 600
        refused = [item["url"] for item in json.loads(str(row["blocked_json"]))]
        assert refused == ([PRIVATE_IMAGE] if key == X_KEY else []), key
        assert row["browser_version"][0].isdigit()
        newest = query(home, "SELECT MAX(id) AS id FROM captures WHERE post_key = ?", key)
        assert row["capture_id"] == newest[0]["id"]
        image = _png(blob(home, str(row["sha256"])))
        assert image.size == (row["width"], row["height"]) and image.width == 800
        assert len(image.getcolors(1 << 24) or []) > 10, key  # not a blank page
        if key in (X_KEY, BSKY_KEY, "reddit:1c9k2mf") or key.startswith("mastodon:"):
            assert image.height > 600  # the whole imitation page, not the window
            assert (image.getcolors(1 << 24) or []) and any(
                colour == LATE_RGB for _, colour in image.getcolors(1 << 24) or []
            ), key  # the element the page added after loading
    shown = json.loads(run_cli("show", X_KEY, "--json", home=home).stdout)
    assert [s["sha256"] for s in shown["screenshots"]] == [shots[X_KEY]["sha256"]]
    assert shown["screenshots"][0]["viewport"] == {"width": 800, "height": 600}


@chromium_needed("recheck --screenshot not tested")
def test_recheck_screenshot_adds_a_screenshot_per_checked_post(
    replay: Replay, shot_config: Path, home: Path
) -> None:
    urls = serve_one_of_each(replay)
    serve_embed_pages(replay)
    assert run_cli("add", *urls[:2], home=home, config=shot_config).exit_code == 0
    assert count(home, "screenshots") == 0
    run = run_cli("recheck", "--all", "--screenshot", home=home, config=shot_config)
    assert run.exit_code == 0, run.output
    rows = query(home, "SELECT post_key, sha256 FROM screenshots")
    assert sorted(r["post_key"] for r in rows) == sorted([X_KEY, toot_key(replay)])
    assert all(r["sha256"] for r in rows)


def test_without_a_browser_screenshot_fails_in_one_line_and_nothing_else_changes(
    replay: Replay, home: Path, tmp_path: Path
) -> None:
    urls = serve_one_of_each(replay)
    config = write_config(
        tmp_path / "no-browser.toml",
        replay.base_url,
        screenshot={"browser": str(tmp_path / "no-chromium")},
    )
    run = run_cli("add", "--screenshot", *urls, home=home, config=config)
    assert run.exit_code != 0
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "apt install chromium" in lines[0], run.output
    assert replay.seen == []  # refused before anything was fetched
    # Everything else works as before with the same configuration.
    assert run_cli("add", *urls, home=home, config=config).exit_code == 0
    assert count(home, "posts") == 6 and count(home, "screenshots") == 0


@chromium_needed("screenshots in bundles not tested")
def test_screenshots_are_timestamped_exported_shown_and_verified(
    replay: Replay, shot_config: Path, home: Path, tmp_path: Path
) -> None:
    """As a new user would: add with screenshots (a time-stamping authority running),
    export, verify; the page shows them; one changed byte of a PNG is named by verify."""
    urls = serve_one_of_each(replay)[:2]
    serve_embed_pages(replay)
    out = tmp_path / "bundle"
    with running_tsa() as tsa:
        config = tmp_path / "with-tsa.toml"
        config.write_text(
            shot_config.read_text("utf-8")
            + "\n"
            + timestamps_table(tmp_path, tsa.url, pki=tsa.pki),
            "utf-8",
        )
        added = run_cli("add", "--screenshot", *urls, home=home, config=config)
        assert added.exit_code == 0, added.output
        assert "timestamped 2 new capture(s) and 2 screenshot(s)" in added.output
        exported = run_cli("export", "--all", "--out", out, home=home, config=config)
        assert exported.exit_code == 0, exported.output
        verified = run_cli("verify", out, "--config", config)
    assert verified.exit_code == 0, verified.output
    shots = query(home, "SELECT post_key, sha256 FROM screenshots ORDER BY id")
    for shot in shots:
        assert f"{shot['post_key']} screenshot taken " in verified.stdout
    names = {f"data/screenshots/{shot['sha256']}.png" for shot in shots}
    manifest = (out / "manifest-sha256.txt").read_text("utf-8")
    for name in names:
        assert (out / name).read_bytes() == blob(home, name.split("/")[-1][:-4])
        assert f"  {name}\n" in manifest
    listed = [json.loads(line) for line in (out / "data/captures/screenshots.jsonl").open()]
    assert {entry["path"] for entry in listed} == {n.removeprefix("data/") for n in names}
    assert all(entry["settled"] and entry["browser"] for entry in listed)
    page = (out / "data/index.html").read_text("utf-8")
    for name in names:
        assert f'<img class="screenshot" src="{name.removeprefix("data/")}"' in page

    damaged = out / sorted(names)[0]
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    altered = run_cli("verify", out, "--config", config)
    assert altered.exit_code == 1
    assert any(sorted(names)[0] in line for line in altered.lines("FAILED")), altered.output


@chromium_needed("add --screenshot not tested")
def test_documents_alone_are_not_rendered_and_the_run_says_so(home: Path) -> None:
    article = Path(__file__).resolve().parents[2] / "fixtures" / "articles" / "news-x-embeds.html"
    run = run_cli("add", "--screenshot", article, home=home)
    assert run.exit_code == 0, run.output
    assert "--screenshot renders posts fetched live" in run.output
    assert count(home, "posts") == 5 and count(home, "screenshots") == 0
