"""Rechecks against the local replay server: deletions, edits, outages and rate limits.

Each test archives posts by really fetching them, flips what the server answers, then
rechecks and reads the check rows and post statuses straight from the database: the
SQLite file, then a PostgreSQL one (every test runs on both engines, see ``conftest.py``).
"""

from __future__ import annotations

import time

import pytest

from archiver.config import Settings
from archiver.recheck import CheckReport, Selection, plan_recheck, recheck, run_recheck
from archiver.store import Archive, Evidence, Observation
from tests.conftest import make_post
from tests.recheck.conftest import Replay, archive_urls, db_rows, failure, fixture, route

PHOTO = "2008902282974425946"
VIDEO = "2008942995769085702"
QUOTE = "2009176412265810323"
NOTE = "2009896798101400706"
TWEETS = {
    PHOTO: ("marisol_ol", "ok-photo"),
    VIDEO: ("kenji_wr", "ok-video-reply"),
    QUOTE: ("journalnordique", "ok-quote-gif"),
    NOTE: ("petralindgren", "ok-long-note"),
}
TELEGRAM_TEXT = "RiversideWatch/4821"
TELEGRAM_VIDEO = "RiversideWatch/4833"
TELEGRAM_EDITED = "telegram:riversidewatch/4821"
TELEGRAM_GONE = "telegram:riversidewatch/4833"
BLUESKY_DID = "did:plc:k4t7vqzm2xw5n3rdj6hya2pe"
BLUESKY = f"bluesky:{BLUESKY_DID}/3lp3gy6ehhc4g"
REDDIT = "reddit:1c9k2mf"
YOUTUBE = "youtube:Xk3vQ9pL2mA"


def tweet_url(status_id: str) -> str:
    return f"https://x.com/{TWEETS[status_id][0]}/status/{status_id}"


def serve_twitter(replay: Replay) -> None:
    for status_id, (_, name) in TWEETS.items():
        replay.set(
            f"tw-{status_id}",
            route("/tweet-result", id=status_id),
            fixture(f"twitter/responses/{name}.200.json"),
        )


def serve_telegram(replay: Replay) -> None:
    replay.set(
        TELEGRAM_TEXT, route(f"/{TELEGRAM_TEXT}"), fixture("telegram/responses/ok-text.200.html")
    )
    replay.set(
        TELEGRAM_VIDEO, route(f"/{TELEGRAM_VIDEO}"), fixture("telegram/responses/ok-video.200.html")
    )


def serve_others(replay: Replay) -> None:
    replay.set(
        "bluesky",
        route("/xrpc/app.bsky.feed.getPostThread", uri="*3lp3gy6ehhc4g*"),
        fixture("bluesky/responses/ok-images.200.json"),
    )
    replay.set(
        "reddit", route("/comments/1c9k2mf/.json"), fixture("reddit/responses/self-post.200.json")
    )
    replay.set(
        "youtube-oembed",
        route("/oembed", url="*Xk3vQ9pL2mA*"),
        fixture("youtube/responses/oembed-ok.200.json"),
    )
    replay.set(
        "youtube-watch",
        route("/watch", v="Xk3vQ9pL2mA"),
        fixture("youtube/responses/watch-ok.200.html"),
    )


MIXED_URLS = [
    *(tweet_url(status_id) for status_id in TWEETS),
    f"https://t.me/{TELEGRAM_TEXT}",
    f"https://t.me/{TELEGRAM_VIDEO}",
    "https://bsky.app/profile/ilse.bsky.social/post/3lp3gy6ehhc4g",
    "https://www.reddit.com/r/FakeCityNews/comments/1c9k2mf/council_meeting_moved_to_thursday/",
    "https://www.youtube.com/watch?v=Xk3vQ9pL2mA",
]


@pytest.fixture
def mixed(replay: Replay, archive: Archive, settings: Settings) -> Archive:
    """Nine posts on five platforms, archived live from the replay server."""
    serve_twitter(replay)
    serve_telegram(replay)
    serve_others(replay)
    archive_urls(archive, settings, MIXED_URLS)
    return archive


def latest_checks(archive: Archive) -> dict[str, tuple[object, ...]]:
    rows = db_rows(
        archive,
        "SELECT post_key, outcome, http_status, reason, content_hash, capture_id, previous_outcome "
        "FROM checks ORDER BY id",
    )
    return {str(row[0]): row[1:] for row in rows}


def statuses(archive: Archive) -> dict[str, str]:
    return {
        str(key): str(status) for key, status in db_rows(archive, "SELECT key, status FROM posts")
    }


def test_first_recheck_of_unchanged_posts_records_them_available(
    mixed: Archive, settings: Settings
) -> None:
    summary = recheck(mixed, settings, Selection(all=True))

    assert summary.counts == {"available": 9}
    assert summary.errors == 0 and summary.newly_gone == 0
    rows = latest_checks(mixed)
    assert len(rows) == 9
    assert {row[0] for row in rows.values()} == {"available"}
    # every live capture already exists, so no capture is stored again
    assert {row[4] for row in rows.values()} == {None}
    assert set(statuses(mixed).values()) == {"archived"}


def test_deleted_private_suspended_edited_and_telegram_not_found(
    mixed: Archive, settings: Settings, replay: Replay
) -> None:
    replay.answer(f"tw-{PHOTO}", fixture("twitter/responses/tombstone-deleted.200.json"))
    replay.answer(f"tw-{VIDEO}", fixture("twitter/responses/tombstone-private.200.json"))
    replay.answer(f"tw-{QUOTE}", fixture("twitter/responses/tombstone-suspended.200.json"))
    replay.answer(
        TELEGRAM_TEXT,
        fixture(
            "telegram/responses/ok-text.200.html",
            **{"Pumping station 3 is offline again.": "Pumping station 3 is back online."},
        ),
    )
    replay.answer(TELEGRAM_VIDEO, fixture("telegram/responses/not-found.200.html"))
    replay.answer("bluesky", fixture("bluesky/responses/not-found.400.json"))
    replay.answer("reddit", fixture("reddit/responses/deleted.200.json"))
    captures_before = db_rows(mixed, "SELECT COUNT(*) FROM captures")[0][0]

    summary = recheck(mixed, settings, Selection(all=True))

    rows = latest_checks(mixed)
    assert rows[f"twitter:{PHOTO}"][:3] == ("deleted", 200, "deleted")
    assert rows[f"twitter:{VIDEO}"][:3] == ("private", 200, "private")
    assert rows[f"twitter:{QUOTE}"][:3] == ("suspended", 200, "suspended")
    assert rows[TELEGRAM_GONE][:3] == ("deleted", 200, "not_found")
    assert rows[BLUESKY][:3] == ("deleted", 400, "not_found")
    assert rows[REDDIT][:3] == ("deleted", 200, "deleted")
    assert rows[f"twitter:{NOTE}"][0] == "available"
    assert rows[YOUTUBE][0] == "available"
    edited = rows[TELEGRAM_EDITED]
    assert edited[0] == "changed" and edited[4] is not None  # the edit was stored
    assert summary.counts == {
        "available": 2,
        "changed": 1,
        "deleted": 4,
        "private": 1,
        "suspended": 1,
    }
    assert summary.newly_gone == 6

    now = statuses(mixed)
    assert now[f"twitter:{PHOTO}"] == "deleted"
    assert now[f"twitter:{VIDEO}"] == "private"
    assert now[f"twitter:{QUOTE}"] == "suspended"
    assert now[TELEGRAM_GONE] == "not_found"
    assert now[TELEGRAM_EDITED] == "archived"

    # captures are append-only: the edit and the six gone answers were added, none replaced
    captures_after = db_rows(mixed, "SELECT COUNT(*) FROM captures")[0][0]
    assert captures_after == captures_before + 7
    texts = db_rows(
        mixed,
        "SELECT record_json FROM captures WHERE post_key = ? AND record_json IS NOT NULL "
        "ORDER BY id",
        TELEGRAM_EDITED,
    )
    assert "offline again" in str(texts[0][0]) and "back online" in str(texts[-1][0])
    stored = db_rows(mixed, "SELECT content_hash FROM captures WHERE id = ?", edited[4])
    assert stored == [(edited[3],)]
    merged = db_rows(mixed, "SELECT text, content_hash FROM posts WHERE key = ?", TELEGRAM_EDITED)
    assert "back online" in str(merged[0][0]) and merged[0][1] == edited[3]


def test_a_second_recheck_of_a_gone_post_appends_without_a_new_capture(
    mixed: Archive, settings: Settings, replay: Replay
) -> None:
    replay.answer(f"tw-{PHOTO}", fixture("twitter/responses/tombstone-deleted.200.json"))
    recheck(mixed, settings, Selection(targets=(tweet_url(PHOTO),)))
    captures = db_rows(mixed, "SELECT COUNT(*) FROM captures")[0][0]

    summary = recheck(mixed, settings, Selection(targets=(f"twitter:{PHOTO}",)))

    checks = db_rows(mixed, "SELECT outcome, previous_outcome, run_id FROM checks ORDER BY id")
    assert [row[:2] for row in checks] == [("deleted", "available"), ("deleted", "deleted")]
    assert checks[0][2] != checks[1][2]
    assert summary.newly_gone == 0
    assert db_rows(mixed, "SELECT COUNT(*) FROM captures")[0][0] == captures


def test_an_outage_is_an_error_and_never_a_deletion(
    mixed: Archive, settings: Settings, replay: Replay
) -> None:
    replay.answer("bluesky", failure(503))
    selection = Selection(platform="bluesky")

    first = recheck(mixed, settings, selection)

    assert first.counts == {"error": 1} and first.errors == 1
    outcome, http_status, reason, *_ = latest_checks(mixed)[BLUESKY]
    assert (outcome, http_status, reason) == ("error", 503, None)
    assert statuses(mixed)[BLUESKY] == "archived"
    assert replay.hits["bluesky"] == 3  # every attempt the config allows

    replay.answer("bluesky", fixture("bluesky/responses/ok-images.200.json"))
    second = recheck(mixed, settings, selection)

    assert second.counts == {"available": 1}
    outcomes = [row[0] for row in db_rows(mixed, "SELECT outcome FROM checks ORDER BY id")]
    assert outcomes == ["error", "available"]
    assert statuses(mixed)[BLUESKY] == "archived"


def test_a_503_that_recovers_within_the_retries_is_available(
    mixed: Archive, settings: Settings, replay: Replay
) -> None:
    replay.answer(
        "bluesky", failure(503), failure(503), fixture("bluesky/responses/ok-images.200.json")
    )

    summary = recheck(mixed, settings, Selection(targets=(BLUESKY,)))

    assert summary.counts == {"available": 1}
    assert replay.hits["bluesky"] == 3


def test_a_rate_limited_host_is_waited_for_then_checked(
    mixed: Archive, settings: Settings, replay: Replay
) -> None:
    replay.answer(
        "youtube-oembed",
        failure(429, **{"Retry-After": "1"}),
        fixture("youtube/responses/oembed-ok.200.json"),
    )
    replay.answer(f"tw-{NOTE}", failure(429, **{"Retry-After": "1"}))

    summary = recheck(mixed, settings, Selection(targets=(YOUTUBE, f"twitter:{NOTE}")))

    rows = latest_checks(mixed)
    assert rows[YOUTUBE][0] == "available"
    assert rows[f"twitter:{NOTE}"][:2] == ("error", 429)
    assert summary.errors == 1
    assert statuses(mixed)[f"twitter:{NOTE}"] == "archived"
    assert replay.hits["youtube-oembed"] == 2


def test_a_post_that_returns_is_available_again(
    mixed: Archive, settings: Settings, replay: Replay
) -> None:
    replay.answer(f"tw-{VIDEO}", fixture("twitter/responses/tombstone-private.200.json"))
    recheck(mixed, settings, Selection(targets=(f"twitter:{VIDEO}",)))
    assert statuses(mixed)[f"twitter:{VIDEO}"] == "private"

    replay.answer(f"tw-{VIDEO}", fixture("twitter/responses/ok-video-reply.200.json"))
    recheck(mixed, settings, Selection(targets=(f"twitter:{VIDEO}",)))

    checks = db_rows(mixed, "SELECT outcome, previous_outcome FROM checks ORDER BY id")
    assert checks == [("private", "available"), ("available", "private")]
    assert statuses(mixed)[f"twitter:{VIDEO}"] == "archived"


def test_an_interrupted_recheck_resumes_where_it_stopped(
    mixed: Archive, settings: Settings
) -> None:
    seen: list[str] = []

    def stop_after_four(report: CheckReport) -> None:
        seen.append(report.key)
        if len(seen) == 4:
            raise KeyboardInterrupt

    plan = plan_recheck(mixed, Selection(all=True))
    with pytest.raises(KeyboardInterrupt):
        run_recheck(mixed, settings, plan, progress=stop_after_four, batch_size=3)

    first_part = db_rows(mixed, "SELECT post_key, run_id FROM checks")
    assert sorted(str(row[0]) for row in first_part) == sorted(seen)
    assert db_rows(mixed, "SELECT state FROM recheck_runs") == [("running",)]
    if mixed.postgres:  # the posts it had claimed are free at once, not when its lease ends
        live = "SELECT item FROM work_claims WHERE NOT done AND lease_until > ?"
        assert db_rows(mixed, live, time.time()) == []

    resumed = plan_recheck(mixed, Selection(all=True))
    assert resumed.resumed and resumed.run_id == plan.run_id
    assert (resumed.total, resumed.already_checked) == (5, 4)
    summary = run_recheck(mixed, settings, resumed)

    assert sum(summary.counts.values()) == 5
    rows = db_rows(mixed, "SELECT post_key, run_id FROM checks")
    assert len(rows) == 9 and len({row[0] for row in rows}) == 9
    assert {row[1] for row in rows} == {plan.run_id}
    assert summary.run_counts == {"available": 9}
    assert db_rows(mixed, "SELECT state FROM recheck_runs") == [("finished",)]


def test_restart_abandons_the_unfinished_run(mixed: Archive, settings: Settings) -> None:
    def stop(report: CheckReport) -> None:
        raise KeyboardInterrupt

    plan = plan_recheck(mixed, Selection(platform="twitter"))
    with pytest.raises(KeyboardInterrupt):
        run_recheck(mixed, settings, plan, progress=stop)

    fresh = plan_recheck(mixed, Selection(platform="twitter"), restart=True)

    assert not fresh.resumed and fresh.run_id != plan.run_id and fresh.total == 4
    states = db_rows(mixed, "SELECT id, state FROM recheck_runs ORDER BY id")
    assert states == [(plan.run_id, "abandoned"), (fresh.run_id, "running")]


def test_not_checked_since_skips_recently_checked_posts(mixed: Archive, settings: Settings) -> None:
    recheck(mixed, settings, Selection(platform="telegram"))

    plan = plan_recheck(mixed, Selection(not_checked_since="30d"))

    assert plan.total == 7


def test_posts_from_flattened_text_are_skipped_with_a_reason(
    mixed: Archive, settings: Settings
) -> None:
    flattened = make_post(
        "text-0123456789abcdef", url="https://x.com/riverwatch", method="text-embed", media=[]
    )
    mixed.add([Observation.of_post(flattened, [Evidence(url="article.txt", body=b"article")])])
    skipped: list[CheckReport] = []

    summary = recheck(
        mixed,
        settings,
        Selection(platform="twitter"),
        progress=lambda report: skipped.append(report) if report.outcome == "skipped" else None,
    )

    assert summary.counts == {"available": 4, "skipped": 1}
    assert [report.key for report in skipped] == ["twitter:text-0123456789abcdef"]
    assert "no post id" in (skipped[0].detail or "")
    assert db_rows(mixed, "SELECT COUNT(*) FROM checks WHERE post_key = ?", skipped[0].key) == [
        (0,)
    ]
