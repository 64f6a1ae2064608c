"""Acceptance: deleted, private and suspended posts are reported with their reason and
stored as such; a post that goes, or is edited, after it was archived keeps what it said."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.posts import (
    TOOT_ID,
    X_ID,
    X_KEY,
    X_URL,
    toot_key,
    toot_url,
)
from tests.e2e.replay import (
    Answer,
    Replay,
    fixture,
    fixture_json,
)
from tests.e2e.stored import (
    captures,
    check_evidence,
    posts,
    run_cli,
    warcio_check,
)

# -- deleted, private, suspended -------------------------------------------------------------


def test_deleted_private_and_suspended_posts_are_stored_with_their_reason(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.twitter("2009588461598229911", fixture("twitter", "tombstone-deleted.200.json"))
    replay.twitter("2009896798101400706", fixture("twitter", "tombstone-private.200.json"))
    replay.twitter("2006079303616040052", fixture("twitter", "tombstone-suspended.200.json"))
    replay.mastodon("114103637122999999", fixture("mastodon", "status-suspended.200.json"))
    replay.mastodon("114103637122900000", fixture("mastodon", "not-found.404.json"))
    replay.bluesky("ilse.bsky.social", "3lpa6alvwo2jg", fixture("bluesky", "not-found.400.json"))
    replay.reddit("1ce5y3r", fixture("reddit", "deleted.200.json"))
    replay.reddit("1cz9zzz", fixture("reddit", "private.403.json"))
    replay.telegram("closed_newsroom", "17", fixture("telegram", "private.200.html"))
    replay.on("/news/2026/01/withdrawn-story/", fixture("web", "gone.410.html"))
    expected = {
        "https://x.com/nightdesk_ana/status/2009588461598229911": (
            "twitter:2009588461598229911",
            "deleted",
            "api",
        ),
        "https://x.com/petralindgren/status/2009896798101400706": (
            "twitter:2009896798101400706",
            "private",
            "api",
        ),
        "https://x.com/civicdata_lab/status/2006079303616040052": (
            "twitter:2006079303616040052",
            "suspended",
            "api",
        ),
        toot_url(replay, "114103637122999999"): (
            toot_key(replay, "114103637122999999"),
            "suspended",
            "api",
        ),
        toot_url(replay, "114103637122900000"): (
            toot_key(replay, "114103637122900000"),
            "not_found",
            "api",
        ),
        "https://bsky.app/profile/ilse.bsky.social/post/3lpa6alvwo2jg": (
            "bluesky:ilse.bsky.social/3lpa6alvwo2jg",
            "not_found",
            "api",
        ),
        "https://www.reddit.com/r/FakeCityNews/comments/1ce5y3r/": (
            "reddit:1ce5y3r",
            "deleted",
            "api",
        ),
        "https://www.reddit.com/r/closedsub/comments/1cz9zzz/": (
            "reddit:1cz9zzz",
            "private",
            "api",
        ),
        "https://t.me/closed_newsroom/17": ("telegram:closed_newsroom/17", "private", "widget"),
        replay.url("/news/2026/01/withdrawn-story/"): (
            f"web:{replay.url('/news/2026/01/withdrawn-story/')}",
            "deleted",
            "page-meta",
        ),
    }

    run = run_cli("add", *expected, home=home, config=replay_config)

    assert run.exit_code == 0, run.output  # a post that is gone is a finding, not a failure
    assert "failed" not in run.stderr
    lines = run.lines("unavailable")
    assert len(lines) == len(expected)
    stored = posts(home)
    for url, (key, reason, method) in expected.items():
        [line] = [line for line in lines if line.startswith(f"unavailable {url}: ")]
        assert line.startswith(f"unavailable {url}: {reason}: ")
        row = stored[key]
        assert (row["status"], row["record"]) == (reason, None)
        assert row["status_detail"]
        [capture] = captures(home, key)
        assert (capture["status"], capture["method"]) == (reason, method)
        assert capture["content_hash"] is None
        check_evidence(home, capture)
    assert "This Post was deleted" in stored["twitter:2009588461598229911"]["status_detail"]
    warcio_check(home)


def test_a_post_deleted_after_it_was_archived_keeps_its_record(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))
    assert run_cli("add", X_URL, home=home, config=replay_config).exit_code == 0
    archived = posts(home)[X_KEY]

    replay.twitter(X_ID, fixture("twitter", "tombstone-deleted.200.json"))
    skipped = run_cli("add", X_URL, "--json", home=home, config=replay_config)
    refreshed = run_cli("add", X_URL, "--refresh", "--json", home=home, config=replay_config)

    assert skipped.summary()["skipped"] == 1
    assert len(replay.hits("/tweet-result")) == 2  # the skipped run asked nothing
    assert refreshed.exit_code == 0
    assert (refreshed.summary()["updated"], refreshed.summary()["unavailable"]) == (1, 1)
    row = posts(home)[X_KEY]
    assert row["status"] == "deleted"
    assert row["record"] == archived["record"]  # what it said is kept
    assert row["content_hash"] == archived["content_hash"]
    assert [c["status"] for c in captures(home, X_KEY)] == ["archived", "deleted"]


def test_an_edited_post_is_updated_and_both_versions_are_kept(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    status = fixture_json("mastodon", "status-ok.200.json")
    replay.mastodon(TOOT_ID, Answer.json(status))
    assert run_cli("add", toot_url(replay), home=home, config=replay_config).exit_code == 0

    status["content"] = "<p>Correction: the barriers failed once, not twice.</p>"
    status["edited_at"] = "2025-03-04T12:00:00.000Z"
    replay.mastodon(TOOT_ID, Answer.json(status))
    run = run_cli("add", toot_url(replay), "--refresh", "--json", home=home, config=replay_config)

    assert run.summary()["updated"] == 1
    key = toot_key(replay)
    assert posts(home)[key]["text"] == "Correction: the barriers failed once, not twice."
    first, second = captures(home, key)
    assert first["record"]["text"].startswith("Flood barriers at the #Riverside depot")
    assert second["record"]["text"].startswith("Correction:")
    assert first["content_hash"] != second["content_hash"]
