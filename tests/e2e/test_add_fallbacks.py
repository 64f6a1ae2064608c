"""Acceptance: when a platform's first endpoint keeps failing after every retry (5xx,
timeouts), its second endpoint answers, for every platform that has one, and the capture
says which endpoint it was. One mechanism (the fetch driver) serves them all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.replay import Answer, Replay, fixture, fixture_json, write_config
from tests.e2e.stored import captures, check_evidence, posts, run_cli

#: The post ``fixtures/twitter/responses/oembed-ok.200.json`` answers for.
X_ID = "2009588461598229911"
X_URL = f"https://x.com/nightdesk_ana/status/{X_ID}"
X_KEY = f"twitter:{X_ID}"
TIKTOK_ID = "7613469505275829767"
TIKTOK_URL = f"https://www.tiktok.com/@harbourbakes/video/{TIKTOK_ID}"
YOUTUBE_ID = "Xk3vQ9pL2mA"


def only_capture(home: Path, key: str) -> dict[str, object]:
    assert posts(home)[key]["status"] == "archived"
    [capture] = captures(home, key)
    check_evidence(home, capture)
    return capture


@pytest.mark.parametrize(
    "down", [Answer.error(503), Answer.error(502).with_(delay=1.0)], ids=["503", "timeout"]
)
def test_x_syndication_down_is_answered_by_oembed(replay: Replay, home: Path, down: Answer) -> None:
    config = write_config(home.parent / "c.toml", replay.base_url, http={"timeout_seconds": 0.3})
    replay.twitter(X_ID, down)
    replay.twitter_oembed("nightdesk_ana", X_ID, fixture("twitter", "oembed-ok.200.json"))

    run = run_cli("add", X_URL, home=home, config=config)

    assert run.exit_code == 0, run.output
    assert len(replay.hits("/tweet-result")) == 4  # every retry first (http.max_attempts)
    capture = only_capture(home, X_KEY)
    assert capture["method"] == "oembed"
    assert "/oembed?" in str(capture["source"])
    [warning] = run.lines("warning")
    assert "syndication: GET" in warning and "the fallback endpoint answered" in warning


def test_x_with_both_endpoints_down_fails_in_one_line_naming_both(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.twitter(X_ID, Answer.error(503))
    replay.twitter_oembed("nightdesk_ana", X_ID, Answer.error(503))

    run = run_cli("add", X_URL, home=home, config=replay_config)

    assert run.exit_code == 1
    [line] = run.lines("failed")
    assert "/tweet-result" in line and "/oembed" in line and "HTTP 503" in line
    assert posts(home) == {}


def test_mastodon_api_down_is_answered_by_activitypub(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    def here(name: str) -> Answer:  # the fixture's server is this one
        data = json.dumps(fixture_json("mastodon", name))
        return Answer.json(json.loads(data.replace("https://secure.example", replay.base_url)))

    replay.mastodon("114103637122945249", Answer.error(500))
    replay.on("/@dora/114103637122945249", here("note-ok.200.json"))
    replay.on("/users/dora", here("actor-ok.200.json"))

    toot = replay.url("/@dora/114103637122945249")
    run = run_cli("add", toot, home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    capture = only_capture(home, f"mastodon:{replay.netloc}/114103637122945249")
    assert capture["method"] == "activitypub"


def test_tiktok_oembed_down_is_answered_by_the_video_page(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.tiktok_oembed(TIKTOK_URL, Answer.error(503))
    replay.on(f"/@harbourbakes/video/{TIKTOK_ID}", fixture("tiktok", "page-ok.200.html"))

    run = run_cli("add", TIKTOK_URL, home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    capture = only_capture(home, f"tiktok:{TIKTOK_ID}")
    assert capture["method"] == "page-meta"
    assert posts(home)[f"tiktok:{TIKTOK_ID}"]["record"]["author"]["handle"] == "harbourbakes"


def test_youtube_oembed_down_is_answered_by_the_watch_page(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.on("/oembed", Answer.error(503))
    replay.on("/watch", fixture("youtube", "watch-ok.200.html"), query={"v": YOUTUBE_ID})

    run = run_cli(
        "add", f"https://www.youtube.com/watch?v={YOUTUBE_ID}", home=home, config=replay_config
    )

    assert run.exit_code == 0, run.output
    capture = only_capture(home, f"youtube:{YOUTUBE_ID}")
    assert capture["method"] == "page-meta"
