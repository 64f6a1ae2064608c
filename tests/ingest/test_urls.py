"""A fetched record with no text, no author and no media (a login wall, an empty page)
is a failure, never stored as archived; a fetched PDF or image is its own content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bs4
import pytest

from tests.e2e.posts import X_ID, X_KEY, X_URL
from tests.e2e.replay import Answer, Replay, fixture
from tests.e2e.stored import posts, run_cli

EMPTY_PAGE = "<!DOCTYPE html><html><head></head><body><div id='app'></div></body></html>"


def test_a_fetched_page_with_nothing_in_it_fails_and_is_not_stored(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.on("/p/8841", Answer.html(EMPTY_PAGE))
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))
    empty = replay.url("/p/8841")

    run = run_cli("add", empty, X_URL, "--json", home=home, config=replay_config)

    assert run.exit_code == 1
    assert set(posts(home)) == {X_KEY}
    [failed] = [item for item in run.summary()["items"] if item["status"] == "failed"]
    assert failed["source"] == empty
    assert failed["message"] == (
        "the answer held no text, no author and no media (a login wall or an empty page?); "
        "nothing was archived"
    )
    extracted = run_cli("extract", empty, config=replay_config)
    assert extracted.exit_code == 1 and extracted.stdout == ""
    assert "nothing was archived" in extracted.stderr


def test_a_fetched_pdf_is_archived_for_its_bytes(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.on("/files/flood-report.pdf", fixture("web", "report.200.pdf"))

    run = run_cli("add", replay.url("/files/flood-report.pdf"), home=home, config=replay_config)

    assert run.exit_code == 0, run.output
    [stored] = posts(home).values()
    assert stored["status"] == "archived" and stored["text"] == ""


ARTICLE = Path(__file__).resolve().parents[2] / "fixtures" / "articles" / "cited-posts.html"
SHORT_ARTICLE = (
    "<html><head><title>Harbour notice 7</title></head><body><article><h1>Harbour notice 7"
    "</h1><p>Notice 7: the ferry runs to the winter timetable from Monday.</p></article>"
    "</body></html>"
)


def soups_of(monkeypatch: pytest.MonkeyPatch, marker: str) -> list[str]:
    """Every BeautifulSoup built from markup holding ``marker`` (one page's), counted by a
    wrapper around bs4's constructor for this test only."""
    built: list[str] = []
    original = bs4.BeautifulSoup.__init__

    def counting(self: bs4.BeautifulSoup, markup: Any = "", *args: Any, **kwargs: Any) -> None:
        text = markup.decode("utf-8", "replace") if isinstance(markup, bytes) else markup
        if isinstance(text, str) and marker in text:
            built.append(text[:60])
        original(self, markup, *args, **kwargs)

    monkeypatch.setattr(bs4.BeautifulSoup, "__init__", counting)
    return built


@pytest.mark.parametrize(
    ("page", "marker"),
    [
        (SHORT_ARTICLE, "Harbour notice 7"),  # no embeds: the page read as itself
        (ARTICLE.read_text(encoding="utf-8"), "who-said-what"),  # embeds and linked posts
    ],
    ids=["page", "article"],
)
def test_an_added_page_is_parsed_once(
    replay: Replay,
    replay_config: Path,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    page: str,
    marker: str,
) -> None:
    replay.on("/news/harbour/", Answer.html(page))
    built = soups_of(monkeypatch, marker)

    run = run_cli("add", replay.url("/news/harbour/"), "--json", home=home, config=replay_config)

    assert any(item["status"] == "archived" for item in run.summary()["items"]), run.output
    assert len(built) == 1, built


def test_a_page_longer_than_the_tag_cap_still_gives_every_post_it_cites(
    replay: Replay, replay_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay.on("/news/harbour/", Answer.html(ARTICLE.read_text(encoding="utf-8")))
    whole = tmp_path / "whole"
    run_cli("add", replay.url("/news/harbour/"), home=whole, config=replay_config)
    # Cut after the page's metadata, before its first embed: the metadata's tree stops
    # there, and the embeds and links after it are read from the whole page.
    monkeypatch.setattr("archiver.platforms.text.MAX_TAGS", 40)
    cut = tmp_path / "cut"
    run_cli("add", replay.url("/news/harbour/"), home=cut, config=replay_config)

    assert "twitter:2008902282974425946" in posts(whole)
    assert sorted(posts(cut)) == sorted(posts(whole))
    web = [
        [p["title"] for p in posts(home).values() if p["platform"] == "web"]
        for home in (whole, cut)
    ]
    assert web[0] == web[1] and web[0] != [None], "the article's own record, from its metadata"
