"""Stamping: one Merkle tree over a run's captures, one query per authority, through the
one HTTP client, and the tokens kept beside the tree.

A run of any size costs one request per configured authority: the tree's root is what
is stamped, and each capture keeps its path to it. Every authority is asked at once,
each within ``[timestamps] timeout_seconds``; one that is down, slow, refuses or sends
a token that does not verify is reported and skipped. When none answers, nothing is
written: the captures stay unstamped, and ``archiver timestamp`` stamps them later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from archiver.config import Settings
from archiver.evidence.authorities import Authority, configured_authorities, configured_trust
from archiver.evidence.merkle import build_tree, leaf_hash
from archiver.evidence.tsa import (
    QUERY_TYPE,
    REPLY_TYPE,
    TimestampError,
    Trust,
    Verified,
    iso,
    make_query,
    read_reply,
    to_pem,
    verify_token,
)
from archiver.net.body import FetchError
from archiver.net.client import HttpClient
from archiver.net.guard import AddressGuard
from archiver.record import utc_now
from archiver.store import Archive
from archiver.store.screenshots import unstamped_screenshots
from archiver.store.timestamps import TimestampToken, save_stamp, unstamped_captures

#: A TSA that fails once (a dropped connection, a 503) is asked once more, no more.
_ATTEMPTS = 2


@dataclass(frozen=True)
class Stamp:
    """One authority's verified token over a message."""

    authority: Authority
    reply: bytes
    verified: Verified

    @property
    def time(self) -> str:
        return iso(self.verified.gen_time)


@dataclass(frozen=True)
class Refusal:
    """Why one authority gave no usable token."""

    authority: Authority
    reason: str

    def __str__(self) -> str:
        return f"{self.authority.name}: {self.reason}"


@dataclass
class StampReport:
    """What stamping a batch of captures did."""

    captures: int = 0
    screenshots: int = 0
    root: str | None = None
    stamps: list[Stamp] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def stamped(self) -> bool:
        return bool(self.stamps)

    def to_json(self) -> dict[str, object]:
        return {
            "captures": self.captures,
            "screenshots": self.screenshots,
            "stamped": self.stamped,
            "root": self.root,
            "tokens": [
                {"authority": s.authority.name, "time": s.time, "signer": s.verified.signer}
                for s in self.stamps
            ],
            "failed": [{"authority": r.authority.name, "reason": r.reason} for r in self.refusals],
        }


def stamp_captures(archive: Archive, settings: Settings, *, after: int = 0) -> StampReport:
    """Stamp every capture newer than capture ``after`` that has no timestamp yet, and
    every screenshot without one (a leaf like a capture: its PNG, and no record).

    Never raises for an authority's sake: the report says which answered and which did
    not. With no authority configured, or nothing to stamp, nothing is asked.
    """
    leaves = unstamped_captures(archive, after=after)
    shots = unstamped_screenshots(archive)
    report = StampReport(captures=len(leaves), screenshots=len(shots))
    authorities = configured_authorities(settings.timestamps)
    if not (leaves or shots) or not authorities:
        return report
    tree = build_tree(
        [leaf_hash(leaf.raw_sha256, leaf.content_hash) for leaf in leaves]
        + [leaf_hash(sha256, None) for _, sha256 in shots]
    )
    report.root = tree.root.hex()
    report.stamps, report.refusals = stamp_message(tree.root, settings)
    if report.stamps:
        save_stamp(
            archive,
            root=report.root,
            created_at=utc_now(),
            capture_ids=[leaf.capture_id for leaf in leaves],
            paths=tree.paths(),
            tokens=[_new_token(stamp) for stamp in report.stamps],
            screenshot_ids=[shot_id for shot_id, _ in shots],
        )
    return report


def stamp_message(message: bytes, settings: Settings) -> tuple[list[Stamp], list[Refusal]]:
    """Ask every configured authority for a token over ``message`` (one query each)."""
    authorities = configured_authorities(settings.timestamps)
    if not authorities:
        return [], []
    try:
        trust = configured_trust(settings.timestamps)
    except TimestampError as exc:
        return [], [Refusal(authority, str(exc)) for authority in authorities]
    return asyncio.run(_ask_all(settings, authorities, message, trust))


async def _ask_all(
    settings: Settings, authorities: Sequence[Authority], message: bytes, trust: Trust
) -> tuple[list[Stamp], list[Refusal]]:
    async with _client(settings) as client:
        answers = await asyncio.gather(
            *(_ask(client, authority, message, trust, settings) for authority in authorities)
        )
    stamps = [answer for answer in answers if isinstance(answer, Stamp)]
    return stamps, [answer for answer in answers if isinstance(answer, Refusal)]


async def _ask(
    client: HttpClient, authority: Authority, message: bytes, trust: Trust, settings: Settings
) -> Stamp | Refusal:
    query = make_query(message)
    limit = settings.timestamps.timeout_seconds
    try:
        async with asyncio.timeout(limit):
            response = await client.post(
                authority.url, query.der, content_type=QUERY_TYPE, accept=REPLY_TYPE
            )
    except TimeoutError:
        return Refusal(authority, f"no answer within {limit:g} s ([timestamps] timeout_seconds)")
    except FetchError as exc:
        return Refusal(authority, str(exc))
    if response.status != 200:
        return Refusal(authority, f"HTTP {response.status}")
    try:
        token = read_reply(query, response.body)
        verified = verify_token(token.reply, message, trust)
    except TimestampError as exc:
        kind = response.headers.get("content-type", "no content type")
        return Refusal(authority, f"{exc} (a {kind} reply)")
    return Stamp(authority, token.reply, verified)


def _client(settings: Settings) -> HttpClient:
    """The one HTTP client, with the ``[timestamps]`` time limit: a TSA that is down must
    not hold an ``add`` for the minutes a platform's retries may take."""
    limit = settings.timestamps.timeout_seconds
    http = settings.http.model_copy(
        update={
            "timeout_seconds": min(settings.http.timeout_seconds, limit),
            "connect_timeout_seconds": min(settings.http.connect_timeout_seconds, limit),
            "max_attempts": min(settings.http.max_attempts, _ATTEMPTS),
            "retry_after_cap_seconds": min(settings.http.retry_after_cap_seconds, limit),
        }
    )
    return HttpClient(http, guard=AddressGuard.from_settings(settings))


def _new_token(stamp: Stamp) -> TimestampToken:
    return TimestampToken(
        tree_id=0,  # save_stamp sets it, once the tree has its id
        authority=stamp.authority.name,
        url=stamp.authority.url,
        reply=stamp.reply,
        gen_time=stamp.time,
        serial=str(stamp.verified.serial),
        chain_pem=to_pem(stamp.verified.chain),
        received_at=utc_now(),
    )
