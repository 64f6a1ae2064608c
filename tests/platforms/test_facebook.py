from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from archiver.config import Endpoints, load_settings
from archiver.platforms.base import Found, Gone, ParseError, PostRef, Reason, Response
from archiver.platforms.facebook import PLATFORM
from archiver.record import Author, Capture, Post
from tests.platforms.embed_walk import embed_posts

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "facebook"
CAPTURE = Capture(
    method="embed-html",
    source="article.html",
    captured_at="2026-07-10T08:00:00Z",
    raw_sha256="0" * 64,
)
ENDPOINTS: Endpoints = load_settings().endpoints.model_copy(
    update={"meta_oembed": "http://127.0.0.1:8765/v22.0"}
)
FB = "https://www.facebook.com"
PFBID = "pfbid02aKx7sTzQ9mWcR4vLfN8pYd3HjEu6bGqK1tZoXy5nVrMs2wPeA7iBcDfg9hUl"


def embeds_in(name: str) -> list[Post]:
    """Walk a saved page the way the document layer does, with Facebook's rules only."""
    return embed_posts(PLATFORM, (FIXTURES / "embeds" / name).read_bytes(), CAPTURE)


def fields(post: Post) -> dict[str, Any]:
    record = post.to_json_dict()
    for volatile in ("schema", "key", "content_hash", "capture", "metrics"):
        record.pop(volatile)
    return record


def expected(post_id: str, url: str, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "platform": "facebook",
        "post_id": post_id,
        "url": url,
        "author": {"name": None, "handle": None, "id": None, "url": None},
        "created_at": None,
        "title": None,
        "text": "",
        "text_truncated": False,
        "lang": None,
        # A video's embed shows the video: Facebook's player for it.
        "media": player(url) if any(part in url for part in ("/videos/", "/watch/")) else [],
        "links": [],
        "hashtags": [],
        "mentions": [],
        "in_reply_to": None,
        "quotes": [],
    }
    record.update(changes)
    return record


def player(url: str) -> list[dict[str, Any]]:
    return [
        {
            "kind": "video",
            "url": f"{FB}/plugins/video.php?href={quote(url, safe='')}",
            "alt": None,
            "sha256": None,
            "content_type": None,
        }
    ]


def page(handle: str, name: str | None = None) -> dict[str, Any]:
    return {"name": name, "handle": handle, "id": None, "url": f"{FB}/{handle}"}


@pytest.mark.parametrize(
    ("url", "post_id", "canonical", "handle"),
    [
        (f"{FB}/fakepage/posts/123456789012345", "123456789012345", None, "fakepage"),
        (
            f"https://m.facebook.com/fakepage/posts/{PFBID}/?mibextid=xfxF2i",
            PFBID,
            None,
            "fakepage",
        ),
        (
            "https://web.facebook.com/fakepage/posts/123456789012345?_rdc=1&_rdr",
            "123456789012345",
            f"{FB}/fakepage/posts/123456789012345",
            "fakepage",
        ),
        (
            f"https://mbasic.facebook.com/permalink.php?id=100089234567801&story_fbid={PFBID}",
            PFBID,
            f"{FB}/permalink.php?story_fbid={PFBID}&id=100089234567801",
            None,
        ),
        (
            "https://m.facebook.com/story.php?story_fbid=772019384650112&id=100089234567801&s=1",
            "772019384650112",
            f"{FB}/permalink.php?story_fbid=772019384650112&id=100089234567801",
            None,
        ),
        (
            f"{FB}/story.php?story_fbid=772019384650112",
            "772019384650112",
            f"{FB}/story.php?story_fbid=772019384650112",
            None,
        ),
        (
            f"{FB}/photo.php?fbid=10161234567890123&set=a.1016&type=3",
            "10161234567890123",
            f"{FB}/photo.php?fbid=10161234567890123",
            None,
        ),
        (
            f"{FB}/photo/?fbid=10161234567890123&set=a.1016",
            "10161234567890123",
            f"{FB}/photo.php?fbid=10161234567890123",
            None,
        ),
        (
            f"{FB}/fakepage/photos/a.1016/10161234567890123/",
            "10161234567890123",
            f"{FB}/photo.php?fbid=10161234567890123",
            "fakepage",
        ),
        (
            f"{FB}/northmoorfiredept/videos/1482093345761190/",
            "1482093345761190",
            f"{FB}/northmoorfiredept/videos/1482093345761190",
            "northmoorfiredept",
        ),
        (
            f"{FB}/northmoorfiredept/videos/quay-road-fire/1482093345761190/",
            "1482093345761190",
            f"{FB}/northmoorfiredept/videos/1482093345761190",
            "northmoorfiredept",
        ),
        (
            f"{FB}/watch/?v=1482093345761190&ref=sharing",
            "1482093345761190",
            f"{FB}/watch/?v=1482093345761190",
            None,
        ),
        (
            f"{FB}/watch?v=1482093345761190",
            "1482093345761190",
            f"{FB}/watch/?v=1482093345761190",
            None,
        ),
        (
            "https://m.facebook.com/reel/912345678901234/?fs=e&s=TIeQ9V",
            "912345678901234",
            f"{FB}/reel/912345678901234",
            None,
        ),
        (
            f"{FB}/groups/harlowtenants/posts/2233445566778899/",
            "2233445566778899",
            f"{FB}/groups/harlowtenants/posts/2233445566778899",
            None,
        ),
        (
            f"{FB}/groups/1122334455/permalink/2233445566778899/",
            "2233445566778899",
            f"{FB}/groups/1122334455/posts/2233445566778899",
            None,
        ),
        (
            f"{FB}/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2Ffakepage%2Fposts%2F123"
            "&show_text=true&width=500",
            "123",
            f"{FB}/fakepage/posts/123",
            "fakepage",
        ),
        (
            f"{FB}/v17.0/plugins/video.php?height=314&href=https%3A%2F%2Fwww.facebook.com%2F"
            "watch%2F%3Fv%3D1482093345761190",
            "1482093345761190",
            f"{FB}/watch/?v=1482093345761190",
            None,
        ),
        (
            "https://graph.facebook.com/100064512345678/posts/645512098877321/",
            "645512098877321",
            f"{FB}/100064512345678/posts/645512098877321",
            "100064512345678",
        ),
    ],
)
def test_post_urls(url: str, post_id: str, canonical: str | None, handle: str | None) -> None:
    assert PLATFORM.match(url) == PostRef(
        "facebook", post_id, canonical or f"{FB}/{handle}/posts/{post_id}", handle
    )


@pytest.mark.parametrize(
    "url",
    [
        f"{FB}/",
        f"{FB}/fakepage",
        f"{FB}/profile.php?id=100089234567801",
        f"{FB}/groups/harlowtenants/",
        f"{FB}/watch/",
        f"{FB}/events/998877665544/",
        f"{FB}/hashtag/harlowstrike",
        f"{FB}/share/p/1AbCdEfGhJ/",
        f"{FB}/plugins/post.php?href=https%3A%2F%2Fexample.com%2Fposts%2F1",
        f"{FB}/login/?next=%2Ffakepage%2Fposts%2F123",
        "https://notfacebook.com/fakepage/posts/123",
        "https://fb.watch/r4nD0mC0de/",
        "https://www.instagram.com/p/C9m4IVTkTSB/",
    ],
)
def test_non_post_urls(url: str) -> None:
    assert PLATFORM.match(url) is None


@pytest.mark.parametrize(
    ("url", "short"),
    [
        ("https://fb.watch/r4nD0mC0de/", True),
        ("https://fb.me/e/3xAmPl3", True),
        (f"{FB}/share/p/1AbCdEfGhJ/", True),
        ("https://m.facebook.com/share/v/1AbCdEfGhJ/", True),
        (f"{FB}/share/r/1AbCdEfGhJ", True),
        (f"{FB}/share/1AbCdEfGhJ/", True),
        (f"{FB}/fakepage/posts/123", False),
        ("https://example.com/share/p/1AbCdEfGhJ/", False),
    ],
)
def test_short_links(url: str, short: bool) -> None:
    assert PLATFORM.is_short_link(url) is short


def test_fb_post_embed_reads_text_byline_links_and_truncation() -> None:
    (post,) = embeds_in("fb-post.html")
    assert fields(post) == expected(
        PFBID,
        f"{FB}/riversidetenantsunion/posts/{PFBID}",
        author=page("riversidetenantsunion", "Riverside Tenants Union"),
        created_at="2023-09-07",
        text="Result of tonight's ballot: 212 for, 9 against. The rent strike at Harlow Court "
        "starts on the 1st. Read the demands: tenants.example/harlow-demands #HarlowStrike "
        "Thanks to Eastbank Legal Aid for the advice and to everyone who...",
        text_truncated=True,
        links=["https://tenants.example/harlow-demands"],
        hashtags=["HarlowStrike"],
        mentions=["eastbanklegalaid"],
    )
    assert post.capture == CAPTURE


def test_fb_video_embed_reads_title_description_and_plain_date() -> None:
    (post,) = embeds_in("fb-video.html")
    assert fields(post) == expected(
        "1482093345761190",
        f"{FB}/northmoorfiredept/videos/1482093345761190",
        author=page("northmoorfiredept", "Northmoor Fire Department"),
        created_at="2026-03-06",
        title="Warehouse fire on Quay Road – live update",
        text="Crews are still on scene.\nPlease avoid Quay Road and keep windows closed.",
    )


def test_localized_bylines_still_give_the_author() -> None:
    spanish, turkish = embeds_in("localized-bylines.html")
    assert fields(spanish) == expected(
        "772019384650112",
        f"{FB}/mercadodelsur.coop/posts/772019384650112",
        author=page("mercadodelsur.coop", "Mercado del Sur"),
        created_at="2023-09-07",  # "Jueves, 7 de septiembre de 2023"
        text="Mañana abrimos a las 8. ¡Traigan sus bolsas! #MercadoDelSur",
        hashtags=["MercadoDelSur"],
    )
    story = "pfbid0Wm3Jq8LzT5nYv2Hc9Rk4Xp7BfDs1GaE6uNiQo3ZtKw5CyMr8VhPe2LjUb4Axd"
    assert fields(turkish) == expected(
        story,
        f"{FB}/permalink.php?story_fbid={story}&id=100089234567801",
        author={
            "name": "Deniz Kıyısı Gönüllüleri",
            "handle": None,
            "id": "100089234567801",
            "url": f"{FB}/profile.php?id=100089234567801",
        },
        created_at="2023-09-07",  # "7 Eylül 2023 Perşembe"
        text="Sahil temizliği pazar günü saat 10'da. Eldivenleri biz getiriyoruz.",
    )


def test_bylines_in_their_own_paragraph_in_any_language() -> None:
    english, french, german, thanks = embeds_in("sanitised-bylines.html")
    assert english.author == Author.model_validate(page("eastbanktenants", "Eastbank Tenants"))
    assert english.created_at == "2022-02-07"
    assert english.text == (
        "Rents on the east bank rise again in April unless the council acts. "
        "We are asking every tenant to…"
    )
    assert english.text_truncated
    assert (french.author.name, french.created_at) == ("Mairie de Quai", "2026-01-08")
    assert french.text == "La passerelle rouvre samedi à 9 h."
    # No links left in the byline: its words give the name and the date.
    assert (german.author.name, german.author.handle) == ("Stadtwerke Kai", "stadtwerkekai")
    assert german.created_at == "2026-01-07"
    assert german.text == "Die Fähre fährt ab Montag wieder nach Plan."
    # A last paragraph that only links a page is the post's text, not a byline.
    assert (
        thanks.text
        == "Forty of you came to the meeting.\n\nThanks to Harbour Helpers for the room!"
    )
    assert thanks.mentions == ["harbourhelpers"]
    assert thanks.created_at is None


def test_bare_blockquote_prefers_the_page_permalink_to_a_graph_cite() -> None:
    (post,) = embeds_in("bare-blockquote.html")
    assert fields(post) == expected(
        "645512098877321",
        f"{FB}/ashgrovelibrary/posts/645512098877321",
        author=page("ashgrovelibrary", "Ashgrove Public Library"),
        created_at="2026-01-12",
        text="From Monday the reading room is open until 9pm on weekdays.",
    )


def test_plugin_iframes_give_identity_and_a_rendered_div_counts_once() -> None:
    post_iframe, video_iframe, rendered = embeds_in("plugin-iframes.html")
    assert fields(post_iframe) == expected(
        "645512098877321",
        f"{FB}/ashgrovelibrary/posts/645512098877321",
        author=page("ashgrovelibrary"),
    )
    assert fields(video_iframe) == expected("1482093345761190", f"{FB}/watch/?v=1482093345761190")
    assert fields(rendered) == expected(
        "861234509876543",
        f"{FB}/riversidetenantsunion/posts/861234509876543",
        author=page("riversidetenantsunion"),
    )


def test_amp_facebook_gives_post_and_video_and_a_page_nothing() -> None:
    post, video = embeds_in("amp.html")
    assert (post.post_id, post.url) == (
        "1482093345761190",
        f"{FB}/harbourcouncil/posts/1482093345761190",
    )
    assert post.author.handle == "harbourcouncil"
    assert (video.post_id, video.url) == (
        "1482093345761191",
        f"{FB}/harbourcouncil/videos/1482093345761191",
    )


def test_blockquote_inside_an_fb_post_div_is_left_to_the_div() -> None:
    soup = BeautifulSoup((FIXTURES / "embeds" / "fb-post.html").read_bytes(), "lxml")
    quote = soup.find("blockquote")
    assert quote is not None
    bare_rule = next(rule for rule in PLATFORM.embed_rules if rule.tag == "blockquote")
    assert bare_rule.matches(quote)
    assert bare_rule.parse(quote, CAPTURE) is None


def test_flattened_text_has_no_post_id_so_no_posts() -> None:
    text = (FIXTURES / "text" / "flattened.txt").read_text()
    capture = CAPTURE.model_copy(update={"method": "text-embed"})
    assert PLATFORM.text_embeds(text, capture) == []


POST_REF = PostRef(
    "facebook",
    "861234509876543",
    f"{FB}/riversidetenantsunion/posts/861234509876543",
    "riversidetenantsunion",
)
VIDEO_REF = PostRef("facebook", "1482093345761190", f"{FB}/watch/?v=1482093345761190")


def test_first_request_picks_the_post_or_video_endpoint() -> None:
    post_request = PLATFORM.first_request(POST_REF, ENDPOINTS)
    assert post_request.url == (
        "http://127.0.0.1:8765/v22.0/oembed_post?url=https%3A%2F%2Fwww.facebook.com%2F"
        "riversidetenantsunion%2Fposts%2F861234509876543"
    )
    assert (post_request.method, post_request.purpose) == ("oembed", "oembed")
    video_request = PLATFORM.first_request(VIDEO_REF, ENDPOINTS)
    assert video_request.url == (
        "http://127.0.0.1:8765/v22.0/oembed_video?url=https%3A%2F%2Fwww.facebook.com%2F"
        "watch%2F%3Fv%3D1482093345761190"
    )
    reel = PLATFORM.match(f"{FB}/reel/912345678901234")
    assert reel is not None
    assert "/oembed_video?" in PLATFORM.first_request(reel, ENDPOINTS).url


def answer(name: str, ref: PostRef = POST_REF, url: str | None = None) -> Any:
    request = PLATFORM.first_request(ref, ENDPOINTS)
    response = Response(
        request=request,
        status=int(name.split(".")[-2]),
        url=url or request.url,
        body=(FIXTURES / "responses" / name).read_bytes(),
        received_at="2026-07-10T09:00:00Z",
    )
    return PLATFORM.read_response(ref, response, ENDPOINTS)


def test_oembed_post_keeps_the_requested_identity_and_reads_the_html() -> None:
    outcome = answer("ok-post.200.json")
    assert isinstance(outcome, Found)
    assert fields(outcome.post) == expected(
        "861234509876543",
        f"{FB}/riversidetenantsunion/posts/861234509876543",
        author=page("riversidetenantsunion", "Riverside Tenants Union"),
        created_at="2023-09-06",
        text="Ballot day! Doors at Harlow Court community room open 6pm.\n"
        "Bring your tenancy card.\n\n"
        "Questions? Ask Eastbank Legal Aid or read tenants.example/ballot-faq "
        "#HarlowStrike #TenantsVote",
        links=["https://tenants.example/ballot-faq"],
        hashtags=["HarlowStrike", "TenantsVote"],
        mentions=["eastbanklegalaid"],
    )
    assert outcome.post.capture.method == "oembed"


def test_oembed_post_for_a_permalink_adopts_the_fuller_html_url() -> None:
    ref = PLATFORM.match(f"{FB}/permalink.php?story_fbid=861234509876543&id=100071234567890")
    assert ref is not None
    outcome = answer("ok-post.200.json", ref)
    assert isinstance(outcome, Found)
    assert outcome.post.key == "facebook:861234509876543"
    assert outcome.post.url == f"{FB}/100071234567890/posts/861234509876543"


def test_oembed_video() -> None:
    outcome = answer("ok-video.200.json", VIDEO_REF)
    assert isinstance(outcome, Found)
    assert fields(outcome.post) == expected(
        "1482093345761190",
        f"{FB}/northmoorfiredept/videos/1482093345761190",
        author=page("northmoorfiredept", "Northmoor Fire Department"),
        created_at="2026-03-06",
        title="Warehouse fire on Quay Road – live update",
        text="Crews are still on scene.\nPlease avoid Quay Road and keep windows closed.",
    )


@pytest.mark.parametrize(
    ("name", "final_url", "reason"),
    [
        ("not-found.400.json", None, Reason.NOT_FOUND),
        ("not-public.400.json", None, Reason.PRIVATE),
        (
            "login-wall.200.html",
            f"{FB}/login/?next=%2Friversidetenantsunion",
            Reason.LOGIN_REQUIRED,
        ),
        ("login-wall.200.html", f"{FB}/login.php?next=%2Fwatch", Reason.LOGIN_REQUIRED),
        ("content-unavailable.200.html", f"{FB}/riversidetenantsunion", Reason.NOT_FOUND),
        ("link-broken.404.html", f"{FB}/riversidetenantsunion", Reason.NOT_FOUND),
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
        answer("permissions-error.403.json")


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Something else</body></html>", b'{"html": ""}', b'{"error": "nope"}'],
)
def test_malformed_answers_raise(body: bytes) -> None:
    request = PLATFORM.first_request(POST_REF, ENDPOINTS)
    response = Response(request=request, status=200, url=request.url, body=body)
    with pytest.raises(ParseError):
        PLATFORM.read_response(POST_REF, response, ENDPOINTS)
