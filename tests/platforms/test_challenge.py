"""Challenge and anti-bot pages are told apart from platform answers, for every platform.

The pages are ``fixtures/challenges/`` (see its README for what each imitates); the
adapters' reading of them goes through ``Platform.read``, what the fetch runner calls.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.config import Endpoints, load_settings
from archiver.platforms.base import (
    FollowUp,
    Found,
    Gone,
    Platform,
    PostRef,
    Reason,
    Request,
    Response,
)
from archiver.platforms.challenge import challenge_page, may_be_challenge
from archiver.platforms.registry import REGISTRY
from archiver.record import Capture, Post

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ENDPOINTS: Endpoints = load_settings().endpoints
HTML = {"content-type": "text/html; charset=UTF-8"}

#: Each challenge fixture, the headers it is served with, and what it is read as.
CHALLENGES: dict[str, tuple[dict[str, str], str]] = {
    "cloudflare-challenge.403.html": ({"cf-mitigated": "challenge"}, "Cloudflare challenge"),
    "cloudflare-under-attack.503.html": ({}, "Cloudflare challenge page"),
    "cloudflare-blocked.403.html": ({}, "Cloudflare's block page"),
    "ddos-guard.403.html": ({"server": "ddos-guard"}, "DDoS-Guard"),
    "akamai-access-denied.403.html": ({"server": "AkamaiGHost"}, "Akamai"),
    "datadome-captcha.403.html": ({"x-datadome": "protected"}, "DataDome CAPTCHA"),
    "unusual-traffic.429.html": ({}, "CAPTCHA"),
    "aws-waf-challenge.202.html": ({"x-amzn-waf-action": "challenge"}, "AWS WAF challenge"),
}

#: A post of each platform, by a URL of its usual shape.
POST_URLS: dict[str, str] = {
    "twitter": "https://x.com/riverwatch/status/1000000000000000001",
    "bluesky": "https://bsky.app/profile/ilse.bsky.social/post/3lpa6alvwo2jg",
    "reddit": "https://www.reddit.com/r/FakeCityNews/comments/1ce5y3r/",
    "telegram": "https://t.me/RiversideWatch/4821",
    "youtube": "https://www.youtube.com/watch?v=Qm3f7Lk2Zp0",
    "tiktok": "https://www.tiktok.com/@tideline.crew/video/7301234567890123456",
    "instagram": "https://www.instagram.com/p/DaM_Ynr5ZCl/",
    "facebook": "https://www.facebook.com/riversidetenantsunion/posts/861234509876543",
    "threads": "https://www.threads.com/@orla.saltmarsh/post/DaSU6STnQr2",
    "mastodon": "https://mastodon.example/@alice/114103637122999999",
    "web": "https://news.riverside.example/2026/01/flood-barrier/",
}


def page(name: str) -> tuple[int, dict[str, str], bytes]:
    """A challenge fixture as served: status, lower-case headers, body."""
    headers = {**HTML, **CHALLENGES[name][0]} if name in CHALLENGES else dict(HTML)
    return int(name.split(".")[-2]), headers, (FIXTURES / "challenges" / name).read_bytes()


def routed(platform_name: str) -> tuple[Platform, PostRef]:
    found = REGISTRY.match(POST_URLS[platform_name])
    assert found is not None and found.platform.name == platform_name
    return found


# -- the classifier ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CHALLENGES))
def test_each_challenge_page_is_recognised(name: str) -> None:
    status, headers, body = page(name)
    kind = challenge_page(status, headers, body)
    assert kind is not None and CHALLENGES[name][1] in kind
    assert may_be_challenge(headers)


@pytest.mark.parametrize("name", sorted(set(CHALLENGES) - {"aws-waf-challenge.202.html"}))
def test_the_page_alone_is_enough_without_its_headers(name: str) -> None:
    status, _, body = page(name)
    assert challenge_page(status, {}, body) is not None  # sniffed as HTML from its first byte


def test_aws_waf_is_known_by_its_header_alone() -> None:
    status, _, body = page("aws-waf-challenge.202.html")
    assert challenge_page(status, HTML, body) is None
    assert challenge_page(status, {"x-amzn-waf-action": "captcha"}, b"") is not None


@pytest.mark.parametrize(
    ("folder", "name"),
    [
        ("challenges", "cloudflare-site-ok.200.html"),  # the beacon, and the words in prose
        ("web", "article-ok.200.html"),
        ("web", "quotes-gone-sentence.200.html"),
        ("web", "login-wall.403.html"),  # a real refusal of a logged-out visitor, no challenge
        ("web", "not-found.404.html"),
    ],
)
def test_ordinary_pages_are_not_challenges(folder: str, name: str) -> None:
    body = (FIXTURES / folder / ("responses" if folder == "web" else "") / name).read_bytes()
    status = int(name.split(".")[-2])
    assert challenge_page(status, HTML, body) is None


def test_words_count_only_on_a_refusal_or_an_unreadable_answer() -> None:
    body = b"<html><title>Security check</title><div class='h-captcha'></div></html>"
    assert challenge_page(403, HTML, body) == "a CAPTCHA"
    assert challenge_page(503, HTML, body) == "a CAPTCHA"
    for status in (200, 404, 410):  # an article, or a 404 page with a search form
        assert challenge_page(status, HTML, body) is None
        assert challenge_page(status, HTML, body, unreadable=True) == "a CAPTCHA"


def test_non_html_answers_are_never_challenges() -> None:
    graph = b'{"error":{"message":"(#10) captcha required","code":10}}'
    assert challenge_page(403, {"content-type": "application/json"}, graph) is None
    assert challenge_page(403, {}, graph) is None
    assert not may_be_challenge({"content-type": "application/json"})


def test_only_the_first_bytes_are_read() -> None:
    late = b"<html>" + b" " * (64 * 1024) + b"window._cf_chl_opt={}</html>"
    assert challenge_page(403, HTML, late) is None


# -- every platform's failure path --------------------------------------------------------------


def answer_to(
    platform: Platform, ref: PostRef, name: str, *, request: Request | None = None
) -> Response:
    status, headers, body = page(name)
    asked = request or platform.first_request(ref, ENDPOINTS)
    return Response(request=asked, status=status, url=asked.url, headers=headers, body=body)


@pytest.mark.parametrize("name", sorted(CHALLENGES))
@pytest.mark.parametrize("platform_name", sorted(POST_URLS))
def test_every_platform_reads_a_challenge_as_blocked(platform_name: str, name: str) -> None:
    """Whichever step meets the challenge (a module may first try its fallback endpoint,
    as X's does after syndication), the fetch ends blocked."""
    platform, ref = routed(platform_name)
    response = answer_to(platform, ref, name)
    outcome = platform.read(ref, response, ENDPOINTS)
    for _ in range(3):
        if not isinstance(outcome, FollowUp):
            break
        response = answer_to(platform, ref, name, request=outcome.request)
        outcome = platform.read(ref, response, ENDPOINTS)
    assert isinstance(outcome, Gone), outcome
    assert (outcome.reason, outcome.status) == (Reason.BLOCKED, response.status)
    assert outcome.detail.endswith("archiver was refused")
    assert CHALLENGES[name][1] in outcome.detail


@pytest.mark.parametrize("platform_name", sorted(POST_URLS))
def test_without_a_challenge_read_is_read_response(platform_name: str) -> None:
    platform, ref = routed(platform_name)
    status, headers, body = 404, HTML, b"<html><title>Not Found</title>captcha</html>"
    asked = platform.first_request(ref, ENDPOINTS)
    response = Response(request=asked, status=status, url=asked.url, headers=headers, body=body)
    try:
        expected: object = platform.read_response(ref, response, ENDPOINTS)
    except Exception as exc:
        with pytest.raises(type(exc)):
            platform.read(ref, response, ENDPOINTS)
    else:
        assert platform.read(ref, response, ENDPOINTS) == expected


def test_a_record_made_from_a_challenge_page_is_no_record() -> None:
    platform, ref = routed("web")
    response = answer_to(platform, ref, "aws-waf-challenge.202.html")
    assert isinstance(platform.read_response(ref, response, ENDPOINTS), Found)  # the adapter's
    outcome = platform.read(ref, response, ENDPOINTS)
    assert isinstance(outcome, Gone) and outcome.reason is Reason.BLOCKED


def test_an_ordinary_page_behind_cloudflare_is_archived() -> None:
    platform, ref = routed("web")
    outcome = platform.read(ref, answer_to(platform, ref, "cloudflare-site-ok.200.html"), ENDPOINTS)
    assert isinstance(outcome, Found)
    assert outcome.post.author.name == "Maren Oduya"


def test_a_challenge_at_a_step_carrying_a_record_keeps_the_record() -> None:
    platform, ref = routed("youtube")
    carry = Post(
        platform="youtube",
        post_id=ref.post_id,
        url=ref.url,
        title="Quay Road flood barrier test",
        capture=Capture(
            method="oembed",
            source="oembed",
            captured_at="2026-01-07T10:00:00Z",
            raw_sha256="0" * 64,
        ),
    )
    watch = platform.watch_request(ref, ENDPOINTS, carry)  # type: ignore[attr-defined]
    response = answer_to(platform, ref, "cloudflare-challenge.403.html", request=watch)
    assert platform.read(ref, response, ENDPOINTS) == Found(carry)
