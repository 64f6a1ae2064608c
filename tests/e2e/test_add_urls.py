"""Acceptance of "fetch posts by URL": ``archiver add <urls>`` against a replayed internet.

Every test runs the real command line against :mod:`tests.e2e.replay` (a local server
answering with the platforms' fixture responses) and judges the run by what the archive
holds afterwards: posts and captures rows, evidence blobs hashing to their names, the WARC
records they point at, aliases, and the summary and exit code a user sees. Gone posts are
in test_add_unavailable.py, retries, redirects and short links in test_add_network.py,
media in test_add_media.py, interrupted batches in test_add_interrupted.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from archiver.ingest import urls as urls_module
from archiver.store import Archive, StoredPost
from tests.e2e.posts import (
    ARTICLE,
    BSKY_DID,
    BSKY_KEY,
    BSKY_URL,
    TELEGRAM_URL,
    X_ID,
    X_KEY,
    X_URL,
    serve_one_of_each,
    toot_key,
    toot_url,
)
from tests.e2e.replay import (
    Answer,
    Replay,
    fixture,
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
    warcio_check,
)

# -- a mixed batch ---------------------------------------------------------------------------


def test_a_mixed_list_archives_each_post_with_its_fields(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    urls = serve_one_of_each(replay)
    url_file = home.parent / "urls.txt"
    url_file.write_text("# cited in the flood story\n" + "\n".join(urls) + "\n\n")

    run = run_cli("add", "--from", url_file, "--json", home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    summary = run.summary()
    assert (summary["new"], summary["unavailable"], summary["failed"]) == (6, 0, 0)
    assert sorted(item["status"] for item in summary["items"]) == ["archived"] * 6
    assert not replay.unmatched
    web_key = f"web:{replay.url(ARTICLE)}"
    methods = {
        X_KEY: "api",
        toot_key(replay): "api",
        BSKY_KEY: "api",
        "reddit:1c9k2mf": "api",
        "telegram:riversidewatch/4821": "widget",
        web_key: "page-meta",
    }
    stored = posts(home)
    assert set(stored) == set(methods)

    x = stored[X_KEY]["record"]
    assert x["url"] == X_URL
    assert x["author"]["handle"] == "marisol_ol"
    assert x["author"]["name"] == "Marisol Okafor-Lindqvist"
    assert x["created_at"] == "2026-01-07T14:03:22.517Z"
    assert x["text"].startswith("Flood gauges on the Ráðhús bridge just hit 4.2 m 🌊")
    assert "https://t.co/" not in x["text"]
    assert x["links"] == [
        "https://example.org/floods/2026/gauge-readings-january",
        "https://example.org/methods",
    ]
    assert [m["kind"] for m in x["media"]] == ["photo", "photo"]
    assert x["hashtags"] == ["Hochwasser", "floods"]
    assert x["mentions"] == ["cityhydro"]

    toot = stored[toot_key(replay)]["record"]
    assert toot["url"] == toot_url(replay)
    assert toot["author"]["name"] == "Alice Marchetti"
    assert toot["created_at"] == "2025-03-04T10:15:30.123Z"
    assert "cc @bruno @carla" in toot["text"]
    assert toot["hashtags"] == ["Riverside", "FloodWatch"]
    assert toot["in_reply_to"] == replay.url("/@carla/114103348854788321")

    sky = stored[BSKY_KEY]["record"]
    assert sky["author"]["handle"] == "ilse.bsky.social"
    assert sky["author"]["id"] == BSKY_DID
    assert sky["created_at"] == "2025-05-13T21:37:12.345Z"
    assert sky["lang"] == "de"
    assert sky["links"] == ["https://example.org/pegel/2025/mai-hochwasser-messwerte"]
    assert aliases(home)[BSKY_URL] == BSKY_KEY  # the URL as given finds the DID-keyed post

    reddit = stored["reddit:1c9k2mf"]["record"]
    assert reddit["url"] == "https://www.reddit.com/r/FakeCityNews/comments/1c9k2mf/"
    assert reddit["title"] == "Council meeting moved to Thursday — agenda & minutes inside"
    assert reddit["author"]["handle"] == "quiet_harbor_42"
    assert reddit["mentions"] == ["civic_notes_bot"]

    telegram = stored["telegram:riversidewatch/4821"]["record"]
    assert telegram["author"]["name"] == "Riverside Watch & Co"
    assert telegram["text"].startswith("Pumping station 3 is offline again.\nResidents")
    assert telegram["metrics"] == {"views": 1200}

    page = stored[web_key]["record"]
    assert page["title"] == "Winter ferry timetable cut to two sailings a day"
    assert page["author"]["name"] == "Rosa Okoro"

    for key, method in methods.items():
        assert stored[key]["status"] == "archived"
        [capture] = captures(home, key)
        assert (capture["status"], capture["method"], capture["http_status"]) == (
            "archived",
            method,
            200,
        )
        assert capture["content_hash"] == stored[key]["content_hash"]
        check_evidence(home, capture)
    # The gzip-coded page is stored decoded, and its WARC record keeps the coded bytes.
    [page_capture] = captures(home, web_key)
    assert blob(home, page_capture["evidence"][0]["sha256"]).startswith(b"<!--")
    warcio_check(home)


def test_post_urls_on_stdin_are_read_as_a_url_list(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))
    replay.telegram("RiversideWatch", "4821", fixture("telegram", "ok-text.200.html"))
    listed = f"{X_URL}\n# a note\n\n  {TELEGRAM_URL}  \n"

    run = run_cli("add", "-", home=home, config=replay_config, stdin=listed)

    assert run.exit_code == 0, run.output
    assert set(posts(home)) == {X_KEY, "telegram:riversidewatch/4821"}


# -- re-runs, summaries, failures --------------------------------------------------------------


def test_a_rerun_skips_what_is_archived_unless_refresh(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    urls = serve_one_of_each(replay)
    first = run_cli("add", *urls, home=home, config=replay_config)
    asked = len(replay.seen)

    again = run_cli("add", *urls, "--json", home=home, config=replay_config)

    assert (first.exit_code, again.exit_code) == (0, 0), again.output
    assert again.summary()["skipped"] == 6
    assert again.summary()["new"] == 0
    assert len(replay.seen) == asked  # nothing was fetched again

    refreshed = run_cli("add", *urls, "--refresh", "--json", home=home, config=replay_config)

    assert refreshed.exit_code == 0
    assert (refreshed.summary()["unchanged"], refreshed.summary()["skipped"]) == (6, 0)
    assert len(replay.seen) == 2 * asked
    assert count(home, "captures") == 6  # the same bytes again are not a new capture


def test_a_long_list_is_checked_a_batch_at_a_time_while_fetching_goes_on(
    replay: Replay, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking what is already archived never holds back the first fetch: URLs are
    checked a few at a time (here 3) as the fetcher asks for more."""
    config = write_config(
        home.parent / "c.toml", replay.base_url, http={"concurrency": 1, "per_host_concurrency": 1}
    )
    paths = [f"/updates/{n}" for n in range(9)]
    for number, path in enumerate(paths):
        replay.on(path, Answer.html(f"<html><head><title>Update {number}</title></head></html>"))
    done = run_cli("add", *map(replay.url, paths[:3]), home=home, config=config)
    assert done.exit_code == 0, done.output
    monkeypatch.setattr(urls_module, "CHECK_BATCH", 3)
    fetched_when_checked: list[int] = []
    get_many = Archive.get_many

    def counting(archive: Archive, refs: Sequence[str]) -> dict[str, StoredPost]:
        fetched_when_checked.append(len(replay.seen))
        return get_many(archive, refs)

    monkeypatch.setattr(Archive, "get_many", counting)
    run = run_cli("add", *map(replay.url, paths), "--json", home=home, config=config)

    assert run.exit_code == 0, run.output
    assert (run.summary()["skipped"], run.summary()["new"]) == (3, 6)
    before = fetched_when_checked[0]
    assert len(fetched_when_checked) == 3  # one look-up per 3 URLs, none per URL
    assert fetched_when_checked[-1] > before  # fetching had begun before the last check


def test_failed_urls_say_one_line_each_and_the_run_exits_non_zero(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))
    replay.twitter("2009176412265810323", fixture("twitter", "not-json.200.html"))
    broken = {"__typename": "Tweet", "id_str": "2008942995769085702", "user": 5, "entities": 7}
    replay.twitter("2008942995769085702", Answer.json(broken))
    failing = [
        "https://x.com/j/status/2009176412265810323",  # HTML where JSON belongs
        "https://x.com/k/status/2008942995769085702",  # JSON a parser trips over
        "http://[::1",  # not a URL at all
        "ftp://files.example.org/report.pdf",  # not a web address
        "http://127.0.0.1:1/@bob/114103637122945249",  # nothing listens there
    ]

    run = run_cli("add", X_URL, *failing, home=home, config=replay_config)
    as_json = run_cli("add", *failing, "--json", home=home, config=replay_config)

    assert run.exit_code == 1
    failed = run.lines("failed")
    assert len(failed) == len(failing)
    for url in failing:
        [line] = [line for line in failed if line.startswith(f"failed {url}: ")]
        assert len(line) > len(f"failed {url}: ") + 10
    assert "not a web address" in next(line for line in failed if "[::1" in line)
    assert "internal error" in next(line for line in failed if "2008942995769085702" in line)
    assert set(posts(home)) == {X_KEY}
    assert as_json.exit_code == 1
    summary = as_json.summary()
    assert summary["failed"] == len(failing)
    assert all(item["status"] == "failed" and item["message"] for item in summary["items"])


def test_extract_prints_records_of_urls_and_stores_nothing(
    replay: Replay, replay_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHIVER_HOME", raising=False)

    run = run_cli("extract", X_URL, config=replay_config)

    assert run.exit_code == 0, run.output
    [line] = run.stdout.splitlines()
    assert json.loads(line)["key"] == X_KEY
    assert not (tmp_path / "archive").exists()
    assert not list(tmp_path.rglob("*.warc.gz"))


# -- add --fetch on a saved article ------------------------------------------------------------


def test_add_fetch_fills_in_what_the_embeds_lacked(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    article = Path(__file__).resolve().parents[2] / "fixtures/twitter/embeds/current.html"
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))
    replay.twitter("2009176412265810323", fixture("twitter", "ok-quote-gif.200.json"))

    run = run_cli("add", "--fetch", article, "--json", home=home, config=replay_config)
    again = run_cli("add", "--fetch", article, "--json", home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    assert not replay.unmatched
    # Shortened link labels, a missing time and photos the embed did not show are no change.
    assert run.summary()["changed_since_cited"] == []
    quote_key = "twitter:2009176412265810323"
    stored = posts(home)
    assert set(stored) == {X_KEY, quote_key}
    for key in stored:
        embed, live = captures(home, key)
        assert (embed["method"], live["method"]) == ("embed-html", "api")
        check_evidence(home, embed, live=False)
        check_evidence(home, live)
    embedded, x = captures(home, X_KEY)[0]["record"], stored[X_KEY]["record"]
    # The embed showed shortened link labels, one link and a bare pic.twitter.com link...
    assert "example.org/floods/2026/ga…" in embedded["text"]
    assert [m["kind"] for m in embedded["media"]] == ["unknown"]
    # ...the stored post has the full text, every link, the photos with their alt text.
    assert "https://example.org/floods/2026/gauge-readings-january and" in x["text"]
    assert x["links"] == [
        "https://example.org/floods/2026/gauge-readings-january",
        "https://example.org/methods",
    ]
    assert x["media"][0] == {
        "kind": "photo",
        "url": "https://pbs.twimg.com/media/GhQ7aXbWkAA1fZp?format=jpg&name=orig",
        "alt": "Gauge board at the Ráðhús bridge showing 4.2 m, water at the top mark",
        "sha256": None,
        "content_type": None,
    }
    assert x["author"]["id"] == "1180001234567890123"
    assert x["created_at"] == "2026-01-07T14:03:22.517Z"
    assert x["metrics"]["likes"] == 1843
    # A second run stores nothing twice and asks nothing again.
    assert again.exit_code == 0
    assert again.summary()["skipped"] == 2
    assert len(replay.hits("/tweet-result")) == 2
    assert count(home, "captures") == 4


def test_add_fetch_leaves_alone_posts_that_have_no_address_of_their_own(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    """Posts found in flattened text carry no id; their URL is the author's profile, which
    is not the post, so there is nothing to fetch for them."""
    text = Path(__file__).resolve().parents[2] / "fixtures/articles/news-x-embeds.txt"

    run = run_cli("add", "--fetch", text, "--json", home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    assert (run.summary()["new"], run.summary()["failed"]) == (5, 0)
    assert all(key.startswith("twitter:text-") for key in posts(home))
    assert not replay.seen
