"""Which posts a recheck takes, as the user said it, and as the store filters them.

The selection is kept as the user gave it (``--not-checked-since 30d``, not the date it
resolved to), so running the same command again finds the unfinished run it continues.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from archiver.errors import ArchiverError
from archiver.record import parse_iso_utc, to_utc_iso, without_userinfo
from archiver.store import Archive
from archiver.store.check_queries import PostFilter
from archiver.vocabulary import platform_name, status_filter


class SelectionError(ArchiverError, ValueError):
    """The selection cannot be understood; the message says what to write instead."""


_AGE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_cutoff(value: str, now: datetime | None = None) -> str:
    """``30d``, ``12h``, ``2w`` (ago), ``2026-01-01`` or an ISO time → a UTC ISO moment."""
    now = now or datetime.now(UTC)
    found = _AGE.match(value)
    if found:
        amount, unit = int(found.group(1)), found.group(2).lower()
        return to_utc_iso((now - timedelta(**{_UNITS[unit]: amount})).replace(microsecond=0))
    text = value.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = parse_iso_utc(text)
        if moment is None and "T" in text:
            moment = parse_iso_utc(text + "Z")  # an ISO time without offset is taken as UTC
        if moment is None:
            raise SelectionError(
                f"cannot read {value!r} as an age or a date: write 30d, 12h, 2w, "
                "2026-01-01 or 2026-01-01T09:00:00Z"
            ) from None
        return moment
    return f"{day.isoformat()}T00:00:00Z"


@dataclass(frozen=True)
class Selection:
    """The posts to recheck: explicit keys or URLs, ``--all``, and/or filters."""

    targets: tuple[str, ...] = ()
    all: bool = False
    platform: str | None = None
    author: str | None = None
    not_checked_since: str | None = None
    status: str | None = None

    def validate(self) -> None:
        has_filter = any((self.platform, self.author, self.not_checked_since, self.status))
        if not (self.targets or self.all or has_filter):
            raise SelectionError(
                "say which posts to check: KEY or URL arguments, --all, or a filter "
                "(--platform, --author, --not-checked-since, --status)"
            )
        platform_name(self.platform)
        status_filter(self.status)
        if self.not_checked_since:
            parse_cutoff(self.not_checked_since)

    def identity(self, keys: tuple[str, ...] | None) -> str:
        """Canonical JSON of the selection (with targets resolved to keys) naming its runs."""
        described = {
            "keys": list(keys) if keys is not None else None,
            "all": self.all,
            "platform": self.platform,
            "author": self.author,
            "not_checked_since": self.not_checked_since,
            "status": self.status,
        }
        return json.dumps(described, sort_keys=True, ensure_ascii=False)

    def describe(self) -> str:
        """The selection in words, for reports."""
        parts = [f"{len(self.targets)} given post(s)"] if self.targets else []
        if self.all:
            parts.append("all posts")
        for name in ("platform", "author", "status"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name} {value}")
        if self.not_checked_since:
            parts.append(f"not checked since {self.not_checked_since}")
        return ", ".join(parts)

    def post_filter(self, keys: tuple[str, ...] | None, now: datetime | None = None) -> PostFilter:
        cutoff = parse_cutoff(self.not_checked_since, now) if self.not_checked_since else None
        return PostFilter(
            keys=keys,
            platform=self.platform,
            author=self.author,
            status=self.status,
            not_checked_since=cutoff,
        )


def resolve_targets(archive: Archive, targets: tuple[str, ...]) -> tuple[str, ...] | None:
    """The stored keys that KEY or URL arguments name (None when none were given).

    Raises :class:`SelectionError` naming every argument the archive does not hold.
    """
    if not targets:
        return None
    from archiver.platforms.registry import REGISTRY

    keys: set[str] = set()
    unknown: list[str] = []
    for target in targets:
        text = without_userinfo(target.strip())  # the archive never stores user info
        row = archive.get(text)
        if row is None:
            key = REGISTRY.key_of(text)
            row = archive.get(key) if key else None
        if row is None:
            unknown.append(text)
        else:
            keys.add(row.key)
    if unknown:
        shown = ", ".join(unknown[:5]) + (
            f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        )
        raise SelectionError(
            f"not in the archive: {shown}; `archiver add URL` stores a post, "
            "`archiver list` shows what is stored"
        )
    return tuple(sorted(keys))
