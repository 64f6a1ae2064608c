"""Embeds kept out of sight (lazy frames, placeholders, consent wrappers, page state)."""

from __future__ import annotations

from pathlib import Path

from archiver.documents import extract_bytes
from archiver.documents.wrappers import for_rules, state_markup
from archiver.platforms.registry import REGISTRY

ARTICLES = Path(__file__).resolve().parents[2] / "fixtures" / "articles"
WHEN = "2026-02-12T08:00:00Z"


def test_every_wrapper_gives_its_post_in_document_order() -> None:
    raw = (ARTICLES / "wrapped-embeds.html").read_bytes()
    result = extract_bytes(raw, "wrapped.html", captured_at=WHEN)
    assert result.warnings == []
    assert [post.key for post in result.posts] == [
        "tiktok:7613469505275829767",  # __NEXT_DATA__ in <head>, first in the page
        "youtube:Xk3vQ9pL2mA",  # iframe[data-src]
        "youtube:Qa1_b2-C3dE",  # img[data-src] standing in for the iframe
        "mastodon:harbour.social/113456789012345678",  # iframe[data-lazy-src]
        "bluesky:did:plc:k4t7vqzm2xw5n3rdj6hya2pe/3lp3gy6ehhc4g",  # amp-iframe
        "twitter:2008871234565169728",  # data-oembed-url
        "instagram:C9m4IVTkTSB",  # <oembed url>
        "youtube:Zz9yY8xX7wV",  # escaped iframe in data-embed-content
        "facebook:1482093345761191",  # escaped plugin iframe in data-iframe
        "twitter:2021509511377969728",  # a script's JSON string with escaped quotes
        "bluesky:did:plc:k4t7vqzm2xw5n3rdj6hya2pe/3l23wdthbf2us",  # a template script
    ]
    tiktok, *_, placeholder, _, _, _, quay, _ = result.posts
    assert tiktok.text == "Morning shift, 40 loaves #baking"
    assert tiktok.author.handle == "harbourbakes"
    assert placeholder.created_at == "2026-01-07T12:00:00.000Z"  # completed from its id
    assert quay.text == "Ferry back on the usual timetable from Monday."
    assert {post.capture.method for post in result.posts} == {"embed-html"}


def test_wrappers_claim_only_what_holds_an_embed() -> None:
    wrappers = for_rules(REGISTRY.embed_rules())
    assert wrappers.claims("img", {"data-src": "https://www.youtube.com/embed/Xk3vQ9pL2mA"})
    assert not wrappers.claims("img", {"data-src": "https://cdn.example.org/photo.jpg"})
    assert wrappers.claims("amp-iframe", {"src": "https://embed.bsky.app/embed/did:plc:x/a/b"})
    assert wrappers.claims("div", {"data-oembed-url": "https://example.org/anything"})
    assert wrappers.claims("oembed", {"url": "https://example.org/anything"})
    assert wrappers.claims("div", {"data-html": '<iframe src="https://example.org/">'})
    assert not wrappers.claims("div", {"title": '<iframe src="https://example.org/">'})
    assert not wrappers.claims("div", {"data-note": "a < b"})
    assert wrappers.claims("script", {"type": "application/json"})
    assert not wrappers.claims("script", {"src": "https://example.org/app.js"})


def test_state_markup_decodes_only_strings_that_hold_embed_markup() -> None:
    quote = '\\u003cblockquote class=\\"x\\"\\u003eone\\u003c/blockquote\\u003e'
    script = (
        f'{{"a":"<p>text</p>","b":"{quote}",'
        '"c":"say \\"<iframe src=\\\\\\"u\\\\\\">\\"",'
        f'"d":"{quote}"}}'
    )
    assert state_markup(script) == [
        '<blockquote class="x">one</blockquote>',
        'say "<iframe src=\\"u\\">"',
    ]
    assert state_markup('var broken = "\\u003cblockquote \\x"') == []
