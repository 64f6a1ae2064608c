"""Which posts an article cites: stored once, read back in the article's order."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from archiver.store import Archive, Evidence, Observation, StoreError
from archiver.store.citations import (
    Citation,
    cited_in,
    cited_in_sql,
    citing,
    record_citations,
)
from tests.conftest import make_post
from tests.store.conftest import OpenArchive

ARTICLE_URL = "https://news.example/flood-barriers"
ARTICLE = f"web:{ARTICLE_URL}"
FIRST, SECOND, MISSING = (f"twitter:100000000000000000{n}" for n in (1, 2, 9))


def stored(archive: Archive) -> None:
    article = make_post(ARTICLE_URL, platform="web", url=ARTICLE_URL, method="page-meta")
    posts = [article, make_post("1000000000000000001"), make_post("1000000000000000002")]
    archive.add([Observation.of_post(p, [Evidence(url=p.url, body=b"<html/>")]) for p in posts])


def test_an_articles_citations_come_back_in_its_order_with_each_posts_status(
    open_archive: OpenArchive,
    home: Path,
) -> None:
    with open_archive(home) as archive:
        stored(archive)
        record_citations(
            archive,
            ARTICLE,
            [
                Citation(SECOND, "https://x.com/a/status/1000000000000000002", "embed"),
                Citation(FIRST, "https://x.com/a/status/1000000000000000001", "link"),
                Citation(MISSING, "https://x.com/a/status/1000000000000000009", "link"),
            ],
            at="2026-01-09T00:00:00Z",
        )
        found = cited_in(archive, ARTICLE)
        assert [(c.post_key, c.how, c.position, c.status) for c in found] == [
            (SECOND, "embed", 0, "archived"),
            (FIRST, "link", 1, "archived"),
            (MISSING, "link", 2, None),  # cited, but its fetch failed: no row
        ]
        assert [c.article_key for c in citing(archive, FIRST)] == [ARTICLE]
        assert citing(archive, "twitter:0") == []
        listed = archive.list_posts(where=[cited_in_sql(ARTICLE)])
        assert sorted(row.key for row in listed) == [FIRST, SECOND]
        with_article = archive.list_posts(where=[cited_in_sql(ARTICLE, with_article=True)])
        assert sorted(row.key for row in with_article) == [FIRST, SECOND, ARTICLE]


def test_a_citation_seen_again_keeps_its_first_row(open_archive: OpenArchive, home: Path) -> None:
    with open_archive(home) as archive:
        stored(archive)
        record_citations(archive, ARTICLE, [Citation(FIRST, "u1", "embed")], at="2026-01-09")
        record_citations(
            archive,
            ARTICLE,
            [Citation(SECOND, "u2", "link"), Citation(FIRST, "u1", "link")],
            at="2026-01-10",
        )
        assert [
            (c.post_key, c.how, c.position, c.found_at) for c in cited_in(archive, ARTICLE)
        ] == [(FIRST, "embed", 0, "2026-01-09"), (SECOND, "link", 1, "2026-01-10")]


def test_an_article_must_be_stored_to_cite(open_archive: OpenArchive, home: Path) -> None:
    with open_archive(home) as archive, pytest.raises((IntegrityError, StoreError)):
        record_citations(archive, "web:https://nowhere.example/", [Citation(FIRST, "u", "link")])
