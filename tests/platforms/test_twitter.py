"""X / Twitter: URLs, embeds, flattened signatures and syndication/oEmbed answers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from archiver.config import Endpoints
from archiver.platforms.base import (
    FollowUp,
    Found,
    Gone,
    ParseError,
    PostRef,
    Reason,
    Request,
    Response,
)
from archiver.platforms.twitter import PLATFORM, snowflake_time, syndication_token
from archiver.record import Capture, Media, Post
from tests.platforms.embed_walk import embed_posts

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
EMBEDS = FIXTURES / "twitter" / "embeds"
RESPONSES = FIXTURES / "twitter" / "responses"
CAPTURE = Capture(
    method="embed-html",
    source="file:///article.html",
    captured_at="2026-01-10T12:00:00Z",
    raw_sha256="0" * 64,
)
ENDPOINTS = Endpoints(
    twitter_syndication="http://127.0.0.1:8301/syn/",
    twitter_oembed="http://127.0.0.1:8302",
    bluesky_appview="http://127.0.0.1:8303",
    reddit="http://127.0.0.1:8304",
    telegram="http://127.0.0.1:8305",
    youtube="http://127.0.0.1:8306",
    tiktok="http://127.0.0.1:8307",
    meta_oembed="http://127.0.0.1:8308",
    threads_oembed="http://127.0.0.1:8309",
    wayback="http://127.0.0.1:8310",
    memento_timemap="http://127.0.0.1:8311",
)
MARISOL = "2008902282974425946"


def embeds(name: str) -> list[Post]:
    """Every post the Twitter embed rules find in a fixture, in document order."""
    return embed_posts(PLATFORM, (EMBEDS / name).read_text(encoding="utf-8"), CAPTURE)


def respond(request: Request, body: bytes, status: int = 200) -> Response:
    return Response(request=request, status=status, url=request.url, body=body)


def answer(request: Request, name: str) -> Response:
    status = int(name.rsplit(".", 2)[-2])
    body = (RESPONSES / name).read_bytes()
    return Response(
        request=request, status=status, url=request.url, body=body, received_at=CAPTURE.captured_at
    )


def ref(url: str) -> PostRef:
    found = PLATFORM.match(url)
    assert found is not None
    return found


# ---- URLs ---------------------------------------------------------------------------


M_URL = f"https://x.com/marisol_ol/status/{MARISOL}"
I_URL = f"https://x.com/i/status/{MARISOL}"


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (f"https://x.com/marisol_ol/status/{MARISOL}", M_URL),
        (f"https://twitter.com/marisol_ol/status/{MARISOL}?s=20&t=AbCdEf", M_URL),
        (f"https://www.twitter.com/marisol_ol/statuses/{MARISOL}", M_URL),
        (f"https://mobile.twitter.com/marisol_ol/status/{MARISOL}/photo/2", M_URL),
        (f"https://m.twitter.com/marisol_ol/status/{MARISOL}/", M_URL),
        (f"http://x.com/marisol_ol/status/{MARISOL}/video/1?ref_src=twsrc%5Etfw", M_URL),
        (f"https://fxtwitter.com/marisol_ol/status/{MARISOL}", M_URL),
        (f"https://d.fxtwitter.com/marisol_ol/status/{MARISOL}", M_URL),
        (f"https://vxtwitter.com/marisol_ol/status/{MARISOL}", M_URL),
        (f"https://fixupx.com/marisol_ol/status/{MARISOL}", M_URL),
        (f"https://fixvx.com/marisol_ol/status/{MARISOL}", M_URL),
        (f"https://twittpr.com/marisol_ol/status/{MARISOL}", M_URL),
        (f"twitter.com/marisol_ol/status/{MARISOL}", M_URL),
        (f"https://x.com/marisol_ol/status/{MARISOL}#fragment", M_URL),
        (
            f"https://x.com/Marisol_OL/status/{MARISOL}",
            f"https://x.com/Marisol_OL/status/{MARISOL}",
        ),
        (f"https://x.com/i/status/{MARISOL}", I_URL),
        (f"https://twitter.com/i/web/status/{MARISOL}", I_URL),
        (f"https://platform.twitter.com/embed/Tweet.html?dnt=false&id={MARISOL}&lang=en", I_URL),
        (
            "https://twitter.com/earlybird09/status/5512345678",
            "https://x.com/earlybird09/status/5512345678",
        ),
    ],
)
def test_status_urls(url: str, canonical: str) -> None:
    found = ref(url)
    assert found.platform == "twitter"
    assert found.url == canonical
    assert found.post_id == canonical.rsplit("/", 1)[1]
    handle = canonical.split("/")[3]
    assert found.handle == (None if handle == "i" else handle)
    assert found.key == f"twitter:{found.post_id}"


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/marisol_ol",
        "https://twitter.com/home",
        "https://x.com/marisol_ol/status/",
        "https://x.com/hashtag/Hochwasser",
        "https://x.com/search?q=flood",
        "https://twitter.com/intent/user?screen_name=harborwatch",
        f"https://example.org/marisol_ol/status/{MARISOL}",
        f"https://nitter.example/marisol_ol/status/{MARISOL}",
        "https://t.co/Qx7LmN2pAb",
        "https://pic.twitter.com/Zp4KqW9eRt",
        "https://platform.twitter.com/widgets.js",
        "not a url",
    ],
)
def test_non_post_urls(url: str) -> None:
    assert PLATFORM.match(url) is None


def test_short_link_hosts() -> None:
    assert {"t.co", "pic.twitter.com", "pic.x.com"} <= PLATFORM.short_link_hosts


def test_snowflake_time() -> None:
    assert snowflake_time(MARISOL) == "2026-01-07T14:03:22.517Z"
    assert snowflake_time("440899747071798847") == "2014-03-04T17:21:05.880Z"
    assert snowflake_time("5512345678") is None  # sequential pre-2010 id
    assert snowflake_time("abc") is None


@pytest.mark.parametrize(
    ("status_id", "token"),
    [  # expected values computed with node: ((id / 1e15) * Math.PI).toString(36), 0s and . removed
        ("1877000000000000000", "4jsrp5mo4jc"),
        ("1000000000000000001", "2f9lc2ug9mm"),
        ("1234567890123456789", "2zqic77uqyk"),
        ("2008000000000000000", "4v8bg6v716w"),
        ("463440424141459456", "14fxvks611f"),
        ("20", "6dq1a2xwd93"),
    ],
)
def test_syndication_token_matches_javascript(status_id: str, token: str) -> None:
    assert syndication_token(status_id) == token


# ---- embeds -------------------------------------------------------------------------


def test_current_embeds() -> None:
    first, second = embeds("current.html")
    assert first.post_id == MARISOL
    assert first.url == f"https://x.com/marisol_ol/status/{MARISOL}"
    assert first.author.name == "Marisol Okafor-Lindqvist"
    assert first.author.handle == "marisol_ol"
    assert first.author.url == "https://x.com/marisol_ol"
    assert first.created_at == "2026-01-07T14:03:22.517Z"
    assert first.text == (
        "Flood gauges on the Ráðhús bridge just hit 4.2 m 🌊 — highest since 1987.\n\n"
        "Full data & methods: example.org/floods/2026/ga… and example.org/methods "
        "#Hochwasser #floods @cityhydro"
    )
    assert first.lang == "en"
    assert first.media == [Media(kind="unknown", url="https://pic.twitter.com/Zp4KqW9eRt")]
    assert first.links == ["https://example.org/methods"]  # the shortened label is no URL
    assert first.hashtags == ["Hochwasser", "floods"]
    assert first.mentions == ["cityhydro"]
    assert first.capture == CAPTURE

    assert second.post_id == "2009176412265810323"
    assert second.author.name == "Journal Nordique 🇫🇷"
    assert second.author.handle == "journalnordique"
    assert second.created_at == "2026-01-08T08:12:40.033Z"
    assert second.text == (
        "Crue record à Trondheim : « du jamais vu depuis 1987 », selon les relevés 👇 "
        "Nos journalistes sont sur place. https://t.co/Wm2dL8sV0c"
    )
    assert second.lang == "fr"
    assert second.links == []  # a bare t.co label is never a link
    assert second.media == [Media(kind="unknown", url="https://pic.twitter.com/Gf5hR1nB7y")]


def test_legacy_embeds() -> None:
    old, ancient = embeds("legacy.html")
    assert old.post_id == "440899747071798847"
    assert old.url == "https://x.com/harborwatch/status/440899747071798847"
    assert old.author.name == "Harbor Watch"
    assert old.author.handle == "harborwatch"
    assert old.created_at == "2014-03-04T17:21:05.880Z"
    assert old.text == (
        "Ferry service to the islands suspended until further notice. "
        "Waves over 3m at the harbour mouth #stormwatch"
    )
    assert old.lang is None
    assert old.hashtags == ["stormwatch"]
    assert old.media == [Media(kind="unknown", url="https://pic.twitter.com/r8KmQ2xWv1")]

    assert ancient.post_id == "5512345678"
    assert ancient.created_at == "2009-11-07"  # no snowflake: the printed date
    assert ancient.author.name == "Early Bird"
    assert ancient.author.handle == "earlybird09"
    assert ancient.text == (
        "Testing the new liveblog setup from the newsroom roof. "
        "Snow's coming in sideways & the webcam's iced up."
    )
    assert ancient.media == []


def test_wordpress_embeds() -> None:
    """The block holding the oEmbed blockquote; the one holding only a URL is the document
    layer's (tests/documents/test_extract.py), as for any platform."""
    [wrapped] = embeds("wordpress.html")
    assert wrapped.post_id == "2008942995769085702"
    assert wrapped.url == "https://x.com/kenji_wr/status/2008942995769085702"
    assert wrapped.author.name == "渡辺 Kenji Watanabe-Reyes"
    assert wrapped.created_at == "2026-01-07T16:45:09.204Z"
    assert wrapped.text == "@marisol_ol 同じ川の下流の映像です。水位はまだ上昇中 📹 #洪水"
    assert wrapped.lang == "ja"
    assert wrapped.hashtags == ["洪水"]
    assert wrapped.mentions == ["marisol_ol"]
    assert wrapped.media == [Media(kind="unknown", url="https://pic.twitter.com/Vd8nJ3kQ2m")]


def test_rendered_iframe_and_placeholder() -> None:
    iframe, placeholder = embeds("rendered.html")
    assert iframe.post_id == "2008467187247795940"
    assert iframe.url == "https://x.com/i/status/2008467187247795940"
    assert iframe.author.handle is None
    assert iframe.created_at == "2026-01-06T09:14:27.612Z"
    assert placeholder.post_id == "2008307528992783162"
    assert placeholder.author.handle == "civicdata_lab"
    assert placeholder.author.name is None
    assert placeholder.text == ""


def test_signature_in_its_own_paragraph_and_posts_in_several() -> None:
    german, dyke, placeholder, loose = embeds("sanitised.html")
    assert german.post_id == "1971156472427569728"
    assert german.url == "https://x.com/lotte_pegel/status/1971156472427569728"
    assert (german.author.name, german.author.handle) == ("Lotte Brinkhaus 🌊", "lotte_pegel")
    assert german.created_at == "2025-09-25T10:15:00.000Z"
    assert german.text == "Pegel Hafen 6,10 m, Tendenz steigend. #Sturmflut"
    assert german.media == [Media(kind="unknown", url="https://pic.twitter.com/Kq3ZpR8vWm")]
    assert german.lang == "de"

    assert dyke.author.name == "Deichverband Unterelbe"
    assert dyke.text == (
        "Update from the dyke crews, 8 pm:\n\n"
        "All three sluices closed on schedule. @deichwacht_nord is walking the eastern "
        "section now.\n\n"
        "Volunteers: please stay off the crest until the water drops below 5 m, the ground "
        "is saturated and…"
    )
    assert dyke.text_truncated  # X prints "…" where a long post goes on
    ends_in_a_link = (
        '<blockquote class="twitter-tweet"><p lang="en">Full data: '
        '<a href="https://t.co/Qx7LmN2pAb">example.org/floods/2026/ga…</a></p>&mdash; River '
        '(@riverwatch) <a href="https://twitter.com/riverwatch/status/1000000000000000001">'
        "January 7, 2026</a></blockquote>"
    )
    [linked] = embed_posts(PLATFORM, ends_in_a_link, CAPTURE)
    assert not linked.text_truncated  # the "…" shortens a link's label, not the post
    assert dyke.mentions == ["deichwacht_nord"]
    assert not german.text_truncated

    assert (placeholder.post_id, placeholder.author.handle) == (
        "1973836381025329728",
        "lotte_pegel",
    )
    assert placeholder.text == ""

    assert (loose.author.name, loose.author.handle) == ("Hafenamt", "hafenamt_hh")
    assert loose.text == "Sandsäcke gibt es noch am Bauhof."


def test_a_post_link_inside_the_text_is_no_date_link() -> None:
    """The last blockquote of ``sanitised.html`` quotes a post in its text and has no date
    link: it names no post of its own, so no record (not one for the quoted post)."""
    posts = embeds("sanitised.html")
    assert [post.post_id for post in posts].count("1971485138089009728") == 1


def test_embeds_that_carry_only_the_id() -> None:
    saved, amp, amp_url, amp_placeholder, with_text, lazy = embeds("id-holders.html")
    assert (saved.post_id, saved.url) == (
        "2008871234565169728",
        "https://x.com/i/status/2008871234565169728",
    )
    assert saved.created_at == "2026-01-07T12:00:00.000Z"  # the snowflake dates it
    assert (amp.post_id, amp.author.handle) == ("2021509511377969728", None)
    assert amp_url.url == "https://x.com/kuestenwache/status/1974014051742769728"
    assert amp_url.author.handle == "kuestenwache"
    # The placeholder AMP shows is a whole embed: the walk reads it too (documents merge
    # the two records into one).
    assert amp_placeholder.post_id == with_text.post_id == "1971156472427569728"
    assert with_text.text == "Water at the pier steps now."
    assert (lazy.post_id, lazy.author.handle) == ("1973836381025329728", "hafenamt_hh")


def test_links_lose_only_tracking_that_never_selects_content() -> None:
    """A link in a post keeps the query that names what it shows (a forum's ``?t=`` is
    the thread); X's own share parameters go only from links to X, and credentials and
    the well-known click ids from every link. (Invented embed, current blockquote shape.)"""
    html = (
        '<blockquote class="twitter-tweet"><p lang="en">Thread '
        '<a href="https://forum.example.org/viewtopic.php?t=12345&amp;utm_source=x">'
        "the flood thread</a> and "
        '<a href="https://x.com/i/spaces/1AbCdEf?s=20&amp;t=AbC">the space</a> and '
        '<a href="https://reader:pw@example.org/a?b=2&amp;a=1#c">a page</a></p>'
        "&mdash; River Watch (@riverwatch) "
        '<a href="https://twitter.com/riverwatch/status/1000000000000000001">'
        "January 7, 2026</a></blockquote>"
    )
    [post] = embed_posts(PLATFORM, html, CAPTURE)
    assert post.links == [
        "https://forum.example.org/viewtopic.php?t=12345",
        "https://x.com/i/spaces/1AbCdEf",
        "https://example.org/a?a=1&b=2",
    ]


def test_blockquote_without_status_link_is_not_an_embed() -> None:
    soup = BeautifulSoup('<blockquote class="twitter-tweet"><p>Hi</p></blockquote>', "lxml")
    rule = PLATFORM.embed_rules[0]
    assert rule.parse(soup.blockquote, CAPTURE) is None


# ---- flattened text -----------------------------------------------------------------


def test_flattened_article_x_posts() -> None:
    text = (FIXTURES / "flattened" / "article-mixed.txt").read_text(encoding="utf-8")
    capture = CAPTURE.model_copy(update={"method": "text-embed"})
    posts = PLATFORM.text_embeds(text, capture)
    assert [post.author.handle for post in posts] == [
        "marisol_ol",
        "journalnordique",
        "oddarne_h",
        "kenji_wr",
        "volonter_shtab",
    ]
    first = posts[0]
    assert first.text == (
        "Flood gauges on the Ráðhús bridge just hit 4.2 m 🌊 — highest since 1987. "
        "Full data & methods: example.org/methods #Hochwasser @cityhydro"
    )
    assert first.media == [Media(kind="unknown", url="https://pic.twitter.com/Zp4KqW9eRt")]
    assert first.links == ["https://example.org/methods"]
    assert first.created_at == "2026-01-07"
    assert first.url == "https://x.com/marisol_ol"
    assert first.author.name == "Marisol Okafor-Lindqvist"
    assert first.post_id.startswith("text-") and len(first.post_id) == 21
    assert first.capture.method == "text-embed"
    assert posts[1].text == (
        "Crue record à Trondheim : « du jamais vu depuis 1987 », selon les relevés 👇\n"
        "Nos journalistes sont sur place. https://x.com/marisol_ol/status/2008902282974425946"
    )
    assert posts[1].quotes == [f"https://x.com/marisol_ol/status/{MARISOL}"]
    assert posts[1].links == []
    assert posts[2].text == (
        "Nobody warned us. The sirens never sounded in Nedre Elvehavn and the water was in "
        "our basement by 3am. Who decided that? @trondheimkommune"
    )
    assert posts[2].mentions == ["trondheimkommune"]
    assert posts[2].text_truncated is False
    assert posts[3].text == "Same river, further downstream. Still rising 📹 #洪水"
    assert posts[3].hashtags == ["洪水"]
    assert posts[4].text == (
        "Українські волонтери вже в Трондгеймі 💙💛\n"
        "Збираємо ковдри та павербанки — пишіть у приватні.\n"
        "#Trondheim #допомога"
    )
    assert posts[4].author.name == "Волонтерський штаб"
    assert posts[4].hashtags == ["Trondheim", "допомога"]
    assert posts[4].created_at == "2026-01-10"


def test_flattened_post_id_is_stable_across_articles() -> None:
    one = "Intro.\n\nHello 🌊 world— Ana (@ana_v) March 4, 2026"
    two = "Completely different prose here.\n\nHello 🌊 world\n— Ana (@ana_v) March 4, 2026 More."
    (first,) = PLATFORM.text_embeds(one, CAPTURE)
    (second,) = PLATFORM.text_embeds(two, CAPTURE)
    assert first.post_id == second.post_id
    assert first.key == second.key


# ---- live fetch ---------------------------------------------------------------------


def test_first_request_uses_configured_base() -> None:
    request = PLATFORM.first_request(ref(f"https://x.com/marisol_ol/status/{MARISOL}"), ENDPOINTS)
    parts = urlsplit(request.url)
    assert request.url.startswith("http://127.0.0.1:8301/syn/tweet-result?")
    assert parse_qs(parts.query) == {
        "id": [MARISOL],
        "token": [syndication_token(MARISOL)],
        "lang": ["en"],
    }
    assert request.method == "api"


def test_photo_post() -> None:
    target = ref(f"https://twitter.com/marisol_ol/status/{MARISOL}")
    outcome = PLATFORM.read_response(
        target, answer(PLATFORM.first_request(target, ENDPOINTS), "ok-photo.200.json"), ENDPOINTS
    )
    assert isinstance(outcome, Found)
    post = outcome.post
    assert post.key == f"twitter:{MARISOL}"
    assert post.url == f"https://x.com/marisol_ol/status/{MARISOL}"
    assert post.author.model_dump() == {
        "name": "Marisol Okafor-Lindqvist",
        "handle": "marisol_ol",
        "id": "1180001234567890123",
        "url": "https://x.com/marisol_ol",
    }
    assert post.created_at == "2026-01-07T14:03:22.517Z"
    assert post.text == (
        "Flood gauges on the Ráðhús bridge just hit 4.2 m 🌊 — highest since 1987.\n\n"
        "Full data & methods: https://example.org/floods/2026/gauge-readings-january and "
        "https://example.org/methods #Hochwasser #floods @cityhydro"
    )
    assert post.links == [
        "https://example.org/floods/2026/gauge-readings-january",
        "https://example.org/methods",
    ]
    assert post.media == [
        Media(
            kind="photo",
            url="https://pbs.twimg.com/media/GhQ7aXbWkAA1fZp?format=jpg&name=orig",
            alt="Gauge board at the Ráðhús bridge showing 4.2 m, water at the top mark",
        ),
        Media(kind="photo", url="https://pbs.twimg.com/media/GhQ7aXcWUAAm3Lq?format=png&name=orig"),
    ]
    assert post.hashtags == ["Hochwasser", "floods"]
    assert post.mentions == ["cityhydro"]
    assert post.lang == "en"
    assert post.metrics == {"likes": 1843, "replies": 97}
    assert post.text_truncated is False
    assert post.capture.method == "api"
    assert post.capture.source.startswith("http://127.0.0.1:8301/syn/tweet-result?")


def test_video_reply() -> None:
    target = ref("https://x.com/kenji_wr/status/2008942995769085702")
    outcome = PLATFORM.read_response(
        target,
        answer(PLATFORM.first_request(target, ENDPOINTS), "ok-video-reply.200.json"),
        ENDPOINTS,
    )
    assert isinstance(outcome, Found)
    post = outcome.post
    assert post.text == "@marisol_ol 同じ川の下流の映像です。水位はまだ上昇中 📹 #洪水"
    assert post.in_reply_to == f"https://x.com/marisol_ol/status/{MARISOL}"
    assert post.media == [
        Media(
            kind="video",
            url=(
                "https://video.twimg.com/ext_tw_video/2008942901234567168/pu/vid/avc1/"
                "720x1280/nP2qR4sT6uV8wX0y.mp4?tag=12"
            ),
            alt="増水した川の下流の映像",
        )
    ]
    assert post.mentions == ["marisol_ol"]
    assert post.hashtags == ["洪水"]
    assert post.lang == "ja"


def test_quote_with_gif() -> None:
    target = ref("https://x.com/journalnordique/status/2009176412265810323")
    outcome = PLATFORM.read_response(
        target,
        answer(PLATFORM.first_request(target, ENDPOINTS), "ok-quote-gif.200.json"),
        ENDPOINTS,
    )
    assert isinstance(outcome, Found)
    post = outcome.post
    assert post.quotes == [f"https://x.com/marisol_ol/status/{MARISOL}"]
    assert post.links == []  # the quoted post's URL is not an outside link
    assert post.text.endswith(
        "Nos journalistes sont sur place. https://twitter.com/marisol_ol/status/2008902282974425946"
    )
    assert "\u00a0" not in post.text
    assert post.media == [
        Media(kind="gif", url="https://video.twimg.com/tweet_video/GhV2kLmXcAAq8Tz.mp4")
    ]


def test_long_post_is_flagged_truncated() -> None:
    target = ref("https://x.com/petralindgren/status/2009896798101400706")
    outcome = PLATFORM.read_response(
        target,
        answer(PLATFORM.first_request(target, ENDPOINTS), "ok-long-note.200.json"),
        ENDPOINTS,
    )
    assert isinstance(outcome, Found)
    assert outcome.post.text_truncated is True
    assert outcome.post.text.endswith("og alle tall er hentet fra…")
    assert "t.co" not in outcome.post.text
    assert outcome.post.links == []  # "show more" points at the post itself


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("tombstone-private.200.json", Reason.PRIVATE),
        ("tombstone-suspended.200.json", Reason.SUSPENDED),
        ("tombstone-deleted.200.json", Reason.DELETED),
        ("tombstone-age.200.json", Reason.AGE_RESTRICTED),
    ],
)
def test_tombstones(name: str, reason: Reason) -> None:
    target = ref(f"https://x.com/i/status/{MARISOL}")
    outcome = PLATFORM.read_response(
        target, answer(PLATFORM.first_request(target, ENDPOINTS), name), ENDPOINTS
    )
    assert isinstance(outcome, Gone)
    assert outcome.reason == reason
    assert outcome.status == 200
    assert "Learn more" in outcome.detail


@pytest.mark.parametrize("name", ["empty.200.json", "not-found.404.txt", "bad-request.400.json"])
def test_fallback_to_oembed(name: str) -> None:
    target = ref("https://x.com/nightdesk_ana/status/2009588461598229911")
    outcome = PLATFORM.read_response(
        target, answer(PLATFORM.first_request(target, ENDPOINTS), name), ENDPOINTS
    )
    assert isinstance(outcome, FollowUp)
    request = outcome.request
    assert request.purpose == "oembed"
    assert request.method == "oembed"
    parts = urlsplit(request.url)
    assert request.url.startswith("http://127.0.0.1:8302/oembed?")
    assert parse_qs(parts.query) == {
        "url": ["https://twitter.com/nightdesk_ana/status/2009588461598229911"],
        "omit_script": ["1"],
    }


def oembed_outcome(name: str, url: str = "https://x.com/nightdesk_ana/status/2009588461598229911"):
    target = ref(url)
    first = PLATFORM.read_response(
        target, answer(PLATFORM.first_request(target, ENDPOINTS), "empty.200.json"), ENDPOINTS
    )
    assert isinstance(first, FollowUp)
    return PLATFORM.read_response(target, answer(first.request, name), ENDPOINTS)


def test_oembed_found() -> None:
    outcome = oembed_outcome("oembed-ok.200.json")
    assert isinstance(outcome, Found)
    post = outcome.post
    assert post.post_id == "2009588461598229911"
    assert post.url == "https://x.com/nightdesk_ana/status/2009588461598229911"
    assert post.author.name == "Ana Vukčević"
    assert post.author.handle == "nightdesk_ana"
    assert post.created_at == "2026-01-09T11:30:00.250Z"
    assert post.text == (
        "Graphic footage from the Nedre Elvehavn evacuation — viewer discretion advised. "
        "Live updates: example.org/live/trondheim… #Trondheim"
    )
    assert post.media == [Media(kind="unknown", url="https://pic.twitter.com/Jx4sPq7Lm1")]
    assert post.capture.method == "oembed"
    assert post.capture.source.startswith("http://127.0.0.1:8302/oembed?")


def test_oembed_gone() -> None:
    missing = oembed_outcome("oembed-not-found.404.json")
    assert missing == Gone(Reason.NOT_FOUND, missing.detail, 404)
    private = oembed_outcome("oembed-private.403.json")
    assert isinstance(private, Gone)
    assert private.reason == Reason.PRIVATE
    assert private.status == 403


def test_garbage_raises_parse_error() -> None:
    target = ref(f"https://x.com/i/status/{MARISOL}")
    request = PLATFORM.first_request(target, ENDPOINTS)
    oembed = Request("http://127.0.0.1:8302/oembed?url=x", purpose="oembed", method="oembed")
    for bad in (
        answer(request, "not-json.200.html"),
        respond(request, b"[1, 2]"),
        respond(request, b'{"__typename":"Tweet"}'),
        respond(oembed, b'{"html": "<p>nothing</p>"}'),
        respond(oembed, b"{}"),
        respond(oembed, b"", status=400),
    ):
        with pytest.raises(ParseError):
            PLATFORM.read_response(target, bad, ENDPOINTS)


def test_html_comment_inside_embed_is_not_part_of_the_author_name() -> None:
    from archiver.documents import extract_bytes

    html = (
        b'<html><body><blockquote class="twitter-tweet"><!-- widget -->'
        b'<p lang="en" dir="ltr">Hello <a href="https://t.co/x">#tag</a></p>&mdash; River Desk '
        b'(@riverdesk) <a href="https://twitter.com/riverdesk/status/1876543210987654321">'
        b"January 7, 2026</a></blockquote></body></html>"
    )
    [post] = extract_bytes(html, "a.html").posts
    assert post.key == "twitter:1876543210987654321"
    assert post.author.name == "River Desk"
    assert post.author.handle == "riverdesk"
