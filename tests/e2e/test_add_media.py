"""Acceptance of ``archiver add --media``: media files downloaded (size cap, content-type
check), stored by their SHA-256, recorded in the media table and linked from the record."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tests.e2e.posts import TOOT_ID, toot_key, toot_url
from tests.e2e.replay import Answer, Replay, fixture_json, write_config
from tests.e2e.stored import blob, captures, media, posts, run_cli

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def status_with_media(replay: Replay, *paths: str) -> dict[str, Any]:
    """The Mastodon status fixture with its attachments served by the replay server."""
    status = fixture_json("mastodon", "status-ok.200.json")
    first = status["media_attachments"][0]
    status["media_attachments"] = [
        {**first, "id": str(n), "url": replay.url(path)} for n, path in enumerate(paths)
    ]
    return status


def stored_blob_names(home: Path) -> set[str]:
    return {p.name for p in (home / "blobs" / "sha256").rglob("*") if p.is_file()}


def test_media_are_downloaded_checked_and_stored_by_their_hash(replay: Replay, home: Path) -> None:
    config = write_config(home.parent / "media.toml", replay.base_url, media={"max_bytes": 4096})
    status = status_with_media(replay, "/media/gauge.png", "/media/flood.mp4", "/media/login.jpg")
    replay.mastodon(TOOT_ID, Answer.json(status))
    replay.on("/media/gauge.png", Answer(body=PHOTO, content_type="image/png"))
    replay.on("/media/flood.mp4", Answer(body=b"\0" * 10_000, content_type="video/mp4"))
    replay.on("/media/login.jpg", Answer.html("<html>please log in</html>"))

    run = run_cli("add", "--media", toot_url(replay), home=home, config=config)

    assert run.exit_code == 0, run.output
    digest = hashlib.sha256(PHOTO).hexdigest()
    assert blob(home, digest) == PHOTO
    key = toot_key(replay)
    rows = media(home, key)
    gauge = rows[replay.url("/media/gauge.png")]
    assert (gauge["sha256"], gauge["content_type"], gauge["size"]) == (digest, "image/png", 1032)
    assert rows[replay.url("/media/flood.mp4")]["sha256"] is None  # over media.max_bytes
    assert rows[replay.url("/media/login.jpg")]["sha256"] is None  # not an image
    record_media = {m["url"]: m for m in posts(home)[key]["record"]["media"]}
    assert record_media[replay.url("/media/gauge.png")]["sha256"] == digest
    assert record_media[replay.url("/media/gauge.png")]["content_type"] == "image/png"
    [warning] = run.lines("warning")
    assert warning.startswith(f"warning {toot_url(replay)}: media not downloaded: ")
    assert "media.max_bytes" in warning and "text/html" in warning
    assert digest in stored_blob_names(home)
    assert hashlib.sha256(b"\0" * 10_000).hexdigest() not in stored_blob_names(home)


def test_add_media_downloads_the_media_of_a_post_archived_without_them(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.mastodon(TOOT_ID, Answer.json(status_with_media(replay, "/media/gauge.png")))
    replay.on("/media/gauge.png", Answer(body=PHOTO, content_type="image/png"))
    key, url = toot_key(replay), toot_url(replay)
    run_cli("add", url, home=home, config=replay_config)
    assert media(home, key)[replay.url("/media/gauge.png")]["sha256"] is None

    with_media = run_cli("add", "--media", url, "--json", home=home, config=replay_config)
    again = run_cli("add", "--media", url, "--json", home=home, config=replay_config)

    digest = hashlib.sha256(PHOTO).hexdigest()
    assert with_media.exit_code == 0, with_media.output
    assert with_media.summary()["unchanged"] == 1
    row = media(home, key)[replay.url("/media/gauge.png")]
    assert (row["sha256"], row["size"]) == (digest, len(PHOTO))
    assert blob(home, digest) == PHOTO
    assert len(captures(home, key)) == 1  # the same answer is not a second capture
    assert again.summary()["skipped"] == 1  # every file is there now: nothing to fetch
    assert len(replay.hits("/media/gauge.png")) == 1
