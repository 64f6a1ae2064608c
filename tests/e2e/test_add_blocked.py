"""Acceptance: ``archiver add`` meets a challenge or anti-bot page instead of the post.

Being refused says nothing about the post, so the URL is *failed* (exit 1: run it again
later), not "unavailable"; nothing is stored for it, and a post archived before keeps its
status. An ordinary page behind the same CDN is archived as usual. The pages are
``fixtures/challenges/`` (its README says which real page each imitates).
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.posts import X_ID, X_KEY, X_URL
from tests.e2e.replay import FIXTURES, Answer, Replay, fixture
from tests.e2e.stored import captures, posts, run_cli

PAGE = "/2026/01/just-a-moment/"


def challenge(name: str, *headers: tuple[str, str]) -> Answer:
    body = (FIXTURES / "challenges" / name).read_text(encoding="utf-8")
    return Answer.html(body, int(name.split(".")[-2]), headers=headers)


def items_by_source(run_output: dict[str, object]) -> dict[str, dict[str, str]]:
    return {item["source"]: item for item in run_output["items"]}  # type: ignore[attr-defined]


def test_a_challenge_page_fails_the_url_and_stores_nothing(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))
    replay.on(PAGE, challenge("cloudflare-under-attack.503.html"))

    run = run_cli("add", X_URL, replay.url(PAGE), "--json", home=home, config=replay_config)

    assert run.exit_code == 1, run.output
    items = items_by_source(run.summary())
    assert items[X_URL]["status"] == "archived"
    blocked = items[replay.url(PAGE)]
    assert blocked["status"] == "failed"
    assert blocked["message"].startswith("blocked: ")
    assert "Cloudflare challenge page" in blocked["message"]
    assert "says nothing about the post" in blocked["message"]
    assert len(replay.hits(PAGE)) == 1  # a challenge is not asked again
    assert set(posts(home)) == {X_KEY}


def test_a_refresh_that_meets_a_challenge_keeps_the_post_as_archived(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))
    assert run_cli("add", X_URL, home=home, config=replay_config).exit_code == 0
    before = posts(home)[X_KEY]
    wall = challenge("cloudflare-challenge.403.html", ("cf-mitigated", "challenge"))
    replay.twitter(X_ID, wall)
    replay.on("/oembed", wall)  # X's fallback endpoint is behind the same wall

    run = run_cli("add", "--refresh", X_URL, "--json", home=home, config=replay_config)

    assert run.exit_code == 1, run.output
    assert items_by_source(run.summary())[X_URL]["message"].startswith("blocked: ")
    assert posts(home)[X_KEY] == before  # still "archived", its record untouched
    assert before["status"] == "archived"
    assert len(captures(home, X_KEY)) == 1


def test_an_ordinary_page_behind_the_same_cdn_is_archived(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.on(PAGE, challenge("cloudflare-site-ok.200.html"))

    run = run_cli("add", replay.url(PAGE), "--json", home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    (stored,) = posts(home).values()
    assert stored["status"] == "archived"
    assert stored["record"]["author"]["name"] == "Maren Oduya"
