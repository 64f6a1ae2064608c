"""The words a user types and reads: post states, filter values, platform names, dates.

Every command reads ``--status``, ``--platform`` and dates through these functions, so a
word accepted (or refused) by ``list`` is accepted (or refused) the same way by
``status``, ``export`` and ``recheck``, and a near miss gets a suggestion instead of an
empty result.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import date

from archiver.errors import ArchiverError

#: The platforms a record can name (:data:`archiver.record.PlatformName`; a test keeps the
#: two equal). Spelled out here because every command reads its options from this module,
#: and importing the record would load its pydantic models into `archiver --help`.
PLATFORMS: tuple[str, ...] = (
    "twitter",
    "mastodon",
    "bluesky",
    "reddit",
    "telegram",
    "youtube",
    "tiktok",
    "instagram",
    "facebook",
    "threads",
    "web",
)

#: What a post is now, as every command shows it (one word per post).
STATES: tuple[str, ...] = (
    "unchecked",
    "available",
    "changed",
    "deleted",
    "private",
    "suspended",
    "unavailable",
    "other",
)
#: States that say the post cannot be seen any more.
GONE_STATES: tuple[str, ...] = ("deleted", "private", "suspended", "unavailable")
#: What ``--status`` takes: a state, ``gone`` (any gone state), ``error`` (latest check failed).
STATUS_FILTERS: tuple[str, ...] = (*STATES, "gone", "error")
#: Short names people type for platforms (citations say X, so people type ``x``).
PLATFORM_ALIASES: dict[str, str] = {
    "x": "twitter",
    "bsky": "bluesky",
    "ig": "instagram",
    "fb": "facebook",
    "yt": "youtube",
}


class ChoiceError(ArchiverError, ValueError):
    """A value outside its vocabulary; the message lists the allowed values."""


def choose(
    value: str, allowed: Sequence[str], what: str, aliases: dict[str, str] | None = None
) -> str:
    """``value`` as one of ``allowed`` (case-insensitive, through ``aliases``), or a
    :class:`ChoiceError` naming the allowed values and the nearest one."""
    aliases = aliases or {}
    wanted = value.strip().lower()
    wanted = aliases.get(wanted, wanted)
    if wanted in allowed:
        return wanted
    near = difflib.get_close_matches(wanted, [*allowed, *aliases], n=1, cutoff=0.6)
    hint = f" (did you mean {aliases.get(near[0], near[0])}?)" if near else ""
    by_name = {name: alias for alias, name in aliases.items()}
    shown = ", ".join(f"{name} ({by_name[name]})" if name in by_name else name for name in allowed)
    raise ChoiceError(f"unknown {what} {value!r}{hint}; choose one of {shown}")


def status_filter(value: str | None) -> str | None:
    return None if value is None else choose(value, STATUS_FILTERS, "status")


def platform_name(value: str | None) -> str | None:
    """A platform as stored (``x`` → ``twitter``); None stays None."""
    return None if value is None else choose(value, PLATFORMS, "platform", PLATFORM_ALIASES)


def date_value(value: str | None, option: str) -> str | None:
    """A ``--since``/``--until`` date (``2026-01-07``) or ISO time, checked to exist."""
    if value is None:
        return None
    text = value.strip()
    try:
        date.fromisoformat(text)
        return text
    except ValueError:
        from archiver.record import parse_iso_utc

        if "T" in text and (parse_iso_utc(text) or parse_iso_utc(text + "Z")):
            return text
    raise ChoiceError(
        f"{option} takes a date like 2026-01-07 (or an ISO time 2026-01-07T09:00:00Z), "
        f"got {value!r}"
    )


STATUS_HELP = (
    "A state (" + ", ".join(STATES) + "), gone (any gone state) or error (latest check failed)."
)
PLATFORM_HELP = "Only this platform: " + ", ".join(PLATFORMS) + " (x, bsky, ig, fb, yt work too)."
