"""Public copies of gone posts: the Wayback Machine (availability and CDX APIs) and Memento.

When a cited post disappears, a copy someone else archived is the next best evidence.
Each lookup is a plain request through the one HTTP client (so politeness, retries and
WARC capture apply); the readers below are pure functions of the response bodies.
Endpoints come from the ``[endpoints]`` config (``wayback``, ``wayback_cdx``,
``memento_timemap``). A lookup that fails is reported and never stops the others.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit, urlunsplit

from archiver.config import Endpoints
from archiver.net.client import FetchError, HttpClient
from archiver.platforms.base import Request
from archiver.record import to_utc_iso, utc_now
from archiver.store import Archive
from archiver.store.check_queries import aliases_of, gone_in_run
from archiver.store.checks import FoundCopy, add_copies

#: Where people open a Wayback snapshot (not an API: only used to spell copy URLs).
WAYBACK_REPLAY = "https://web.archive.org/web/"
#: At most this many copies per source and URL (the newest).
MAX_PER_SOURCE = 10
#: At most this many URLs looked up per post (its URL, aliases, x.com ↔ twitter.com).
MAX_URLS = 4

_SNAPSHOT = re.compile(r"^https?://[^/]*archive\.org/web/(\d{4,14})[a-z_]*/(.+)$", re.IGNORECASE)
_LINK = re.compile(r'<([^>]*)>((?:[^<"]|"[^"]*")*)')
_PARAM = re.compile(r'([a-z]+)\s*=\s*(?:"([^"]*)"|([^;,\s]+))', re.IGNORECASE)


@dataclass(frozen=True)
class Copy:
    source: str
    url: str
    archived_at: str | None


def wayback_time(stamp: str) -> str | None:
    """A Wayback timestamp (``YYYYMMDDhhmmss``, possibly shorter) as UTC ISO."""
    digits = (stamp + "19700101000000"[len(stamp) :])[:14]
    try:
        moment = datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return to_utc_iso(moment)


def snapshot_url(stamp: str, original: str) -> str:
    return f"{WAYBACK_REPLAY}{stamp}/{original}"


def canonical_snapshot(url: str) -> str:
    """Any Wayback replay URL as ``https://web.archive.org/web/<timestamp>/<original>``."""
    found = _SNAPSHOT.match(url.strip())
    return snapshot_url(found.group(1), found.group(2)) if found else url.strip()


# -- requests and readers (pure) -------------------------------------------------------------


def availability_request(endpoints: Endpoints, url: str) -> Request:
    return Request(
        f"{endpoints.base('wayback')}/wayback/available?url={quote(url, safe='')}",
        purpose="wayback-available",
    )


def read_availability(body: bytes) -> list[Copy]:
    """``{"archived_snapshots": {"closest": {"available": true, "url", "timestamp"}}}``."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return []
    closest = (
        (data.get("archived_snapshots") or {}).get("closest") if isinstance(data, dict) else None
    )
    if not isinstance(closest, dict) or not closest.get("available") or not closest.get("url"):
        return []
    stamp = str(closest.get("timestamp") or "")
    return [Copy("wayback", canonical_snapshot(str(closest["url"])), wayback_time(stamp))]


def cdx_request(endpoints: Endpoints, url: str) -> Request:
    query = (
        f"url={quote(url, safe='')}&output=json&fl=timestamp,original,statuscode"
        f"&filter=statuscode:200&collapse=digest&limit=-{MAX_PER_SOURCE}"
    )
    return Request(f"{endpoints.base('wayback_cdx')}/cdx/search/cdx?{query}", purpose="wayback-cdx")


def read_cdx(body: bytes) -> list[Copy]:
    """CDX JSON: a header row naming the fields, then one row per capture."""
    try:
        rows = json.loads(body) if body.strip() else []
    except (ValueError, UnicodeDecodeError):
        return []
    if not isinstance(rows, list) or len(rows) < 2 or not isinstance(rows[0], list):
        return []
    header = rows[0]
    if "timestamp" not in header or "original" not in header:
        return []
    at, original = header.index("timestamp"), header.index("original")
    copies = [
        Copy("wayback", snapshot_url(str(row[at]), str(row[original])), wayback_time(str(row[at])))
        for row in rows[1:]
        if isinstance(row, list) and len(row) == len(header)
    ]
    return copies[-MAX_PER_SOURCE:]


def timemap_request(endpoints: Endpoints, url: str) -> Request:
    return Request(f"{endpoints.base('memento_timemap')}/{url}", purpose="memento-timemap")


def read_timemap(body: bytes) -> list[Copy]:
    """A link-format TimeMap (RFC 7089): every ``rel`` holding ``memento``, newest kept."""
    text = body.decode("utf-8", errors="replace")
    copies: list[Copy] = []
    for found in _LINK.finditer(text):
        params = {
            name.lower(): quoted or bare for name, quoted, bare in _PARAM.findall(found.group(2))
        }
        if "memento" not in params.get("rel", "").split():
            continue
        archived_at = _http_date(params.get("datetime", ""))
        url = canonical_snapshot(found.group(1))
        source = "wayback" if url.startswith(WAYBACK_REPLAY) else "memento"
        copies.append(Copy(source, url, archived_at))
    copies.sort(key=lambda copy: copy.archived_at or "")
    return copies[-MAX_PER_SOURCE:]


def _http_date(value: str) -> str | None:
    try:
        return to_utc_iso(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return None


def lookup_urls(url: str, aliases: Iterable[str] = ()) -> list[str]:
    """The URLs to look up for a post: its own, its aliases, and x.com ↔ twitter.com."""
    found: list[str] = []
    for candidate in (url, *aliases):
        if not candidate.startswith(("http://", "https://")):
            continue
        parts = urlsplit(candidate)
        host = (parts.hostname or "").removeprefix("www.")
        variants = [candidate]
        if host in ("x.com", "twitter.com"):
            twin = "twitter.com" if host == "x.com" else "x.com"
            variants.append(urlunsplit(parts._replace(netloc=twin)))
        for variant in variants:
            if variant not in found:
                found.append(variant)
    return found[:MAX_URLS]


# -- performing lookups ----------------------------------------------------------------------


@dataclass
class CopiesSummary:
    posts: int = 0
    found: int = 0
    errors: list[str] = field(default_factory=list)


async def copies_of_url(
    client: HttpClient, endpoints: Endpoints, url: str
) -> tuple[list[Copy], list[str]]:
    """Every copy the three services know of ``url``, and the lookups that failed."""
    readers = (
        (availability_request(endpoints, url), read_availability),
        (cdx_request(endpoints, url), read_cdx),
        (timemap_request(endpoints, url), read_timemap),
    )

    async def one(request: Request) -> bytes | str:
        try:
            response = await client.get(request)
        except FetchError as exc:
            return f"{request.purpose} for {url}: {exc}"
        return response.body if response.status == 200 else b""

    answers = await asyncio.gather(*(one(request) for request, _ in readers))
    copies: list[Copy] = []
    errors: list[str] = []
    for (_, read), answer in zip(readers, answers, strict=True):
        if isinstance(answer, str):
            errors.append(answer)
        else:
            copies.extend(read(answer))
    return copies, errors


async def find_copies_for_run(
    archive: Archive, client: HttpClient, endpoints: Endpoints, run_id: int, *, parallel: int = 8
) -> CopiesSummary:
    """Look up copies of every post the run found gone, ``parallel`` posts at a time."""
    summary = CopiesSummary()
    chunk: list[tuple[str, str]] = []

    async def flush() -> None:
        aliases = aliases_of(archive, [key for key, _ in chunk])
        results = await asyncio.gather(
            *(
                _copies_of_post(client, endpoints, key, url, aliases.get(key, []))
                for key, url in chunk
            )
        )
        for found, errors in results:
            summary.found += add_copies(archive, found)
            summary.errors.extend(errors)
        summary.posts += len(chunk)
        chunk.clear()

    for key, url in gone_in_run(archive, run_id):
        chunk.append((key, url))
        if len(chunk) >= parallel:
            await flush()
    if chunk:
        await flush()
    return summary


async def _copies_of_post(
    client: HttpClient, endpoints: Endpoints, key: str, url: str, aliases: list[str]
) -> tuple[list[FoundCopy], list[str]]:
    found_at = utc_now()
    copies: dict[str, FoundCopy] = {}
    errors: list[str] = []
    for candidate in lookup_urls(url, aliases):
        found, failed = await copies_of_url(client, endpoints, candidate)
        errors.extend(failed)
        for copy in found:
            copies.setdefault(
                copy.url, FoundCopy(key, copy.source, copy.url, copy.archived_at, found_at)
            )
    return list(copies.values()), errors
