"""Reading check history back: ``status`` for the whole archive, ``show`` for one post,
and the ``list`` filters (``--status`` by outcome, ``--gone-since``).

The CLI renders these; a library user gets the same typed answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from archiver.recheck.selection import parse_cutoff
from archiver.store import Archive
from archiver.store.check_queries import (
    CheckLine,
    OutcomeCounts,
    count_newly_gone,
    newly_gone,
    outcome_counts,
)
from archiver.store.checks import (
    checks_of,
    copies_of,
    first_gone_at,
    gone_since_sql,
    latest_run,
    run_counts,
    status_sql,
)
from archiver.store.reads import Clause
from archiver.store.tables import CheckRow, CopyRow, RecheckRun
from archiver.vocabulary import STATES, status_filter

#: Column order for outcome tables.
OUTCOME_COLUMNS = STATES


@dataclass
class StatusReport:
    """Posts by platform and outcome, the latest run, and what it newly found gone."""

    counts: OutcomeCounts
    last_run: RecheckRun | None = None
    last_run_counts: dict[str, int] = field(default_factory=dict)
    newly_gone_count: int = 0

    def totals(self) -> dict[str, int]:
        summed: dict[str, int] = {}
        for by_outcome in self.counts.by_platform.values():
            for outcome, number in by_outcome.items():
                summed[outcome] = summed.get(outcome, 0) + number
        return summed

    def newly_gone(self, archive: Archive) -> Iterator[CheckLine]:
        """The posts the latest run found gone that were not gone before it (streamed)."""
        if self.last_run is None or self.last_run.id is None:
            return iter(())
        return newly_gone(archive, self.last_run.id)


def status_report(archive: Archive) -> StatusReport:
    report = StatusReport(outcome_counts(archive), latest_run(archive))
    if report.last_run is not None and report.last_run.id is not None:
        report.last_run_counts = run_counts(archive, report.last_run.id)
        report.newly_gone_count = count_newly_gone(archive, report.last_run.id)
    return report


@dataclass(frozen=True)
class PostHistory:
    """One post's checks (oldest first), known copies, and when it was first seen gone."""

    checks: list[CheckRow]
    copies: list[CopyRow]
    first_gone_at: str | None


def post_history(archive: Archive, key: str) -> PostHistory:
    return PostHistory(
        checks_of(archive, key), copies_of(archive, key), first_gone_at(archive, key)
    )


def post_filters(status: str | None = None, gone_since: str | None = None) -> list[Clause]:
    """SQL conditions for ``list``: ``status`` by outcome (or raw status), ``gone_since`` a date.

    Raises :class:`SelectionError` for values that cannot be read.
    """
    clauses: list[Clause] = []
    if status:
        clauses.append(status_sql(status_filter(status) or status))
    if gone_since:
        clauses.append(gone_since_sql(parse_cutoff(gone_since)))
    return clauses


def line_dict(line: CheckLine) -> dict[str, Any]:
    return {
        "key": line.key,
        "platform": line.platform,
        "url": line.url,
        "previous": line.previous_outcome,
        "outcome": line.outcome,
        "checked_at": line.checked_at,
        "http_status": line.http_status,
        "reason": line.reason,
        "detail": line.detail,
        "first_gone_at": line.first_gone_at,
        "copies": line.copies,
    }


def run_dict(run: RecheckRun | None, counts: dict[str, int]) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "id": run.id,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "state": run.state,
        "checked": sum(counts.values()),
        "outcomes": counts,
    }
