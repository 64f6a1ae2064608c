"""``timestamp``, and the stamping that ends every ``add`` and ``recheck`` run.

The work is :mod:`archiver.evidence.stamping`; this module decides when it runs and
says what it did in one line. An authority that cannot be reached never fails a run:
its captures stay unstamped and ``archiver timestamp`` stamps them later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from archiver.cli.common import (
    EXIT_PARTIAL,
    ConfigOption,
    HomeOption,
    JsonOption,
    command,
    err,
    fail,
    out,
    print_json,
    runtime,
)
from archiver.cli.terminal import data

if TYPE_CHECKING:  # the library is imported by the commands that use it (fast start)
    from archiver.config import Settings
    from archiver.evidence.stamping import StampReport
    from archiver.export.bundle import BundleReport
    from archiver.export.timestamps import TagStamper
    from archiver.export.verify import VerifyReport
    from archiver.store import Archive


def _by(report: StampReport) -> str:
    return ", ".join(f"{s.authority.name} at {s.time}" for s in report.stamps)


def _refused(report: StampReport) -> str:
    return "; ".join(str(refusal) for refusal in report.refusals)


def _leaves(report: StampReport, new: str = "") -> str:
    """``3 new capture(s)``, and the screenshots when there are some."""
    text = f"{report.captures} {new}capture(s)"
    return text + (f" and {report.screenshots} screenshot(s)" if report.screenshots else "")


def stamp_run(archive: Archive, settings: Settings, after: int, *, quiet: bool) -> StampReport:
    """Stamp the captures a run stored (those after capture ``after``), when enabled, and
    say so on stderr unless ``quiet``."""
    from archiver.evidence.stamping import StampReport, stamp_captures

    if not settings.timestamps.enabled:
        return StampReport()
    report = stamp_captures(archive, settings, after=after)
    if quiet or not (report.captures or report.screenshots) or not settings.timestamps.authorities:
        return report
    if report.stamped:
        line = f"timestamped {_leaves(report, 'new ')}: {_by(report)}"
        if report.refusals:
            line += f" (not by {_refused(report)})"
    else:
        line = (
            f"not timestamped yet ({_refused(report)}); "
            f"`archiver timestamp` stamps the {_leaves(report, 'new ')} later"
        )
    err.print(data(line))
    return report


@command(help="Timestamp every capture not yet timestamped (RFC 3161, one request per authority).")
def timestamp(
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    from archiver.evidence.stamping import stamp_captures

    rt = runtime(home, config)
    if not rt.settings.timestamps.authorities:
        fail("no time-stamping authority configured: set [timestamps] authorities")
    with rt.open_archive() as archive:
        report = stamp_captures(archive, rt.settings)
    if as_json:
        print_json(report.to_json())
    elif not (report.captures or report.screenshots):
        out.print(data("nothing to timestamp: every capture already has a timestamp"))
    elif report.stamped:
        out.print(data(f"timestamped {_leaves(report)}: {_by(report)}"))
        for refusal in report.refusals:
            err.print(data(f"warning: {refusal}"))
    else:
        err.print(
            data(
                f"no authority answered ({_refused(report)}); the {_leaves(report)} "
                "stay unstamped: try again later"
            )
        )
    if (report.captures or report.screenshots) and not report.stamped:
        raise typer.Exit(EXIT_PARTIAL)


def print_times(report: VerifyReport) -> None:
    """What a verified bundle's timestamps prove: one line per timestamped capture."""
    time = report.time
    if time is None:
        return
    for verb, found in (("captured", time.captures), ("screenshot taken", time.screenshots)):
        for key, captures in found.items():
            for capture in captures:
                proof = capture.earliest
                when = f"existed by {proof.time} ({proof.tsa})" if proof else "not proven"
                out.print(data(f"{key} {verb} {capture.captured_at} {when}"))
    if time.unstamped and (time.captures or time.bundle):
        out.print(data(f"{len(time.unstamped)} post(s) carry no timestamp"))
    for proof in time.bundle:
        out.print(data(f"bundle existed by {proof.time} ({proof.tsa})"))
    for note in time.notes:
        err.print(data(f"note: {note}"))


def print_bundle_stamps(report: BundleReport, seal: TagStamper | None) -> None:
    """Which authorities dated the bundle, and how many captures ship their timestamps."""
    if report.timestamped_captures:
        out.print(data(f"{report.timestamped_captures} capture(s) ship with their timestamps"))
    if seal is None:
        return
    for stamp in seal.stamps:
        out.print(data(f"bundle timestamped by {stamp.authority.name} at {stamp.time}"))
    if seal.refusals and not seal.stamps:
        reasons = "; ".join(str(refusal) for refusal in seal.refusals)
        err.print(data(f"warning: the bundle is not timestamped ({reasons})"))
