"""The ``--report FILE`` of a recheck: what changed since each post's previous check.

A CSV for spreadsheets, or Markdown to paste into notes. Rows are the checks of one run
whose outcome differs from the post's previous one, the edits, and the errors (posts
that could not be checked this time): a post that is still available is not news.
Rows are streamed from the store, so a report of 100,000 checks holds none in memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from archiver.errors import ArchiverError
from archiver.store import Archive
from archiver.store.check_queries import CheckLine, changes_in_run
from archiver.store.checks import OUTCOMES, get_run, run_counts

FORMATS = {".csv": "csv", ".md": "markdown", ".markdown": "markdown"}
COLUMNS = (
    "key",
    "platform",
    "url",
    "previous",
    "outcome",
    "checked_at",
    "http_status",
    "reason",
    "detail",
    "first_gone_at",
    "copies",
    "latest_copy",
)


class ReportError(ArchiverError, ValueError):
    """The report file cannot be written as asked."""


def report_format(path: Path) -> str:
    """``csv`` or ``markdown`` from the file's suffix."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise ReportError(f"cannot tell the report format of {path.name}: name it .csv or .md")
    return found


def _cells(line: CheckLine) -> list[str]:
    values = (
        line.key,
        line.platform,
        line.url,
        line.previous_outcome or "unknown",
        line.outcome,
        line.checked_at,
        line.http_status,
        line.reason,
        line.detail,
        line.first_gone_at,
        line.copies,
        line.latest_copy,
    )
    return ["" if value is None else str(value) for value in values]


def write_report(archive: Archive, run_id: int, path: Path, selection: str = "") -> int:
    """Write the report of run ``run_id`` to ``path``; returns the number of rows."""
    kind = report_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        if kind == "csv":
            return _write_csv(handle, changes_in_run(archive, run_id))
        return _write_markdown(handle, archive, run_id, selection)


def _write_csv(handle: TextIO, lines: Iterator[CheckLine]) -> int:
    writer = csv.writer(handle)
    writer.writerow(COLUMNS)
    count = 0
    for line in lines:
        writer.writerow(_cells(line))
        count += 1
    return count


def _md(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _write_markdown(handle: TextIO, archive: Archive, run_id: int, selection: str) -> int:
    run = get_run(archive, run_id)
    counts = run_counts(archive, run_id)
    handle.write(f"# Recheck report: run {run_id}\n\n")
    if selection:
        handle.write(f"- Selection: {_md(selection)}\n")
    if run is not None:
        handle.write(f"- Started: {run.started_at}\n")
        handle.write(
            f"- Finished: {run.finished_at or 'not yet (interrupted; run again to continue)'}\n"
        )
    handle.write(f"- Posts checked: {sum(counts.values())}\n\n")
    handle.write("| outcome | posts |\n|---|---:|\n")
    for outcome in OUTCOMES:
        handle.write(f"| {outcome} | {counts.get(outcome, 0)} |\n")
    handle.write(
        "\n## What changed since the previous check\n\n"
        "Posts whose outcome differs from their previous one, edited posts, and posts that "
        "could not be checked (`error`: a failure of the check, never a deletion).\n\n"
    )
    handle.write(
        "| post | previous | now | checked at | HTTP | reason | detail | first gone | copies |\n"
        "|---|---|---|---|---:|---|---|---|---|\n"
    )
    count = 0
    for line in changes_in_run(archive, run_id):
        cells = _cells(line)
        copies = f"{line.copies} ([latest]({line.latest_copy}))" if line.latest_copy else "0"
        row = [
            f"[{_md(line.key)}]({line.url})",
            cells[3],
            f"**{line.outcome}**",
            cells[5],
            cells[6],
            cells[7],
            _md(cells[8])[:200],
            cells[9],
            copies,
        ]
        handle.write("| " + " | ".join(row) + " |\n")
        count += 1
    if not count:
        handle.write("| (nothing changed) | | | | | | | | |\n")
    return count
