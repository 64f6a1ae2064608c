"""Rechecks that meet a refusal of archiver instead of an answer about the post.

A challenge or anti-bot page (``fixtures/challenges/``) and a Meta permission error are
``error`` checks with the reason ``blocked`` (or none): they never change a post's status,
never start an absence, and are asked again next time. The archive is built by really
fetching from the local replay server, which then starts answering with the refusal.
"""

from __future__ import annotations

from dataclasses import replace

from archiver.config import Settings
from archiver.recheck import Selection, recheck
from archiver.recheck.history import post_history
from archiver.store import Archive
from tests.recheck.conftest import Replay, archive_urls, db_rows, fixture, route

STATUS_ID = "2008902282974425946"
TWEET = f"twitter:{STATUS_ID}"
TWEET_URL = f"https://x.com/marisol_ol/status/{STATUS_ID}"
INSTAGRAM = "instagram:DaM_Ynr5ZCl"
INSTAGRAM_URL = "https://www.instagram.com/p/DaM_Ynr5ZCl/"


def archive_posts(replay: Replay, archive: Archive, settings: Settings) -> None:
    replay.set(
        "syndication",
        route("/tweet-result", id=STATUS_ID),
        fixture("twitter/responses/ok-photo.200.json"),
    )
    replay.set("oembed", route("/oembed"), fixture("twitter/responses/oembed-ok.200.json"))
    replay.set("instagram", route("/instagram_oembed"), fixture("instagram/responses/ok.200.json"))
    archive_urls(archive, settings, [TWEET_URL, INSTAGRAM_URL])


def last_check(archive: Archive, key: str) -> tuple[object, ...]:
    rows = db_rows(
        archive,
        "SELECT outcome, http_status, reason, detail FROM checks WHERE post_key = ? "
        "ORDER BY id DESC LIMIT 1",
        key,
    )
    return rows[0]


def status(archive: Archive, key: str) -> str:
    return str(db_rows(archive, "SELECT status FROM posts WHERE key = ?", key)[0][0])


def test_a_challenge_page_is_an_error_that_never_marks_a_post_gone(
    replay: Replay, archive: Archive, settings: Settings
) -> None:
    archive_posts(replay, archive, settings)
    challenge = replace(
        fixture("challenges/cloudflare-challenge.403.html"), headers={"cf-mitigated": "challenge"}
    )
    replay.answer("syndication", challenge)
    replay.answer("oembed", challenge)  # X's fallback endpoint is behind the same wall

    summary = recheck(archive, settings, Selection(targets=(TWEET,)))

    assert summary.counts == {"error": 1}
    outcome, http_status, reason, detail = last_check(archive, TWEET)
    assert (outcome, http_status, reason) == ("error", 403, "blocked")
    assert "Cloudflare challenge" in str(detail) and "says nothing about the post" in str(detail)
    assert status(archive, TWEET) == "archived"
    assert post_history(archive, TWEET).first_gone_at is None


def test_a_503_challenge_is_answered_once_not_retried_and_keeps_a_gone_post_gone(
    replay: Replay, archive: Archive, settings: Settings
) -> None:
    archive_posts(replay, archive, settings)
    replay.answer("syndication", fixture("twitter/responses/tombstone-deleted.200.json"))
    recheck(archive, settings, Selection(targets=(TWEET,)))
    gone_at = post_history(archive, TWEET).first_gone_at
    assert status(archive, TWEET) == "deleted" and gone_at is not None

    challenge = fixture("challenges/cloudflare-under-attack.503.html")
    replay.answer("syndication", challenge)
    replay.answer("oembed", challenge)
    recheck(archive, settings, Selection(targets=(TWEET,)))

    assert last_check(archive, TWEET)[:3] == ("error", 503, "blocked")
    assert (replay.hits["syndication"], replay.hits["oembed"]) == (1, 1)  # no retries
    assert status(archive, TWEET) == "deleted"  # neither revived nor gone again
    assert post_history(archive, TWEET).first_gone_at == gone_at


def test_a_meta_permission_error_is_an_error_not_a_deletion(
    replay: Replay, archive: Archive, settings: Settings
) -> None:
    archive_posts(replay, archive, settings)
    replay.answer("instagram", fixture("instagram/responses/missing-permissions.400.json"))

    summary = recheck(archive, settings, Selection(targets=(INSTAGRAM,)))

    assert summary.counts == {"error": 1}
    outcome, http_status, reason, detail = last_check(archive, INSTAGRAM)
    assert (outcome, http_status, reason) == ("error", 400, None)
    assert "lack of permission" in str(detail)
    assert status(archive, INSTAGRAM) == "archived"
