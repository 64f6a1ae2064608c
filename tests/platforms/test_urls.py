"""URL identity rules: platform hosts, the well-known tracking parameters, canonical links,
and what a user's typed URL becomes before anything is fetched."""

from __future__ import annotations

import pytest

from archiver.platforms.urls import (
    TRACKING_PARAMS,
    clean_url,
    is_tracking_param,
    owner_of_host,
    spelled_out,
    web_address,
)


@pytest.mark.parametrize(
    ("host", "owner"),
    [
        ("x.com", "twitter"),
        ("www.x.com", "twitter"),
        ("mobile.twitter.com", "twitter"),
        ("platform.twitter.com", "twitter"),
        ("d.fxtwitter.com", "twitter"),
        ("embed.bsky.app", "bluesky"),
        ("old.reddit.com", "reddit"),
        ("i.redd.it", "reddit"),
        ("telegram.dog", "telegram"),
        ("M.YouTube.com", "youtube"),
        ("vm.tiktok.com", "tiktok"),
        ("mbasic.facebook.com", "facebook"),
        ("threads.com", "threads"),
        ("social.example", None),
        ("notx.com", None),  # a suffix of the name is not a subdomain
        ("x.com.example.org", None),
        ("", None),
    ],
)
def test_owner_of_host(host: str, owner: str | None) -> None:
    assert owner_of_host(host) == owner


def test_the_well_known_tracking_parameters_are_pinned() -> None:
    pinned = {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "li_fat_id", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok",
        "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "rb_clickid",
    }  # fmt: skip
    assert pinned == TRACKING_PARAMS
    assert is_tracking_param("utm_source") and is_tracking_param("UTM_Campaign")
    assert is_tracking_param("FBCLID")
    # Names that select content on some site are never dropped from a generic page.
    for name in ("t", "s", "ref", "context", "feature", "si", "id", "page", "q", "v", "utm"):
        assert not is_tracking_param(name), name


@pytest.mark.parametrize(
    ("url", "drop", "expected"),
    [
        ("https://forum.example.org/viewtopic.php?t=12345",
         (), "https://forum.example.org/viewtopic.php?t=12345"),
        ("https://x.com/search?q=flood&s=20&t=AbC", ("s", "t"), "https://x.com/search?q=flood"),
        ("https://x.com/search?q=flood&S=20", ("s",), "https://x.com/search?q=flood"),
        ("https://example.org/a?b=2&a=1&b=1", (), "https://example.org/a?a=1&b=2&b=1"),
        ("https://example.org/a?q=%C3%A9t%C3%A9&x=a+b", (), "https://example.org/a?q=%C3%A9t%C3%A9&x=a+b"),
        ("https://example.org/a?utm%5Fsource=x&k", (), "https://example.org/a?k"),
        ("https://u:p@example.org:443/a#top", (), "https://example.org/a"),
        ("https://example.org:8443", (), "https://example.org:8443/"),
    ],
)  # fmt: skip
def test_clean_url(url: str, drop: tuple[str, ...], expected: str) -> None:
    assert clean_url(url, frozenset(drop)) == expected


@pytest.mark.parametrize(
    "url", ["mailto:a@example.org", "ftp://example.org/f", "/relative", "http://[::1", "https://"]
)
def test_clean_url_takes_only_http_urls(url: str) -> None:
    assert clean_url(url) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (" x.com/a/status/1 ", "https://x.com/a/status/1"),
        ("http://127.0.0.1:8123/@a/1", "http://127.0.0.1:8123/@a/1"),
        ("https://reader:s3cret@example.org/a", "https://example.org/a"),
        ("reader:s3cret@example.org/a", None),  # not a host/path: a user must say https://
        ("javascript:alert(1)", None),
        ("", None),
        ("http://[::1", None),
        ("https://example.org:port/", None),
    ],
)
def test_web_address(typed: str, expected: str | None) -> None:
    assert web_address(typed) == expected


def test_spelled_out_leaves_other_schemes_to_the_platforms() -> None:
    at_uri = "at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3kabc"
    assert spelled_out(at_uri) == at_uri
    assert spelled_out("https://social.example/@alice@other.example/1") == (
        "https://social.example/@alice@other.example/1"
    )
