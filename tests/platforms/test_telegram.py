"""Telegram adapter: t.me URL shapes, widget embeds, and the widget HTML with its 200 sentinels."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.config import Endpoints
from archiver.platforms.base import Found, Gone, ParseError, PostRef, Reason, Response
from archiver.platforms.telegram import PLATFORM, parse_count
from archiver.record import Capture, Post
from tests.platforms.embed_walk import embed_posts

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "telegram"
LOCAL = "http://127.0.0.1:8123"
ENDPOINTS = Endpoints(
    **{
        name: LOCAL
        for name in [
            "twitter_syndication",
            "twitter_oembed",
            "bluesky_appview",
            "reddit",
            "telegram",
            "youtube",
            "tiktok",
            "meta_oembed",
            "threads_oembed",
            "wayback",
            "memento_timemap",
        ]
    }
)
RECEIVED = "2025-03-07T12:00:00Z"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def ref_for(url: str) -> PostRef:
    ref = PLATFORM.match(url)
    assert ref is not None
    return ref


def read(url: str, name: str, status: int = 200) -> Found | Gone:
    ref = ref_for(url)
    request = PLATFORM.first_request(ref, ENDPOINTS)
    outcome = PLATFORM.read_response(
        ref, Response(request, status, request.url, {}, fixture(name), RECEIVED), ENDPOINTS
    )
    assert isinstance(outcome, Found | Gone)
    return outcome


def found(url: str, name: str) -> Post:
    outcome = read(url, name)
    assert isinstance(outcome, Found)
    return outcome.post


# --- URL recognition -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "post_id", "canonical"),
    [
        ("https://t.me/RiversideWatch/4821", "riversidewatch/4821", "https://t.me/RiversideWatch/4821"),
        ("http://t.me/RiversideWatch/4821/", "riversidewatch/4821", "https://t.me/RiversideWatch/4821"),
        ("https://t.me/s/RiversideWatch/4821", "riversidewatch/4821", "https://t.me/RiversideWatch/4821"),
        ("https://telegram.me/RiversideWatch/4821", "riversidewatch/4821", "https://t.me/RiversideWatch/4821"),
        ("https://www.t.me/riversidewatch/4821", "riversidewatch/4821", "https://t.me/riversidewatch/4821"),
        ("https://t.me/RiversideWatch/4830?single", "riversidewatch/4830", "https://t.me/RiversideWatch/4830"),
        ("https://t.me/RiversideWatch/4821?embed=1&mode=tme", "riversidewatch/4821", "https://t.me/RiversideWatch/4821"),
        ("https://t.me/RiversideWatch/4821?comment=77", "riversidewatch/4821", "https://t.me/RiversideWatch/4821"),
        ("https://t.me/RiversideWatch/4821?utm_source=share#x", "riversidewatch/4821", "https://t.me/RiversideWatch/4821"),
        ("https://t.me/mill_lane_forum/12/345", "mill_lane_forum/345", "https://t.me/mill_lane_forum/345"),
    ],
)  # fmt: skip
def test_match_post_urls(url: str, post_id: str, canonical: str) -> None:
    ref = PLATFORM.match(url)
    assert ref is not None
    assert (ref.platform, ref.post_id, ref.url) == ("telegram", post_id, canonical)
    assert ref.handle == canonical.split("/")[3]


@pytest.mark.parametrize(
    "url",
    [
        "https://t.me/c/1234567890/4821",  # private chat: cannot be fetched
        "https://t.me/RiversideWatch",
        "https://t.me/s/RiversideWatch",
        "https://t.me/joinchat/AAAAAEkk2WdoDrB4-Q8-gg",
        "https://t.me/+AbCdEfGhIjK",
        "https://t.me/addstickers/FloodPack",
        "https://t.me/share/url?url=https://example.org",
        "https://t.me/abc/12",  # too short for a public username
        "https://example.org/RiversideWatch/4821",
        "https://telegram.org/blog/4821",
        "ftp://t.me/RiversideWatch/4821",
    ],
)
def test_match_rejects_non_posts(url: str) -> None:
    assert PLATFORM.match(url) is None


# --- embeds ------------------------------------------------------------------------------


def test_widget_script_and_iframe_embeds() -> None:
    embed_capture = Capture(
        method="embed-html", source="file:///article", captured_at=RECEIVED, raw_sha256="0" * 64
    )
    posts = embed_posts(PLATFORM, fixture("embeds/widget-script.html"), embed_capture)
    assert [(p.key, p.url, p.author.model_dump(), p.text) for p in posts] == [
        (
            "telegram:riversidewatch/4821",
            "https://t.me/RiversideWatch/4821",
            {"name": None, "handle": "RiversideWatch", "id": None, "url": None},
            "",
        ),
        (
            "telegram:riversidewatch/4830",
            "https://t.me/RiversideWatch/4830",
            {"name": None, "handle": "RiversideWatch", "id": None, "url": None},
            "",
        ),
        (
            "telegram:riversidewatch/4830",
            "https://t.me/RiversideWatch/4830",
            {"name": None, "handle": "RiversideWatch", "id": None, "url": None},
            "",
        ),
    ]
    assert all(p.capture.method == "embed-html" for p in posts)


def test_no_flattened_text_embeds() -> None:
    capture = Capture(
        method="text-embed", source="file:///a.txt", captured_at=RECEIVED, raw_sha256="0" * 64
    )
    assert PLATFORM.text_embeds("Riverside Watch\nView in Telegram", capture) == []


# --- live widget ---------------------------------------------------------------------------


def test_first_request_is_a_browser_widget_fetch() -> None:
    request = PLATFORM.first_request(
        ref_for("https://t.me/s/RiversideWatch/4821?single"), ENDPOINTS
    )
    assert request.url == f"{LOCAL}/RiversideWatch/4821?embed=1&mode=tme"
    assert (request.purpose, request.method, request.browser) == ("widget", "widget", True)


def test_text_post_with_link_preview_and_views() -> None:
    post = found("https://t.me/RiversideWatch/4821", "responses/ok-text.200.html")
    data = post.to_json_dict()
    for volatile in ("schema", "capture", "content_hash", "text_truncated"):
        data.pop(volatile)
    assert data == {
        "key": "telegram:riversidewatch/4821",
        "platform": "telegram",
        "post_id": "riversidewatch/4821",
        "url": "https://t.me/RiversideWatch/4821",
        "author": {
            "name": "Riverside Watch & Co",
            "handle": "RiversideWatch",
            "id": None,
            "url": "https://t.me/RiversideWatch",
        },
        "created_at": "2025-03-04T11:50:00Z",
        "title": None,
        "text": "Pumping station 3 is offline again.\n"
        "Residents on Mill Lane report water in basements since 06:00.\n\n"
        "Council statement: council.example.gov/news/pumping-station-3\n"
        "#FloodWatch via @millane_residents",
        "lang": None,
        "media": [],
        "links": ["https://council.example.gov/news/pumping-station-3"],
        "hashtags": ["FloodWatch"],
        "mentions": ["millane_residents"],
        "in_reply_to": None,
        "quotes": [],
        "metrics": {"views": 1200},
    }
    assert post.capture.method == "widget"
    assert post.capture.source == f"{LOCAL}/RiversideWatch/4821?embed=1&mode=tme"


def test_forwarded_reply_with_album() -> None:
    post = found("https://t.me/RiversideWatch/4830", "responses/ok-forward-reply-album.200.html")
    assert post.key == "telegram:riversidewatch/4830"
    assert post.text == "Engineers' photos from the station: the intake grille is fully blocked."
    assert [(m.kind, m.url) for m in post.media] == [
        ("photo", "https://cdn4.cdn-telegram.org/file/Ph0to1aaaaBBBBccccDDDDeeee.jpg"),
        ("photo", "https://cdn4.cdn-telegram.org/file/Ph0to2ffffGGGGhhhhIIIIjjjj.jpg"),
    ]
    assert post.in_reply_to == "https://t.me/RiversideWatch/4821"
    assert post.quotes == ["https://t.me/county_engineers/312"]
    assert post.created_at == "2025-03-04T16:45:12Z"
    assert post.metrics == {"views": 3_400_000}
    assert post.links == []


def test_video_post_forwarded_from_hidden_user() -> None:
    post = found("https://t.me/RiversideWatch/4833", "responses/ok-video.200.html")
    assert [(m.kind, m.url) for m in post.media] == [
        ("video", "https://cdn4.cdn-telegram.org/file/Vid0aabbccddeeff00112233.mp4?token=Zx9Yw8Vu7")
    ]
    assert post.quotes == []
    assert post.text == "Mill Lane at 09:30, filmed by a reader."
    assert (post.created_at, post.metrics) == ("2025-03-05T09:41:07Z", {"views": 856})


def test_views_stay_out_of_the_hash() -> None:
    url = "https://t.me/RiversideWatch/4821"
    ref = ref_for(url)
    request = PLATFORM.first_request(ref, ENDPOINTS)
    body = fixture("responses/ok-text.200.html")
    more = body.replace(b">1.2K<", b">9.9K<")
    outcomes = [
        PLATFORM.read_response(ref, Response(request, 200, request.url, {}, b, RECEIVED), ENDPOINTS)
        for b in (body, more)
    ]
    assert all(isinstance(o, Found) for o in outcomes)
    first, second = (o.post for o in outcomes if isinstance(o, Found))
    assert first.metrics != second.metrics
    assert first.content_hash == second.content_hash


@pytest.mark.parametrize(
    ("name", "reason", "detail"),
    [
        ("not-found.200.html", Reason.NOT_FOUND, "Post not found (deleted or never existed)"),
        ("private.200.html", Reason.PRIVATE, "Channel is private"),
        (
            "blocked.200.html",
            Reason.BLOCKED,
            "This channel can't be displayed because it violated Telegram's Terms of Service.",
        ),
        ("other-error.200.html", Reason.NOT_FOUND, "Media is unavailable for now"),
    ],
)
def test_widget_error_sentinels(name: str, reason: Reason, detail: str) -> None:
    assert read("https://t.me/RiversideWatch/999999", f"responses/{name}") == Gone(
        reason, detail, 200
    )


def test_http_errors() -> None:
    outcome = read("https://t.me/RiversideWatch/4821", "responses/not-found.200.html", status=404)
    assert isinstance(outcome, Gone) and outcome.reason is Reason.NOT_FOUND
    with pytest.raises(ParseError):
        read("https://t.me/RiversideWatch/4821", "responses/not-found.200.html", status=302)


@pytest.mark.parametrize("name", ["not-a-widget.200.html"])
def test_not_a_widget_raises(name: str) -> None:
    with pytest.raises(ParseError):
        read("https://t.me/RiversideWatch/4821", f"responses/{name}")


def test_garbage_raises() -> None:
    ref = ref_for("https://t.me/RiversideWatch/4821")
    request = PLATFORM.first_request(ref, ENDPOINTS)
    for body in (b"", b"\x00\xff garbage", b'<div class="tgme_widget_message" data-post="x">'):
        with pytest.raises(ParseError):
            PLATFORM.read_response(
                ref, Response(request, 200, request.url, {}, body, RECEIVED), ENDPOINTS
            )


@pytest.mark.parametrize(
    ("shown", "count"),
    [
        ("856", 856),
        ("1.2K", 1200),
        ("12K", 12000),
        ("3.4M", 3_400_000),
        ("1,234", 1234),
        ("1B", 10**9),
    ],
)
def test_parse_count(shown: str, count: int) -> None:
    assert parse_count(shown) == count


def test_parse_count_rejects_words() -> None:
    assert parse_count("views") is None
