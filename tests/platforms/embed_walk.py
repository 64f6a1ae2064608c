"""Every platform's embed tests walk fixtures the same way the document layer does."""

from __future__ import annotations

from bs4 import BeautifulSoup

from archiver.platforms.base import Platform
from archiver.record import Capture, Post


def embed_results(platform: Platform, html: bytes | str, capture: Capture) -> list[Post | None]:
    """What each of ``platform``'s embed rules parses, element by element, in document order."""
    soup = BeautifulSoup(html, "lxml")
    return [
        rule.parse(element, capture)
        for element in soup.find_all(True)
        for rule in platform.embed_rules
        if rule.tag == element.name and rule.matches(element)
    ]


def embed_posts(platform: Platform, html: bytes | str, capture: Capture) -> list[Post]:
    """The posts :func:`embed_results` finds, leaving out rules that parsed to ``None``."""
    return [post for post in embed_results(platform, html, capture) if post is not None]
