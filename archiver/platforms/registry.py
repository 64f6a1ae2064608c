"""Routing: which platform owns a URL, an embed element or a flattened signature.

Order matters: hosts that name their platform come first, Mastodon (recognised by
path shape on any host) after them, and the generic web page last.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from archiver.platforms import (
    bluesky,
    facebook,
    instagram,
    mastodon,
    reddit,
    telegram,
    threads,
    tiktok,
    twitter,
    web,
    youtube,
)
from archiver.platforms.base import EmbedRule, Platform, PostRef, host_of, is_social_host

PLATFORMS: tuple[Platform, ...] = (
    twitter.PLATFORM,
    bluesky.PLATFORM,
    reddit.PLATFORM,
    telegram.PLATFORM,
    youtube.PLATFORM,
    tiktok.PLATFORM,
    instagram.PLATFORM,
    facebook.PLATFORM,
    threads.PLATFORM,
    mastodon.PLATFORM,
    web.PLATFORM,
)


def get(name: str) -> Platform:
    for platform in PLATFORMS:
        if platform.name == name:
            return platform
    raise KeyError(name)


def match(url: str) -> tuple[Platform, PostRef] | None:
    """The first platform that recognises ``url`` as a post.

    The web adapter takes any other page, except pages on a social platform's own hosts
    that its module did not recognise (a profile, a private chat link): archiving X's login
    wall as "the page" would pass a non-post off as evidence.
    """
    for platform in PLATFORMS:
        ref = platform.match(url)
        if ref is not None:
            if platform.name == "web" and is_social_host(host_of(url)):
                return None
            return platform, ref
    return None


def match_social(url: str) -> tuple[Platform, PostRef] | None:
    """Like :func:`match`, but only platforms with posts of their own (no generic page)."""
    found = match(url)
    if found is None or found[0].name == "web":
        return None
    return found


def is_short_link(url: str) -> bool:
    return any(platform.is_short_link(url) for platform in PLATFORMS)


@cache
def embed_rules() -> dict[str, tuple[EmbedRule, ...]]:
    """Every platform's embed rules, grouped by tag name for a single walk of the tree."""
    grouped: dict[str, list[EmbedRule]] = {}
    for platform in PLATFORMS:
        for rule in platform.embed_rules:
            grouped.setdefault(rule.tag, []).append(rule)
    return {tag: tuple(rules) for tag, rules in grouped.items()}


def text_platforms() -> Iterator[Platform]:
    """Platforms whose embeds leave something recognisable in flattened text."""
    return iter(PLATFORMS)
