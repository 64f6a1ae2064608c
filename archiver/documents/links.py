"""The posts an article links to in its body, as opposed to its navigation and chrome.

Articles cite posts by linking to them in their prose as often as by embedding them. A
page also links to posts it does not cite: the site's own accounts in the header and
footer, "share" and "follow" buttons, author bios, comment sections, sidebars and rails
of related stories. This module reads one parsed page and keeps the links a reader sees
in the article's text.

A link counts when the platform registry's router (:meth:`Registry.match_social`, the
one rule for "is this a post") recognises its target as a post, and no element between
it and the article's body container is chrome: a ``nav``, ``header``, ``footer``,
``aside``, ``form`` or ``button``, an ARIA landmark of the same kind, or an element whose
class or id names one (``share-buttons``, ``author-bio``, ``comments``, ``related``…).
The walk up stops at the first element that is the article's body (``itemprop=
"articleBody"``, ``entry-content``, ``article-body``…): what encloses the body (a
``<body class="has-sidebar">``, a WordPress ``<article class="category-social">``) says
nothing about the links in it. Links inside an embed are the embed's own (its
permalink, a quoted post, hashtags): the embed rules read those.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from bs4 import BeautifulSoup, Tag

from archiver.platforms.registry import REGISTRY, Registry

__all__ = ["body_post_links", "page_post_links"]

#: Elements that are never an article's text.
_CHROME_TAGS = frozenset(
    {"nav", "header", "footer", "aside", "form", "button", "menu", "dialog", "select"}
)
#: ARIA roles of the same kinds.
_CHROME_ROLES = frozenset(
    {
        "navigation",
        "banner",
        "contentinfo",
        "complementary",
        "search",
        "menu",
        "menubar",
        "dialog",
        "toolbar",
    }
)
#: Words in a class or id that name chrome, as the first or last word of the name
#: (``share-buttons``, ``author-bio``, ``site-footer``; not ``js-truncate-related-to-size``,
#: a script's hook on the body), so ``category-social`` is skipped below.
_CHROME_WORDS = frozenset(
    {
        "nav",
        "navbar",
        "navigation",
        "menu",
        "breadcrumb",
        "breadcrumbs",
        "header",
        "masthead",
        "footer",
        "sidebar",
        "aside",
        "widget",
        "widgets",
        "share",
        "sharing",
        "shares",
        "sharebar",
        "social",
        "socials",
        "follow",
        "comment",
        "comments",
        "disqus",
        "related",
        "recommended",
        "recommendations",
        "outbrain",
        "taboola",
        "teaser",
        "teasers",
        "promo",
        "newsletter",
        "subscribe",
        "author",
        "bio",
        "byline",
        "signature",
        "cookie",
        "consent",
        "banner",
        "toolbar",
        "tags",
        "meta",
    }
)
#: Word prefixes that name share widgets and rails (``sharedaddy``, ``addthis``,
#: ``relatedposts``).
_CHROME_PREFIXES = ("share", "addthis", "addtoany", "a2a", "related")
#: Class names that tag an article with its topics (WordPress ``category-social``,
#: ``tag-twitter``): words about the content, not about a part of the page.
_TOPIC_PREFIXES = ("category-", "tag-", "topic-")
#: What marks the container of an article's text.
_BODY_WORDS = frozenset(
    {
        "articlebody",
        "article-body",
        "article-content",
        "article-text",
        "articletext",
        "entry-content",
        "post-content",
        "post-body",
        "postbody",
        "story-body",
        "story-content",
        "content-body",
        "body-text",
        "text-body",
        "rich-text",
        "field-body",
    }
)
_WORD = re.compile(r"[a-z0-9]+")
_SEPARATORS = re.compile(r"[-_]+")
#: Prefixes of class names that are script hooks, not names of a part of the page.
_HOOKS = frozenset({"js", "is", "has"})


def body_post_links(page: Tag, router: Registry = REGISTRY) -> list[str]:
    """The post URLs ``page`` (a whole parsed page) links to in its body, in page order,
    each post once (the first link to it): the router decides what a post is, so a
    profile, a hashtag search or a share intent is never one."""
    outside = _Outside(router)
    found: dict[str, str] = {}
    for link in page.find_all("a", href=True):
        url = _absolute(str(link["href"]))
        if url is None:
            continue
        route = router.match_social(url)
        if route is None or route.ref.key in found:
            continue
        if outside(link):
            continue
        found[route.ref.key] = url
    return list(found.values())


def page_post_links(text: str, router: Registry = REGISTRY) -> list[str]:
    """:func:`body_post_links` of a page's markup, parsed whole (the embed walk of
    :mod:`archiver.documents.extract` builds only embed candidates; body links need the
    page's structure around them)."""
    return body_post_links(BeautifulSoup(text, "lxml"), router)


def _absolute(href: str) -> str | None:
    href = href.strip()
    if href.startswith("//"):
        href = "https:" + href
    return href if href.lower().startswith(("http://", "https://")) else None


class _Outside:
    """Whether a link sits outside the article's text: in chrome, or in an embed some
    platform's rule reads (by class or attribute: a rule on a bare tag name, such as
    every ``iframe``, holds no links to skip)."""

    def __init__(self, router: Registry) -> None:
        self._rules = {
            tag: tuple(rule for rule in rules if rule.classes or rule.attr)
            for tag, rules in router.embed_rules().items()
        }
        self._headline: dict[int, bool] = {}

    def __call__(self, link: Tag) -> bool:
        for element in _ancestors(link):
            names = _names(element)
            if names & _BODY_WORDS or element.get("itemprop") == "articleBody":
                return False
            if self._embed(element) or _is_chrome(element, names, self._holds_headline):
                return True
        return False

    def _embed(self, element: Tag) -> bool:
        return any(rule.matches(element) for rule in self._rules.get(element.name, ()))

    def _holds_headline(self, element: Tag) -> bool:
        """Whether ``element`` holds the article's headline: then it wraps the article
        (``<div class="with-sidebar">``), whatever its name says."""
        known = self._headline.get(id(element))
        if known is None:
            known = self._headline[id(element)] = element.find("h1") is not None
        return known


def _ancestors(link: Tag) -> Iterator[Tag]:
    yield link
    for parent in link.parents:
        if parent.name in ("body", "html", "[document]"):
            return
        yield parent


def _names(element: Tag) -> set[str]:
    """The element's class names and id, lower-cased, BEM's ``__`` and ``_`` read as
    ``-`` (``article__content`` is ``article-content``)."""
    raw = [*element.get_attribute_list("class"), element.get("id")]
    return {_SEPARATORS.sub("-", name.lower()) for name in raw if isinstance(name, str) and name}


def _is_chrome(element: Tag, names: set[str], wraps_article: Callable[[Tag], bool]) -> bool:
    """Whether ``element`` is chrome: by its tag or role, or by its name unless it
    ``wraps_article`` (a layout wrapper named for the sidebar beside the text)."""
    if element.name in _CHROME_TAGS:
        return True
    role = element.get("role")
    if isinstance(role, str) and role.lower() in _CHROME_ROLES:
        return True
    for name in names:
        if name.startswith(_TOPIC_PREFIXES):
            continue
        words = [word for word in _WORD.findall(name) if word not in _HOOKS]
        ends = {words[0], words[-1]} if words else set()
        if any(word in _CHROME_WORDS or word.startswith(_CHROME_PREFIXES) for word in ends):
            return not wraps_article(element)
    return False
