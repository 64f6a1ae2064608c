"""Page metadata (Open Graph, Twitter Card, JSON-LD, discovery links) and records made from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from archiver.platforms.base import PostRef, Reason
from archiver.platforms.linked_data import choose_linked_data, parse_count, record_date
from archiver.platforms.page_meta import (
    PageMeta,
    decode_page,
    gone_signal,
    page_meta_from_soup,
    parse_page,
)
from archiver.platforms.web import post_from_page
from archiver.record import Capture, Media, sha256_hex

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
CAPTURE = Capture(
    method="page-meta",
    source="saved.html",
    captured_at="2026-01-11T08:00:00Z",
    raw_sha256="ab" * 32,
)
DID = "did:plc:q4v7xk2mzt5h3wprdc6ljyan"


def meta_of(markup: str) -> PageMeta:
    return page_meta_from_soup(BeautifulSoup(markup, "lxml"))


def page(name: str) -> PageMeta:
    return meta_of((PAGES / name).read_text(encoding="utf-8"))


# --- saved single-post pages ---------------------------------------------------------------


def test_mastodon_page_meta() -> None:
    meta = page("mastodon-post.html")
    assert meta.ld_type == "SocialMediaPosting"
    assert meta.is_posting
    assert meta.url == "https://social.alder.example/@tidewatch/115856116285464203"
    assert meta.oembed_url == (
        "https://social.alder.example/api/oembed?format=json&url="
        "https%3A%2F%2Fsocial.alder.example%2F%40tidewatch%2F115856116285464203"
    )
    assert meta.activitypub_url == (
        "https://social.alder.example/users/tidewatch/statuses/115856116285464203"
    )
    assert meta.candidate_urls() == [
        "https://social.alder.example/@tidewatch/115856116285464203",
        "https://social.alder.example/users/tidewatch/statuses/115856116285464203",
    ]
    assert meta.published == "2026-01-07T22:14:00Z"
    assert meta.lang == "en"
    assert meta.page_lang == "en"
    assert meta.author.name == "Tide Watch Port Alder"
    assert meta.author.handle == "tidewatch@social.alder.example"
    assert meta.author.url == "https://social.alder.example/@tidewatch"
    assert dict(meta.metrics) == {"likes": 87, "reposts": 41, "replies": 6}


def test_mastodon_page_record() -> None:
    ref = PostRef(
        platform="mastodon",
        post_id="social.alder.example/115856116285464203",
        url="https://social.alder.example/@tidewatch/115856116285464203",
        handle="tidewatch@social.alder.example",
    )
    post = post_from_page(page("mastodon-post.html"), ref, CAPTURE)
    assert post is not None
    assert post.key == "mastodon:social.alder.example/115856116285464203"
    assert post.title is None
    assert post.text == (
        "High water at the quay steps: 3.38 m at 22:00, still rising. Photo from the harbour "
        "camera.\n\n#PortAlderFlood cc @rivergauge"
    )
    assert post.text_truncated is False
    assert post.hashtags == ["PortAlderFlood"]
    assert post.mentions == ["rivergauge"]
    assert post.links == ["https://tides.alder.example/station/quay"]
    assert post.media == [
        Media(
            kind="photo",
            url="https://files.social.alder.example/media_attachments/files/115/856/116/original/"
            "3f9c1a2b7d4e5f60.jpg",
            alt="Harbour camera view: water reaching the top step of the quay, street lights "
            "reflected.",
        )
    ]
    assert post.metrics == {"likes": 87, "reposts": 41, "replies": 6}
    assert post.capture == CAPTURE


def test_bluesky_page_meta_prefers_the_at_uri_identity() -> None:
    meta = page("bluesky-post.html")
    assert meta.ld_type == "DiscussionForumPosting"
    assert meta.at_uri == f"at://{DID}/app.bsky.feed.post/3lfqa7wz2kc2p"
    assert meta.candidate_urls()[:2] == [
        f"https://bsky.app/profile/{DID}/post/3lfqa7wz2kc2p",
        "https://bsky.app/profile/kofi-aerial.bsky.social/post/3lfqa7wz2kc2p",
    ]
    assert meta.author.name == "Kofi Mensah-Hart"
    assert meta.author.handle == "kofi-aerial.bsky.social"
    assert meta.author.id == DID
    assert meta.published == "2026-01-09T14:02:31.418Z"
    # JSON-LD's ShareAction counts reposts + quotes; the card's explicit label wins.
    assert dict(meta.metrics) == {"likes": 312, "replies": 18, "reposts": 57}
    assert [item.url.rsplit("/", 1)[1] for item in meta.media] == [
        "bafkreibx3qf6tz2wlkq7m4yd5hnc3vjr2opeu6sxg4a7kfdmz2wqn5tbyi@jpeg",
        "bafkreiagm2xq7vtl5wzk3hd6pn4rcjy2ouf7se6kqb3nwm5dzta4xvlo2e@jpeg",
    ]


def test_bluesky_page_record() -> None:
    ref = PostRef(
        platform="bluesky",
        post_id=f"{DID}/3lfqa7wz2kc2p",
        url=f"https://bsky.app/profile/{DID}/post/3lfqa7wz2kc2p",
    )
    post = post_from_page(page("bluesky-post.html"), ref, CAPTURE)
    assert post is not None
    assert post.text == (
        "Second flight of the day: the flood has reached the allotments on the east bank. "
        "Nobody's shed is where it was.\n\n#PortAlderFlood"
    )
    assert post.hashtags == ["PortAlderFlood"]
    assert post.lang is None
    assert post.author.url == "https://bsky.app/profile/kofi-aerial.bsky.social"
    assert len(post.media) == 2


def test_blog_page_meta_resolves_graph_author_and_offsets() -> None:
    meta = page("blog-post.html")
    assert meta.ld_type == "BlogPosting"
    assert not meta.is_posting
    assert meta.page_url() == "https://estuarynotes.example/2026/01/quay-wall-lessons/"
    assert meta.title == "What the 2026 flood taught us about the quay wall"
    assert meta.author.name == "Hamish Teague"
    assert meta.author.url == "https://estuarynotes.example/author/hamish/"
    assert meta.published == "2026-01-10T07:30:00Z"
    assert meta.lang == "en-GB"
    assert meta.text is None
    assert meta.description == (
        "Three lessons from this week’s flood for anyone who maintains a 19th-century harbour wall."
    )
    post = post_from_page(meta, None, CAPTURE)
    assert post is not None
    assert post.key == "web:https://estuarynotes.example/2026/01/quay-wall-lessons/"
    assert post.text_truncated is True
    assert post.hashtags == []
    assert (
        post.media[0].alt
        == "A crack running along the mortar of the quay wall, above the waterline."
    )


def test_signed_in_only_page_is_gone() -> None:
    markup = (PAGES / "bluesky-signed-in-only.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(markup, "lxml")
    assert gone_signal(soup, page_meta_from_soup(soup)) == (
        Reason.LOGIN_REQUIRED,
        "This author has chosen to make their posts visible only to people who are signed in",
    )


def test_live_post_page_is_never_gone_even_if_it_quotes_a_sentence() -> None:
    markup = (
        '<html><head><script type="application/ld+json">{"@type": "SocialMediaPosting", '
        '"text": "Post not found"}</script><meta property="og:description" '
        'content="Post not found"></head><body><p>Post not found</p></body></html>'
    )
    soup = BeautifulSoup(markup, "lxml")
    assert gone_signal(soup, page_meta_from_soup(soup)) is None


# --- Open Graph and Twitter Card --------------------------------------------------------------


def test_property_and_name_attributes_are_both_read() -> None:
    meta = meta_of(
        '<meta name="og:title" content="By name"><meta property="twitter:description" '
        'content="Card text"><meta name="twitter:creator" content="@someone">'
    )
    assert meta.title == "By name"
    assert meta.description == "Card text"
    assert meta.author.handle == "someone"


def test_og_image_alt_belongs_to_the_image_before_it() -> None:
    meta = meta_of(
        '<meta property="og:image" content="https://a.example/1.jpg">'
        '<meta property="og:image:width" content="10">'
        '<meta property="og:image" content="https://a.example/2.jpg">'
        '<meta property="og:image:alt" content="second">'
        '<meta property="og:video" content="https://a.example/v.mp4">'
        '<meta property="og:image" content="https://a.example/1.jpg">'
    )
    assert [(m.kind, m.url, m.alt) for m in meta.media] == [
        ("photo", "https://a.example/1.jpg", None),
        ("photo", "https://a.example/2.jpg", "second"),
        ("video", "https://a.example/v.mp4", None),
    ]


def test_twitter_card_image_is_the_fallback() -> None:
    meta = meta_of(
        '<meta name="twitter:image" content="https://a.example/c.jpg">'
        '<meta name="twitter:image:alt" content="card">'
    )
    assert meta.media == (Media(kind="photo", url="https://a.example/c.jpg", alt="card"),)


def test_avatar_of_a_post_page_with_a_small_card_is_not_media() -> None:
    meta = meta_of(
        '<script type="application/ld+json">{"@type": "DiscussionForumPosting", "text": "hi"}'
        '</script><meta property="og:image" content="https://cdn.example/avatar.jpg">'
        '<meta name="twitter:card" content="summary">'
    )
    assert meta.media == ()


def test_title_falls_back_to_the_title_tag_but_not_an_svg_title() -> None:
    meta = meta_of(
        "<html><body><svg><title>icon</title></svg></body><head><title> Page  title </title>"
        "</head></html>"
    )
    assert meta.title == "Page title"


def test_bluesky_style_card_labels() -> None:
    meta = meta_of(
        '<meta name="twitter:label1" content="Posted At">'
        '<meta name="twitter:value1" content="2024-08-19T22:23:00.000Z">'
        '<meta name="twitter:label2" content="Likes"><meta name="twitter:value2" content="1,204">'
        '<meta name="twitter:label3" content="Replies"><meta name="twitter:value3" content="n/a">'
    )
    assert meta.published == "2024-08-19T22:23:00Z"
    assert dict(meta.metrics) == {"likes": 1204}


def test_byline_title_gives_name_and_handle() -> None:
    meta = meta_of('<meta property="og:title" content="Ana B. (Work) (@ana@fedi.example)">')
    assert meta.author.name == "Ana B. (Work)"
    assert meta.author.handle == "ana@fedi.example"


def test_article_author_url_or_name() -> None:
    assert (
        meta_of(
            '<meta property="article:author" content="https://site.example/people/ana">'
        ).author.url
        == "https://site.example/people/ana"
    )
    assert meta_of('<meta property="article:author" content="Ana Byrne">').author.name == (
        "Ana Byrne"
    )


# --- JSON-LD ------------------------------------------------------------------------------------


def test_json_ld_array_with_type_list_and_html_text() -> None:
    found = choose_linked_data(
        [
            '[{"@type": "WebSite", "name": "x"}, {"@type": ["CreativeWork", "SocialMediaPosting"], '
            '"text": "<p>one<br>two</p>", "author": [{"name": "A", "alternateName": "@a"}], '
            '"datePublished": "2025-02-03T04:05:06+02:00", "inLanguage": "de", '
            '"interactionStatistic": {"interactionType": {"@type": "LikeAction"}, '
            '"userInteractionCount": "12"}}]'
        ]
    )
    assert found is not None
    assert found.type == "SocialMediaPosting"
    assert found.text == "one\ntwo"
    assert (found.author_name, found.author_handle) == ("A", "a")
    assert found.published == "2025-02-03T02:05:06Z"
    assert found.lang == "de"
    assert dict(found.metrics) == {"likes": 12}


def test_json_ld_posting_beats_an_earlier_article() -> None:
    found = choose_linked_data(
        [
            '{"@type": "Article", "headline": "A"}',
            '{"@type": "DiscussionForumPosting", "text": "B"}',
        ]
    )
    assert found is not None and found.text == "B"


def test_json_ld_tolerates_comments_cdata_raw_newlines_and_garbage() -> None:
    assert choose_linked_data(['<!-- {"@type": "Article", "headline": "a\nb"} -->']) == (
        choose_linked_data(['//<![CDATA[\n{"@type": "Article", "headline": "a\nb"}\n//]]>'])
    )
    assert choose_linked_data(["{not json", "", "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]", "42"]) is None
    deep = "[" * 5000 + "]" * 5000
    assert choose_linked_data([deep]) is None


def test_json_ld_main_entity_and_media_objects() -> None:
    found = choose_linked_data(
        [
            '{"@type": "QAPage", "mainEntity": {"@type": "DiscussionForumPosting", '
            '"url": "https://forum.example/t/1", "image": ["https://forum.example/1.png", '
            '{"contentUrl": "https://forum.example/2.png", "description": "two"}, 7], '
            '"video": {"@type": "VideoObject", "contentUrl": "https://forum.example/v.mp4"}}}'
        ]
    )
    assert found is not None
    assert found.url == "https://forum.example/t/1"
    assert [(m.kind, m.url, m.alt) for m in found.media] == [
        ("photo", "https://forum.example/1.png", None),
        ("photo", "https://forum.example/2.png", "two"),
        ("video", "https://forum.example/v.mp4", None),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-10T08:30:00+01:00", "2026-01-10T07:30:00Z"),
        ("2026-01-10T08:30:00Z", "2026-01-10T08:30:00Z"),
        ("2026-01-10T08:30:00", "2026-01-10"),
        ("2026-01-10", "2026-01-10"),
        ("2026-13-45", None),
        ("January 10, 2026", None),
        ("", None),
        (None, None),
    ],
)
def test_record_date(value: str | None, expected: str | None) -> None:
    assert record_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, 12), ("1,234", 1234), ("7", 7), (True, None), (-1, None), ("1.2K", None), (None, None)],
)
def test_parse_count(value: object, expected: int | None) -> None:
    assert parse_count(value) == expected


def test_decode_page_uses_the_header_charset_first() -> None:
    body = "<p>naïve</p>".encode("iso-8859-15")
    assert "naïve" in decode_page(body, "text/html; charset=ISO-8859-15")
    assert "naïve" in decode_page("<p>naïve</p>".encode())


@pytest.mark.parametrize("label", ["ISO-8859-1", "us-ascii"])
def test_decode_page_reads_a_latin1_label_as_windows_1252_as_browsers_do(label: str) -> None:
    body = "<p>“Don’t drive” – café…</p>".encode("windows-1252")
    assert "“Don’t drive” – café…" in decode_page(body, f"text/html; charset={label}")


def test_parse_page_parses_once_and_reads_the_metadata_from_that_tree() -> None:
    body = b"<html lang=en><head><title>Harbour notice</title></head><body><p>x</p></body></html>"
    page = parse_page(body, "text/html")
    assert page.meta.title == "Harbour notice" and page.meta.page_lang == "en"
    assert page.soup.find("p") is not None
    assert page.raw_sha256 == sha256_hex(body)
