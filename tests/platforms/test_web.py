"""The generic web adapter: URL identity, live page reading, oEmbed follow-up, gone pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from archiver.config import load_settings
from archiver.platforms.base import FollowUp, Found, Gone, ParseError, PostRef, Reason, Response
from archiver.platforms.web import PLATFORM, canonical_url, post_from_page, read_page_meta
from archiver.record import Capture, sha256_hex

RESPONSES = Path(__file__).resolve().parents[2] / "fixtures" / "web" / "responses"
ENDPOINTS = load_settings().endpoints
HTML = {"content-type": "text/html; charset=utf-8"}


def respond(
    ref: PostRef,
    name: str | None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    url: str | None = None,
) -> Response:
    request = PLATFORM.first_request(ref, ENDPOINTS)
    payload = body if body is not None else (RESPONSES / str(name)).read_bytes()
    return Response(
        request=request,
        status=status,
        url=url or request.url,
        headers=HTML if headers is None else headers,
        body=payload,
        received_at="2026-01-11T08:00:00Z",
    )


def ref_of(url: str) -> PostRef:
    ref = PLATFORM.match(url)
    assert ref is not None
    return ref


# --- URL identity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a/b", "https://example.org/a/b"),
        ("http://example.org/a", "http://example.org/a"),
        ("HTTPS://Example.ORG/Path/Kept", "https://example.org/Path/Kept"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/a?utm_source=x&utm_medium=y", "https://example.org/a"),
        ("https://example.org/a?id=7&fbclid=abc#comments", "https://example.org/a?id=7"),
        # A generic page keeps its own query, sorted by name and spelled as given:
        ("https://example.org/a?page=2&ref=rss", "https://example.org/a?page=2&ref=rss"),
        ("https://forum.example.org/viewtopic.php?t=12345&s=9",
         "https://forum.example.org/viewtopic.php?s=9&t=12345"),
        ("https://example.org/a?q=flood+barrier&b=%2F&a", "https://example.org/a?a&b=%2F&q=flood+barrier"),
        ("https://example.org/a?x=2&x=1&context=3&feature=f",
         "https://example.org/a?context=3&feature=f&x=2&x=1"),
        ("https://example.org/a?UTM_Source=x&gclid=1&mc_eid=2&msclkid=3&si=4",
         "https://example.org/a?si=4"),
        ("https://example.org/a?&&", "https://example.org/a"),
        ("  https://example.org/a  ", "https://example.org/a"),
        ("http://127.0.0.1:8123/blog/post", "http://127.0.0.1:8123/blog/post"),
        # Credentials never reach a key; a default port is no part of the identity:
        ("https://reader:s3cret@Example.org/a", "https://example.org/a"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("http://[2001:DB8::1]:8080/a", "http://[2001:db8::1]:8080/a"),
    ],
)  # fmt: skip
def test_match_takes_any_page_with_a_canonical_id(url: str, expected: str) -> None:
    ref = PLATFORM.match(url)
    assert ref == PostRef(platform="web", post_id=expected, url=expected)
    assert ref.key == f"web:{expected}"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "example.org/a",
        "ftp://example.org/file",
        "mailto:a@example.org",
        "https://",
        "http://[::1",
    ],
)
def test_match_refuses_what_is_not_a_web_page(url: str) -> None:
    assert PLATFORM.match(url) is None
    assert canonical_url(url) is None


def test_short_link_hosts_are_generic_shorteners() -> None:
    assert {"bit.ly", "tinyurl.com", "buff.ly"} <= PLATFORM.short_link_hosts
    assert "example.org" not in PLATFORM.short_link_hosts


def test_first_request_gets_the_page_as_a_browser() -> None:
    request = PLATFORM.first_request(ref_of("https://example.org/a"), ENDPOINTS)
    assert request.url == "https://example.org/a"
    assert request.method == "page-meta"
    assert request.purpose == "page"
    assert request.browser is True
    assert dict(request.headers)["Accept"].startswith("text/html")


# --- live pages ---------------------------------------------------------------------------


def test_article_page_becomes_a_web_record() -> None:
    ref = ref_of("https://harbourledger.example/news/2026/01/ferry-timetable/?utm_source=tw")
    response = respond(ref, "article-ok.200.html")
    outcome = PLATFORM.read_response(ref, response, ENDPOINTS)
    assert isinstance(outcome, Found)
    post = outcome.post
    assert post.key == "web:https://harbourledger.example/news/2026/01/ferry-timetable/"
    assert post.url == "https://harbourledger.example/news/2026/01/ferry-timetable/"
    assert post.title == "Winter ferry timetable cut to two sailings a day"
    assert post.author.name == "Rosa Okoro"
    assert post.author.url == "https://harbourledger.example/author/r-okoro/"
    assert post.created_at == "2026-01-05T16:45:00Z"
    assert post.lang == "en-GB"
    assert post.text == (
        "The island ferry will run two sailings a day until March, the operator said on "
        "Monday.\n\nIslanders say the cancelled 07:10 departure is the one commuters rely on."
    )
    assert post.text_truncated is False
    assert [(m.kind, m.url, m.alt) for m in post.media] == [
        (
            "photo",
            "https://harbourledger.example/wp-content/uploads/2026/01/ferry.jpg",
            "The MV Alder Queen at the ferry ramp.",
        )
    ]
    assert post.capture.method == "page-meta"
    assert post.capture.raw_sha256 == sha256_hex(response.body)
    assert post.capture.captured_at == "2026-01-11T08:00:00Z"


def test_page_without_author_follows_its_oembed_link_and_merges() -> None:
    ref = ref_of("https://alderrowing.example/2026/01/09/sandbag-drill/")
    outcome = PLATFORM.read_response(ref, respond(ref, "no-author-oembed.200.html"), ENDPOINTS)
    assert isinstance(outcome, FollowUp)
    request = outcome.request
    assert request.url == (
        "https://alderrowing.example/wp-json/oembed/1.0/embed?url="
        "https%3A%2F%2Falderrowing.example%2F2026%2F01%2F09%2Fsandbag-drill%2F"
    )
    assert request.purpose == "oembed"
    assert request.method == "oembed"
    partial = request.carry
    assert partial is not None
    assert partial.author.name is None
    assert partial.text == "Forty members filled 1,200 sandbags in two hours on Friday."
    assert partial.text_truncated is True
    assert partial.title == "Sandbag drill, January edition – Alder Rowing Club"

    answer = Response(
        request=request,
        status=200,
        url=request.url,
        headers={"content-type": "application/json"},
        body=(RESPONSES / "oembed.200.json").read_bytes(),
    )
    done = PLATFORM.read_response(ref, answer, ENDPOINTS)
    assert isinstance(done, Found)
    post = done.post
    assert post.key == partial.key
    assert post.author.name == "Morag Lindqvist"
    assert post.author.url == "https://alderrowing.example/author/morag/"
    assert post.title == partial.title
    assert [m.url for m in post.media] == [
        "https://alderrowing.example/wp-content/uploads/2026/01/sandbags.jpg"
    ]
    assert post.capture == partial.capture
    assert post.content_hash != partial.content_hash


@pytest.mark.parametrize(
    ("status", "name"),
    [(200, "oembed-broken.200.json"), (404, "not-found.404.html"), (200, None)],
)
def test_failed_oembed_keeps_the_page_record(status: int, name: str | None) -> None:
    ref = ref_of("https://alderrowing.example/2026/01/09/sandbag-drill/")
    first = PLATFORM.read_response(ref, respond(ref, "no-author-oembed.200.html"), ENDPOINTS)
    assert isinstance(first, FollowUp)
    body = (RESPONSES / name).read_bytes() if name else b"[1, 2, 3]"
    answer = Response(request=first.request, status=status, url=first.request.url, body=body)
    outcome = PLATFORM.read_response(ref, answer, ENDPOINTS)
    assert outcome == Found(first.request.carry)


def test_oembed_answer_without_carried_record_is_a_parse_error() -> None:
    ref = ref_of("https://alderrowing.example/2026/01/09/sandbag-drill/")
    request = PLATFORM.first_request(ref, ENDPOINTS)
    stray = Response(
        request=type(request)(url="https://alderrowing.example/oembed", purpose="oembed"),
        status=200,
        url="https://alderrowing.example/oembed",
        body=b"{}",
    )
    with pytest.raises(ParseError):
        PLATFORM.read_response(ref, stray, ENDPOINTS)


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("not-found.404.html", 404, Reason.NOT_FOUND),
        ("gone.410.html", 410, Reason.DELETED),
        ("login-wall.403.html", 403, Reason.LOGIN_REQUIRED),
        ("not-found.404.html", 451, Reason.REGION_LOCKED),
    ],
)
def test_status_codes_say_gone(name: str, status: int, reason: Reason) -> None:
    ref = ref_of("https://harbourledger.example/news/2026/01/withdrawn-story/")
    outcome = PLATFORM.read_response(ref, respond(ref, name, status=status), ENDPOINTS)
    assert isinstance(outcome, Gone)
    assert outcome.reason is reason
    assert outcome.status == status


@pytest.mark.parametrize(
    ("name", "reason", "sentence"),
    [
        ("x-page-missing.200.html", Reason.NOT_FOUND, "Hmm...this page doesn't exist"),
        ("instagram-unavailable.200.html", Reason.NOT_FOUND, "Sorry, this page isn't available"),
        (
            "facebook-unavailable.200.html",
            Reason.NOT_FOUND,
            "This content isn't available right now",
        ),
        ("telegram-post-not-found.200.html", Reason.NOT_FOUND, "Post not found"),
        (
            "bluesky-signed-in-only.200.html",
            Reason.LOGIN_REQUIRED,
            "This author has chosen to make their posts visible only to people who are signed in",
        ),
    ],
)
def test_page_level_gone_sentences(name: str, reason: Reason, sentence: str) -> None:
    ref = ref_of("https://pages.example/some/post/1")
    outcome = PLATFORM.read_response(ref, respond(ref, name), ENDPOINTS)
    assert isinstance(outcome, Gone)
    assert outcome.reason is reason
    assert outcome.status == 200
    assert repr(sentence) in outcome.detail


def test_video_unavailable_sentence_at_start_of_short_text_is_gone() -> None:
    ref = ref_of("https://video.example/watch/1")
    body = (
        b"<html><head><title>Player</title></head><body><div>Video unavailable</div></body></html>"
    )
    outcome = PLATFORM.read_response(ref, respond(ref, None, body=body), ENDPOINTS)
    assert outcome == Gone(Reason.NOT_FOUND, f"{ref.url} says 'Video unavailable'", 200)


def test_article_quoting_a_gone_sentence_is_still_a_live_page() -> None:
    ref = ref_of("https://estuarynotes.example/2026/01/link-rot/")
    outcome = PLATFORM.read_response(ref, respond(ref, "quotes-gone-sentence.200.html"), ENDPOINTS)
    assert isinstance(outcome, Found)
    assert outcome.post.title == "Link rot in flood reporting"
    assert outcome.post.author.name == "Hamish Teague"
    assert outcome.post.created_at == "2026-01-11T12:00:00Z"


def test_non_html_body_is_a_bare_record_with_its_bytes_as_evidence() -> None:
    ref = ref_of("https://harbourledger.example/files/flood-report.pdf")
    response = respond(ref, "report.200.pdf", headers={"content-type": "application/pdf"})
    outcome = PLATFORM.read_response(ref, response, ENDPOINTS)
    assert isinstance(outcome, Found)
    assert outcome.post.key == "web:https://harbourledger.example/files/flood-report.pdf"
    assert outcome.post.text == ""
    assert outcome.post.capture.raw_sha256 == sha256_hex(response.body)


def test_page_in_windows_1252_declared_by_header() -> None:
    ref = ref_of("https://old.example/story.html")
    body = "<html><head><title>“Quoted” café</title></head><body></body></html>".encode(
        "windows-1252"
    )
    headers = {"content-type": "text/html; charset=windows-1252"}
    outcome = PLATFORM.read_response(ref, respond(ref, None, headers=headers, body=body), ENDPOINTS)
    assert isinstance(outcome, Found)
    assert outcome.post.title == "“Quoted” café"


def test_unexpected_status_is_a_parse_error() -> None:
    ref = ref_of("https://example.org/a")
    with pytest.raises(ParseError, match="HTTP 400"):
        PLATFORM.read_response(ref, respond(ref, None, status=400, body=b"bad"), ENDPOINTS)


def test_read_response_keeps_the_ref_identity_after_redirects() -> None:
    ref = ref_of("https://short.example/x")
    response = respond(
        ref,
        "article-ok.200.html",
        url="https://harbourledger.example/news/2026/01/ferry-timetable/",
    )
    outcome = PLATFORM.read_response(ref, response, ENDPOINTS)
    assert isinstance(outcome, Found)
    assert outcome.post.key == "web:https://short.example/x"
    assert outcome.post.capture.source == response.url


# --- post_from_page without a ref ---------------------------------------------------------


def test_post_from_page_without_ref_uses_the_canonical_url() -> None:
    capture = Capture(
        method="page-meta",
        source="saved.html",
        captured_at="2026-01-11T08:00:00Z",
        raw_sha256="0" * 64,
    )
    soup = BeautifulSoup(
        '<html lang="fr"><head><link rel="canonical" href="https://blog.example/p/1#top">'
        '<meta name="description" content="Résumé court."></head></html>',
        "lxml",
    )
    meta = read_page_meta(soup.find_all(["meta", "link"]), page_lang="fr")
    post = post_from_page(meta, None, capture)
    assert post is not None
    assert post.key == "web:https://blog.example/p/1"
    assert post.text == "Résumé court."
    assert post.text_truncated is True
    assert post.lang == "fr"
    assert post_from_page(read_page_meta([]), None, capture) is None


def test_fixture_responses_are_documented() -> None:
    readme = (RESPONSES.parent / "README.md").read_text(encoding="utf-8")
    for path in RESPONSES.iterdir():
        assert path.name in readme, path.name
    json.loads((RESPONSES / "oembed.200.json").read_text(encoding="utf-8"))
