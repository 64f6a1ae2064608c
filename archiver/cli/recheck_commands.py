"""``recheck`` and ``status``: are the stored posts still there, and what changed.

The work is :mod:`archiver.recheck`; this module parses options, shows a progress bar,
and renders results (``--json`` for machines). Exit codes: 0 every check ran (whatever
it found), 1 some checks failed (``error``), 2 bad input, 130 interrupted (run the same
command again to continue).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from archiver.cli.common import (
    EXIT_PARTIAL,
    AllowPrivateOption,
    AuthorOption,
    ConfigOption,
    HomeOption,
    JsonOption,
    PlatformOption,
    StatusOption,
    WideOption,
    command,
    err,
    out,
    print_json,
    runtime,
)
from archiver.cli.screenshot_support import ScreenshotOption, check_browser, screenshot_run
from archiver.cli.tables import Cell, Column, print_table, short_time, width_of
from archiver.cli.terminal import data
from archiver.vocabulary import GONE_STATES

if TYPE_CHECKING:  # the library is imported by the commands that use it (fast start)
    from archiver.config import Settings
    from archiver.recheck import CheckReport, RecheckPlan, RecheckSummary
    from archiver.recheck.history import PostHistory, StatusReport
    from archiver.store import Archive
    from archiver.store.check_queries import CheckLine

_STYLE = {"changed": "yellow", "error": "red", **{outcome: "magenta" for outcome in GONE_STATES}}


def _worth_a_line(report: CheckReport) -> bool:
    """Errors, edits and changes of outcome are news; a post still there is not."""
    if report.outcome in ("error", "changed", "skipped"):
        return True
    return report.previous != report.outcome


def _line(report: CheckReport) -> Text:
    style = _STYLE.get(report.outcome, "green")
    changed = report.previous and report.previous != report.outcome
    before = f" (was {report.previous})" if changed and report.outcome != "error" else ""
    detail = f": {report.detail}" if report.detail else ""
    return Text.assemble(data(report.outcome, style=style), before, " ", data(report.key + detail))


def _run(
    archive: Archive,
    settings: Settings,
    plan: RecheckPlan,
    find_copies: bool,
    quiet: bool,
    checked: list[str],
) -> RecheckSummary:
    """The run, with a progress bar unless ``quiet``; ``checked`` gets each post's key."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from archiver.recheck import run_recheck

    if quiet:
        return run_recheck(
            archive,
            settings,
            plan,
            progress=lambda r: checked.append(r.key),
            find_copies=find_copies,
        )
    if not err.is_terminal:

        def print_news(report: CheckReport) -> None:
            checked.append(report.key)
            if _worth_a_line(report):
                err.print(_line(report), highlight=False)

        return run_recheck(archive, settings, plan, progress=print_news, find_copies=find_copies)
    columns = (TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task("recheck", total=plan.total)

        def advance(report: CheckReport) -> None:
            checked.append(report.key)
            if _worth_a_line(report):
                progress.console.print(_line(report), highlight=False)
            progress.advance(task)

        return run_recheck(archive, settings, plan, progress=advance, find_copies=find_copies)


def _summary_json(summary: RecheckSummary, report: Path | None, rows: int | None) -> dict[str, Any]:
    copies = summary.copies
    return {
        "run": summary.run_id,
        "resumed": summary.resumed,
        "finished": summary.finished,
        "checked": summary.counts,
        "run_outcomes": summary.run_counts,
        "errors": summary.errors,
        "newly_gone": summary.newly_gone,
        "copies": None
        if copies is None
        else {"posts": copies.posts, "found": copies.found, "errors": copies.errors},
        "report": None if report is None else {"path": str(report), "rows": rows},
    }


def _render_summary(summary: RecheckSummary, report: Path | None, rows: int | None) -> None:
    # One row per outcome, so the table fits any terminal however many outcomes there are.
    from archiver.store.checks import OUTCOMES

    names = [*OUTCOMES, "skipped"]
    columns = [Column("outcome", "word"), Column("checked", "number")]
    if summary.resumed:
        columns.append(Column("whole run", "number"))
    print_table(
        out,
        columns,
        [
            (name, summary.counts.get(name, 0), summary.run_counts.get(name, 0))[: len(columns)]
            for name in names
        ],
        title=f"recheck run {summary.run_id}",
    )
    out.print(f"newly gone: {summary.newly_gone}")
    if summary.copies is not None:
        out.print(
            f"copies: {summary.copies.found} new for {summary.copies.posts} gone post(s)"
            + (f"; {len(summary.copies.errors)} lookup(s) failed" if summary.copies.errors else "")
        )
    if report is not None:
        out.print("report:", data(report), f"({rows} row(s))")
    if summary.errors:
        err.print(
            f"{summary.errors} check(s) failed (network, rate limit or a block of archiver): "
            "their posts keep their previous status; run again later"
        )


@command(help="Check stored posts again: still there, edited, or gone (and why).")
def recheck(
    targets: Annotated[
        list[str] | None, typer.Argument(help="Post keys (platform:id) or URLs to check.")
    ] = None,
    all_posts: Annotated[
        bool, typer.Option("--all", metavar="", help="Every stored post.")
    ] = False,
    platform: PlatformOption = None,
    author: AuthorOption = None,
    not_checked_since: Annotated[
        str | None,
        typer.Option(
            "--not-checked-since",
            metavar="WHEN",
            help="Only posts with no check since then: 30d, 12h, 2w, or a date (2026-01-01).",
        ),
    ] = None,
    status: StatusOption = None,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart", metavar="", help="Start over instead of continuing an interrupted run."
        ),
    ] = False,
    find_copies: Annotated[
        bool,
        typer.Option(
            "--find-copies",
            metavar="",
            help="Look up public copies (Wayback Machine, Memento) of gone posts.",
        ),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", metavar="FILE", help="Write what changed to FILE (.csv or .md)."),
    ] = None,
    screenshot: ScreenshotOption = False,
    allow_private: AllowPrivateOption = False,
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    from archiver.cli.timestamp_commands import stamp_run
    from archiver.recheck import Selection, plan_recheck, report_format, write_report
    from archiver.vocabulary import platform_name, status_filter

    selection = Selection(
        tuple(targets or ()),
        all_posts,
        platform_name(platform),
        author,
        not_checked_since,
        status_filter(status),
    )
    selection.validate()
    if report is not None:
        report_format(report)
    rt = runtime(home, config, allow_private=allow_private)
    if screenshot:
        check_browser(rt.settings)
    rows: int | None = None
    shots: dict[str, int] | None = None
    with rt.open_archive() as archive:
        plan = plan_recheck(archive, selection, restart=restart)
        if plan.resumed and not as_json:
            err.print(
                f"continuing run {plan.run_id}: {plan.already_checked} post(s) already checked, "
                f"{plan.total} to go (--restart starts over)"
            )
        checked: list[str] = []
        summary = _run(archive, rt.settings, plan, find_copies, as_json, checked)
        if screenshot:
            shots = screenshot_run(archive, rt.settings, checked, quiet=as_json)
        stamp_run(archive, rt.settings, plan.run.baseline_capture_id, quiet=as_json)
        if report is not None:
            rows = write_report(archive, plan.run_id, report, selection.describe())
    if as_json:
        taken = {"screenshots": shots} if shots is not None else {}
        print_json(_summary_json(summary, report, rows) | taken)
    else:
        _render_summary(summary, report, rows)
    if summary.errors:
        raise typer.Exit(EXIT_PARTIAL)


@command(help="What rechecks found: posts by outcome and platform, and what is newly gone.")
def status(
    limit: Annotated[
        int, typer.Option(metavar="N", help="Newly gone posts listed (all with --json).")
    ] = 20,
    wide: WideOption = False,
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    from archiver.recheck.history import line_dict, run_dict, status_report

    rt = runtime(home, config)
    with rt.open_archive(write=False) as archive:
        found = status_report(archive)
        gone = found.newly_gone(archive)
        changed = archive.changed_since_cited()
        if as_json:
            head = {
                "posts": found.counts.by_platform,
                "totals": found.totals(),
                "last_check_failed": found.counts.last_check_failed,
                "last_run": run_dict(found.last_run, found.last_run_counts),
                "changed_since_cited": changed,
            }
            _print_json_with_list(head, "newly_gone", (line_dict(line) for line in gone))
            return
        newly_gone = [line for _, line in zip(range(limit), gone, strict=False)]
        _render_status(found, newly_gone, changed, wide=wide)


def _print_json_with_list(head: dict[str, Any], name: str, items: Iterator[Any]) -> None:
    """``head`` with the list ``items`` as its last member ``name``, written as the items come,
    byte for byte what ``print_json`` writes for the whole object."""
    sys.stdout.write(json.dumps(head, ensure_ascii=False)[:-1] + f", {json.dumps(name)}: [")
    for number, item in enumerate(items):
        sys.stdout.write((", " if number else "") + json.dumps(item, ensure_ascii=False))
    sys.stdout.write("]}\n")


def _render_status(
    found: StatusReport, gone: list[CheckLine], changed: int, *, wide: bool = False
) -> None:
    _print_counts(found, wide=wide)
    if changed:
        out.print(f"changed since cited: {changed} post(s) (archiver list --changed shows them)")
    run = found.last_run
    if run is None:
        out.print("no recheck yet: `archiver recheck --all` checks every post")
        return
    state = (
        f"finished {short_time(run.finished_at)}"
        if run.finished_at
        else "unfinished: run it again to continue"
    )
    if run.state == "abandoned":
        state = "abandoned (restarted)"
    outcomes = ", ".join(f"{n} {o}" for o, n in sorted(found.last_run_counts.items()))
    started = short_time(run.started_at)
    out.print(data(f"last run {run.id}: started {started}, {state}; {outcomes}"))
    out.print(f"newly gone since the run before: {found.newly_gone_count}")
    if gone:
        columns = [
            Column("status", "word"),
            Column("key", "key"),
            Column("reason", "word"),
            Column("first seen gone", "time"),
            Column("url", "text"),
        ]
        rows = [
            (line.outcome, line.key, line.reason, line.first_gone_at or line.checked_at, line.url)
            for line in gone
        ]
        print_table(out, columns, rows, wide=wide)
    if found.newly_gone_count > len(gone):
        out.print(f"  … and {found.newly_gone_count - len(gone)} more (--limit, or --json for all)")


def _print_counts(found: StatusReport, *, wide: bool) -> None:
    """Posts by status and platform. Statuses no post has are left out (``--wide`` shows
    them); when the platforms' rows would not fit the terminal, statuses are the rows."""
    from archiver.recheck.history import OUTCOME_COLUMNS

    counts, totals = found.counts, found.totals()
    failed = sum(counts.last_check_failed.values())
    names = [name for name in OUTCOME_COLUMNS if wide or totals.get(name)]
    names += ["last check failed"] if wide or failed else []
    platforms = sorted(counts.by_platform)

    def count(platform: str | None, name: str) -> int:
        if name == "last check failed":
            failed_of = counts.last_check_failed
            return failed_of.get(platform, 0) if platform else failed
        by = counts.by_platform[platform] if platform else totals
        return sum(by.values()) if name == "total" else by.get(name, 0)

    columns = [Column("platform", "word"), *(Column(n, "number") for n in [*names, "total"])]
    rows: list[tuple[Cell, ...]] = [
        (platform, *(count(platform if platform != "all" else None, n) for n in [*names, "total"]))
        for platform in [*platforms, "all"]
    ]
    if width_of(columns) > out.width:
        columns = [Column("status", "word"), *(Column(p, "number") for p in [*platforms, "all"])]
        by_status = list(zip(*rows, strict=True))[1:]
        rows = [(name, *values) for name, values in zip([*names, "total"], by_status, strict=True)]
    print_table(out, columns, rows, title="posts by status", wide=wide)


# -- used by ``show`` ------------------------------------------------------------------------


def history_json(history: PostHistory) -> dict[str, Any]:
    from archiver.store.checks import row_dict

    return {
        "first_gone_at": history.first_gone_at,
        "checks": [row_dict(check) for check in history.checks],
        "copies": [row_dict(copy) for copy in history.copies],
    }


def print_history(history: PostHistory, *, wide: bool = False) -> None:
    if history.first_gone_at:
        out.print("first seen gone:", data(history.first_gone_at))
    if history.checks:
        columns = [
            Column("run", "number"),
            Column("checked at", "time"),
            Column("outcome", "word"),
            Column("HTTP", "number"),
            Column("reason", "word"),
            Column("content hash", "hash", 20),
            Column("detail", "text"),
        ]
        rows = [
            (
                check.run_id,
                check.checked_at,
                check.outcome,
                check.http_status,
                check.reason,
                check.content_hash,
                check.detail,
            )
            for check in history.checks
        ]
        print_table(out, columns, rows, title="checks", wide=wide)
    for copy in history.copies:
        out.print(data(f"copy ({copy.source}, {copy.archived_at or 'undated'}): {copy.url}"))
