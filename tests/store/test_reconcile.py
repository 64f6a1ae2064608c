"""One post, one record: a post found in flattened text joins the post with its real id.

The README's article exists as plain text (``news-x-embeds.txt``: no status ids, so
``text-…`` keys) and as HTML (status ids). Adding both, in either order, must leave its
five posts, each with both captures, and the text keys must still find them. Every test
runs on both engines (``engine_url``): PostgreSQL's SQL has no ``UPDATE OR IGNORE``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from archiver.store import Archive, Evidence, Observation
from archiver.store.citations import Citation, cited_in, record_citations
from tests.conftest import FIXTURES, make_post
from tests.e2e.stored import Run, aliases, captures, count, posts, run_cli
from tests.store.conftest import OpenArchive

ARTICLE = FIXTURES / "articles" / "news-x-embeds"


def expected_keys(suffix: str) -> list[str]:
    expected = json.loads(ARTICLE.with_suffix(suffix + ".expected.json").read_text())
    return [post["key"] for post in expected["posts"]]


TEXT_KEYS, REAL_KEYS = expected_keys(".txt"), expected_keys(".html")


@pytest.fixture
def cli(home: Path, engine_url: str | None) -> Callable[..., Run]:
    """``archiver`` on this test's archive: the home's SQLite file, or ``--db`` PostgreSQL."""
    db = ("--db", engine_url) if engine_url else ()

    def running(*args: str | Path) -> Run:
        return run_cli(*db, *args, home=home)

    return running


@pytest.mark.parametrize(
    "order", [(".txt", ".html"), (".html", ".txt")], ids=["text-first", "html-first"]
)
def test_the_article_as_text_and_as_html_gives_five_posts(
    home: Path, engine_url: str | None, cli: Callable[..., Run], order: tuple[str, ...]
) -> None:
    for suffix in order:
        added = cli("add", ARTICLE.with_suffix(suffix))
        assert added.exit_code == 0, added.output

    stored = posts(home, engine_url)
    assert sorted(stored) == sorted(REAL_KEYS)
    for key in REAL_KEYS:
        methods = sorted(capture["method"] for capture in captures(home, key, engine_url))
        assert methods == ["embed-html", "text-embed"], key
    named = aliases(home, engine_url)
    assert {named[key] for key in TEXT_KEYS} == set(REAL_KEYS)
    assert count(home, "posts_fts", engine_url) == 5
    found = cli("search", "sandbags", "--json")
    assert found.exit_code == 0 and found.stdout.count('"key"') == 1, found.output


def test_a_text_key_shows_the_merged_post(cli: Callable[..., Run]) -> None:
    cli("add", ARTICLE.with_suffix(".txt"))
    cli("add", ARTICLE.with_suffix(".html"))

    shown = cli("show", "twitter:text-be681f3ac9a6516d")

    assert shown.exit_code == 0, shown.output
    assert "twitter:2008902691847762778" in shown.stdout
    assert "2026-01-07T14:05:00.000Z" in shown.stdout  # the time only the HTML embed gives
    assert "https://pic.twitter.com/Wq7Rb1XcVe" in shown.stdout  # the media only the text gives
    assert "text-embed" in shown.stdout and "embed-html" in shown.stdout


def test_adding_the_text_again_changes_nothing(
    home: Path, engine_url: str | None, cli: Callable[..., Run]
) -> None:
    for name in (".html", ".txt", ".txt"):
        run = cli("add", "--json", ARTICLE.with_suffix(name))
    assert run.summary()["unchanged"] == 5
    assert count(home, "posts", engine_url) == 5
    assert count(home, "captures", engine_url) == 10


def text_post(text: str, created_at: str = "2026-01-07", **fields: object) -> Observation:
    made = repr((text, created_at, sorted(fields.items()))).encode()
    post = make_post(
        "text-" + hashlib.sha256(made).hexdigest()[:16],
        text=text,
        created_at=created_at,
        method="text-embed",
        source="article.txt",
        raw=text.encode(),
        url="https://x.com/riverwatch",
        media=[],
        **fields,
    )
    return Observation.of_post(post, [Evidence(url="article.txt", body=text.encode())])


def real_post(post_id: str, text: str, created_at: str = "2026-01-07T09:30:00Z") -> Observation:
    post = make_post(post_id, text=text, created_at=created_at, raw=post_id.encode())
    return Observation.of_post(post, [Evidence(url="article.html", body=post_id.encode())])


def stored_keys(archive: Archive, *batches: list[Observation]) -> list[str]:
    with archive:
        for batch in batches:
            archive.add(batch)
        return sorted(row.key for row in archive.list_posts())


GAUGE = "Gauge at Esk Bridge reads 3.4 m, above the 2014 peak. Next reading at noon."


def test_a_near_miss_is_never_joined(home: Path, open_archive: OpenArchive) -> None:
    """One figure apart, same author, same day: a correction is another post."""
    keys = stored_keys(
        open_archive(home),
        [real_post("1000000000000000001", GAUGE)],
        [text_post(GAUGE.replace("3.4", "3.5"))],
    )
    assert len(keys) == 2 and any(":text-" in key for key in keys)


def test_a_post_two_days_away_or_by_someone_else_is_not_joined(
    home: Path, open_archive: OpenArchive
) -> None:
    keys = stored_keys(
        open_archive(home),
        [real_post("1000000000000000001", GAUGE, "2026-01-09T09:30:00Z")],
        [text_post(GAUGE), text_post(GAUGE, author={"name": "River", "handle": "rivercopy"})],
    )
    assert len(keys) == 3


def test_a_text_that_two_posts_share_joins_neither(home: Path, open_archive: OpenArchive) -> None:
    """The same words posted twice that day: which one the article quoted is unknown."""
    keys = stored_keys(
        open_archive(home),
        [real_post("1000000000000000001", GAUGE), real_post("1000000000000000002", GAUGE)],
        [text_post(GAUGE)],
    )
    assert len(keys) == 3


def test_a_cut_text_joins_the_full_post_a_day_away(home: Path, open_archive: OpenArchive) -> None:
    """X's embed shows the date where it was made: the UTC day may be the next one."""
    cut = text_post(GAUGE[:40] + "…", created_at="2026-01-08", text_truncated=True)
    keys = stored_keys(
        open_archive(home),
        [cut],
        [real_post("1000000000000000001", GAUGE, "2026-01-07T23:30:00Z")],
    )
    assert keys == ["twitter:1000000000000000001"]
    with open_archive(home) as archive:
        row = archive.get(cut.key)
    assert row is not None and row.key == "twitter:1000000000000000001"
    assert row.text == GAUGE and row.capture_count == 2


def test_a_joined_post_exports_both_captures_and_verifies(
    tmp_path: Path, cli: Callable[..., Run]
) -> None:
    cli("add", ARTICLE.with_suffix(".txt"))
    cli("add", ARTICLE.with_suffix(".html"))
    bundle = tmp_path / "bundle"

    exported = cli("export", "--all", "--out", bundle)
    verified = run_cli("verify", bundle)

    assert exported.exit_code == 0, exported.output
    assert verified.exit_code == 0, verified.output
    lines = (bundle / "data" / "captures" / "captures.jsonl").read_text().splitlines()
    assert sorted(len(json.loads(line)["captures"]) for line in lines) == [2] * 5


def test_a_text_post_whose_capture_the_real_post_holds_too_stays_apart(
    home: Path, tmp_path: Path, engine_url: str | None, cli: Callable[..., Run]
) -> None:
    """A plain-text copy with the post's signature and its bare URL on a line of its own
    gives both posts the same capture (document, method, bytes); a post may hold it once,
    so the two stay apart rather than lose a capture or fail the batch."""
    notice = (
        "Quay Street and Mill Lane are closed until further notice. Sandbags available at "
        "the Fire Hall from 4pm. Please check on your neighbours 💙 #PortAlderFlood "
        "https://t.co/Kd83nQpZ2x pic.twitter.com/Wq7Rb1XcVe— Port Alder Council "
        "(@PortAlderCncl) January 7, 2026\n\n"
        "https://x.com/PortAlderCncl/status/2008902691847762778\n"
    )
    copy = tmp_path / "notice.txt"
    copy.write_text(notice, encoding="utf-8")
    cli("add", ARTICLE.with_suffix(".html"))

    run = cli("add", copy)

    assert run.exit_code == 0, run.output
    stored = posts(home, engine_url)
    assert len(stored) == 6 and any(":text-" in key for key in stored)
    assert len(captures(home, "twitter:2008902691847762778", engine_url)) == 2


def test_an_articles_citation_of_a_text_post_follows_it_to_the_joined_post(
    home: Path, open_archive: OpenArchive
) -> None:
    found = text_post(GAUGE)
    article = make_post("https://news.example/esk", platform="web", url="https://news.example/esk")
    with open_archive(home) as archive:
        archive.add([found, Observation.of_post(article, [Evidence(url="a", body=b"a")])])
        record_citations(archive, article.key, [Citation(found.key, "article.txt", "embed")])
        archive.add([real_post("1000000000000000001", GAUGE)])

        [cited] = cited_in(archive, article.key)

    assert cited.post_key == "twitter:1000000000000000001"
    assert cited.status == "archived"
