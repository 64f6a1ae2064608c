"""Routing: which platform owns a URL, an embed element or a flattened signature.

One :class:`Registry` answers for every caller (saved documents, the fetch driver, URL
lists, recheck, export and the command line), so a URL means the same post everywhere.
:data:`REGISTRY` holds every platform; tests and benchmarks build their own over a few.

Order matters: hosts that name their platform come first, Mastodon (recognised by path
shape on any host) after them, and the generic web page last. The host rules live in
:mod:`archiver.platforms.urls`: a URL on a platform's own hosts is that platform's post
or nothing, so a profile, a search or a private chat link is refused (with
:func:`not_a_post`) rather than archived as a generic page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

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
from archiver.platforms.base import EmbedRule, Platform, PostRef
from archiver.platforms.urls import PLATFORM_HOSTS, host_of, owner_of_host, spelled_out

if TYPE_CHECKING:
    from archiver.config import Endpoints
    from archiver.record import Post

__all__ = ["REGISTRY", "Registry", "Route", "not_a_post"]


class Route(NamedTuple):
    """A URL recognised as a post: the platform that owns it and the post it names."""

    platform: Platform
    ref: PostRef


def not_a_post(url: str) -> str:
    """What to tell a user whose URL no platform recognises as a post."""
    return (
        f"no platform recognises {url} as a post (profiles, searches and private chat "
        "links are not posts): give the post's own link"
    )


class Registry:
    """Platforms in routing order, and every question about which one a URL belongs to."""

    def __init__(self, platforms: Iterable[Platform]) -> None:
        self.platforms: tuple[Platform, ...] = tuple(platforms)
        grouped: dict[str, list[EmbedRule]] = {}
        for platform in self.platforms:
            for rule in platform.embed_rules:
                grouped.setdefault(rule.tag, []).append(rule)
        self._rules = {tag: tuple(rules) for tag, rules in grouped.items()}

    def get(self, name: str) -> Platform:
        for platform in self.platforms:
            if platform.name == name:
                return platform
        raise KeyError(name)

    def match(self, url: str) -> Route | None:
        """The first platform that recognises ``url`` as a post, and the post.

        ``url`` is read as :func:`~archiver.platforms.urls.spelled_out` reads it (bare
        ``host/path`` as https, user info dropped). None for a URL that is no post: a
        malformed one, or a page on a platform's own hosts that its module does not
        recognise (archiving X's login wall as "the page" would pass a non-post off as
        evidence).
        """
        target = spelled_out(url)
        for platform in self.platforms:
            try:
                ref = platform.match(target)
            except ValueError:  # urlsplit refuses it ("http://[::1"): not a post anywhere
                return None
            if ref is None:
                continue
            if platform.name not in PLATFORM_HOSTS and _on_platform_host(target):
                return None  # Mastodon or a generic page on a platform's own host
            return Route(platform, ref)
        return None

    def match_social(self, url: str) -> Route | None:
        """Like :meth:`match`, but only platforms with posts of their own (no generic page)."""
        found = self.match(url)
        if found is None or found.platform.name == "web":
            return None
        return found

    def key_of(self, url: str) -> str | None:
        """The archive key of the post ``url`` names (a generic page's too), if any."""
        found = self.match(url)
        return found.ref.key if found is not None else None

    def is_short_link(self, url: str) -> bool:
        """Whether ``url`` only redirects to a post and must be resolved before matching."""
        target = spelled_out(url)
        try:
            return any(platform.is_short_link(target) for platform in self.platforms)
        except ValueError:
            return False

    def screenshot_url(self, post: Post, endpoints: Endpoints) -> str:
        """What a screenshot of ``post`` renders: its platform's embed page where there is
        one, else the post's own page."""
        try:
            platform = self.get(post.platform)
        except KeyError:
            return post.url
        return platform.embed_page(post, endpoints) or post.url

    def embed_rules(self) -> Mapping[str, tuple[EmbedRule, ...]]:
        """Every platform's embed rules, grouped by tag name for a single walk of the tree."""
        return self._rules

    def text_platforms(self) -> tuple[Platform, ...]:
        """Platforms whose embeds may leave something recognisable in flattened text."""
        return self.platforms


def _on_platform_host(url: str) -> bool:
    try:
        return owner_of_host(host_of(url)) is not None
    except ValueError:
        return False


#: Every platform, in routing order: the one registry the package uses.
REGISTRY = Registry(
    (
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
)
