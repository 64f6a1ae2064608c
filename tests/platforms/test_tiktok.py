"""TikTok: URL shapes, embeds, oEmbed and the video page's rehydration data, from fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.config import load_settings
from archiver.platforms.base import FollowUp, Found, Gone, ParseError, PostRef, Reason, Response
from archiver.platforms.tiktok import PLATFORM, created_from_id, find_mentions
from archiver.record import Capture, Media, Post
from tests.platforms.embed_walk import embed_results

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tiktok"
ENDPOINTS = load_settings().endpoints.model_copy(update={"tiktok": "http://127.0.0.1:8123/"})
CAPTURE = Capture(
    method="embed-html",
    source="https://news.example/article",
    captured_at="2026-03-07T12:00:00Z",
    raw_sha256="0" * 64,
)
VIDEO = "7613469505275829767"
PHOTO = "7614068046565448768"
USER = "harbourbakes"
URL = f"https://www.tiktok.com/@{USER}/video/{VIDEO}"
REF = PostRef("tiktok", VIDEO, URL, USER)
CAPTION = "Sunrise shift at the harbour bakery ☀️ thanks @ferry.fan for the tip #baking #harbourlife"


@pytest.mark.parametrize(
    ("url", "post_id", "handle"),
    [
        (f"{URL}?is_from_webapp=1&sender_device=pc&web_id=123", VIDEO, USER),
        (f"https://m.tiktok.com/@{USER}/video/{VIDEO}", VIDEO, USER),
        (f"http://tiktok.com/@{USER}/video/{VIDEO}/", VIDEO, USER),
        (f"https://www.tiktok.com/@ferry.fan/video/{VIDEO}", VIDEO, "ferry.fan"),
        (f"https://www.tiktok.com/@/video/{VIDEO}", VIDEO, None),
        (f"https://www.tiktok.com/@{USER}/photo/{PHOTO}", PHOTO, USER),
        (f"https://www.tiktok.com/share/video/{VIDEO}", VIDEO, None),
        (f"https://www.tiktok.com/embed/{VIDEO}", VIDEO, None),
        (f"https://www.tiktok.com/embed/v2/{VIDEO}?lang=en-US", VIDEO, None),
        (f"https://www.tiktok.com/player/v1/{VIDEO}", VIDEO, None),
        (f"https://www.tiktokv.com/share/video/{VIDEO}/", VIDEO, None),
        (f"https://m.tiktok.com/v/{VIDEO}.html", VIDEO, None),
    ],
)
def test_match_post_urls(url: str, post_id: str, handle: str | None) -> None:
    canonical = f"https://www.tiktok.com/@{handle or ''}/video/{post_id}"
    assert PLATFORM.match(url) == PostRef("tiktok", post_id, canonical, handle)


@pytest.mark.parametrize(
    "url",
    [
        "https://vm.tiktok.com/ZMabc1234/",
        "https://vt.tiktok.com/ZSxyz987/",
        "https://www.tiktok.com/t/ZTL2SmoGF/",
        f"https://www.tiktok.com/@{USER}",
        "https://www.tiktok.com/tag/baking",
        "https://www.tiktok.com/music/original-sound-7339012345678901234",
        "https://www.tiktok.com/",
        f"https://www.tiktok.com/@{USER}/video/notanumber",
        f"https://nottiktok.com/@{USER}/video/{VIDEO}",
    ],
)
def test_non_post_urls_are_not_matched(url: str) -> None:
    assert PLATFORM.match(url) is None


@pytest.mark.parametrize(
    ("url", "short"),
    [
        ("https://vm.tiktok.com/ZMabc1234/", True),
        ("https://vt.tiktok.com/ZSxyz987/", True),
        ("https://www.tiktok.com/t/ZTL2SmoGF/", True),
        (URL, False),
        (f"https://www.tiktok.com/@{USER}", False),
    ],
)
def test_short_links(url: str, short: bool) -> None:
    assert PLATFORM.is_short_link(url) is short


def test_id_encodes_creation_time() -> None:
    assert created_from_id(VIDEO) == "2026-03-04T18:30:05Z"
    assert created_from_id(PHOTO) == "2026-03-06T09:12:44Z"
    assert created_from_id("123456789") is None


def test_mentions_keep_dots() -> None:
    assert find_mentions("thanks @ferry.fan. and @a_b, mail x@y.com @ferry.fan") == [
        "ferry.fan",
        "a_b",
    ]


# --- embeds ---------------------------------------------------------------------------


def embed_records(markup: str) -> list[Post | None]:
    return embed_results(PLATFORM, markup, CAPTURE)


def fixture_embed(name: str) -> Post:
    [post] = embed_records((FIXTURES / "embeds" / name).read_text(encoding="utf-8"))
    assert post is not None
    return post


def test_video_embed() -> None:
    post = fixture_embed("video.html")
    assert (post.key, post.url) == (f"tiktok:{VIDEO}", URL)
    assert post.text == CAPTION
    assert post.hashtags == ["baking", "harbourlife"]
    assert post.mentions == ["ferry.fan"]
    assert post.author.model_dump() == {
        "name": None,
        "handle": USER,
        "id": None,
        "url": f"https://www.tiktok.com/@{USER}",
    }
    assert post.created_at == "2026-03-04T18:30:05Z"
    # The embed shows the video, whose file the markup does not name: TikTok's player.
    assert post.media == [Media(kind="unknown", url=f"https://www.tiktok.com/player/v1/{VIDEO}")]
    assert post.links == []
    assert post.capture == CAPTURE


def test_players_and_amp_components() -> None:
    markup = (FIXTURES / "embeds" / "players-and-amp.html").read_text(encoding="utf-8")
    embed_v2, player, amp_id, amp_url = embed_records(markup)
    assert embed_v2 is not None and player is not None
    assert (embed_v2.post_id, embed_v2.url) == (VIDEO, f"https://www.tiktok.com/@/video/{VIDEO}")
    assert embed_v2.created_at == "2026-03-04T18:30:05Z"  # the id holds the time
    assert player.post_id == PHOTO
    assert player.media == [Media(kind="unknown", url=f"https://www.tiktok.com/player/v1/{PHOTO}")]
    assert amp_id is not None and amp_id.post_id == VIDEO
    assert amp_url is not None and (amp_url.post_id, amp_url.author.handle) == (PHOTO, USER)


def test_bare_caption_embed_drops_author_and_sound_links() -> None:
    post = fixture_embed("bare-caption.html")
    assert (post.post_id, post.url) == (PHOTO, f"https://www.tiktok.com/@{USER}/video/{PHOTO}")
    assert post.text == "Three loaves, one oven\nwith @ferry.fan #sourdough"
    assert post.hashtags == ["sourdough"]
    assert post.mentions == ["ferry.fan"]
    assert post.author.handle == USER


def test_embed_without_cite_takes_handle_from_author_link() -> None:
    markup = (
        f'<blockquote class="tiktok-embed" data-video-id="{VIDEO}"><section>'
        f'<a href="https://www.tiktok.com/@{USER}?refer=embed">@{USER}</a> Fresh rolls '
        "</section></blockquote>"
    )
    [post] = embed_records(markup)
    assert post is not None
    assert (post.author.handle, post.text, post.url) == (USER, "Fresh rolls", URL)


def test_embed_without_an_id_is_declined() -> None:
    markup = '<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@x"></blockquote>'
    assert embed_records(markup) == [None]


def test_flattened_text_yields_nothing() -> None:
    text = (FIXTURES / "embeds" / "flattened.txt").read_text(encoding="utf-8")
    assert PLATFORM.text_embeds(text, CAPTURE) == []


# --- live fetch -----------------------------------------------------------------------

OEMBED_URL = (
    "http://127.0.0.1:8123/oembed?url=https%3A%2F%2Fwww.tiktok.com%2F%40harbourbakes"
    f"%2Fvideo%2F{VIDEO}"
)
PAGE_URL = f"http://127.0.0.1:8123/@{USER}/video/{VIDEO}"


def respond(name: str, carry: Post | None = None, page: bool = False, ref: PostRef = REF):
    if page:
        request = PLATFORM.page_request(ref, ENDPOINTS, carry)
    else:
        request = PLATFORM.first_request(ref, ENDPOINTS)
    response = Response(
        request=request,
        status=int(name.split(".")[-2]),
        url=request.url,
        body=(FIXTURES / "responses" / name).read_bytes(),
        received_at="2026-03-08T09:00:00Z",
    )
    return PLATFORM.read_response(ref, response, ENDPOINTS)


def oembed_carry() -> Post:
    outcome = respond("oembed-ok.200.json")
    assert isinstance(outcome, FollowUp)
    assert outcome.request.carry is not None
    return outcome.request.carry


def test_first_request_is_oembed() -> None:
    request = PLATFORM.first_request(REF, ENDPOINTS)
    assert request.url == OEMBED_URL
    assert (request.method, request.purpose) == ("oembed", "oembed")


def test_oembed_success_follows_up_with_the_video_page() -> None:
    outcome = respond("oembed-ok.200.json")
    assert isinstance(outcome, FollowUp)
    request = outcome.request
    assert (request.url, request.purpose, request.method, request.browser) == (
        PAGE_URL,
        "page",
        "page-meta",
        True,
    )
    carry = request.carry
    assert carry is not None
    assert carry.text == CAPTION
    assert carry.author.model_dump() == {
        "name": "Harbour Bakes 🥐",
        "handle": USER,
        "id": None,
        "url": f"https://www.tiktok.com/@{USER}",
    }
    assert carry.created_at == "2026-03-04T18:30:05Z"
    assert carry.hashtags == ["baking", "harbourlife"]
    assert carry.mentions == ["ferry.fan"]
    assert [m.kind for m in carry.media] == ["photo"]
    assert carry.media[0].url.startswith("https://p16-sign-va.tiktokcdn.com/obj/")
    assert carry.capture.method == "oembed"


def test_oembed_learns_the_handle_for_the_page_request() -> None:
    ref = PLATFORM.match(f"https://www.tiktok.com/embed/v2/{VIDEO}")
    assert ref is not None
    outcome = respond("oembed-ok.200.json", ref=ref)
    assert isinstance(outcome, FollowUp)
    assert outcome.request.url == PAGE_URL
    assert outcome.request.carry is not None
    assert outcome.request.carry.url == URL


def test_video_page() -> None:
    outcome = respond("page-ok.200.html", oembed_carry(), page=True)
    assert isinstance(outcome, Found)
    post = outcome.post
    assert (post.key, post.url) == (f"tiktok:{VIDEO}", URL)
    assert post.text == CAPTION
    assert post.created_at == "2026-03-04T18:30:05Z"
    assert post.author.model_dump() == {
        "name": "Harbour Bakes 🥐",
        "handle": USER,
        "id": "7012345678901234567",
        "url": f"https://www.tiktok.com/@{USER}",
    }
    assert post.hashtags == ["baking", "harbourlife"]
    assert post.mentions == ["ferry.fan"]
    assert post.lang == "en"
    assert post.title is None
    assert [m.kind for m in post.media] == ["video", "photo"]
    assert "oFakePlay829767" in post.media[0].url
    assert "oFakeCover829767" in post.media[1].url
    assert post.metrics == {
        "views": 201944,
        "likes": 15230,
        "replies": 318,
        "shares": 412,
        "saves": 2087,
    }
    assert post.capture.method == "page-meta"
    assert post.capture.source == PAGE_URL


def test_photo_post_page() -> None:
    ref = PostRef("tiktok", PHOTO, f"https://www.tiktok.com/@{USER}/video/{PHOTO}", USER)
    outcome = respond("page-photo.200.html", page=True, ref=ref)
    assert isinstance(outcome, Found)
    post = outcome.post
    assert post.text == "Three loaves, one oven #sourdough"
    assert post.title == "Weekend bake"
    assert post.created_at == "2026-03-06T09:12:44Z"
    assert [m.kind for m in post.media] == ["photo", "photo", "photo"]
    assert [("fakeloaf1" in post.media[0].url), ("fakeloaf3" in post.media[2].url)] == [True, True]
    assert post.hashtags == ["sourdough"]
    assert post.mentions == []
    assert post.metrics["views"] == 9604


@pytest.mark.parametrize(
    ("name", "reason", "words"),
    [
        ("page-private.200.html", Reason.PRIVATE, "post is private"),
        ("page-private-account.200.html", Reason.PRIVATE, "account is private"),
        ("page-user-not-found.200.html", Reason.NOT_FOUND, "account was not found"),
        ("page-region-locked.200.html", Reason.REGION_LOCKED, "region"),
    ],
)
def test_page_status_codes(name: str, reason: Reason, words: str) -> None:
    outcome = respond(name, oembed_carry(), page=True)
    assert isinstance(outcome, Gone)
    assert (outcome.reason, outcome.status) == (reason, 200)
    assert words in outcome.detail


@pytest.mark.parametrize("name", ["page-captcha.200.html", "page-unavailable.200.html"])
def test_unreadable_page_keeps_the_oembed_record(name: str) -> None:
    carry = oembed_carry()
    outcome = respond(name, carry, page=True)
    assert isinstance(outcome, Found)
    assert outcome.post == carry


def test_unavailable_page_without_oembed_record_is_a_block() -> None:
    outcome = respond("page-unavailable.200.html", page=True)
    assert isinstance(outcome, Gone)
    assert outcome.reason is Reason.BLOCKED
    assert "may still exist" in outcome.detail


def test_captcha_without_oembed_record_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        respond("page-captcha.200.html", page=True)


def test_oembed_not_found_fixture() -> None:
    outcome = respond("oembed-not-found.400.json")
    assert isinstance(outcome, Gone)
    assert (outcome.reason, outcome.status) == (Reason.NOT_FOUND, 400)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, b""),
        (404, b"Not Found"),
        (200, b'{"code": 400, "message": "Something went wrong", "data": {}}'),
    ],
)
def test_oembed_error_bodies_are_read_leniently(status: int, body: bytes) -> None:
    request = PLATFORM.first_request(REF, ENDPOINTS)
    response = Response(request, status, request.url, {}, body)
    outcome = PLATFORM.read_response(REF, response, ENDPOINTS)
    assert isinstance(outcome, Gone)
    assert outcome.reason is Reason.NOT_FOUND


@pytest.mark.parametrize(
    ("status", "body"), [(200, b"<html>captcha</html>"), (200, b"[1, 2]"), (418, b"teapot")]
)
def test_garbage_oembed_raises_parse_error(status: int, body: bytes) -> None:
    request = PLATFORM.first_request(REF, ENDPOINTS)
    with pytest.raises(ParseError):
        PLATFORM.read_response(REF, Response(request, status, request.url, {}, body), ENDPOINTS)


def test_embed_oembed_and_page_agree_on_key_url_and_date() -> None:
    embedded = fixture_embed("video.html")
    carry = oembed_carry()
    outcome = respond("page-ok.200.html", carry, page=True)
    assert isinstance(outcome, Found)
    for post in (carry, outcome.post):
        assert (post.key, post.url, post.created_at, post.text) == (
            embedded.key,
            embedded.url,
            embedded.created_at,
            embedded.text,
        )
