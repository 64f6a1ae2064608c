"""URL identity: which hosts belong to a platform, and what a URL keeps of its query.

A post's record is found again by its URL, and a generic page's identity *is* its URL,
so two spellings of one page must give one record and two pages must never give one.
The rules, in one place for every platform module and the registry:

* :data:`PLATFORM_HOSTS` names each platform's own hosts (and their subdomains). A URL on
  them is that platform's post or nothing: a profile or a search there is not archived as
  a generic page, and no fediverse server lives there.
* :func:`clean_url` is the canonical form of a link: user info, fragment, default port
  and tracking parameters removed, scheme and host lower-cased, the remaining query
  sorted by name (spelled exactly as given). Only parameters that never select content
  are dropped: the well-known campaign and click ids (:func:`is_tracking_param`) on any
  site, plus a platform's own list (:attr:`Platform.dropped_params`) on its hosts. A
  forum's ``viewtopic.php?t=12345`` keeps its ``t``.
* :func:`web_address` turns what a user typed into an http(s) address to fetch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from archiver.record import without_userinfo

__all__ = [
    "PLATFORM_HOSTS",
    "TRACKING_PARAMS",
    "clean_url",
    "host_of",
    "is_tracking_param",
    "owner_of_host",
    "spelled_out",
    "web_address",
    "without_userinfo",
]

#: Each platform's own hosts; subdomains count too. Mirrors and embed hosts included.
PLATFORM_HOSTS: Mapping[str, frozenset[str]] = {
    "twitter": frozenset(
        {"twitter.com", "x.com", "fxtwitter.com", "vxtwitter.com", "fixupx.com", "fixvx.com",
         "twittpr.com"}
    ),
    "bluesky": frozenset(
        {"bsky.app", "cbsky.app", "fxbsky.app", "vxbsky.app", "bskx.app", "main.bsky.dev"}
    ),
    "reddit": frozenset({"reddit.com", "redd.it"}),
    "telegram": frozenset({"t.me", "telegram.me", "telegram.dog"}),
    "youtube": frozenset({"youtube.com", "youtu.be", "youtube-nocookie.com"}),
    "tiktok": frozenset({"tiktok.com", "tiktokv.com"}),
    "instagram": frozenset({"instagram.com", "instagr.am", "ddinstagram.com"}),
    "facebook": frozenset({"facebook.com", "fb.com", "fb.watch"}),
    "threads": frozenset({"threads.net", "threads.com"}),
}  # fmt: skip
_OWNERS = {host: name for name, hosts in PLATFORM_HOSTS.items() for host in hosts}

#: Click and campaign ids that analytics and mailing tools add to links on any site;
#: they say how a visitor arrived, never what the page shows. ``utm_*`` counts too.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid",  # Facebook
        "gclid", "gclsrc", "dclid", "gbraid", "wbraid",  # Google Ads
        "msclkid",  # Microsoft Ads
        "yclid",  # Yandex
        "twclid",  # X ads
        "ttclid",  # TikTok ads
        "li_fat_id",  # LinkedIn
        "mc_cid", "mc_eid",  # Mailchimp
        "_hsenc", "_hsmi",  # HubSpot
        "mkt_tok",  # Marketo
        "oly_anon_id", "oly_enc_id",  # Omeda
        "vero_id", "vero_conv",  # Vero
        "rb_clickid",  # Rakuten
    }
)  # fmt: skip

_BARE_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(:\d+)?$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_of(url: str) -> str:
    """Lower-case host of a URL without ``www.``; empty when there is none."""
    host = (urlsplit(url.strip()).hostname or "").lower()
    return host.removeprefix("www.")


def owner_of_host(host: str) -> str | None:
    """The platform whose own host (or a subdomain of one) ``host`` is, if any."""
    host = host.lower().removeprefix("www.")
    while host:
        owner = _OWNERS.get(host)
        if owner is not None:
            return owner
        host = host.partition(".")[2]
    return None


def is_tracking_param(name: str) -> bool:
    """Whether a query parameter is a click or campaign id on any site (``utm_*``, …)."""
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in TRACKING_PARAMS


def clean_url(url: str, drop: frozenset[str] = frozenset()) -> str | None:
    """The canonical form of an http(s) link (see the module doc); None for anything else.

    ``drop`` names more parameters to remove (a platform's :attr:`dropped_params`),
    compared case-insensitively like the well-known ones.
    """
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port
    except ValueError:  # "http://[::1", "http://host:port"
        return None
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    query = _kept_query(parts.query, drop)
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _kept_query(query: str, drop: frozenset[str]) -> str:
    """``query`` without tracking parameters, sorted by name; each kept pair as spelled."""
    kept: list[tuple[str, str]] = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = unquote_plus(pair.partition("=")[0])
        if not is_tracking_param(name) and name.lower() not in drop:
            kept.append((name, pair))
    kept.sort(key=lambda item: item[0])  # stable: repeated names keep their order
    return "&".join(pair for _, pair in kept)


def spelled_out(url: str) -> str:
    """``url`` as routing reads it: trimmed, ``https://`` before a bare ``host/path``, and
    no user info (credentials never reach a key or a record)."""
    text = url.strip()
    if "://" not in text and _BARE_HOST.match(text.split("/", 1)[0]):
        text = "https://" + text
    return without_userinfo(text)


def web_address(url: str) -> str | None:
    """``url`` as an http(s) address to fetch (see :func:`spelled_out`), or None."""
    text = spelled_out(url)
    try:
        parts = urlsplit(text)
        if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
            return None
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:  # "http://[::1", "http://host:port"
        return None
    return text
