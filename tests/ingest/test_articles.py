"""What an article cites, and which of its posts are fetched: one rule for pages fetched
live and saved copies."""

from __future__ import annotations

import json
from pathlib import Path

from archiver.documents import extract_bytes
from archiver.ingest.articles import Articles, cited_by, embeds_of
from archiver.net.client import ResponseEvidence
from archiver.record import sha256_hex
from tests.conftest import make_post

ARTICLES = Path(__file__).resolve().parents[2] / "fixtures" / "articles"
URL = "https://harbourledger.example/news/2026/01/who-said-what/"
WHEN = "2026-02-12T08:00:00Z"


def article():  # type: ignore[no-untyped-def]
    return make_post(URL, platform="web", url=URL, method="page-meta")


def test_a_post_both_embedded_and_linked_is_cited_once_as_embedded() -> None:
    embedded = [make_post("1000000000000000001"), make_post("text-0123456789abcdef")]
    linked = [
        "https://twitter.com/riverwatch/status/1000000000000000001?s=20",
        "https://x.com/other/status/1000000000000000002",
    ]
    cited = cited_by(article(), embedded, linked)
    assert [(c.post_key, c.how) for c in cited.citations] == [
        ("twitter:1000000000000000001", "embed"),
        ("twitter:text-0123456789abcdef", "embed"),  # cited, though no URL can fetch it
        ("twitter:1000000000000000002", "link"),
    ]
    assert cited.fetch == [
        "https://x.com/riverwatch/status/1000000000000000001",
        "https://x.com/other/status/1000000000000000002",
    ]


def test_the_page_read_as_itself_is_no_embed() -> None:
    page = make_post(URL, platform="web", url=URL, method="page-meta")
    flattened = make_post("text-0123456789abcdef", method="text-embed")
    assert embeds_of([page, make_post(), flattened]) == [make_post(), flattened]


def test_a_page_fetched_live_gives_its_embeds_as_captures_of_the_page() -> None:
    raw = (ARTICLES / "cited-posts.html").read_bytes()
    response = ResponseEvidence(
        purpose="page",
        request_url=URL,
        final_url=URL,
        status=200,
        content_type="text/html; charset=utf-8",
        body=raw,
        sha256=sha256_hex(raw),
        received_at=WHEN,
        warc=None,
    )
    articles = Articles()
    observations = articles.fetched_page(article(), [response])
    assert [o.key for o in observations] == [
        "twitter:2008902282974425946",
        "bluesky:did:plc:k4t7vqzm2xw5n3rdj6hya2pe/3lp3gy6ehhc4g",
    ]
    assert {(o.source, o.captured_at, o.evidence[0].body) for o in observations} == {
        (URL, WHEN, raw)
    }
    assert len(articles.pending) == 1 and len(articles.pending[0].citations) == 6
    assert list(articles.to_fetch.values()) == [URL] * 6
    # An answer that is no page (an image, a PDF) cites nothing.
    pdf = ResponseEvidence(**{**vars(response), "content_type": "application/pdf"})
    assert Articles().fetched_page(article(), [pdf]) == []


def test_a_saved_page_without_an_address_still_has_its_posts_fetched() -> None:
    raw = (ARTICLES / "cited-posts.html").read_bytes()
    raw = raw.replace(b'rel="canonical"', b'rel="x"').replace(b'property="og:url"', b'x="y"')
    result = extract_bytes(raw, "cited-posts.html", captured_at=WHEN)
    articles = Articles()
    record, warning = articles.saved_document(result, keep_path=False)
    assert record is None and "names no address of its own" in warning
    assert articles.pending == [] and len(articles.to_fetch) == 6


def test_a_saved_page_is_the_article_its_posts_are_linked_to() -> None:
    raw = (ARTICLES / "cited-posts.html").read_bytes()
    result = extract_bytes(raw, "cited-posts.html", captured_at=WHEN)
    articles = Articles()
    record, warning = articles.saved_document(result, keep_path=False)
    assert record is not None and record.key == f"web:{URL}" and warning == ""
    assert record.capture.source == "cited-posts.html"
    assert [c.article_key for c in articles.pending] == [f"web:{URL}"]


def test_a_saved_post_page_is_the_post_not_an_article() -> None:
    pages = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
    raw = (pages / "mastodon-post.html").read_bytes()
    result = extract_bytes(raw, "mastodon-post.html", captured_at=WHEN)
    assert [p.platform for p in result.posts] == ["mastodon"]
    articles = Articles()
    assert articles.saved_document(result, keep_path=False) == (None, "")
    assert articles.pending == [] and list(articles.to_fetch) == [result.posts[0].url]


def test_every_real_page_cites_exactly_the_posts_written_down_for_it() -> None:
    """The real-page corpus (docs/real-pages.md) lists, by hand, each post a page embeds
    or links to in its body: a saved copy added with ``--fetch`` cites those and no other
    (no navigation, share button or footer link), once each."""
    corpus = Path(__file__).resolve().parents[2] / "fixtures" / "real-pages"
    for expected_file in sorted(corpus.glob("*.expected.json")):
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        page = expected_file.with_name(expected_file.name.replace(".expected.json", ".html"))
        result = extract_bytes(page.read_bytes(), page.name, captured_at=WHEN)
        articles = Articles()
        articles.saved_document(result, keep_path=False)
        cited = [c.post_key for cited in articles.pending for c in cited.citations]
        wanted = [f"{post['platform']}:{post['post_id']}" for post in expected["posts"]]
        assert sorted(cited) == sorted(wanted), page.name
