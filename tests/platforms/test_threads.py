from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from archiver.config import Endpoints, load_settings
from archiver.platforms.base import Found, Gone, ParseError, PostRef, Reason, Request, Response
from archiver.platforms.threads import PLATFORM
from archiver.record import Capture, Post
from tests.platforms.embed_walk import embed_posts

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "threads"
CAPTURE = Capture(
    method="embed-html",
    source="article.html",
    captured_at="2026-07-10T08:00:00Z",
    raw_sha256="0" * 64,
)
ENDPOINTS: Endpoints = load_settings().endpoints.model_copy(
    update={"threads_oembed": "http://127.0.0.1:8766/v1.0"}
)


def embeds_in(name: str) -> list[Post]:
    """Walk a saved page the way the document layer does, with Threads' rules only."""
    return embed_posts(PLATFORM, (FIXTURES / "embeds" / name).read_bytes(), CAPTURE)


def identity(post: Post) -> dict[str, Any]:
    record = post.to_json_dict()
    empty = {"title": None, "text": "", "created_at": None, "media": [], "links": []}
    assert {name: record[name] for name in empty} == empty
    return {name: record[name] for name in ("key", "post_id", "url", "author")}


def by(handle: str, shortcode: str) -> dict[str, Any]:
    return {
        "key": f"threads:{shortcode}",
        "post_id": shortcode,
        "url": f"https://www.threads.com/@{handle}/post/{shortcode}",
        "author": {
            "name": None,
            "handle": handle,
            "id": None,
            "url": f"https://www.threads.com/@{handle}",
        },
    }


@pytest.mark.parametrize(
    ("url", "shortcode", "canonical", "handle"),
    [
        (
            "https://www.threads.com/@juniper.almanac/post/DYmcsKzz74L",
            "DYmcsKzz74L",
            "https://www.threads.com/@juniper.almanac/post/DYmcsKzz74L",
            "juniper.almanac",
        ),
        (
            "https://threads.com/@juniper.almanac/post/DYmcsKzz74L/?xmt=AQGz1&slof=1",
            "DYmcsKzz74L",
            "https://www.threads.com/@juniper.almanac/post/DYmcsKzz74L",
            "juniper.almanac",
        ),
        (
            "https://www.threads.net/@kestrel_notes/post/DRSg5O7qXU0?igshid=NTc4MTIwNjQ2YQ==",
            "DRSg5O7qXU0",
            "https://www.threads.com/@kestrel_notes/post/DRSg5O7qXU0",
            "kestrel_notes",
        ),
        (
            "http://threads.net/t/DRSg5O7qXU0/",
            "DRSg5O7qXU0",
            "https://www.threads.com/t/DRSg5O7qXU0",
            None,
        ),
        (
            "https://www.threads.com/t/DRSg5O7qXU0",
            "DRSg5O7qXU0",
            "https://www.threads.com/t/DRSg5O7qXU0",
            None,
        ),
        (
            "https://www.threads.com/@juniper.almanac/post/DYmcsKzz74L/embed?hidecaption=0",
            "DYmcsKzz74L",
            "https://www.threads.com/@juniper.almanac/post/DYmcsKzz74L",
            "juniper.almanac",
        ),
    ],
)
def test_post_urls(url: str, shortcode: str, canonical: str, handle: str | None) -> None:
    assert PLATFORM.match(url) == PostRef("threads", shortcode, canonical, handle)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.threads.com/",
        "https://www.threads.com/@juniper.almanac",
        "https://www.threads.com/@juniper.almanac/replies",
        "https://www.threads.com/search?q=heat",
        "https://www.threads.com/login?next=%2F%40juniper.almanac",
        "https://www.instagram.com/p/DYmcsKzz74L/",
        "https://threads.example.com/@juniper.almanac/post/DYmcsKzz74L",
    ],
)
def test_non_post_urls(url: str) -> None:
    assert PLATFORM.match(url) is None


def test_embeds_give_identity_without_text() -> None:
    current, older = embeds_in("threads-embed.html")
    assert identity(current) == by("juniper.almanac", "DYmcsKzz74L")
    # The older threads.net embed names its author only in "Post by @kestrel_notes".
    assert identity(older) == by("kestrel_notes", "DRSg5O7qXU0")
    assert current.capture == CAPTURE


def test_rendered_iframe() -> None:
    (post,) = embeds_in("rendered-iframe.html")
    assert identity(post) == by("juniper.almanac", "DYmcsKzz74L")


def test_blockquote_with_foreign_permalink_is_not_ours() -> None:
    markup = '<blockquote class="text-post-media" data-text-post-permalink="https://example.com/x">'
    element = BeautifulSoup(markup + "</blockquote>", "lxml").blockquote
    assert element is not None
    assert PLATFORM.embed_rules[0].parse(element, CAPTURE) is None


def test_flattened_text_has_no_shortcode_so_no_posts() -> None:
    text = (FIXTURES / "text" / "flattened.txt").read_text()
    capture = CAPTURE.model_copy(update={"method": "text-embed"})
    assert PLATFORM.text_embeds(text, capture) == []


REF = PostRef(
    "threads",
    "DaSU6STnQr2",
    "https://www.threads.com/@orla.saltmarsh/post/DaSU6STnQr2",
    "orla.saltmarsh",
)


def test_first_request_is_threads_oembed() -> None:
    assert PLATFORM.first_request(REF, ENDPOINTS) == Request(
        url="http://127.0.0.1:8766/v1.0/oembed?url=https%3A%2F%2Fwww.threads.com%2F"
        "%40orla.saltmarsh%2Fpost%2FDaSU6STnQr2",
        purpose="oembed",
        method="oembed",
    )


def answer(name: str, ref: PostRef = REF, url: str | None = None) -> Any:
    request = PLATFORM.first_request(ref, ENDPOINTS)
    response = Response(
        request=request,
        status=int(name.split(".")[-2]),
        url=url or request.url,
        body=(FIXTURES / "responses" / name).read_bytes(),
        received_at="2026-07-10T09:00:00Z",
    )
    return PLATFORM.read_response(ref, response, ENDPOINTS)


def test_oembed_success_without_text_is_still_found() -> None:
    outcome = answer("ok.200.json")
    assert isinstance(outcome, Found)
    assert identity(outcome.post) == by("orla.saltmarsh", "DaSU6STnQr2")
    assert outcome.post.capture.method == "oembed"
    assert outcome.post.capture.captured_at == "2026-07-10T09:00:00Z"


def test_oembed_for_a_t_link_learns_the_handle() -> None:
    ref = PLATFORM.match("https://www.threads.net/t/DaSU6STnQr2/")
    assert ref is not None
    outcome = answer("ok.200.json", ref)
    assert isinstance(outcome, Found)
    assert identity(outcome.post) == by("orla.saltmarsh", "DaSU6STnQr2")


@pytest.mark.parametrize(
    ("name", "final_url", "reason"),
    [
        ("not-found.400.json", None, Reason.NOT_FOUND),
        ("private-not-supported.400.json", None, Reason.LOGIN_REQUIRED),
        ("geo-gated-not-supported.400.json", None, Reason.REGION_LOCKED),
        (
            "login-wall.200.html",
            "https://www.threads.com/login?show_choice_screen=false&next=%2F",
            Reason.LOGIN_REQUIRED,
        ),
    ],
)
def test_unavailable_answers(name: str, final_url: str | None, reason: Reason) -> None:
    outcome = answer(name, url=final_url)
    assert isinstance(outcome, Gone)
    assert outcome.reason is reason
    assert outcome.status == int(name.split(".")[-2])


def test_rate_limit_is_a_failure_not_a_verdict() -> None:
    with pytest.raises(ParseError, match="rate limited"):
        answer("rate-limited.403.json")


def test_a_permission_error_is_a_failure_not_a_verdict() -> None:
    with pytest.raises(ParseError, match="lack of permission"):
        answer("app-permission.400.json")


def test_html_without_a_threads_embed_raises() -> None:
    request = PLATFORM.first_request(REF, ENDPOINTS)
    body = b'{"type": "rich", "version": "1.0", "html": "<blockquote>hi</blockquote>"}'
    response = Response(request=request, status=200, url=request.url, body=body)
    with pytest.raises(ParseError, match="no threads embed"):
        PLATFORM.read_response(REF, response, ENDPOINTS)
