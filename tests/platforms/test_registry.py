"""Routing: each URL to the platform that owns it, and non-posts on social hosts to none."""

from __future__ import annotations

import pytest

from archiver.platforms import registry


@pytest.mark.parametrize(
    ("url", "platform", "key"),
    [
        (
            "https://twitter.com/a/status/1000000000000000001?s=20",
            "twitter",
            "twitter:1000000000000000001",
        ),
        ("https://t.me/harbournews/12", "telegram", "telegram:harbournews/12"),
        ("https://www.youtube.com/watch?v=abcdefghijk&si=x", "youtube", "youtube:abcdefghijk"),
        (
            "https://social.example/@ana/113000000000000001",
            "mastodon",
            "mastodon:social.example/113000000000000001",
        ),
        ("https://example.org/blog/post?utm_source=x", "web", "web:https://example.org/blog/post"),
    ],
)
def test_posts_route_to_their_platform(url: str, platform: str, key: str) -> None:
    found = registry.match(url)
    assert found is not None
    assert (found[0].name, found[1].key) == (platform, key)


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
    assert registry.match(url) is None
    assert registry.match_social(url) is None


def test_every_platform_is_routed_once() -> None:
    names = [platform.name for platform in registry.PLATFORMS]
    assert len(names) == len(set(names)) == 11
    assert names[-2:] == ["mastodon", "web"]  # path-shape and catch-all come last
