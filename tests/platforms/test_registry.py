"""Routing: each URL to the platform that owns it, and non-posts on social hosts to none."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from archiver.config import load_settings
from archiver.platforms import facebook, instagram, reddit, tiktok, twitter, web
from archiver.platforms.base import Platform
from archiver.platforms.registry import REGISTRY, Registry, Route
from archiver.platforms.urls import PLATFORM_HOSTS, host_of, owner_of_host
from archiver.record import Author, Capture, Post
from tests.conftest import make_post

#: (URL, platform, key): one post of every platform, in the shapes people paste.
POSTS = [
    ("https://twitter.com/a/status/1000000000000000001?s=20", "twitter",
     "twitter:1000000000000000001"),
    ("https://platform.twitter.com/embed/Tweet.html?id=1000000000000000002", "twitter",
     "twitter:1000000000000000002"),
    ("https://bsky.app/profile/harbour.bsky.social/post/3kabcdefghi2x", "bluesky",
     "bluesky:harbour.bsky.social/3kabcdefghi2x"),
    ("https://www.reddit.com/r/floods/comments/1c9k2mf/barrier/", "reddit", "reddit:1c9k2mf"),
    ("https://t.me/harbournews/12", "telegram", "telegram:harbournews/12"),
    ("https://telegram.dog/harbournews/13", "telegram", "telegram:harbournews/13"),
    ("https://www.youtube.com/watch?v=abcdefghijk&si=x", "youtube", "youtube:abcdefghijk"),
    ("https://youtu.be/abcdefghijk", "youtube", "youtube:abcdefghijk"),
    ("https://www.tiktok.com/@river/video/7345678901234567890", "tiktok",
     "tiktok:7345678901234567890"),
    ("https://www.instagram.com/p/C4aBcDeFgHi/", "instagram", "instagram:C4aBcDeFgHi"),
    ("https://www.facebook.com/harbourcouncil/posts/1234567890", "facebook",
     "facebook:1234567890"),
    ("https://www.threads.net/@river/post/C4aBcDeFgHi", "threads", "threads:C4aBcDeFgHi"),
    ("https://social.example/@ana/113000000000000001", "mastodon",
     "mastodon:social.example/113000000000000001"),
    ("https://example.org/blog/post?utm_source=x", "web", "web:https://example.org/blog/post"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "platform", "key"), POSTS)
def test_posts_route_to_their_platform(url: str, platform: str, key: str) -> None:
    found = REGISTRY.match(url)
    assert found is not None
    assert (found.platform.name, found.ref.key) == (platform, key)


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/someone",  # a profile
        "https://twitter.com/search?q=flood",
        "https://t.me/c/1234567/45",  # a private chat: cannot be fetched
        "https://www.instagram.com/someone/",
        "https://m.facebook.com/somepage",
    ],
)
def test_non_posts_on_social_hosts_are_not_generic_pages(url: str) -> None:
    assert REGISTRY.match(url) is None
    assert REGISTRY.match_social(url) is None


def test_every_platform_is_routed_once() -> None:
    names = [platform.name for platform in REGISTRY.platforms]
    assert len(names) == len(set(names)) == 11
    assert names[-2:] == ["mastodon", "web"]  # path-shape and catch-all come last


def test_a_route_is_typed() -> None:
    found = REGISTRY.match("https://t.me/harbournews/12")
    assert isinstance(found, Route)
    assert (found.platform.name, found.ref.key) == ("telegram", "telegram:harbournews/12")
    assert REGISTRY.get("telegram") is found.platform
    assert REGISTRY.key_of("https://t.me/harbournews/12") == "telegram:harbournews/12"


# --- one rule for every caller (the three routers used to differ here) ----------------------


@pytest.mark.parametrize(
    ("url", "key"),
    [
        # A bare host/path is an https URL for every platform, not only X and Bluesky.
        ("x.com/a/status/1000000000000000001", "twitter:1000000000000000001"),
        ("t.me/harbournews/12", "telegram:harbournews/12"),
        ("example.org/blog/post", "web:https://example.org/blog/post"),
        # Credentials are dropped before any platform sees the URL.
        ("https://reader:pw@t.me/harbournews/12", "telegram:harbournews/12"),
        ("https://reader:pw@example.org/a?b=1", "web:https://example.org/a?b=1"),
        # A page keeps its own query, so a tracking-looking name on a forum is the thread.
        ("https://forum.example.org/viewtopic.php?t=12345&utm_source=x",
         "web:https://forum.example.org/viewtopic.php?t=12345"),
    ],
)  # fmt: skip
def test_every_caller_reads_a_url_the_same_way(url: str, key: str) -> None:
    assert REGISTRY.key_of(url) == key


@pytest.mark.parametrize("url", ["http://[::1", "https://example.org:port/a", "", "twitter:1"])
def test_a_malformed_url_is_no_post_rather_than_an_error(url: str) -> None:
    assert REGISTRY.match(url) is None
    assert REGISTRY.key_of(url) is None
    assert REGISTRY.is_short_link(url) is False


@pytest.mark.parametrize(
    "url",
    [
        # Hosts the platform modules accept, which the old social-host list forgot: their
        # profiles and home pages were archived as generic pages.
        "https://fxtwitter.com/someone",
        "https://vxtwitter.com/someone/likes",
        "https://telegram.dog/harbournews",
        "https://www.youtube-nocookie.com/",
        "https://www.tiktokv.com/share/user/1",
        "https://instagr.am/someone",
        "https://bskx.app/profile/harbour.bsky.social",
    ],
)
def test_every_host_a_platform_claims_refuses_its_non_posts(url: str) -> None:
    assert REGISTRY.match(url) is None


def test_the_host_rule_holds_in_a_registry_of_a_few_platforms() -> None:
    """Tests and benchmarks build their own registries; they route by the same rules."""
    only_web = Registry([web.PLATFORM])
    assert only_web.match("https://x.com/someone") is None
    assert only_web.match("https://example.org/a") is not None
    assert only_web.match_social("https://example.org/a") is None


@pytest.mark.parametrize(
    ("platform", "url"),
    [
        (twitter.PLATFORM, "https://t.co/AbC123"),
        (facebook.PLATFORM, "https://www.facebook.com/share/p/1AbCdEfGh/"),  # main host
        (instagram.PLATFORM, "https://www.instagram.com/share/p/BAbCdEfGh"),
        (reddit.PLATFORM, "https://www.reddit.com/r/floods/s/AbCdEf"),
        (tiktok.PLATFORM, "https://www.tiktok.com/t/ZTAbCdEf/"),
        (web.PLATFORM, "https://bit.ly/3AbCdEf"),
    ],
)
def test_short_links_are_each_platforms_own_rule(platform: Platform, url: str) -> None:
    """A platform whose share links live on its main host says so itself; a registry of
    any platforms asks each one (the fetch runner used to look at short-link hosts only)."""
    assert Registry([platform]).is_short_link(url)
    assert REGISTRY.is_short_link(url)
    assert not Registry([]).is_short_link(url)


def test_every_platform_with_hosts_of_its_own_owns_its_posts() -> None:
    """The host table and the platform modules agree: a post is on its platform's hosts."""
    for url, platform, _key in POSTS:
        owner = owner_of_host(host_of(url))
        assert owner == (platform if platform in PLATFORM_HOSTS else None), url
    named = {platform.name for platform in REGISTRY.platforms} - {"mastodon", "web"}
    assert set(PLATFORM_HOSTS) == named


# --- per-platform canonical URLs --------------------------------------------------------------
#
# Each platform lists the query parameters that name a post (kept in its canonical URL)
# and those it drops from links to it; a generic page keeps its own query and loses only
# the well-known tracking parameters. These tables pin every list.

POST_PARAMS: dict[str, set[str]] = {
    "twitter": {"id"},
    "youtube": {"v"},
    "facebook": {"story_fbid", "id", "fbid", "v", "href"},
}
DROPPED: dict[str, set[str]] = {
    "twitter": {"s", "t", "ref_src", "ref_url", "src", "cn"},
    "bluesky": {"ref_src", "ref_url"},
    "reddit": {"share_id", "ref", "ref_source", "ref_campaign", "rdt", "context"},
    "telegram": {"embed", "mode", "userpic", "color", "dark", "single"},
    "youtube": {"si", "feature", "pp", "ab_channel", "embeds_referring_euri", "source_ve_path"},
    "tiktok": {
        "_r", "_t", "checksum", "embed_source", "is_from_webapp", "preview_pb", "refer",
        "sec_user_id", "sender_device", "sender_web_id", "share_app_id", "share_item_id",
        "share_link_id", "source", "timestamp", "tt_from", "u_code", "user_id", "web_id",
    },
    "instagram": {"igsh", "igshid", "img_index"},
    "facebook": {
        "mibextid", "rdid", "share_url", "sfnsn", "__tn__", "__cft__[0]", "__eep__", "_rdr",
        "ref", "notif_id", "notif_t", "paipv", "eav",
    },
    "threads": {"xmt", "slof", "igsh", "igshid"},
}  # fmt: skip
#: (a post URL, its canonical URL) for each platform.
CANONICAL: dict[str, tuple[str, str]] = {
    "twitter": ("https://twitter.com/riverwatch/status/1000000000000000001",
                "https://x.com/riverwatch/status/1000000000000000001"),
    "bluesky": ("https://bsky.app/profile/harbour.bsky.social/post/3kabcdefghi2x",
                "https://bsky.app/profile/harbour.bsky.social/post/3kabcdefghi2x"),
    "reddit": ("https://old.reddit.com/r/floods/comments/1c9k2mf/barrier_holds/",
               "https://www.reddit.com/r/floods/comments/1c9k2mf/"),
    "telegram": ("https://t.me/harbournews/12", "https://t.me/harbournews/12"),
    "youtube": ("https://youtube.com/watch?v=abcdefghijk",
                "https://www.youtube.com/watch?v=abcdefghijk"),
    "tiktok": ("https://www.tiktok.com/@riverwatch/video/7345678901234567890",
               "https://www.tiktok.com/@riverwatch/video/7345678901234567890"),
    "instagram": ("https://www.instagram.com/reel/C4aBcDeFgHi/",
                  "https://www.instagram.com/p/C4aBcDeFgHi/"),
    "facebook": ("https://m.facebook.com/permalink.php?id=789&story_fbid=123456",
                 "https://www.facebook.com/permalink.php?story_fbid=123456&id=789"),
    "threads": ("https://www.threads.net/@riverwatch/post/C4aBcDeFgHi",
                "https://www.threads.com/@riverwatch/post/C4aBcDeFgHi"),
    "mastodon": ("https://Social.Example/@alice/113000000000000001",
                 "https://social.example/@alice/113000000000000001"),
    "web": ("https://Forum.Example.org/viewtopic.php?t=12345&s=7",
            "https://forum.example.org/viewtopic.php?s=7&t=12345"),
}  # fmt: skip
TRACKING = ["utm_source", "utm_medium", "fbclid", "gclid", "mc_eid"]


def with_params(url: str, names: list[str]) -> str:
    joined = "&".join(f"{name}=x{n}" for n, name in enumerate(names))
    return url + ("&" if "?" in url else "?") + joined


def test_every_platform_has_a_canonical_case() -> None:
    assert set(CANONICAL) == {platform.name for platform in REGISTRY.platforms}


@pytest.mark.parametrize("name", sorted(CANONICAL))
def test_each_platform_lists_exactly_the_parameters_it_keeps_and_drops(name: str) -> None:
    platform = REGISTRY.get(name)
    assert platform.post_params == POST_PARAMS.get(name, set())
    assert platform.dropped_params == DROPPED.get(name, set())


@pytest.mark.parametrize("name", sorted(CANONICAL))
def test_a_post_url_keeps_only_what_names_the_post(name: str) -> None:
    url, canonical = CANONICAL[name]
    found = REGISTRY.match(url)
    assert found is not None and found.platform.name == name
    assert found.ref.url == canonical
    kept = {pair.split("=")[0] for pair in urlsplit(canonical).query.split("&") if pair}
    assert kept <= (POST_PARAMS.get(name, set()) | ({"s", "t"} if name == "web" else set()))
    noisy = with_params(url, sorted(DROPPED.get(name, set())) + TRACKING) + "#comments"
    noisy = noisy.replace("://", "://reader:s3cret@", 1)
    again = REGISTRY.match(noisy)
    assert again is not None
    assert (again.platform.name, again.ref) == (name, found.ref)


@pytest.mark.parametrize("name", sorted(CANONICAL))
def test_a_link_to_a_platform_drops_exactly_its_list(name: str) -> None:
    """Any link on the platform's hosts (a profile, a search) loses the platform's own
    parameters and the well-known tracking ones, and keeps everything else."""
    platform = REGISTRY.get(name)
    base = urlsplit(CANONICAL[name][1])
    page = f"{base.scheme}://{base.netloc}/some/page"
    dropped = sorted(DROPPED.get(name, set()))
    cleaned = platform.clean_link(with_params(page, ["q", *dropped, *TRACKING, "page"]))
    assert cleaned == f"{page}?page=x{len(dropped) + len(TRACKING) + 1}&q=x0"


#: (post URL, author DID or None, what a screenshot renders): each platform's embed page
#: where it has one (the [endpoints] defaults), else the post's own page.
SCREENSHOT_URLS = [
    ("https://x.com/riverwatch/status/1000000000000000001", None,
     "https://platform.twitter.com/embed/Tweet.html?id=1000000000000000001"),
    ("https://mastodon.example/@riverwatch/110000000000000001", None,
     "https://mastodon.example/@riverwatch/110000000000000001/embed"),
    ("https://bsky.app/profile/did:plc:fakeriverwatch/post/3kfakerkey111", None,
     "https://embed.bsky.app/embed/did:plc:fakeriverwatch/app.bsky.feed.post/3kfakerkey111"),
    ("https://bsky.app/profile/river.bsky.social/post/3kfakerkey111", "did:plc:fakeriverwatch",
     "https://embed.bsky.app/embed/did:plc:fakeriverwatch/app.bsky.feed.post/3kfakerkey111"),
    # Known by handle alone, the embed page cannot be named: the post's page is rendered.
    ("https://bsky.app/profile/river.bsky.social/post/3kfakerkey111", None,
     "https://bsky.app/profile/river.bsky.social/post/3kfakerkey111"),
    ("https://www.reddit.com/r/floods/comments/1c9k2mf/barrier/", None,
     "https://embed.reddit.com/r/floods/comments/1c9k2mf/"),
    ("https://t.me/RiverWatch/123", None, "https://t.me/RiverWatch/123?embed=1"),
    ("https://www.youtube.com/watch?v=abcdefghijk", None,
     "https://www.youtube.com/watch?v=abcdefghijk"),
    ("https://news.example/2026/01/flood.html", None, "https://news.example/2026/01/flood.html"),
]


@pytest.mark.parametrize(("url", "did", "expected"), SCREENSHOT_URLS)
def test_screenshots_render_the_platforms_embed_page(
    url: str, did: str | None, expected: str
) -> None:
    route = REGISTRY.match(url)
    assert route is not None
    post = Post(
        platform=route.platform.name,
        post_id=route.ref.post_id,
        url=route.ref.url,
        author=Author(id=did),
        capture=Capture(method="api", source=url, captured_at="2026-01-07T10:00:00Z",
                        raw_sha256="0" * 64),
    )
    assert REGISTRY.screenshot_url(post, load_settings().endpoints) == expected


def test_embed_pages_follow_the_endpoints() -> None:
    endpoints = load_settings().endpoints.model_copy(
        update={"twitter_embed": "http://127.0.0.1:8001/"}
    )
    post = make_post("1000000000000000007")
    assert REGISTRY.screenshot_url(post, endpoints) == (
        "http://127.0.0.1:8001/embed/Tweet.html?id=1000000000000000007"
    )
