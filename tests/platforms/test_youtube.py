"""YouTube: URL shapes, iframes, oEmbed and the watch page's player response, from fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.config import load_settings
from archiver.platforms.base import FollowUp, Found, Gone, ParseError, PostRef, Reason, Response
from archiver.platforms.youtube import PLATFORM
from archiver.record import Capture, Post
from tests.platforms.embed_walk import embed_results

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "youtube"
ENDPOINTS = load_settings().endpoints.model_copy(update={"youtube": "http://127.0.0.1:8123"})
CAPTURE = Capture(
    method="embed-html",
    source="https://news.example/article",
    captured_at="2026-03-07T12:00:00Z",
    raw_sha256="0" * 64,
)
VIDEO = "Xk3vQ9pL2mA"
WATCH = f"https://www.youtube.com/watch?v={VIDEO}"
REF = PostRef("youtube", VIDEO, WATCH)
DESCRIPTION = (
    "The harbour council walks through the spring ferry timetable.\n\n"
    "Full timetable: https://example.org/ferries/spring-2026\n"
    "Chapters:\n0:00 Intro\n1:12 Weekday sailings\n5:40 Questions\n\n"
    "#harbour #publictransport"
)


@pytest.mark.parametrize(
    "url",
    [
        WATCH,
        f"http://youtube.com/watch?v={VIDEO}",
        f"https://m.youtube.com/watch?v={VIDEO}&feature=share",
        f"https://music.youtube.com/watch?v={VIDEO}&list=RDAMVMfake",
        f"https://www.youtube.com/watch?app=desktop&v={VIDEO}&t=42s",
        f"https://www.youtube.com/shorts/{VIDEO}?si=AbCdEf",
        f"https://www.youtube.com/live/{VIDEO}?feature=share",
        f"https://www.youtube.com/embed/{VIDEO}?start=5",
        f"https://www.youtube.com/v/{VIDEO}",
        f"https://www.youtube.com/e/{VIDEO}",
        f"https://www.youtube-nocookie.com/embed/{VIDEO}",
        f"https://youtube-nocookie.com/embed/{VIDEO}?rel=0",
        f"https://youtu.be/{VIDEO}?t=42",
        f"https://youtu.be/{VIDEO}?si=AbCdEfGh12345678",
    ],
)
def test_match_every_video_url_shape(url: str) -> None:
    assert PLATFORM.match(url) == REF


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/",
        "https://www.youtube.com/@FakeHarbourChannel",
        "https://www.youtube.com/channel/UCq7Fk2mZp9LxR4tW8nB3vYd",
        "https://www.youtube.com/playlist?list=PLfAkEpLaYlIsT0123456789abcdefghij",
        "https://www.youtube.com/embed/videoseries?list=PLfAkEpLaYlIsT0123456789abcdefghij",
        "https://www.youtube.com/embed/live_stream?channel=UCq7Fk2mZp9LxR4tW8nB3vYd",
        "https://www.youtube.com/watch?v=tooShort",
        "https://www.youtube.com/results?search_query=ferry",
        "https://www.youtube.com/post/UgkxFakeCommunityPost",
        "https://youtu.be/",
        f"https://notyoutube.com/watch?v={VIDEO}",
    ],
)
def test_non_video_urls_are_not_matched(url: str) -> None:
    assert PLATFORM.match(url) is None


# --- embeds ---------------------------------------------------------------------------


def embed_records(name: str) -> list[Post | None]:
    markup = (FIXTURES / "embeds" / name).read_text(encoding="utf-8")
    return embed_results(PLATFORM, markup, CAPTURE)


def test_iframe_embed_gives_id_and_url_only() -> None:
    [post] = embed_records("iframe.html")
    assert post is not None
    assert (post.key, post.url) == (f"youtube:{VIDEO}", WATCH)
    assert post.title is None  # "YouTube video player" names the player, not the video
    assert post.text == ""
    assert post.author.model_dump() == {"name": None, "handle": None, "id": None, "url": None}
    assert post.capture == CAPTURE


def test_iframe_title_is_the_video_title_when_a_cms_wrote_it() -> None:
    [post, _playlist] = embed_records("nocookie-and-lazy.html")
    assert post is not None and post.title == "Spring timetable explained"


def test_nocookie_and_playlist_iframes() -> None:
    """The lazy iframe (``data-src``) is the document layer's: any platform's frame can be
    lazy (tests/documents/test_wrappers.py)."""
    records = embed_records("nocookie-and-lazy.html")
    assert [post.url if post else None for post in records] == [
        "https://www.youtube.com/watch?v=Qa1_b2-C3dE",
        None,
    ]


def test_amp_youtube_gives_the_video_and_a_live_channel_nothing() -> None:
    records = embed_records("amp.html")
    assert [post.url if post else None for post in records] == [WATCH]


def test_flattened_text_yields_nothing() -> None:
    assert PLATFORM.text_embeds(f"Watch: {WATCH}\nView on YouTube", CAPTURE) == []


# --- live fetch -----------------------------------------------------------------------


def respond(request_url: str, name: str, carry: Post | None = None, purpose: str = "oembed"):
    if purpose == "watch":
        request = PLATFORM.watch_request(REF, ENDPOINTS, carry)
    else:
        request = PLATFORM.first_request(REF, ENDPOINTS)
    assert request.url == request_url
    response = Response(
        request=request,
        status=int(name.split(".")[-2]),
        url=request.url,
        body=(FIXTURES / "responses" / name).read_bytes(),
        received_at="2026-03-08T09:00:00Z",
    )
    return PLATFORM.read_response(REF, response, ENDPOINTS)


OEMBED_URL = (
    "http://127.0.0.1:8123/oembed?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3D"
    f"{VIDEO}&format=json"
)
WATCH_URL = f"http://127.0.0.1:8123/watch?v={VIDEO}"


def oembed_carry() -> Post:
    outcome = respond(OEMBED_URL, "oembed-ok.200.json")
    assert isinstance(outcome, FollowUp)
    assert outcome.request.carry is not None
    return outcome.request.carry


def watch(name: str, carry: Post | None = None):
    return respond(WATCH_URL, name, carry, purpose="watch")


def test_first_request_is_oembed() -> None:
    request = PLATFORM.first_request(REF, ENDPOINTS)
    assert request.url == OEMBED_URL
    assert (request.method, request.purpose, request.browser) == ("oembed", "oembed", False)


def test_oembed_success_follows_up_with_the_watch_page() -> None:
    outcome = respond(OEMBED_URL, "oembed-ok.200.json")
    assert isinstance(outcome, FollowUp)
    request = outcome.request
    assert (request.url, request.purpose, request.method) == (WATCH_URL, "watch", "page-meta")
    assert request.browser is True
    carry = request.carry
    assert carry is not None
    assert carry.title == "Harbour council explains the new ferry timetable #ferries"
    assert carry.author.model_dump() == {
        "name": "Fake Harbour Channel",
        "handle": "FakeHarbourChannel",
        "id": None,
        "url": "https://www.youtube.com/@FakeHarbourChannel",
    }
    assert [(m.kind, m.url) for m in carry.media] == [
        ("photo", f"https://i.ytimg.com/vi/{VIDEO}/hqdefault.jpg")
    ]
    assert carry.hashtags == ["ferries"]
    assert carry.capture.method == "oembed"


def test_watch_page_completes_the_record() -> None:
    outcome = watch("watch-ok.200.html", oembed_carry())
    assert isinstance(outcome, Found)
    post = outcome.post
    assert (post.key, post.url) == (f"youtube:{VIDEO}", WATCH)
    assert post.title == "Harbour council explains the new ferry timetable #ferries"
    assert post.text == DESCRIPTION
    assert post.created_at == "2026-03-04T14:00:12Z"
    assert post.author.model_dump() == {
        "name": "Fake Harbour Channel",
        "handle": "FakeHarbourChannel",
        "id": "UCq7Fk2mZp9LxR4tW8nB3vYd",
        "url": "https://www.youtube.com/@FakeHarbourChannel",
    }
    assert post.links == ["https://example.org/ferries/spring-2026"]
    assert post.hashtags == ["ferries", "harbour", "publictransport"]
    assert post.metrics == {"views": 18342}
    assert [m.url for m in post.media] == [f"https://i.ytimg.com/vi/{VIDEO}/hqdefault.jpg"]
    assert post.capture.method == "page-meta"
    assert post.capture.source == WATCH_URL


def test_watch_page_alone_builds_the_record() -> None:
    outcome = watch("watch-ok.200.html")
    assert isinstance(outcome, Found)
    assert outcome.post.author.handle == "FakeHarbourChannel"
    assert outcome.post.author.url == "https://www.youtube.com/@FakeHarbourChannel"
    assert [m.url for m in outcome.post.media] == [
        f"https://i.ytimg.com/vi/{VIDEO}/maxresdefault.jpg"
    ]


def test_date_only_publish_date_stays_a_date() -> None:
    outcome = watch("watch-date-only.200.html", oembed_carry())
    assert isinstance(outcome, Found)
    assert outcome.post.created_at == "2026-03-04"


@pytest.mark.parametrize(
    ("name", "reason", "status", "detail"),
    [
        ("oembed-not-found.404.txt", Reason.NOT_FOUND, 404, None),
        ("oembed-bad-request.400.txt", Reason.NOT_FOUND, 400, None),
        ("oembed-forbidden.200.txt", Reason.PRIVATE, 200, None),
        ("oembed-unauthorized.401.txt", Reason.EMBEDDING_DISABLED, 401, "private"),
    ],
)
def test_oembed_refusals(name: str, reason: Reason, status: int, detail: str | None) -> None:
    outcome = respond(OEMBED_URL, name)
    assert isinstance(outcome, Gone)
    assert (outcome.reason, outcome.status) == (reason, status)
    if detail:
        assert detail in outcome.detail


@pytest.mark.parametrize(
    ("name", "reason", "detail"),
    [
        ("watch-unavailable.200.html", Reason.NOT_FOUND, "YouTube says: Video unavailable"),
        (
            "watch-removed-by-uploader.200.html",
            Reason.DELETED,
            "YouTube says: This video has been removed by the uploader",
        ),
        ("watch-private.200.html", Reason.PRIVATE, "YouTube says: This video is private"),
        (
            "watch-age-restricted.200.html",
            Reason.AGE_RESTRICTED,
            "YouTube says: Sign in to confirm your age",
        ),
        (
            "watch-region-locked.200.html",
            Reason.REGION_LOCKED,
            "YouTube says: The uploader has not made this video available in your country",
        ),
        ("watch-terminated.200.html", Reason.SUSPENDED, None),
    ],
)
def test_playability_status_overrides_oembed(name: str, reason: Reason, detail: str | None) -> None:
    outcome = watch(name, oembed_carry())
    assert isinstance(outcome, Gone)
    assert (outcome.reason, outcome.status) == (reason, 200)
    if detail:
        assert outcome.detail == detail


@pytest.mark.parametrize("name", ["watch-bot-check.200.html", "watch-consent.200.html"])
def test_unreadable_watch_page_keeps_the_oembed_record(name: str) -> None:
    carry = oembed_carry()
    outcome = watch(name, carry)
    assert isinstance(outcome, Found)
    assert outcome.post == carry
    assert outcome.post.capture.method == "oembed"


def test_bot_check_without_oembed_record_is_a_block() -> None:
    outcome = watch("watch-bot-check.200.html")
    assert isinstance(outcome, Gone)
    assert outcome.reason is Reason.BLOCKED


def test_consent_page_without_oembed_record_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        watch("watch-consent.200.html")


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, b"<html>not json</html>"), (200, b'{"type": "video"}'), (418, b"teapot")],
)
def test_garbage_oembed_raises_parse_error(status: int, body: bytes) -> None:
    request = PLATFORM.first_request(REF, ENDPOINTS)
    with pytest.raises(ParseError):
        PLATFORM.read_response(REF, Response(request, status, request.url, {}, body), ENDPOINTS)


def test_embed_and_fetch_agree_on_key_and_url() -> None:
    [embedded] = embed_records("iframe.html")
    outcome = watch("watch-ok.200.html", oembed_carry())
    assert isinstance(outcome, Found)
    assert embedded is not None
    assert (embedded.key, embedded.url) == (outcome.post.key, outcome.post.url)
