"""Telegram public channels: t.me links, the post widget, and its HTML as the only no-login source.

Why the widget: Telegram offers no public API without a bot token, but every public
channel post renders at ``t.me/<channel>/<id>?embed=1`` as stable HTML (the same page
the embed script injects as an iframe), which answers only browser-like clients.

Identity: ``post_id`` is ``<channel>/<msgid>`` with the channel lower-cased, because
Telegram usernames are case-insensitive and an article may write ``Channel/5`` where
the widget says ``channel/5``; the URL keeps the spelling as found.

Not ours: ``t.me/c/<internal>/<msgid>`` links point into private chats that only a
logged-in member can open, so ``match`` returns None rather than promise a record it
can never fetch. Invite links, sticker packs and profiles are not posts either.

Embeds carry no text: the ``data-telegram-post`` script (or the iframe it injected)
names channel and message only, and saved as plain text it leaves nothing behind.

Reading the widget: a forwarded post's origin ("Forwarded from <channel>") goes into
``quotes`` when it links to a public post — like a quote, its content is another
post's, and a citation must lead there; a forward from a hidden user or a bare channel
is left out. A reply's parent goes into ``in_reply_to``. "Post not found" covers both
deleted and never-existing messages, so it reads as NOT_FOUND.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from archiver.config import Endpoints
from archiver.platforms.base import (
    EmbedRule,
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
from archiver.platforms.text import clean_text, element_text, find_hashtags, find_mentions
from archiver.platforms.urls import host_of
from archiver.record import Author, Capture, Media, Post, parse_iso_utc

_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})
_CHANNEL = r"[A-Za-z][A-Za-z0-9_]{3,31}"
# /<channel>/<msgid>, /s/<channel>/<msgid>, forum topics /<group>/<topic>/<msgid>.
_POST_PATH = re.compile(rf"^/(?:s/)?(?P<channel>{_CHANNEL})/(?:\d+/)?(?P<msgid>\d+)/?$")
_RESERVED = frozenset(
    {"joinchat", "addstickers", "addemoji", "addlist", "addtheme", "share", "proxy", "socks",
     "iv", "login", "boost", "contact", "setlanguage", "invoice", "giftcode", "bg"}
)  # fmt: skip
_WIDGET_POST = re.compile(rf"^\s*({_CHANNEL})/(\d+)\s*$")
_WIDGET_IFRAME = re.compile(r"//(?:www\.)?(?:t|telegram)\.me/(?:s/)?\w+/\d+\?(?:[^#]*&)?embed=1")
_BACKGROUND_URL = re.compile(r"background-image\s*:\s*url\(\s*(['\"]?)(.+?)\1\s*\)")
_COUNT = re.compile(r"^([\d.,]+)\s*([KMB]?)$", re.IGNORECASE)
_MULTIPLIERS = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}


def parse_count(shown: str) -> int | None:
    """An abbreviated count as the widget prints it ("856", "1.2K", "3M") to an int."""
    found = _COUNT.match(shown.strip())
    if found is None:
        return None
    number, suffix = found.group(1).replace(",", ""), found.group(2).upper()
    try:
        return round(float(number) * _MULTIPLIERS[suffix])
    except ValueError:
        return None


def _post_ref(channel: str, msgid: str) -> PostRef:
    return PostRef(
        platform="telegram",
        post_id=f"{channel.lower()}/{msgid}",
        url=f"https://t.me/{channel}/{msgid}",
        handle=channel,
    )


def _embed_post(ref: PostRef, capture: Capture) -> Post:
    return Post(
        platform="telegram",
        post_id=ref.post_id,
        url=ref.url,
        author=Author(handle=ref.handle),
        capture=capture,
    )


def _parse_widget_script(element: Tag, capture: Capture) -> Post | None:
    found = _WIDGET_POST.match(str(element.get("data-telegram-post") or ""))
    return _embed_post(_post_ref(found.group(1), found.group(2)), capture) if found else None


def _parse_widget_iframe(element: Tag, capture: Capture) -> Post | None:
    ref = PLATFORM.match(str(element.get("src") or ""))
    return _embed_post(ref, capture) if ref is not None else None


class TelegramPlatform(Platform):
    name = "telegram"
    #: The embed widget's frame options and an album's single-photo view.
    dropped_params: ClassVar[frozenset[str]] = frozenset(
        {"embed", "mode", "userpic", "color", "dark", "single"}
    )
    embed_rules: ClassVar[tuple[EmbedRule, ...]] = (
        EmbedRule(tag="script", attr="data-telegram-post", parse=_parse_widget_script),
        EmbedRule(tag="iframe", attr="src", pattern=_WIDGET_IFRAME, parse=_parse_widget_iframe),
    )

    def match(self, url: str) -> PostRef | None:
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in ("http", "https", "") or host_of(url) not in _HOSTS:
            return None
        found = _POST_PATH.match(parts.path)
        if found is None or found.group("channel").lower() in _RESERVED:
            return None
        return _post_ref(found.group("channel"), found.group("msgid"))

    def embed_page(self, post: Post, endpoints: Endpoints) -> str | None:
        """The ``?embed=1`` widget page, the card Telegram's embed script shows."""
        own = self.match(post.url)
        if own is None:
            return None
        return f"{endpoints.base('telegram')}/{own.url.removeprefix('https://t.me/')}?embed=1"

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        own = self.match(ref.url)
        channel_and_id = own.url.removeprefix("https://t.me/") if own else ref.post_id
        return Request(
            url=f"{endpoints.base('telegram')}/{channel_and_id}?embed=1&mode=tme",
            purpose="widget",
            method="widget",
            browser=True,
        )

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        if response.status != 200:
            gone = gone_for_status(response.status, f"t.me answered HTTP {response.status}")
            if gone is None:
                raise ParseError(f"unexpected HTTP {response.status} from {response.url}")
            return gone
        soup = BeautifulSoup(response.body, "lxml")
        error = soup.select_one(".tgme_widget_message_error")
        if error is not None:
            return _widget_error(clean_text(error.get_text(" ")))
        message = soup.select_one(".tgme_widget_message[data-post]")
        if message is None:
            raise ParseError(f"no Telegram post widget in {response.url}")
        return Found(widget_post(message, response.capture()))


def _widget_error(text: str) -> Gone:
    """The reason behind the widget's error box; the text itself is kept as detail."""
    lowered = text.lower()
    if "not found" in lowered:
        return Gone(Reason.NOT_FOUND, f"{text} (deleted or never existed)", 200)
    if "private" in lowered:
        return Gone(Reason.PRIVATE, text, 200)
    if any(word in lowered for word in ("country", "region", "your location")):
        return Gone(Reason.REGION_LOCKED, text, 200)
    if any(word in lowered for word in ("violat", "blocked", "terms of service", "copyright")):
        return Gone(Reason.BLOCKED, text, 200)
    if "sensitive" in lowered or "18+" in lowered:
        return Gone(Reason.AGE_RESTRICTED, text, 200)
    return Gone(Reason.NOT_FOUND, text or "Telegram widget error without text", 200)


def _outside(element: Tag, container_classes: tuple[str, ...]) -> bool:
    """Whether ``element`` lies outside the reply header and the link-preview card."""
    return element.find_parent(class_=container_classes) is None


_NESTED = ("tgme_widget_message_reply", "tgme_widget_message_link_preview")


def _own(message: Tag, selector: str) -> list[Tag]:
    return [found for found in message.select(selector) if _outside(found, _NESTED)]


def _background_url(element: Tag) -> str | None:
    found = _BACKGROUND_URL.search(str(element.get("style") or ""))
    return found.group(2) if found else None


def _widget_media(message: Tag) -> list[Media]:
    media: list[Media] = []
    for element in _own(message, ".tgme_widget_message_photo_wrap, video[src], audio[src]"):
        if element.name == "video":
            media.append(Media(kind="video", url=str(element["src"])))
        elif element.name == "audio":
            media.append(Media(kind="audio", url=str(element["src"])))
        elif url := _background_url(element):
            media.append(Media(kind="photo", url=url))
    return media


def _text_links(body: Tag | None) -> list[str]:
    """Outbound links in the message text; hashtag searches and @-mentions are not links."""
    links: list[str] = []
    for anchor in body.find_all("a", href=True) if body is not None else []:
        href = str(anchor["href"]).strip()
        if href.startswith(("http://", "https://")) and not anchor.get_text().startswith("@"):
            links.append(href)
    return links


def _post_link(anchor: Tag | None) -> str | None:
    ref = PLATFORM.match(str(anchor.get("href") or "")) if anchor is not None else None
    return ref.url if ref is not None else None


def widget_post(message: Tag, capture: Capture) -> Post:
    """A post widget (``div.tgme_widget_message[data-post]``) read into the record."""
    found = _WIDGET_POST.match(str(message.get("data-post")))
    if found is None:
        raise ParseError(f"widget data-post is not channel/id: {message.get('data-post')!r}")
    ref = _post_ref(found.group(1), found.group(2))
    bodies = _own(message, ".tgme_widget_message_text")
    body = bodies[0] if bodies else None
    text = element_text(body) if body is not None else ""
    owner = message.select_one(".tgme_widget_message_owner_name")
    preview = message.select_one("a.tgme_widget_message_link_preview[href]")
    stamp = message.select_one(".tgme_widget_message_date time[datetime]") or message.select_one(
        "time[datetime]"
    )
    views = message.select_one(".tgme_widget_message_views")
    view_count = parse_count(views.get_text()) if views is not None else None
    forwarded = _post_link(message.select_one("a.tgme_widget_message_forwarded_from_name"))
    links = [*_text_links(body), str(preview["href"]) if preview is not None else ""]
    return Post(
        platform="telegram",
        post_id=ref.post_id,
        url=ref.url,
        author=Author(
            name=clean_text(owner.get_text(" ")) or None if owner is not None else None,
            handle=ref.handle,
            url=f"https://t.me/{ref.handle}",
        ),
        created_at=parse_iso_utc(str(stamp["datetime"])) if stamp is not None else None,
        text=text,
        media=_widget_media(message),
        links=list(dict.fromkeys(link for link in links if link)),
        hashtags=find_hashtags(text),
        mentions=find_mentions(text),
        in_reply_to=_post_link(message.select_one("a.tgme_widget_message_reply[href]")),
        quotes=[forwarded] if forwarded else [],
        metrics={"views": view_count} if view_count is not None else {},
        capture=capture,
    )


PLATFORM = TelegramPlatform()
