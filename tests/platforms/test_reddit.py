"""Reddit: URL shapes, embeds, flattened text and the .json answers, from fixtures only."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.config import load_settings
from archiver.platforms.base import Found, Gone, ParseError, PostRef, Reason, Response
from archiver.platforms.reddit import PLATFORM
from archiver.record import Capture, Post
from tests.platforms.embed_walk import embed_results

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "reddit"
ENDPOINTS = load_settings().endpoints.model_copy(update={"reddit": "http://127.0.0.1:8123/"})
CAPTURE = Capture(
    method="embed-html",
    source="https://news.example/article",
    captured_at="2026-03-07T12:00:00Z",
    raw_sha256="0" * 64,
)
POST = "https://www.reddit.com/r/FakeCityNews/comments/1c9k2mf/"
COMMENT = "https://www.reddit.com/r/FakeCityNews/comments/1c9k2mf/comment/l2m3n4o/"


@pytest.mark.parametrize(
    ("url", "post_id", "canonical", "handle"),
    [
        (
            "https://www.reddit.com/r/FakeCityNews/comments/1c9k2mf/council_meeting/",
            "1c9k2mf",
            POST,
            None,
        ),
        (
            "https://old.reddit.com/r/FakeCityNews/comments/1c9k2mf/x/?utm_source=share&utm_medium=web2x",
            "1c9k2mf",
            POST,
            None,
        ),
        ("https://new.reddit.com/r/FakeCityNews/comments/1c9k2mf", "1c9k2mf", POST, None),
        ("https://np.reddit.com/r/FakeCityNews/comments/1c9k2mf/x/#top", "1c9k2mf", POST, None),
        ("https://m.reddit.com/r/FakeCityNews/comments/1c9k2mf/x/", "1c9k2mf", POST, None),
        ("https://sh.reddit.com/r/FakeCityNews/comments/1c9k2mf/x/", "1c9k2mf", POST, None),
        ("http://reddit.com/r/FakeCityNews/comments/1C9K2MF/", "1c9k2mf", POST, None),
        (
            "https://www.reddit.com/comments/1c9k2mf",
            "1c9k2mf",
            "https://www.reddit.com/comments/1c9k2mf/",
            None,
        ),
        (
            "https://www.reddit.com/user/quiet_harbor_42/comments/1c9k2mf/my_post/",
            "1c9k2mf",
            "https://www.reddit.com/r/u_quiet_harbor_42/comments/1c9k2mf/",
            "quiet_harbor_42",
        ),
        (
            "https://www.reddit.com/u/quiet_harbor_42/comments/1c9k2mf",
            "1c9k2mf",
            "https://www.reddit.com/r/u_quiet_harbor_42/comments/1c9k2mf/",
            "quiet_harbor_42",
        ),
        (
            "https://www.reddit.com/gallery/1cb3t5e",
            "1cb3t5e",
            "https://www.reddit.com/comments/1cb3t5e/",
            None,
        ),
        ("https://redd.it/1c9k2mf", "1c9k2mf", "https://www.reddit.com/comments/1c9k2mf/", None),
        (
            "https://www.reddit.com/r/FakeCityNews/comments/1c9k2mf/council/l2m3n4o/?context=3",
            "l2m3n4o",
            COMMENT,
            None,
        ),
        (COMMENT, "l2m3n4o", COMMENT, None),
        (
            "https://www.reddit.com/comments/1c9k2mf/_/l2m3n4o",
            "l2m3n4o",
            "https://www.reddit.com/comments/1c9k2mf/_/l2m3n4o/",
            None,
        ),
    ],
)
def test_match_post_and_comment_urls(
    url: str, post_id: str, canonical: str, handle: str | None
) -> None:
    assert PLATFORM.match(url) == PostRef("reddit", post_id, canonical, handle)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.reddit.com/",
        "https://www.reddit.com/r/FakeCityNews/",
        "https://www.reddit.com/user/quiet_harbor_42/",
        "https://www.reddit.com/r/FakeCityNews/s/AbCdEf1234",
        "https://i.redd.it/q8w3e5r7t9y1.jpeg",
        "https://v.redd.it/fk3vid9x2m1a",
        "https://notreddit.com/r/FakeCityNews/comments/1c9k2mf/",
        "https://www.reddit.com.evil.example/r/FakeCityNews/comments/1c9k2mf/",
        "https://redd.it/",
    ],
)
def test_non_post_urls_are_not_matched(url: str) -> None:
    assert PLATFORM.match(url) is None


def test_short_links_are_redd_it_and_share_links() -> None:
    assert PLATFORM.is_short_link("https://redd.it/1c9k2mf")
    assert PLATFORM.is_short_link("https://www.reddit.com/r/FakeCityNews/s/AbCdEf1234")
    assert not PLATFORM.is_short_link(POST)
    assert not PLATFORM.is_short_link("https://i.redd.it/q8w3e5r7t9y1.jpeg")


# --- embeds ---------------------------------------------------------------------------


def embed_records(name: str) -> list[Post | None]:
    markup = (FIXTURES / "embeds" / name).read_text(encoding="utf-8")
    return embed_results(PLATFORM, markup, CAPTURE)


def test_post_embed() -> None:
    [post] = embed_records("post.html")
    assert post is not None
    assert post.key == "reddit:1c9k2mf"
    assert post.url == POST
    assert post.title == "Council meeting moved to Thursday — agenda & minutes inside"
    assert post.text == ""
    assert post.author.handle == "quiet_harbor_42"
    assert post.author.name is None
    assert post.author.url == "https://www.reddit.com/user/quiet_harbor_42/"
    assert post.created_at is None
    assert post.capture == CAPTURE


def test_comment_embed_is_keyed_by_comment_id_with_post_in_url() -> None:
    [comment] = embed_records("comment.html")
    assert comment is not None
    assert comment.post_id == "l2m3n4o"
    assert comment.url == COMMENT
    assert comment.title is None
    assert comment.author.handle == "quiet_harbor_42"
    assert comment.in_reply_to is None


def test_empty_anchor_embed_has_no_title_and_canonical_url() -> None:
    [post] = embed_records("empty-anchor.html")
    assert post is not None
    assert post.post_id == "1c9m4ab"
    assert post.url == "https://www.reddit.com/r/FakeCityNews/comments/1c9m4ab/"
    assert post.title is None
    assert post.author.handle == "rainy_commuter_7"


def test_reddit_card_embed_has_title_but_no_author() -> None:
    [post] = embed_records("reddit-card.html")
    assert post is not None
    assert post.post_id == "1cb3t5e"
    assert post.title == "New bike lanes: before and after"
    assert post.author.handle is None


def test_amp_reddit_gives_post_and_comment() -> None:
    post, comment = embed_records("amp.html")
    assert post is not None and (post.key, post.url, post.title) == ("reddit:1c9k2mf", POST, None)
    assert comment is not None and (comment.key, comment.url) == ("reddit:l2m3n4o", COMMENT)


def test_embed_without_a_post_link_is_declined() -> None:
    assert embed_records("not-reddit.html") == [None]


def test_flattened_text_without_url_yields_nothing() -> None:
    text = (FIXTURES / "embeds" / "flattened.txt").read_text(encoding="utf-8")
    assert PLATFORM.text_embeds(text, CAPTURE) == []


def test_flattened_markdown_keeps_post_and_comment() -> None:
    text = (FIXTURES / "embeds" / "flattened-markdown.md").read_text(encoding="utf-8")
    capture = CAPTURE.model_copy(update={"method": "text-embed"})
    post, comment = PLATFORM.text_embeds(text, capture)
    assert (post.post_id, post.url) == ("1c9k2mf", POST)
    assert post.title == "Council meeting moved to Thursday — agenda & minutes inside"
    assert post.author.handle == "quiet_harbor_42"
    assert post.capture.method == "text-embed"
    assert (comment.post_id, comment.url, comment.title) == ("l2m3n4o", COMMENT, None)


# --- live fetch -----------------------------------------------------------------------


def answer(ref: PostRef, name: str, url: str | None = None) -> Found | Gone:
    request = PLATFORM.first_request(ref, ENDPOINTS)
    response = Response(
        request=request,
        status=int(name.split(".")[-2]),
        url=url or request.url,
        body=(FIXTURES / "responses" / name).read_bytes(),
        received_at="2026-03-08T09:00:00Z",
    )
    outcome = PLATFORM.read_response(ref, response, ENDPOINTS)
    assert isinstance(outcome, Found | Gone)
    return outcome


def found(ref_url: str, name: str) -> Post:
    ref = PLATFORM.match(ref_url)
    assert ref is not None
    outcome = answer(ref, name)
    assert isinstance(outcome, Found), outcome
    return outcome.post


def test_first_request_for_post_and_comment() -> None:
    post = PLATFORM.first_request(PLATFORM.match(POST), ENDPOINTS)  # type: ignore[arg-type]
    assert post.url == "http://127.0.0.1:8123/comments/1c9k2mf/.json?raw_json=1"
    assert (post.method, post.purpose) == ("api", "post")
    assert ("accept", "application/json") in post.headers
    comment = PLATFORM.first_request(PLATFORM.match(COMMENT), ENDPOINTS)  # type: ignore[arg-type]
    assert comment.url == "http://127.0.0.1:8123/comments/1c9k2mf/_/l2m3n4o/.json?raw_json=1"
    assert comment.purpose == "comment"


def test_self_post() -> None:
    post = found(POST, "self-post.200.json")
    assert post.key == "reddit:1c9k2mf"
    assert post.url == POST
    assert post.title == "Council meeting moved to Thursday — agenda & minutes inside"
    assert post.text.startswith("The **transit committee** meeting moved to Thursday")
    assert post.text.endswith("Café & parking: free after 5.")
    assert post.author.model_dump() == {
        "name": None,
        "handle": "quiet_harbor_42",
        "id": "t2_9x8w7v6u",
        "url": "https://www.reddit.com/user/quiet_harbor_42/",
    }
    assert post.created_at == "2026-03-04T14:20:00Z"
    assert post.links == [
        "https://example.org/council/agenda-2026-03-05.pdf",
        "https://example.org/council/minutes-feb",
    ]
    assert post.mentions == ["civic_notes_bot"]
    assert post.media == []
    assert post.metrics == {"score": 482, "comments": 57}
    assert post.capture.method == "api"
    assert post.capture.source == "http://127.0.0.1:8123/comments/1c9k2mf/.json?raw_json=1"


def test_image_post_uses_the_original_image() -> None:
    post = found("https://redd.it/1c9m4ab", "image-post.200.json")
    assert post.url == "https://www.reddit.com/r/FakeCityNews/comments/1c9m4ab/"
    assert [(m.kind, m.url) for m in post.media] == [
        ("photo", "https://i.redd.it/q8w3e5r7t9y1.jpeg")
    ]
    assert post.links == []


def test_video_post() -> None:
    post = found("https://redd.it/1ca0q7z", "video-post.200.json")
    assert [(m.kind, m.url) for m in post.media] == [
        ("video", "https://v.redd.it/fk3vid9x2m1a/DASH_720.mp4?source=fallback")
    ]
    assert post.links == []


def test_gallery_keeps_order_captions_and_skips_failed_items() -> None:
    post = found("https://www.reddit.com/gallery/1cb3t5e", "gallery.200.json")
    assert [(m.kind, m.url, m.alt) for m in post.media] == [
        ("photo", "https://i.redd.it/ab12cd34ef56.jpg", "Before: March 2025"),
        ("photo", "https://i.redd.it/gh78ij90kl12.png", "After"),
        ("gif", "https://i.redd.it/mn34op56qr78.gif", None),
    ]
    assert post.links == []


def test_link_post() -> None:
    post = found("https://redd.it/1cc7u2w", "link-post.200.json")
    assert post.links == ["https://example.org/news/draft-housing-plan"]
    assert [m.url for m in post.media] == [
        "https://external-preview.redd.it/fakeHousingPlan.jpg?auto=webp&s=ee55"
    ]


def test_older_link_post_without_url_overridden_by_dest_keeps_its_link() -> None:
    post = found("https://redd.it/1cc7u2w", "link-post-old.200.json")
    assert post.links == ["https://example.org/news/draft-housing-plan"]


def test_crosspost_quotes_its_source() -> None:
    post = found("https://redd.it/1cd1x9p", "crosspost.200.json")
    assert post.url == "https://www.reddit.com/r/FakeRegionNews/comments/1cd1x9p/"
    assert post.quotes == ["https://www.reddit.com/r/FakeCityNews/comments/1cc7u2w/"]
    assert post.links == []


def test_post_of_deleted_account_is_still_found() -> None:
    post = found("https://redd.it/1cg2a1t", "account-deleted.200.json")
    assert post.author.handle is None
    assert post.text == "The main branch now closes at 9 pm on weekdays."


def test_comment_reply() -> None:
    comment = found(COMMENT, "comment.200.json")
    assert comment.key == "reddit:l2m3n4o"
    assert comment.url == COMMENT
    assert comment.title is None
    assert comment.text == (
        "Yes, same link as last month: https://example.org/live\n\n"
        "Ask u/maple_ledger for the slides."
    )
    assert comment.in_reply_to == (
        "https://www.reddit.com/r/FakeCityNews/comments/1c9k2mf/comment/l2m1a0b/"
    )
    assert comment.links == ["https://example.org/live"]
    assert comment.mentions == ["maple_ledger"]
    assert comment.created_at == "2026-03-04T15:15:00Z"
    assert comment.metrics == {"score": 17}


@pytest.mark.parametrize(
    ("ref_url", "name", "reason", "detail", "status"),
    [
        (POST, "deleted.200.json", Reason.DELETED, "deleted by its author", 200),
        (POST, "removed.200.json", Reason.DELETED, "removed by moderators", 200),
        (
            "https://www.reddit.com/r/FakeCityNews/comments/1c9k2mf/comment/l2p7q8r/",
            "comment-removed.200.json",
            Reason.DELETED,
            "removed by moderators",
            200,
        ),
        (POST, "not-found.404.json", Reason.NOT_FOUND, None, 404),
        (POST, "banned.404.json", Reason.SUSPENDED, None, 404),
        (POST, "private.403.json", Reason.PRIVATE, None, 403),
        (POST, "quarantined.403.json", Reason.LOGIN_REQUIRED, None, 403),
        (POST, "blocked.403.html", Reason.BLOCKED, None, 403),
        (POST, "blocked-network-security.403.html", Reason.BLOCKED, None, 403),
    ],
)
def test_unavailable_answers(
    ref_url: str, name: str, reason: Reason, detail: str | None, status: int
) -> None:
    ref = PLATFORM.match(ref_url)
    assert ref is not None
    outcome = answer(ref, name)
    assert isinstance(outcome, Gone)
    assert (outcome.reason, outcome.status) == (reason, status)
    if detail is not None:
        assert outcome.detail == detail


def test_block_detail_says_it_is_not_a_deletion() -> None:
    outcome = answer(PLATFORM.match(POST), "blocked.403.html")  # type: ignore[arg-type]
    assert isinstance(outcome, Gone)
    assert "blocked" in outcome.detail
    assert "not a deletion" in outcome.detail


def test_comment_missing_from_its_thread_is_not_found() -> None:
    ref = PLATFORM.match("https://www.reddit.com/r/FakeCityNews/comments/1c9k2mf/comment/zzzzzzz/")
    outcome = answer(ref, "self-post.200.json")  # type: ignore[arg-type]
    assert isinstance(outcome, Gone)
    assert outcome.reason is Reason.NOT_FOUND


def test_redirects_to_interstitials() -> None:
    ref = PLATFORM.match(POST)
    assert ref is not None
    request = PLATFORM.first_request(ref, ENDPOINTS)
    dest = "?dest=https%3A%2F%2Fwww.reddit.com%2Fcomments%2F1c9k2mf%2F"
    for path, reason in (("/over18", Reason.AGE_RESTRICTED), ("/login/", Reason.LOGIN_REQUIRED)):
        final_url = f"https://www.reddit.com{path}{dest}"
        response = Response(request, 200, final_url, {}, b"<html></html>")
        outcome = PLATFORM.read_response(ref, response, ENDPOINTS)
        assert isinstance(outcome, Gone)
        assert outcome.reason is reason


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"<html><body>hello</body></html>"),
        (200, b"[]"),
        (200, b'{"kind": "Listing", "data": {"children": []}}'),
        (200, b'[{"kind": "Listing", "data": {"children": [{"kind": "t1", "data": {}}]}}]'),
        (418, b"I'm a teapot"),
    ],
)
def test_garbage_raises_parse_error(status: int, body: bytes) -> None:
    ref = PLATFORM.match(POST)
    assert ref is not None
    request = PLATFORM.first_request(ref, ENDPOINTS)
    with pytest.raises(ParseError):
        PLATFORM.read_response(ref, Response(request, status, request.url, {}, body), ENDPOINTS)


def test_embed_and_api_agree_on_key() -> None:
    [embedded] = embed_records("post.html")
    fetched = found(POST, "self-post.200.json")
    assert embedded is not None
    assert (embedded.key, embedded.url, embedded.title) == (
        fetched.key,
        fetched.url,
        fetched.title,
    )


def test_block_wording_inside_a_post_is_not_a_block() -> None:
    ref = PLATFORM.match(POST)
    assert ref is not None
    request = PLATFORM.first_request(ref, ENDPOINTS)
    body = (FIXTURES / "responses" / "self-post.200.json").read_text(encoding="utf-8")
    body = body.replace("Café & parking", "whoa there, pardner! Café & parking")
    response = Response(request, 200, request.url, {}, body.encode())
    outcome = PLATFORM.read_response(ref, response, ENDPOINTS)
    assert isinstance(outcome, Found)
    assert "whoa there, pardner!" in outcome.post.text
