"""Acceptance: what the network does to a fetch — 5xx then success, 429 with Retry-After,
a server that stays down, a truncated body, an answer slower than the timeout, redirect
chains and loops, short links — ends archived, or failed in one line, as it should."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.posts import (
    ARTICLE,
    REDDIT_URL,
    TELEGRAM_URL,
    X_ID,
    X_KEY,
    X_URL,
)
from tests.e2e.replay import (
    Answer,
    Replay,
    fixture,
    resolve_hosts_locally,
    write_config,
)
from tests.e2e.stored import (
    aliases,
    blob,
    captures,
    check_evidence,
    count,
    posts,
    run_cli,
    warc_responses,
    warcio_check,
)

# -- retries and waits -------------------------------------------------------------------------


def test_a_server_answering_503_twice_then_200_ends_archived(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.twitter(
        X_ID, Answer.error(503), Answer.error(503), fixture("twitter", "ok-photo.200.json")
    )

    run = run_cli("add", X_URL, home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    assert len(replay.hits("/tweet-result")) == 3
    assert posts(home)[X_KEY]["status"] == "archived"
    [capture] = captures(home, X_KEY)
    assert capture["http_status"] == 200
    check_evidence(home, capture)
    warcio_check(home)


def test_429_with_retry_after_is_waited_out_then_archived(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    limited = fixture("twitter", "rate-limited.429.json").with_(headers=(("Retry-After", "1"),))
    replay.twitter(X_ID, limited, fixture("twitter", "ok-photo.200.json"))

    run = run_cli("add", X_URL, home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    first, second = replay.hits("/tweet-result")
    # The retry came no sooner than the server asked (the configured backoff is 0.01 s).
    assert second.at - first.at >= 0.95
    assert posts(home)[X_KEY]["status"] == "archived"


def test_a_server_that_stays_down_fails_that_url_in_one_line_and_the_batch_goes_on(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.twitter(X_ID, Answer.error(503))
    replay.twitter_oembed("marisol_ol", X_ID, Answer.error(503))  # X's fallback is down too
    replay.telegram("RiversideWatch", "4821", fixture("telegram", "ok-text.200.html"))

    run = run_cli("add", X_URL, TELEGRAM_URL, home=home, config=replay_config)

    assert run.exit_code == 1
    assert len(replay.hits("/tweet-result")) == len(replay.hits("/oembed")) == 4  # max_attempts
    [line] = run.lines("failed")
    assert line.startswith(f"failed {X_URL}: ") and "HTTP 503" in line
    assert "failed after 4 attempts" in line
    assert set(posts(home)) == {"telegram:riversidewatch/4821"}
    assert run.stdout.startswith("new\tupdated\t")  # the summary still ends the run


def test_a_truncated_body_is_retried_and_never_stored(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    whole = fixture("twitter", "ok-photo.200.json")
    cut = whole.with_(truncate_to=200)
    replay.twitter(X_ID, cut, whole)
    replay.twitter("2009176412265810323", cut)
    replay.twitter_oembed("j", "2009176412265810323", Answer.error(503))

    run = run_cli(
        "add", X_URL, "https://x.com/j/status/2009176412265810323", home=home, config=replay_config
    )

    assert run.exit_code == 1
    [line] = run.lines("failed")
    assert line.startswith("failed https://x.com/j/status/2009176412265810323: ")
    assert "received 200 bytes, expected" in line
    assert set(posts(home)) == {X_KEY}
    [capture] = captures(home, X_KEY)
    assert blob(home, capture["evidence"][0]["sha256"]) == whole.body
    warcio_check(home)


def test_a_response_slower_than_the_timeout_is_retried_then_fails(
    replay: Replay, home: Path
) -> None:
    config = write_config(
        home.parent / "slow.toml", replay.base_url, http={"timeout_seconds": 0.3, "max_attempts": 2}
    )
    ok = fixture("twitter", "ok-photo.200.json")
    replay.twitter(X_ID, ok.with_(delay=1.0), ok)
    replay.twitter("2009176412265810323", ok.with_(delay=1.0))
    replay.twitter_oembed("j", "2009176412265810323", ok.with_(delay=1.0))

    run = run_cli(
        "add", X_URL, "https://x.com/j/status/2009176412265810323", home=home, config=config
    )

    assert run.exit_code == 1
    [line] = run.lines("failed")
    assert line.startswith("failed https://x.com/j/status/2009176412265810323: ")
    assert "timed out" in line
    assert set(posts(home)) == {X_KEY}


# -- redirects and short links -----------------------------------------------------------------


def test_a_redirect_chain_is_followed_and_every_hop_is_in_the_warc(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.on("/old-story", Answer.redirect(replay.url("/moved-story"), 301))
    replay.on("/moved-story", Answer.redirect(ARTICLE, 302))
    replay.on(ARTICLE, fixture("web", "article-ok.200.html"))
    replay.on("/loop", Answer.redirect("/loop", 302))

    run = run_cli(
        "add", replay.url("/old-story"), replay.url("/loop"), home=home, config=replay_config
    )

    assert run.exit_code == 1
    [line] = run.lines("failed")
    assert line.startswith(f"failed {replay.url('/loop')}: too many redirects")
    key = f"web:{replay.url('/old-story')}"
    assert posts(home)[key]["record"]["title"] == "Winter ferry timetable cut to two sailings a day"
    [capture] = captures(home, key)
    assert capture["source"] == replay.url(ARTICLE)  # the page that answered
    check_evidence(home, capture)
    hops = [r for r in warc_responses(home) if "loop" not in r[0]]
    assert hops == [
        (replay.url("/old-story"), 301),
        (replay.url("/moved-story"), 302),
        (replay.url(ARTICLE), 200),
    ]
    warcio_check(home)


def test_short_links_are_resolved_by_following_their_redirects(
    replay: Replay, replay_config: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolve_hosts_locally(monkeypatch, "t.co", "redd.it", "vm.tiktok.com", "bit.ly")
    tiktok_url = "https://www.tiktok.com/@harbourbakes/video/7613469505275829767"
    replay.on("/AbC12xyz", Answer.redirect(f"{X_URL}?s=20", 301))  # t.co
    replay.on("/1c9k2mf", Answer.redirect(REDDIT_URL, 301))  # redd.it
    replay.on("/ZMabc123", Answer.redirect(f"{tiktok_url}?is_from_webapp=1", 301))  # vm.tiktok
    replay.on("/3xYz", Answer.redirect(replay.on_host("t.co", "/AbC12xyz"), 301))  # bit.ly
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))
    replay.reddit("1c9k2mf", fixture("reddit", "self-post.200.json"))
    replay.tiktok_oembed(tiktok_url, fixture("tiktok", "oembed-ok.200.json"))
    replay.on("/@harbourbakes/video/7613469505275829767", fixture("tiktok", "page-ok.200.html"))
    short = {
        replay.on_host("t.co", "/AbC12xyz"): X_KEY,
        replay.on_host("redd.it", "/1c9k2mf"): "reddit:1c9k2mf",
        replay.on_host("vm.tiktok.com", "/ZMabc123"): "tiktok:7613469505275829767",
    }

    run = run_cli("add", *short, "--json", home=home, config=replay_config)
    chained = run_cli("add", replay.on_host("bit.ly", "/3xYz"), home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    assert run.summary()["new"] == 3
    assert not replay.unmatched
    stored, known = posts(home), aliases(home)
    for link, key in short.items():
        assert stored[key]["status"] == "archived"
        assert known[link] == key
    assert stored["tiktok:7613469505275829767"]["record"]["author"]["handle"] == "harbourbakes"
    [tiktok_capture] = captures(home, "tiktok:7613469505275829767")
    assert [e["purpose"] for e in tiktok_capture["evidence"]] == ["oembed", "page"]
    check_evidence(home, tiktok_capture)
    # bit.ly -> t.co -> x.com: the same post, the same bytes, so nothing is stored twice.
    assert chained.exit_code == 0, chained.output
    assert aliases(home)[replay.on_host("bit.ly", "/3xYz")] == X_KEY
    assert count(home, "captures") == 3
    warcio_check(home)
