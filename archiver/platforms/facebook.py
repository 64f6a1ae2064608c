"""Facebook: post/video URLs, the pasted ``fb-post``/``fb-video`` embeds, and Meta oEmbed.

Facebook serves logged-out visitors a login wall, so the only public source is the
embed markup: pasted into articles, or returned as ``html`` by the tokenless oEmbed
endpoints. Its ``blockquote.fb-xfbml-parse-ignore`` holds the (often truncated) text and
a localized byline, "Posted by <a>Page</a> on <a>date</a>", whose links are read instead
of its words so that any language yields the author.

Flattened plain text keeps "Post text…\\nPosted by Fake Page on Thursday, September 7,
2023": no post id, so :meth:`FacebookPlatform.text_embeds` finds no posts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit
from urllib.parse import quote as percent_encoded

from bs4 import NavigableString, Tag

from archiver.config import Endpoints
from archiver.platforms import meta_oembed
from archiver.platforms.base import EmbedRule, Outcome, Platform, PostRef, Request, Response
from archiver.platforms.locales import credit_line, parse_display_date
from archiver.platforms.text import element_text, find_hashtags
from archiver.record import Author, Capture, Media, Post

_SITE = "https://www.facebook.com"
_HOST = re.compile(r"(?:^|\.)(?:facebook\.com|fb\.com)$")
_ID = r"(?:pfbid[A-Za-z0-9]+|\d+)"
_SEGMENT = r"[^/]+"
_PAGE_POST = re.compile(rf"^/(?P<page>{_SEGMENT})/posts/(?:{_SEGMENT}/)?(?P<id>{_ID})$")
_GROUP_POST = re.compile(rf"^/groups/(?P<group>{_SEGMENT})/(?:posts|permalink)/(?P<id>{_ID})$")
_PAGE_VIDEO = re.compile(rf"^/(?P<page>{_SEGMENT})/videos/(?:{_SEGMENT}/)*(?P<id>\d+)$")
_PAGE_PHOTO = re.compile(rf"^/(?P<page>{_SEGMENT})/photos/(?:{_SEGMENT}/)*(?P<id>\d+)$")
_REEL = re.compile(r"^/reel/(?P<id>\d+)$")
_PLUGIN = re.compile(r"^(?:/v\d+\.\d+)?/plugins/(?:post|video)\.php$")
_SHARE = re.compile(r"^/share/(?:[pvr]/)?[A-Za-z0-9_-]+/?$")
_PEOPLE = re.compile(r"^/people/[^/]+/(?P<id>\d+)$")
_RESERVED = frozenset({"groups", "watch", "share", "plugins", "hashtag", "events", "pages"})
_VIDEO_PATHS = ("/videos/", "/watch/", "/reel/")
_TRUNCATION = ("...", "…")
_EMBED_CLASSES = frozenset({"fb-post", "fb-video"})
_PLUGIN_IFRAME = re.compile(r"facebook\.com/(?:v\d+\.\d+/)?plugins/(?:post|video)\.php")


def _is_facebook(url: str) -> bool:
    return bool(_HOST.search((urlsplit(url.strip()).hostname or "").lower()))


def _match(url: str) -> PostRef | None:
    if not _is_facebook(url):
        return None
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    query = dict(parse_qsl(parts.query))
    if _PLUGIN.match(path):
        return _match(query["href"]) if query.get("href") else None
    if path in ("/permalink.php", "/story.php") and "story_fbid" in query:
        story, page = query["story_fbid"], query.get("id")
        if page:
            return _ref(story, f"{_SITE}/permalink.php?story_fbid={story}&id={page}")
        return _ref(story, f"{_SITE}/story.php?story_fbid={story}")
    if path in ("/photo.php", "/photo") and query.get("fbid", "").isdigit():
        return _ref(query["fbid"], f"{_SITE}/photo.php?fbid={query['fbid']}")
    if path in ("/watch", "/watch/live", "/video.php") and query.get("v", "").isdigit():
        return _ref(query["v"], f"{_SITE}/watch/?v={query['v']}")
    if found := _GROUP_POST.match(path):
        return _ref(found["id"], f"{_SITE}/groups/{found['group']}/posts/{found['id']}")
    if found := _REEL.match(path):
        return _ref(found["id"], f"{_SITE}/reel/{found['id']}")
    if (found := _PAGE_POST.match(path)) and found["page"] not in _RESERVED:
        page = found["page"]
        return _ref(found["id"], f"{_SITE}/{page}/posts/{found['id']}", page)
    if (found := _PAGE_VIDEO.match(path)) and found["page"] not in _RESERVED:
        page = found["page"]
        return _ref(found["id"], f"{_SITE}/{page}/videos/{found['id']}", page)
    if (found := _PAGE_PHOTO.match(path)) and found["page"] not in _RESERVED:
        return _ref(found["id"], f"{_SITE}/photo.php?fbid={found['id']}", found["page"])
    return None


def _ref(post_id: str, url: str, page: str | None = None) -> PostRef:
    return PostRef("facebook", post_id, url, handle=page)


def is_video(url: str) -> bool:
    return any(part in url for part in _VIDEO_PATHS)


def _profile(href: str) -> Author | None:
    """The page or person a byline/mention link points at, if it is one."""
    if not _is_facebook(href) or _match(href) is not None:
        return None
    parts = urlsplit(href.strip())
    path = parts.path.rstrip("/")
    query = dict(parse_qsl(parts.query))
    if path == "/profile.php" and query.get("id", "").isdigit():
        return Author(id=query["id"], url=f"{_SITE}/profile.php?id={query['id']}")
    if found := _PEOPLE.match(path):
        return Author(id=found["id"], url=f"{_SITE}{path}")
    segments = path.strip("/").split("/")
    page = segments[0]
    if len(segments) != 1 or not page or page in _RESERVED or page.endswith(".php"):
        return None
    return _page_author(page)


def _page_author(page: str) -> Author:
    if page.isdigit():
        return Author(id=page, url=f"{_SITE}/{page}")
    return Author(handle=page, url=f"{_SITE}/{page}")


def _author_of_ref(ref: PostRef) -> Author:
    if ref.handle:
        return _page_author(ref.handle)
    page_id = dict(parse_qsl(urlsplit(ref.url).query)).get("id")
    return _page_author(page_id) if page_id else Author()


def _children(quote: Tag) -> tuple[str | None, list[Tag], list[Tag | NavigableString]]:
    """Split an embed blockquote into (video title, text paragraphs, byline nodes).

    The byline follows the last paragraph as Facebook writes it; CMSs that sanitise the
    embed wrap it in a ``<p>`` of its own, which is then the byline, not text.
    """
    title: str | None = None
    paragraphs: list[Tag] = []
    byline: list[Tag | NavigableString] = []
    for child in quote.children:
        if isinstance(child, Tag) and child.name == "p":
            paragraphs.append(child)
            byline = []
        elif (
            isinstance(child, Tag)
            and child.name == "a"
            and not paragraphs
            and not "".join(str(node) for node in byline).strip()
            and _match(str(child.get("href") or "")) is not None
        ):
            # fb-video: a leading link to the video itself, holding its title.
            title, byline = element_text(child) or None, []
        elif isinstance(child, Tag | NavigableString):
            byline.append(child)
    loose = "".join(_node_text(node) for node in byline).strip()
    if paragraphs and not loose and _is_byline(paragraphs[-1]):
        shown = paragraphs.pop().children
        byline = [node for node in shown if isinstance(node, Tag | NavigableString)]
    return title, paragraphs, byline


def _node_text(node: Tag | NavigableString) -> str:
    return element_text(node) if isinstance(node, Tag) else str(node)


def _is_byline(paragraph: Tag) -> bool:
    """A paragraph that credits the post (in any language, :mod:`locales`), or that links
    both to a profile and to a post, with little else: the byline, not the post's text."""
    if credit_line(element_text(paragraph)) is not None:
        return True
    links = paragraph.find_all("a", href=True)
    hrefs = [str(link["href"]) for link in links]
    credited = any(_profile(href) is not None for href in hrefs)
    dated = any(_match(href) is not None for href in hrefs)
    rest = element_text(paragraph)
    for link in links:
        rest = rest.replace(element_text(link), "", 1)
    return credited and dated and len(rest.strip()) <= 40


def _links_in(nodes: Iterable[Tag | NavigableString]) -> Iterator[Tag]:
    for node in nodes:
        if not isinstance(node, Tag):
            continue
        if node.name == "a" and node.has_attr("href"):
            yield node
        yield from node.find_all("a", href=True)


def _read_byline(nodes: list[Tag | NavigableString]) -> tuple[Author | None, str | None]:
    """Author (from the first profile link) and date (from the post link's label), read
    from the links in any language; the words of the credit line (:mod:`locales`) when
    the links are missing."""
    author: Author | None = None
    date: str | None = None
    for link in _links_in(nodes):
        href = str(link["href"])
        if author is None and (found := _profile(href)) is not None:
            author = found.model_copy(update={"name": element_text(link) or None})
        elif date is None and _match(href) is not None:
            date = parse_display_date(element_text(link))
    credit = credit_line(" ".join(map(_node_text, nodes)).replace("\u00a0", " "))
    if credit is not None:
        name, shown = credit
        date = date or (parse_display_date(shown) if shown else None)
        author = author or Author(name=name)
    return author, date


def _links_and_mentions(paragraphs: list[Tag]) -> tuple[list[str], list[str]]:
    links: dict[str, None] = {}
    mentions: dict[str, None] = {}
    for link in _links_in(paragraphs):
        href = str(link["href"]).strip()
        parts = urlsplit(href)
        if parts.hostname == "l.facebook.com" and parts.path == "/l.php":
            href = dict(parse_qsl(parts.query)).get("u", href)  # Facebook's outbound link shim
        if not _is_facebook(href):
            if href.startswith(("http://", "https://")):
                links.setdefault(href, None)
        elif (person := _profile(href)) is not None and (person.handle or person.id):
            mentions.setdefault(str(person.handle or person.id), None)
    return list(links), list(mentions)


def shown_media(ref: PostRef) -> list[Media]:
    """What an embed of a video shows: the video, whose file the markup never names; the
    item points at Facebook's video player for it (``plugins/video.php``)."""
    if not is_video(ref.url):
        return []
    player = f"{_SITE}/plugins/video.php?href={percent_encoded(ref.url, safe='')}"
    return [Media(kind="video", url=player)]


def _record(ref: PostRef, quote: Tag | None, capture: Capture) -> Post:
    """The record of an embed of ``ref``: what its URL says, and what its blockquote
    (text, byline), if it has one, adds."""
    author = _author_of_ref(ref)
    read: dict[str, Any] = {}
    if quote is not None:
        title, paragraphs, byline = _children(quote)
        text = "\n\n".join(filter(None, (element_text(paragraph) for paragraph in paragraphs)))
        by, date = _read_byline(byline)
        if by is not None:
            author = by if (by.handle or by.id) else author.model_copy(update={"name": by.name})
        links, mentions = _links_and_mentions(paragraphs)
        read = {
            "created_at": date,
            "title": title,
            "text": text,
            "text_truncated": text.endswith(_TRUNCATION),
            "links": links,
            "hashtags": find_hashtags(text),
            "mentions": mentions,
        }
    return Post(
        platform="facebook",
        post_id=ref.post_id,
        url=ref.url,
        author=author,
        media=shown_media(ref),
        capture=capture,
        **read,
    )


def _inside_matched_div(element: Tag) -> bool:
    """Whether an enclosing ``div.fb-post``/``div.fb-video`` will be read instead."""
    for parent in element.parents:
        if (
            parent.name == "div"
            and _EMBED_CLASSES.intersection(parent.get_attribute_list("class"))
            and _match(str(parent.get("data-href") or "")) is not None
        ):
            return True
    return False


def parse_embed_div(element: Tag, capture: Capture) -> Post | None:
    """``div.fb-post``/``div.fb-video[data-href]`` with its inner blockquote, if any."""
    ref = _match(str(element.get("data-href") or ""))
    if ref is None:
        return None
    # The pasted code's blockquote; a CMS may have dropped its class.
    quote = element.find("blockquote", class_="fb-xfbml-parse-ignore") or element.find("blockquote")
    return _record(ref, quote if isinstance(quote, Tag) else None, capture)


def parse_bare_blockquote(element: Tag, capture: Capture) -> Post | None:
    """A ``blockquote.fb-xfbml-parse-ignore`` pasted without its ``fb-post`` div."""
    if _inside_matched_div(element):
        return None
    # Prefer the page's own permalink (the date link) to a graph.facebook.com cite.
    cite = str(element.get("cite") or "")
    dated = [str(link["href"]) for link in _links_in(_children(element)[2])]
    hrefs = [*dated, cite] if urlsplit(cite).hostname == "graph.facebook.com" else [cite, *dated]
    ref = next((found for href in hrefs if (found := _match(href)) is not None), None)
    return _record(ref, element, capture) if ref is not None else None


def parse_plugin_iframe(element: Tag, capture: Capture) -> Post | None:
    """``iframe`` of ``plugins/post.php``/``video.php``: the record of its ``href`` only."""
    if _inside_matched_div(element):
        return None
    ref = _match(str(element.get("src") or ""))
    return _record(ref, None, capture) if ref is not None else None


def parse_amp(element: Tag, capture: Capture) -> Post | None:
    """``amp-facebook[data-href]``, as AMP pages embed a post or video: its ``href`` only."""
    ref = _match(str(element.get("data-href") or ""))
    return _record(ref, None, capture) if ref is not None else None


def _read_oembed_html(root: Tag, capture: Capture) -> Post | None:
    for div in root.find_all("div", attrs={"data-href": True}):
        if _EMBED_CLASSES.intersection(div.get_attribute_list("class")):
            return parse_embed_div(div, capture)
    quote = root.find("blockquote", class_="fb-xfbml-parse-ignore")
    return parse_bare_blockquote(quote, capture) if isinstance(quote, Tag) else None


class FacebookPlatform(Platform):
    name = "facebook"
    short_link_hosts: ClassVar[frozenset[str]] = frozenset({"fb.watch", "fb.me"})
    #: ``permalink.php?story_fbid=&id=``, ``photo.php?fbid=``, ``watch/?v=``, and the
    #: plugin frames' ``href``.
    post_params: ClassVar[frozenset[str]] = frozenset({"story_fbid", "id", "fbid", "v", "href"})
    #: Share sheet and click tracking (``mibextid``, ``rdid``, ``__cft__[0]``, ``eav``, …).
    dropped_params: ClassVar[frozenset[str]] = frozenset(
        {"mibextid", "rdid", "share_url", "sfnsn", "__tn__", "__cft__[0]", "__eep__", "_rdr",
         "ref", "notif_id", "notif_t", "paipv", "eav"}
    )  # fmt: skip
    embed_rules: ClassVar[tuple[EmbedRule, ...]] = (
        EmbedRule(tag="div", classes=_EMBED_CLASSES, attr="data-href", parse=parse_embed_div),
        EmbedRule(
            tag="blockquote",
            classes=frozenset({"fb-xfbml-parse-ignore"}),
            parse=parse_bare_blockquote,
        ),
        EmbedRule(tag="iframe", attr="src", pattern=_PLUGIN_IFRAME, parse=parse_plugin_iframe),
        EmbedRule(tag="amp-facebook", attr="data-href", parse=parse_amp),
    )

    def match(self, url: str) -> PostRef | None:
        return _match(url)

    def minimal_post(self, ref: PostRef, capture: Capture) -> Post:
        """What a post link alone says: its page (or person), and a video's player."""
        return _record(ref, None, capture)

    def is_short_link(self, url: str) -> bool:
        """fb.watch/fb.me links, and ``facebook.com/share/[p|v|r/]<code>`` share links."""
        if super().is_short_link(url):
            return True
        return _is_facebook(url) and bool(_SHARE.match(urlsplit(url.strip()).path))

    def text_embeds(self, text: str, capture: Capture) -> list[Post]:
        """None: a flattened Facebook embed keeps no post id (see the module docstring)."""
        return []

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        path = "oembed_video" if is_video(ref.url) else "oembed_post"
        return meta_oembed.oembed_request(endpoints.base("meta_oembed"), path, ref.url)

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        return meta_oembed.read_oembed(ref, response, _read_oembed_html)


PLATFORM = FacebookPlatform()
