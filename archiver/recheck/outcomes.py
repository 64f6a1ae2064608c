"""What one check found: a fetch result read as ``available``, ``changed``, gone, or ``error``.

The rule that matters most: an ``error`` is never a deletion. Only a platform's own
answer (a 404, a tombstone, Telegram's "Post not found", Reddit's ``[deleted]``, as each
platform module reads them) makes a post ``deleted``; a timeout, a 5xx after retries,
a page archiver cannot parse, or a block of archiver itself says nothing about the post.

``changed`` compares like with like: the new record's content hash against the latest
earlier capture *made the same way* (an API capture against an earlier API capture).
Different capture methods see different detail (an embed gives a date, the API the exact
time), so their hashes differ without any edit. When no earlier capture of that method
exists the check is ``available`` and its capture becomes the baseline for next time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from archiver.net.fetch import FetchResult
from archiver.platforms.base import Reason
from archiver.record import Post
from archiver.store.check_queries import Target
from archiver.store.checks import STATUS_OUTCOME, outcome_of_status

OutcomeName = Literal[
    "available", "changed", "deleted", "private", "suspended", "unavailable", "error"
]

#: Posts found in flattened text have no id of their own and no URL that shows them.
UNFETCHABLE_PREFIX = "text-"
UNFETCHABLE_REASON = (
    "found in flattened text with no post id: there is no URL that shows this post alone"
)

_HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")


def outcome_for_reason(reason: Reason) -> OutcomeName:
    """A platform's reason → the outcome recorded (see docs/recheck.md for the table).

    ``blocked`` is a block of archiver itself (Reddit's "whoa there, pardner!", a bot
    check): it says nothing about the post, so it is an ``error``.
    """
    outcome = STATUS_OUTCOME.get(reason.value)
    if reason is Reason.BLOCKED or outcome is None:
        return "error"
    return outcome  # type: ignore[return-value]


@dataclass(frozen=True)
class Verdict:
    """One check's reading. ``store`` says whether its observation is kept as a capture."""

    outcome: OutcomeName
    previous: str | None
    reason: str | None = None
    detail: str | None = None
    http_status: int | None = None
    method: str | None = None
    content_hash: str | None = None
    store: bool = False

    @property
    def definitive(self) -> bool:
        return self.outcome != "error"

    @property
    def status(self) -> str:
        """The post status this verdict stands for (``archived`` when it can be seen)."""
        if self.outcome in ("available", "changed"):
            return "archived"
        return self.reason or self.outcome


def previous_outcome(target: Target) -> str | None:
    """What the post was before this check, from its status (``None``: unknown)."""
    return outcome_of_status(target.status)


def classify(target: Target, result: FetchResult) -> Verdict:
    """Read one fetch of ``target`` as a verdict."""
    previous = previous_outcome(target)
    last_status = result.evidence[-1].status if result.evidence else None
    # A fetch carries a post exactly when it is "archived", a Gone exactly when it is
    # "unavailable" (net.fetch.fetch_url); what it carries is what is read.
    if result.post is not None:
        return _seen(target, result.post, previous, last_status)
    if (gone := result.gone) is not None:
        outcome = outcome_for_reason(gone.reason)
        status = gone.status if gone.status is not None else last_status
        if outcome == "error":
            detail = f"blocked: {gone.detail} (this says nothing about the post)"
            return Verdict("error", previous, gone.reason.value, detail, status)
        return Verdict(
            outcome, previous, gone.reason.value, gone.detail, status, store=previous != outcome
        )
    error = result.error or "the fetch failed"
    found = _HTTP_STATUS.search(error)
    status = int(found.group(1)) if found else last_status
    return Verdict("error", previous, None, error, status)


def _seen(target: Target, post: Post, previous: str | None, http_status: int | None) -> Verdict:
    method = post.capture.method
    detail: str | None
    if post.key != target.key:
        detail = f"the platform now names this post {post.key}; not compared"
        return Verdict("available", previous, None, detail, http_status, method, post.content_hash)
    earlier = target.prior_hashes.get(method)
    if earlier is None:
        detail = f"first {method} capture: kept as the baseline for later comparisons"
        return Verdict(
            "available", previous, None, detail, http_status, method, post.content_hash, True
        )
    if earlier != post.content_hash:
        detail = f"content hash differs from the previous {method} capture ({earlier})"
        return Verdict(
            "changed", previous, None, detail, http_status, method, post.content_hash, True
        )
    returned = previous != "available"
    detail = "visible again" if returned and previous is not None else None
    return Verdict(
        "available", previous, None, detail, http_status, method, post.content_hash, returned
    )
