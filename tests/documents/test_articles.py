"""An article page as the citing side: its own record, and the posts its body links to."""

from __future__ import annotations

from pathlib import Path

from archiver.documents.articles import read_article_page
from archiver.record import sha256_hex

ARTICLES = Path(__file__).resolve().parents[2] / "fixtures" / "articles"
WHEN = "2026-02-12T08:00:00Z"


def test_a_saved_article_is_its_canonical_address_with_its_body_links() -> None:
    raw = (ARTICLES / "cited-posts.html").read_bytes()
    page = read_article_page(raw, "/home/someone/saved/cited-posts.html", captured_at=WHEN)
    assert page.record is not None
    assert page.record.key == "web:https://harbourledger.example/news/2026/01/who-said-what/"
    assert page.record.title == "Flood night: who said what, and when"
    capture = page.record.capture
    assert (capture.method, capture.source, capture.captured_at) == (
        "page-meta",
        "cited-posts.html",  # the file's name, never the local path
        WHEN,
    )
    assert capture.raw_sha256 == sha256_hex(raw)
    assert len(page.linked) == 5


def test_a_page_fetched_live_records_its_address_as_its_source() -> None:
    raw = (ARTICLES / "cited-posts.html").read_bytes()
    url = "https://harbourledger.example/news/2026/01/who-said-what/"
    page = read_article_page(raw, url)
    assert page.record is not None and page.record.capture.source == url


def test_a_page_without_an_address_of_its_own_has_no_record() -> None:
    raw = b"<html><head><title>Notes</title></head><body><p>Text.</p></body></html>"
    page = read_article_page(raw, "notes.html")
    assert page.record is None and page.linked == []


def test_plain_text_is_no_article_page() -> None:
    raw = (ARTICLES / "news-x-embeds.txt").read_bytes()
    assert read_article_page(raw, "news-x-embeds.txt").record is None


def test_a_saved_post_page_is_no_article() -> None:
    pages = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
    raw = (pages / "mastodon-post.html").read_bytes()
    assert read_article_page(raw, "mastodon-post.html").record is None
