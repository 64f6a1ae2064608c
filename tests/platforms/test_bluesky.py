"""Bluesky: URLs and AT-URIs, embeds, flattened signatures and getPostThread answers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from archiver.config import Endpoints
from archiver.platforms.base import Found, Gone, ParseError, PostRef, Reason, Request, Response
from archiver.platforms.bluesky import PLATFORM
from archiver.record import Capture, Media, Post
from tests.platforms.embed_walk import embed_posts

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
EMBEDS = FIXTURES / "bluesky" / "embeds"
RESPONSES = FIXTURES / "bluesky" / "responses"
CAPTURE = Capture(
    method="embed-html",
    source="file:///article.html",
    captured_at="2025-05-20T12:00:00Z",
    raw_sha256="0" * 64,
)
ENDPOINTS = Endpoints(
    twitter_syndication="http://127.0.0.1:8401",
    twitter_oembed="http://127.0.0.1:8402",
    bluesky_appview="http://127.0.0.1:8403/",
    reddit="http://127.0.0.1:8404",
    telegram="http://127.0.0.1:8405",
    youtube="http://127.0.0.1:8406",
    tiktok="http://127.0.0.1:8407",
    meta_oembed="http://127.0.0.1:8408",
    threads_oembed="http://127.0.0.1:8409",
    wayback="http://127.0.0.1:8410",
    memento_timemap="http://127.0.0.1:8411",
)
ILSE = "did:plc:k4t7vqzm2xw5n3rdj6hya2pe"
TOMAS = "did:plc:q2bnx6lw4e7rmzkt3yv5ocuh"
REEF = "did:plc:w7ohs3xk5fa2lzmq4tjv6dne"


def embeds(name: str) -> list[Post]:
    return embed_posts(PLATFORM, (EMBEDS / name).read_text(encoding="utf-8"), CAPTURE)


def ref(url: str) -> PostRef:
    found = PLATFORM.match(url)
    assert found is not None
    return found


def read(url: str, name: str) -> Found | Gone:
    target = ref(url)
    request = PLATFORM.first_request(target, ENDPOINTS)
    response = Response(
        request=request,
        status=int(name.rsplit(".", 2)[-2]),
        url=request.url,
        body=(RESPONSES / name).read_bytes(),
        received_at=CAPTURE.captured_at,
    )
    outcome = PLATFORM.read_response(target, response, ENDPOINTS)
    assert isinstance(outcome, Found | Gone)
    return outcome


# ---- URLs ---------------------------------------------------------------------------

ILSE_POST = f"https://bsky.app/profile/{ILSE}/post/3lp3gy6ehhc4g"
ILSE_ID = f"{ILSE}/3lp3gy6ehhc4g"
PATH = f"profile/{ILSE}/post/3lp3gy6ehhc4g"


@pytest.mark.parametrize(
    ("url", "post_id", "canonical"),
    [
        (ILSE_POST, f"{ILSE}/3lp3gy6ehhc4g", ILSE_POST),
        (f"{ILSE_POST}?ref_src=embed", f"{ILSE}/3lp3gy6ehhc4g", ILSE_POST),
        (f"{ILSE_POST}/", f"{ILSE}/3lp3gy6ehhc4g", ILSE_POST),
        (
            "https://bsky.app/profile/did%3Aplc%3Ak4t7vqzm2xw5n3rdj6hya2pe/post/3lp3gy6ehhc4g",
            f"{ILSE}/3lp3gy6ehhc4g",
            ILSE_POST,
        ),
        (
            "https://bsky.app/profile/Ilse.Bsky.Social/post/3lp3gy6ehhc4g",
            "ilse.bsky.social/3lp3gy6ehhc4g",
            "https://bsky.app/profile/ilse.bsky.social/post/3lp3gy6ehhc4g",
        ),
        (
            "https://fxbsky.app/profile/tomas.ferreira.pt/post/3lp4d75fzq27k",
            "tomas.ferreira.pt/3lp4d75fzq27k",
            "https://bsky.app/profile/tomas.ferreira.pt/post/3lp4d75fzq27k",
        ),
        (
            f"https://vxbsky.app/profile/{ILSE}/post/3lp3gy6ehhc4g",
            f"{ILSE}/3lp3gy6ehhc4g",
            ILSE_POST,
        ),
        (f"https://bskx.app/{PATH}", ILSE_ID, ILSE_POST),
        (
            f"https://cbsky.app/profile/{ILSE}/post/3lp3gy6ehhc4g",
            f"{ILSE}/3lp3gy6ehhc4g",
            ILSE_POST,
        ),
        (
            f"https://main.bsky.dev/profile/{ILSE}/post/3lp3gy6ehhc4g",
            f"{ILSE}/3lp3gy6ehhc4g",
            ILSE_POST,
        ),
        (f"bsky.app/profile/{ILSE}/post/3lp3gy6ehhc4g", f"{ILSE}/3lp3gy6ehhc4g", ILSE_POST),
        (f"at://{ILSE}/app.bsky.feed.post/3lp3gy6ehhc4g", f"{ILSE}/3lp3gy6ehhc4g", ILSE_POST),
        (
            "at://reefdata.org/app.bsky.feed.post/3lot56mhcs2vs",
            "reefdata.org/3lot56mhcs2vs",
            "https://bsky.app/profile/reefdata.org/post/3lot56mhcs2vs",
        ),
        (
            f"https://embed.bsky.app/embed/{ILSE}/app.bsky.feed.post/3lp3gy6ehhc4g?id=1",
            f"{ILSE}/3lp3gy6ehhc4g",
            ILSE_POST,
        ),
        (
            "https://bsky.app/profile/did:web:news.example.org/post/3lp3gy6ehhc4g",
            "did:web:news.example.org/3lp3gy6ehhc4g",
            "https://bsky.app/profile/did:web:news.example.org/post/3lp3gy6ehhc4g",
        ),
    ],
)
def test_post_urls(url: str, post_id: str, canonical: str) -> None:
    found = ref(url)
    assert found.platform == "bluesky"
    assert found.post_id == post_id
    assert found.url == canonical
    actor = post_id.rsplit("/", 1)[0]
    assert found.handle == (None if actor.startswith("did:") else actor)


@pytest.mark.parametrize(
    "url",
    [
        "https://bsky.app/profile/ilse.bsky.social",
        f"https://bsky.app/profile/{ILSE}/feed/hydrology",
        f"https://bsky.app/profile/{ILSE}/lists/3kabcabcabc22",
        "https://bsky.app/profile/ilse.bsky.social/post/",
        "https://bsky.app/",
        f"https://example.org/profile/{ILSE}/post/3lp3gy6ehhc4g",
        f"at://{ILSE}/app.bsky.feed.like/3lp3gy6ehhc4g",
        f"at://{ILSE}/app.bsky.feed.generator/hydrology",
        "https://embed.bsky.app/static/embed.js",
        "https://go.bsky.app/AbCdEf",
    ],
)
def test_non_post_urls(url: str) -> None:
    assert PLATFORM.match(url) is None


def test_short_link_hosts() -> None:
    assert "go.bsky.app" in PLATFORM.short_link_hosts


# ---- embeds -------------------------------------------------------------------------


def test_article_embeds() -> None:
    official, multiline, third_party, iframe = embeds("article.html")

    assert official.post_id == f"{ILSE}/3lp3gy6ehhc4g"
    assert official.url == ILSE_POST
    assert official.author.model_dump() == {
        "name": "Ilse Bäckström",
        "handle": "ilse.bsky.social",
        "id": ILSE,
        "url": f"https://bsky.app/profile/{ILSE}",
    }
    assert official.created_at == "2025-05-13"
    assert official.text == (
        "Messstation am Fluss: Pegel 4,2 m 🌊📈 — Daten hier: example.org/pegel/2025/mai... "
        "#Hochwasser @tomas.ferreira.pt"
    )
    assert official.lang == "de"
    assert official.media == []  # "[image or embed]" names no address: not a media item
    assert official.links == []  # the label is shortened
    assert official.hashtags == ["Hochwasser"]
    assert official.mentions == ["tomas.ferreira.pt"]
    assert official.capture == CAPTURE

    assert multiline.post_id == f"{ILSE}/3l23wdthbf2us"
    assert multiline.created_at == "2024-08-19"
    assert multiline.text == (
        "Kurzes Update vom Pegel 📏\n"
        "Heute Nacht: 3,1 m → 3,4 m\n"
        "Regen & Schmelzwasser – morgen früh erwarten wir den Scheitel. "
        "Bitte haltet Abstand vom Ufer! https://example.org/pegel"
    )
    assert multiline.media == []
    assert multiline.links == ["https://example.org/pegel"]

    assert third_party.post_id == "tomas.ferreira.pt/3lp4d75fzq27k"
    assert third_party.url == "https://bsky.app/profile/tomas.ferreira.pt/post/3lp4d75fzq27k"
    assert third_party.author.name == "Tomás Ferreira 🌱"
    assert third_party.author.handle == "tomas.ferreira.pt"
    assert third_party.author.id is None
    assert third_party.created_at == "2025-05-14T06:02:11Z"
    assert third_party.lang == "pt"
    assert third_party.hashtags == ["cheias"]
    assert third_party.media == []

    assert iframe.post_id == f"{REEF}/3lot56mhcs2vs"
    assert iframe.url == f"https://bsky.app/profile/{REEF}/post/3lot56mhcs2vs"
    assert iframe.author.id == REEF
    assert iframe.text == ""


def test_cms_br_newlines_are_not_doubled() -> None:
    markup = (
        '<blockquote class="bluesky-embed" data-bluesky-uri="at://'
        + ILSE
        + '/app.bsky.feed.post/3l23wdthbf2us"><p lang="de">Zeile eins<br />\nZeile zwei</p>'
        '&mdash; Ilse (<a href="https://bsky.app/profile/x">@ilse.bsky.social</a>) '
        f'<a href="https://bsky.app/profile/{ILSE}/post/3l23wdthbf2us">Aug 19, 2024 at 22:23</a>'
        "</blockquote>"
    )
    blockquote = BeautifulSoup(markup, "lxml").blockquote
    post = PLATFORM.embed_rules[0].parse(blockquote, CAPTURE)
    assert post is not None
    assert post.text == "Zeile eins\nZeile zwei"
    assert post.author.name == "Ilse"


def test_signature_in_its_own_paragraph_and_text_in_two() -> None:
    """A CMS that reprints the embed with every line in a ``<p>``: the signature paragraph
    is found by its shape, the post keeps both of its paragraphs. (Invented post.)"""
    markup = (
        '<blockquote class="bluesky-embed"><p lang="de">Pegel 3,9 m.</p>'
        "<p>Scheitel erwartet gegen Mitternacht.</p>"
        '<p>&mdash; Ilse (<a href="https://bsky.app/profile/x">@ilse.bsky.social</a>) '
        f'<a href="https://bsky.app/profile/{ILSE}/post/3l23wdthbf2us">Aug 19, 2024</a></p>'
        "</blockquote>"
    )
    [post] = embed_posts(PLATFORM, markup, CAPTURE)
    assert post.post_id == f"{ILSE}/3l23wdthbf2us"
    assert post.text == "Pegel 3,9 m.\n\nScheitel erwartet gegen Mitternacht."
    assert (post.author.name, post.author.handle) == ("Ilse", "ilse.bsky.social")
    assert post.created_at == "2024-08-19"
    assert post.lang == "de"


def test_blockquote_without_post_is_not_an_embed() -> None:
    blockquote = BeautifulSoup('<blockquote class="bluesky-embed"><p>x</p></blockquote>', "lxml")
    assert PLATFORM.embed_rules[0].parse(blockquote.blockquote, CAPTURE) is None


# ---- flattened text -----------------------------------------------------------------


def test_flattened_article_bluesky_post() -> None:
    text = (FIXTURES / "flattened" / "article-mixed.txt").read_text(encoding="utf-8")
    capture = CAPTURE.model_copy(update={"method": "text-embed"})
    (post,) = PLATFORM.text_embeds(text, capture)
    assert post.text == (
        "Messstation am Fluss: Pegel 4,2 m 🌊📈 — Daten hier: example.org/pegel/2025/mai... "
        "#Hochwasser @tomas.ferreira.pt"
    )
    assert post.author.name == "Ilse Bäckström"
    assert post.author.handle == "ilse.bsky.social"
    assert post.url == "https://bsky.app/profile/ilse.bsky.social"
    assert post.created_at == "2025-05-13"
    assert post.media == []  # "[image or embed]" names no address
    assert post.hashtags == ["Hochwasser"]
    assert post.mentions == ["tomas.ferreira.pt"]
    assert post.links == []
    assert post.post_id.startswith("text-")
    assert post.capture.method == "text-embed"


# ---- live fetch ---------------------------------------------------------------------


def test_first_request() -> None:
    request = PLATFORM.first_request(
        ref("https://bsky.app/profile/reefdata.org/post/x1"), ENDPOINTS
    )
    parts = urlsplit(request.url)
    assert request.url.startswith("http://127.0.0.1:8403/xrpc/app.bsky.feed.getPostThread?")
    assert parse_qs(parts.query) == {
        "uri": ["at://reefdata.org/app.bsky.feed.post/x1"],
        "depth": ["0"],
        "parentHeight": ["0"],
    }
    assert request.method == "api"
    assert ("accept", "application/json") in request.headers


def test_images_post_with_byte_offset_facets() -> None:
    outcome = read(
        "https://bsky.app/profile/ilse.bsky.social/post/3lp3gy6ehhc4g", "ok-images.200.json"
    )
    assert isinstance(outcome, Found)
    post = outcome.post
    assert post.post_id == f"{ILSE}/3lp3gy6ehhc4g"  # the DID, once known
    assert post.url == ILSE_POST
    assert post.author.model_dump() == {
        "name": "Ilse Bäckström",
        "handle": "ilse.bsky.social",
        "id": ILSE,
        "url": f"https://bsky.app/profile/{ILSE}",
    }
    assert post.created_at == "2025-05-13T21:37:12.345Z"
    assert post.text == (
        "Messstation am Fluss: Pegel 4,2 m 🌊📈 — Daten hier: example.org/pegel/2025/mai... "
        "#Hochwasser @tomas.ferreira.pt"
    )
    assert post.lang == "de"
    assert post.links == ["https://example.org/pegel/2025/mai-hochwasser-messwerte"]
    assert post.hashtags == ["Hochwasser"]
    assert post.mentions == ["tomas.ferreira.pt"]  # the handle the byte range shows
    cdn = f"https://cdn.bsky.app/img/feed_fullsize/plain/{ILSE}"
    assert post.media == [
        Media(
            kind="photo",
            url=f"{cdn}/bafkreihq4pegelbrueckeq7z3m2xk5w6vdn4tyo2ls3aqfj5ruve7gyu4e@jpeg",
            alt="Pegellatte an der Brücke, Wasserstand 4,2 m",
        ),
        Media(
            kind="photo",
            url=f"{cdn}/bafkreigw5niederschlagkarte2mai6pxq3c4tjvzh7ob2ds5kme3ulfa@jpeg",
        ),
    ]
    assert post.metrics == {"likes": 187, "reposts": 41, "replies": 3, "quotes": 2, "bookmarks": 5}
    assert post.capture.method == "api"
    assert post.capture.source.startswith("http://127.0.0.1:8403/xrpc/")


def test_character_offsets_would_be_wrong() -> None:
    """The fixture's mention starts at a byte offset that is not its character offset."""
    import json

    view = json.loads((RESPONSES / "ok-images.200.json").read_bytes())["thread"]["post"]
    text = view["record"]["text"]
    start = view["record"]["facets"][2]["index"]["byteStart"]
    assert text[start : start + 1] != "@"
    assert text.encode()[start : start + 1] == b"@"


def test_reply_quote_video() -> None:
    outcome = read(
        f"https://bsky.app/profile/{TOMAS}/post/3lp4d75fzq27k", "ok-reply-quote-video.200.json"
    )
    assert isinstance(outcome, Found)
    post = outcome.post
    assert post.text == (
        "Aqui em Coimbra também 😟 O Mondego subiu 2 m em 6 horas. "
        "Vídeo da ponte de Santa Clara ⬇️ #cheias"
    )
    assert post.in_reply_to == ILSE_POST
    assert post.quotes == [f"https://bsky.app/profile/{REEF}/post/3lot56mhcs2vs"]
    assert post.media == [
        Media(
            kind="video",
            url=(
                "https://video.bsky.app/watch/did%3Aplc%3Aq2bnx6lw4e7rmzkt3yv5ocuh/"
                "bafkreievideomondegoq7z3m2xk5w6vdn4tyo2ls3aqfj5ruve7gyu4eab/playlist.m3u8"
            ),
            alt="Rio Mondego visto da ponte de Santa Clara",
        )
    ]
    assert post.hashtags == ["cheias", "Portugal"]  # facet tag, then record.tags
    assert post.lang == "pt"
    assert post.created_at == "2025-05-14T06:02:11Z"
    assert post.author.name == "Tomás Ferreira 🌱"


def test_external_card() -> None:
    outcome = read(f"https://bsky.app/profile/{REEF}/post/3lot56mhcs2vs", "ok-external.200.json")
    assert isinstance(outcome, Found)
    assert outcome.post.links == ["https://reefdata.org/reports/2025-bleaching-survey"]
    assert outcome.post.media == []
    assert outcome.post.quotes == []


@pytest.mark.parametrize(
    ("name", "reason", "status"),
    [
        ("not-found.400.json", Reason.NOT_FOUND, 400),
        ("blocked-actor.400.json", Reason.LOGIN_REQUIRED, 400),
        ("no-unauthenticated.200.json", Reason.LOGIN_REQUIRED, 200),
        ("not-found-post.200.json", Reason.NOT_FOUND, 200),
        ("blocked-post.200.json", Reason.BLOCKED, 200),
        ("unresolvable-handle.400.json", Reason.NOT_FOUND, 400),
    ],
)
def test_gone(name: str, reason: Reason, status: int) -> None:
    outcome = read(f"https://bsky.app/profile/{ILSE}/post/3lpa6alvwo2jg", name)
    assert isinstance(outcome, Gone)
    assert outcome.reason == reason
    assert outcome.status == status
    assert outcome.detail.startswith("Bluesky")


def test_bare_statuses() -> None:
    target = ref(ILSE_POST)
    request = PLATFORM.first_request(target, ENDPOINTS)
    for status, reason in ((404, Reason.NOT_FOUND), (401, Reason.LOGIN_REQUIRED)):
        response = Response(request=request, status=status, url=request.url, body=b"")
        outcome = PLATFORM.read_response(target, response, ENDPOINTS)
        assert isinstance(outcome, Gone) and outcome.reason == reason


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"<html>oops</html>"),
        (200, b'{"posts": []}'),
        (200, b'{"thread": {"$type": "app.bsky.feed.defs#threadViewPost"}}'),
        (200, b'{"thread": {"post": {"uri": "https://not-an-at-uri", "record": {}}}}'),
        (400, b'{"error": "InvalidRequest", "message": "Error: depth must be <= 1000"}'),
    ],
)
def test_garbage_raises_parse_error(status: int, body: bytes) -> None:
    target = ref(ILSE_POST)
    request: Request = PLATFORM.first_request(target, ENDPOINTS)
    response = Response(request=request, status=status, url=request.url, body=body)
    with pytest.raises(ParseError):
        PLATFORM.read_response(target, response, ENDPOINTS)
