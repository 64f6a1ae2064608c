"""Twitter / X: pasted and rendered embeds, flattened signatures, and the fetch steps.

X is the platform articles cite most and the one that hides most behind a login, so
everything here works without one: status ids are snowflakes that date a post even
when only its URL survives; pasted ``blockquote.twitter-tweet`` embeds (current and
2014-era, bare or in WordPress wrappers) carry the text; flattened articles keep an
em-dash signature (see :mod:`archiver.platforms.flattened`); live posts come from the
syndication endpoint that X's own embeds use, with oEmbed as the fallback that tells a
missing post from a protected one. Ids, URLs and the syndication JSON live in
:mod:`archiver.platforms.twitter_status`.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import quote, urlencode, urlsplit

from bs4 import BeautifulSoup, Tag

from archiver.config import Endpoints
from archiver.platforms import flattened
from archiver.platforms.base import (
    EmbedRule,
    FollowUp,
    Found,
    Gone,
    Outcome,
    ParseError,
    Platform,
    PostRef,
    Reason,
    Request,
    Response,
    gone_for_status,
)
from archiver.platforms.locales import parse_display_date
from archiver.platforms.quoted import read_quoted
from archiver.platforms.text import (
    clean_text,
    element_text,
    find_hashtags,
    find_mentions,
    tag_text,
)
from archiver.platforms.twitter_status import (
    match_status,
    profile_url,
    snowflake_time,
    sort_links,
    status_url,
    syndication_token,
    tombstone_gone,
    tweet_post,
    unavailable_gone,
)
from archiver.platforms.urls import clean_url, host_of, owner_of_host
from archiver.record import Author, Capture, Media, Post

_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_PIC = re.compile(r"^(?:https?://)?(pic\.(?:twitter|x)\.com/[A-Za-z0-9]+)$")
_TRAILING_PICS = re.compile(r"(?:\s*(?:https?://)?pic\.(?:twitter|x)\.com/[A-Za-z0-9]+)+\s*$")
_PIC_IN_TEXT = re.compile(r"(?:https?://)?(pic\.(?:twitter|x)\.com/[A-Za-z0-9]+)")
_SIGNATURE = re.compile(
    r"^[\s—–-]*(?P<name>.*?)\s*\(\s*@\s*(?P<handle>[A-Za-z0-9_]{1,15})\s*\)", re.DOTALL
)


# ---- saved-HTML embeds ---------------------------------------------------------------


def _author(name: str | None, handle: str | None) -> Author:
    return Author(name=name, handle=handle, url=profile_url(handle))


def _split_trailing_pics(text: str) -> tuple[str, list[Media]]:
    """Text without its trailing ``pic.twitter.com/…`` links, and those links as media."""
    text, urls = _split_trailing_pic_urls(text)
    return text, [Media(kind="unknown", url=url) for url in urls]


def _split_trailing_pic_urls(text: str) -> tuple[str, list[str]]:
    first = text.find("pic.")
    # A trailing run starts at most "https://" before the first "pic." of the text.
    tail = _TRAILING_PICS.search(text, max(0, first - 8)) if first >= 0 else None
    if tail is None:
        return text, []
    pics = _PIC_IN_TEXT.findall(tail.group(0))
    return text[: tail.start()].rstrip(), [f"https://{pic}" for pic in pics]


def _parse_blockquote(element: Tag, capture: Capture) -> Post | None:
    """``blockquote.twitter-tweet`` (or ``twitter-video``), current or 2014-era, with the
    signature loose or in a paragraph of its own and the text in any number of paragraphs
    (see :mod:`archiver.platforms.quoted`)."""
    quoted = read_quoted(element, match_status)
    if quoted is None:
        return None
    ref = quoted.ref
    signature = _SIGNATURE.match(quoted.signature)
    name = (clean_text(signature.group("name")) or None) if signature else None
    handle = signature.group("handle") if signature else ref.handle
    text, media, links, quotes = _paragraph_content(quoted.paragraphs, quoted.text_links)
    if quoted.loose_text and not text:
        text, media = _split_trailing_pics(clean_text(quoted.loose_text))
    first = quoted.paragraphs[0] if quoted.paragraphs else None
    lang = first.get("lang") if first is not None else None
    return Post(
        platform="twitter",
        post_id=ref.post_id,
        url=status_url(handle, ref.post_id),
        author=_author(name, handle),
        created_at=snowflake_time(ref.post_id) or parse_display_date(tag_text(quoted.date_anchor)),
        text=text,
        text_truncated=flattened.visibly_cut(text),
        lang=str(lang) if lang else None,
        media=media,
        links=links,
        hashtags=find_hashtags(text),
        mentions=find_mentions(text),
        quotes=quotes,
        capture=capture,
    )


def _paragraph_content(
    paragraphs: list[Tag], anchors: list[Tag]
) -> tuple[str, list[Media], list[str], list[str]]:
    """Text, media, links and quoted posts of an embed's text paragraphs (``anchors``:
    their ``a[href]`` elements). Paragraphs are separated by a blank line.

    Links show their visible label (X prints the expanded URL, shortened with ``…``
    when long); a label that is a whole URL is recorded in ``links``, a ``t.co`` href
    never is. Hashtag and mention links are plain text here.
    """
    media: list[Media] = []
    urls: list[str] = []
    for anchor in anchors:
        label = tag_text(anchor).strip()
        if label.startswith(("#", "@", "$")):
            continue
        pic = _PIC.match(label)
        if pic:
            media.append(Media(kind="unknown", url=f"https://{pic.group(1)}"))
            continue
        href = str(anchor["href"])
        url = flattened.url_from_label(label) if host_of(href) == "t.co" else _clean_link(href)
        if url and url not in urls:
            urls.append(url)
    if len(paragraphs) == 1:  # most posts: one paragraph, its text as it is
        shown = element_text(paragraphs[0])
    else:
        shown = "\n\n".join(filter(None, map(element_text, paragraphs)))
    text, trailing = _split_trailing_pic_urls(shown)
    if trailing:
        known = {item.url for item in media}
        media += [Media(kind="unknown", url=url) for url in trailing if url not in known]
    links, quotes = sort_links(urls) if urls else ([], [])
    return text, media, links, quotes


def _clean_link(href: str) -> str:
    """A link's canonical form: X's own share parameters dropped on X's hosts, only the
    well-known tracking ones elsewhere (a forum's ``?t=`` is the thread)."""
    if owner_of_host(host_of(href)) == "twitter":
        cleaned = PLATFORM.clean_link(href)
    else:
        cleaned = clean_url(href)
    return cleaned or href.strip()


def _minimal_post(ref: PostRef, capture: Capture) -> Post:
    """What a placeholder embed carries: the status id (and so its date) and maybe a handle."""
    return Post(
        platform="twitter",
        post_id=ref.post_id,
        url=ref.url,
        author=_author(None, ref.handle),
        created_at=snowflake_time(ref.post_id),
        capture=capture,
    )


def _parse_widget_iframe(element: Tag, capture: Capture) -> Post | None:
    """The iframe X's widgets.js leaves in place of the blockquote in a saved page."""
    ref = match_status(str(element.get("src", "")))
    return _minimal_post(ref, capture) if ref else None


def _parse_rendered_iframe(element: Tag, capture: Capture) -> Post | None:
    """The same iframe in a page saved "complete": its ``src`` points at a local copy, and
    only ``data-tweet-id`` names the post (a ``src`` that names it is the rule above's)."""
    if match_status(str(element.get("src", ""))) is not None:
        return None
    ref = _ref_of_id(str(element.get("data-tweet-id", "")), element)
    return _minimal_post(ref, capture) if ref else None


def _parse_id_holder(element: Tag, capture: Capture) -> Post | None:
    """An element that names a post in ``data-tweetid``/``data-tweet-id`` and nothing more:
    ``amp-twitter`` (the id, or a whole status URL as some CMSs write it) and the lazy
    wrappers (``div.js-tweet``) a script turns into an embed when the reader scrolls."""
    value = element.get("data-tweetid") or element.get("data-tweet-id")
    ref = _ref_of_id(str(value or ""), element)
    return _minimal_post(ref, capture) if ref else None


def _ref_of_id(value: str, element: Tag) -> PostRef | None:
    """The post a ``data-tweet-id`` value names (digits or a status URL), with the
    handle of a status link to the same post inside ``element``, if any."""
    value = value.strip()
    if not value.isdigit():
        return match_status(value) if value else None
    for anchor in element.find_all("a", href=True):
        linked = match_status(str(anchor["href"]))
        if linked is not None and linked.post_id == value:
            return linked
    return PostRef("twitter", value, status_url(None, value))


# ---- live fetch -----------------------------------------------------------------------


def _oembed_request(ref: PostRef, endpoints: Endpoints) -> Request:
    target = f"https://twitter.com/{ref.handle or 'i'}/status/{ref.post_id}"
    url = f"{endpoints.base('twitter_oembed')}/oembed?url={quote(target, safe='')}&omit_script=1"
    return Request(url, purpose="oembed", method="oembed")


def _read_oembed(ref: PostRef, response: Response) -> Outcome:
    if response.status == 404:
        return Gone(Reason.NOT_FOUND, "X: syndication and oEmbed do not know this post", 404)
    if response.status == 403:
        return Gone(Reason.PRIVATE, "X: oEmbed is not authorized to show this post", 403)
    if response.status != 200:
        gone = gone_for_status(response.status, f"X oEmbed answered {response.status}")
        if gone is None:
            raise ParseError(f"X oEmbed answered {response.status} for {ref.post_id}")
        return gone
    data = response.json()
    markup = data.get("html") if isinstance(data, dict) else None
    if not isinstance(markup, str):
        raise ParseError(f"X oEmbed answer for {ref.post_id} has no html")
    blockquote = BeautifulSoup(markup, "lxml").find("blockquote")
    post = _parse_blockquote(blockquote, response.capture()) if blockquote else None
    if post is None:
        raise ParseError(f"X oEmbed html for {ref.post_id} holds no post embed")
    author_path = urlsplit(str(data.get("author_url") or "")).path.strip("/")
    handle = post.author.handle or (author_path if _HANDLE.match(author_path) else None)
    name = post.author.name or data.get("author_name") or None
    return Found(
        post.with_changes(author=_author(name, handle), url=status_url(handle, post.post_id))
    )


class TwitterPlatform(Platform):
    name: ClassVar = "twitter"
    short_link_hosts: ClassVar = frozenset({"t.co", "pic.twitter.com", "pic.x.com"})
    #: ``platform.twitter.com/embed/Tweet.html?id=<id>``, the widget's frame.
    post_params: ClassVar = frozenset({"id"})
    #: Share sheet (``?s=20&t=…``), embed code (``?ref_src=twsrc%5Etfw``, ``ref_url``),
    #: hashtag and notification links (``src``, ``cn``).
    dropped_params: ClassVar = frozenset({"s", "t", "ref_src", "ref_url", "src", "cn"})
    embed_rules: ClassVar = (
        EmbedRule(
            tag="blockquote",
            classes=frozenset({"twitter-tweet", "twitter-video"}),
            parse=_parse_blockquote,
        ),
        EmbedRule(
            tag="iframe",
            attr="src",
            pattern=re.compile(r"platform\.twitter\.com/embed/Tweet\.html"),
            parse=_parse_widget_iframe,
        ),
        EmbedRule(tag="iframe", attr="data-tweet-id", parse=_parse_rendered_iframe),
        EmbedRule(tag="amp-twitter", attr="data-tweetid", parse=_parse_id_holder),
        EmbedRule(tag="div", attr="data-tweetid", parse=_parse_id_holder),
        EmbedRule(tag="div", attr="data-tweet-id", parse=_parse_id_holder),
    )

    def match(self, url: str) -> PostRef | None:
        return match_status(url)

    def minimal_post(self, ref: PostRef, capture: Capture) -> Post:
        """What a status link alone says: the id, so the time, and maybe the handle."""
        return _minimal_post(ref, capture)

    def text_embeds(self, text: str, capture: Capture) -> list[Post]:
        posts = []
        for signature, excerpt in flattened.signed_posts(text):
            if not _HANDLE.match(signature.handle):
                continue  # dotted handles are Bluesky's
            body, media = _split_trailing_pics(excerpt.text)
            created_at = parse_display_date(signature.date_text)
            links, quotes = sort_links(flattened.find_urls(body))
            posts.append(
                Post(
                    platform="twitter",
                    post_id=flattened.text_post_id(signature.handle, created_at, body),
                    url=f"https://x.com/{signature.handle}",
                    author=_author(signature.name or None, signature.handle),
                    created_at=created_at,
                    text=body,
                    text_truncated=excerpt.cut or flattened.visibly_cut(body),
                    media=media,
                    links=links,
                    hashtags=find_hashtags(body),
                    mentions=find_mentions(body),
                    quotes=quotes,
                    capture=capture,
                )
            )
        return posts

    def embed_page(self, post: Post, endpoints: Endpoints) -> str | None:
        """X's embed page for a status id (``platform.twitter.com/embed/Tweet.html?id=``);
        none for a post known only from flattened text, whose id is archiver's own."""
        if not post.post_id.isdigit():
            return None
        return f"{endpoints.base('twitter_embed')}/embed/Tweet.html?id={post.post_id}"

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        query = urlencode(
            {"id": ref.post_id, "token": syndication_token(ref.post_id), "lang": "en"}
        )
        url = f"{endpoints.base('twitter_syndication')}/tweet-result?{query}"
        # oEmbed answers when syndication says nothing, and when it keeps failing.
        fallback = _oembed_request(ref, endpoints)
        return Request(url, purpose="syndication", method="api", fallback=fallback)

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        if response.request.purpose == "oembed":
            return _read_oembed(ref, response)
        if response.status != 200:
            return FollowUp(_oembed_request(ref, endpoints))
        data = response.json()
        if not isinstance(data, dict):
            raise ParseError(f"syndication answer for {ref.post_id} is not a JSON object")
        typename = data.get("__typename")
        if typename == "TweetTombstone":
            return tombstone_gone(data)
        if typename == "TweetUnavailable":
            return unavailable_gone(data)
        if not data or "error" in data:
            return FollowUp(_oembed_request(ref, endpoints))
        if not data.get("id_str"):
            raise ParseError(f"syndication answer for {ref.post_id} has no id_str")
        return Found(tweet_post(data, response.capture()))


PLATFORM = TwitterPlatform()
