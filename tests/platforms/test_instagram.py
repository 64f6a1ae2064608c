from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from archiver.config import Endpoints, load_settings
from archiver.platforms.base import Found, Gone, ParseError, PostRef, Reason, Request, Response
from archiver.platforms.instagram import PLATFORM
from archiver.record import Author, Capture, Post
from tests.platforms.embed_walk import embed_posts

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "instagram"
CAPTURE = Capture(
    method="embed-html",
    source="article.html",
    captured_at="2026-07-10T08:00:00Z",
    raw_sha256="0" * 64,
)
ENDPOINTS: Endpoints = load_settings().endpoints.model_copy(
    update={"meta_oembed": "http://127.0.0.1:8765/v22.0/"}
)


def embeds_in(name: str) -> list[Post]:
    """Walk a saved page the way the document layer does, with Instagram's rules only."""
    return embed_posts(PLATFORM, (FIXTURES / "embeds" / name).read_bytes(), CAPTURE)


def fields(post: Post) -> dict[str, Any]:
    record = post.to_json_dict()
    for volatile in ("schema", "key", "content_hash", "capture", "metrics"):
        record.pop(volatile)
    return record


def expected(post_id: str, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "platform": "instagram",
        "post_id": post_id,
        "url": f"https://www.instagram.com/p/{post_id}/",
        "author": {"name": None, "handle": None, "id": None, "url": None},
        "created_at": None,
        "title": None,
        "text": "",
        "text_truncated": False,
        "lang": None,
        # Every embed shows the post's photo or video, at its embed page.
        "media": [
            {
                "kind": "unknown",
                "url": f"https://www.instagram.com/p/{post_id}/embed/",
                "alt": None,
                "sha256": None,
                "content_type": None,
            }
        ],
        "links": [],
        "hashtags": [],
        "mentions": [],
        "in_reply_to": None,
        "quotes": [],
    }
    record.update(changes)
    return record


def author(name: str | None, handle: str) -> dict[str, Any]:
    return {
        "name": name,
        "handle": handle,
        "id": None,
        "url": f"https://www.instagram.com/{handle}/",
    }


@pytest.mark.parametrize(
    ("url", "shortcode", "handle"),
    [
        ("https://www.instagram.com/p/C9m4IVTkTSB/", "C9m4IVTkTSB", None),
        ("https://instagram.com/p/C9m4IVTkTSB", "C9m4IVTkTSB", None),
        ("http://m.instagram.com/p/C9m4IVTkTSB/?igsh=MWx4cXQ2dW1hN2Z6", "C9m4IVTkTSB", None),
        (
            "https://www.instagram.com/p/C9m4IVTkTSB/?utm_source=ig_embed&utm_campaign=loading",
            "C9m4IVTkTSB",
            None,
        ),
        ("https://www.instagram.com/reel/DFkNdNv-mBz/", "DFkNdNv-mBz", None),
        ("https://www.instagram.com/reels/DFkNdNv-mBz/?igsh=abc", "DFkNdNv-mBz", None),
        ("https://www.instagram.com/tv/BE6ZeJXnjpt/", "BE6ZeJXnjpt", None),
        ("https://www.instagram.com/odile.fernsby/p/C9m4IVTkTSB/", "C9m4IVTkTSB", "odile.fernsby"),
        (
            "https://www.instagram.com/odile.fernsby/reel/DFkNdNv-mBz/",
            "DFkNdNv-mBz",
            "odile.fernsby",
        ),
        ("https://www.instagram.com/p/C9m4IVTkTSB/embed/captioned/?cr=1&v=14", "C9m4IVTkTSB", None),
        ("https://www.instagram.com/p/CMZ7vFznnkL/#comments", "CMZ7vFznnkL", None),
        ("https://instagr.am/p/CMZ7vFznnkL/", "CMZ7vFznnkL", None),
        ("https://www.ddinstagram.com/p/CMZ7vFznnkL/", "CMZ7vFznnkL", None),
    ],
)
def test_post_urls(url: str, shortcode: str, handle: str | None) -> None:
    assert PLATFORM.match(url) == PostRef(
        "instagram", shortcode, f"https://www.instagram.com/p/{shortcode}/", handle
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://www.instagram.com/",
        "https://www.instagram.com/odile.fernsby/",
        "https://www.instagram.com/explore/tags/ceramics/",
        "https://www.instagram.com/stories/odile.fernsby/3415664230644397185/",
        "https://www.instagram.com/reels/audio/1022334455667788/",
        "https://www.instagram.com/share/p/BBxq3Yz9Ab/",
        "https://www.instagram.com/accounts/login/?next=/p/C9m4IVTkTSB/",
        "https://www.instagramm.com/p/C9m4IVTkTSB/",
        "https://www.threads.com/@odile.fernsby/post/C9m4IVTkTSB",
    ],
)
def test_non_post_urls(url: str) -> None:
    assert PLATFORM.match(url) is None


def test_share_links_are_short_links() -> None:
    assert PLATFORM.is_short_link("https://www.instagram.com/share/p/BBxq3Yz9Ab/")
    assert PLATFORM.is_short_link("https://www.instagram.com/share/reel/BAv4_Yc2Zq")
    assert PLATFORM.is_short_link("https://instagram.com/share/BAv4_Yc2Zq")
    assert not PLATFORM.is_short_link("https://www.instagram.com/p/C9m4IVTkTSB/")
    assert not PLATFORM.is_short_link("https://example.com/share/p/BBxq3Yz9Ab/")


def test_v14_embed_gives_author_but_no_caption() -> None:
    (post,) = embeds_in("v14-post.html")
    assert fields(post) == expected("C9m4IVTkTSB", author=author("Odile Fernsby", "odile.fernsby"))
    assert post.capture == CAPTURE


def test_bylines_in_other_languages_shortened_or_replaced_are_never_caption() -> None:
    german, shortened, replaced, french, turkish = embeds_in("localised-bylines.html")
    assert fields(german) == expected(
        "C9m4IVTkTSB", author=author("Odile Fernsby", "odile.fernsby")
    )  # "Diesen Beitrag auf Instagram ansehen" is chrome, not caption
    assert fields(shortened) == expected(
        "DaM_Ynr5ZCl", author={"name": "Odile Fernsby", "handle": None, "id": None, "url": None}
    )
    assert fields(replaced) == expected("CMZ7vFznnkL")  # "Zum Instagram-Beitrag"
    assert french.author == Author.model_validate(author("Boulangerie du Quai", "boulangerie.quai"))
    assert french.created_at == "2019-08-22T06:41:09Z"
    assert french.text == (
        "Le four est enfin réparé. Première fournée demain matin, venez tôt parce que…"
    )
    assert french.text_truncated  # the caption visibly goes on
    assert (turkish.author.name, turkish.author.handle) == ("Ece Kaya", "ece.kaya")
    assert turkish.text == ""


def test_amp_instagram_gives_identity_and_the_media_it_shows() -> None:
    first, captioned = embeds_in("amp.html")  # the empty shortcode names no post
    assert fields(first) == expected("C9m4IVTkTSB")
    assert fields(captioned) == expected("DaM_Ynr5ZCl")


def test_v14_reel_embed_uses_the_post_url() -> None:
    (post,) = embeds_in("v14-reel.html")
    assert fields(post) == expected(
        "DFkNdNv-mBz", author=author("Boulangerie Crémeau", "boulangerie.cremeau")
    )


def test_v12_embed_gives_caption_tags_mentions_and_utc_time() -> None:
    (post,) = embeds_in("v12-captioned.html")
    text = (
        "The Aldermoor bridge at 6am — water two metres above the mark.\n"
        "Stay off the river path today. #AldermoorFlood #riverwatch\n"
        "Thanks to @river.wardens for the early warning & @tide_log for the gauge data."
    )
    assert fields(post) == expected(
        "CMZ7vFznnkL",
        author=author("Tomasz Welk", "tomasz.welk.photo"),
        created_at="2021-03-14T16:05:12Z",
        text=text,
        hashtags=["AldermoorFlood", "riverwatch"],
        mentions=["river.wardens", "tide_log"],
    )


def test_v7_embed_without_permalink_attribute() -> None:
    (post,) = embeds_in("v7-no-permalink.html")
    assert fields(post) == expected(
        "BE6ZeJXnjpt",
        author=author("Lina Ostrova", "lina_ostrova"),
        created_at="2016-05-02T17:00:21Z",
        text="First market day of the season! Plums, sorrel and the last of the honey. "
        "#saturdaymarket",
        hashtags=["saturdaymarket"],
    )


def test_rendered_iframe_gives_identity_only() -> None:
    (post,) = embeds_in("rendered-iframe.html")
    assert fields(post) == expected("C9m4IVTkTSB")


def test_byline_without_full_name_gives_handle_only() -> None:
    markup = (
        '<blockquote class="instagram-media" data-instgrm-permalink='
        '"https://www.instagram.com/p/DFkNdNv-mBz/" data-instgrm-version="14"><div>'
        '<p><a href="https://www.instagram.com/p/DFkNdNv-mBz/">A post shared by @quiet.pier</a>'
        "</p></div></blockquote>"
    )
    element = BeautifulSoup(markup, "lxml").blockquote
    assert element is not None
    post = PLATFORM.embed_rules[0].parse(element, CAPTURE)
    assert post is not None
    assert post.author.model_dump() == author(None, "quiet.pier")


def test_blockquote_without_instagram_link_is_not_ours() -> None:
    markup = '<blockquote class="instagram-media"><p>A quote styled like an embed</p></blockquote>'
    element = BeautifulSoup(markup, "lxml").blockquote
    assert element is not None
    assert PLATFORM.embed_rules[0].parse(element, CAPTURE) is None


def test_flattened_text_has_no_shortcode_so_no_posts() -> None:
    text = (FIXTURES / "text" / "flattened-v14.txt").read_text()
    capture = CAPTURE.model_copy(update={"method": "text-embed"})
    assert PLATFORM.text_embeds(text, capture) == []


REF = PostRef("instagram", "DaM_Ynr5ZCl", "https://www.instagram.com/p/DaM_Ynr5ZCl/")


def test_first_request_is_tokenless_oembed() -> None:
    request = PLATFORM.first_request(REF, ENDPOINTS)
    assert request == Request(
        url="http://127.0.0.1:8765/v22.0/instagram_oembed?url="
        "https%3A%2F%2Fwww.instagram.com%2Fp%2FDaM_Ynr5ZCl%2F",
        purpose="oembed",
        method="oembed",
    )


def answer(name: str, url: str | None = None, ref: PostRef = REF) -> Any:
    status = int(name.split(".")[-2])
    request = PLATFORM.first_request(ref, ENDPOINTS)
    response = Response(
        request=request,
        status=status,
        url=url or request.url,
        body=(FIXTURES / "responses" / name).read_bytes(),
        received_at="2026-07-10T09:00:00Z",
    )
    return PLATFORM.read_response(ref, response, ENDPOINTS)


def test_oembed_success_is_read_from_its_html() -> None:
    outcome = answer("ok.200.json")
    assert isinstance(outcome, Found)
    assert fields(outcome.post) == expected(
        "DaM_Ynr5ZCl", author=author("Sanna Ilveskä", "sanna.ilveska")
    )
    assert outcome.post.capture.method == "oembed"
    assert outcome.post.capture.source.endswith(
        "instagram_oembed?url=https%3A%2F%2Fwww.instagram.com%2Fp%2FDaM_Ynr5ZCl%2F"
    )
    assert outcome.post.capture.captured_at == "2026-07-10T09:00:00Z"


def test_oembed_success_for_a_reel_keeps_the_post_identity() -> None:
    ref = PLATFORM.match("https://www.instagram.com/sanna.ilveska/reel/DaM_Ynr5ZCl/")
    assert ref is not None
    outcome = answer("ok.200.json", ref=ref)
    assert isinstance(outcome, Found)
    assert outcome.post.key == "instagram:DaM_Ynr5ZCl"
    assert outcome.post.url == "https://www.instagram.com/p/DaM_Ynr5ZCl/"


@pytest.mark.parametrize(
    ("name", "final_url", "reason"),
    [
        ("not-found.400.json", None, Reason.NOT_FOUND),
        ("private.400.json", None, Reason.PRIVATE),
        ("embedding-disabled.400.json", None, Reason.EMBEDDING_DISABLED),
        (
            "login-wall.200.html",
            "https://www.instagram.com/accounts/login/?next=%2Fp%2FDaM_Ynr5ZCl%2F",
            Reason.LOGIN_REQUIRED,
        ),
        ("page-unavailable.404.html", "https://www.instagram.com/p/DaM_Ynr5ZCl/", Reason.NOT_FOUND),
        ("account-private.200.html", "https://www.instagram.com/p/DaM_Ynr5ZCl/", Reason.PRIVATE),
    ],
)
def test_unavailable_answers(name: str, final_url: str | None, reason: Reason) -> None:
    outcome = answer(name, final_url)
    assert isinstance(outcome, Gone)
    assert outcome.reason is reason
    assert outcome.status == int(name.split(".")[-2])


def test_not_found_detail_quotes_meta() -> None:
    outcome = answer("not-found.400.json")
    assert isinstance(outcome, Gone)
    assert outcome.detail == (
        "Meta oEmbed error 100: (#100) The requested media does not exist or has been deleted"
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("rate-limited.403.json", "rate limited"),
        ("rate-limited.429.json", "rate limited"),
        ("token-required.400.json", "access token"),
        ("missing-permissions.400.json", "lack of permission"),
    ],
)
def test_throttling_and_token_errors_are_failures_not_verdicts(name: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        answer(name)


@pytest.mark.parametrize(
    "body",
    [
        b"\x00\x01 not json",
        b'{"version": "1.0", "type": "rich"',
        b'{"version": "1.0", "type": "rich", "width": 658}',
        b'{"html": "<p>No embed here</p>"}',
        b"[1, 2]",
    ],
)
def test_malformed_answers_raise(body: bytes) -> None:
    request = PLATFORM.first_request(REF, ENDPOINTS)
    response = Response(request=request, status=200, url=request.url, body=body)
    with pytest.raises(ParseError):
        PLATFORM.read_response(REF, response, ENDPOINTS)
