"""``--screenshot`` on ``add`` and ``recheck``: the option, and a progress bar while the
browser renders. The browser code is imported only when screenshots are asked for."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Annotated

import typer

from archiver.cli.common import err
from archiver.cli.terminal import data

if TYPE_CHECKING:  # imported by the commands that use them (fast start)
    from archiver.config import Settings
    from archiver.store import Archive

ScreenshotOption = Annotated[
    bool,
    typer.Option(
        "--screenshot",
        metavar="",
        help="Also render each post in headless Chromium and keep a full-height PNG "
        "(see docs/screenshots.md).",
    ),
]


def check_browser(settings: Settings) -> None:
    """Fail in one line, before any work, when there is no browser to take screenshots."""
    from archiver.browser.chromium import ready

    ready(settings.screenshot)


def screenshot_run(
    archive: Archive, settings: Settings, refs: Sequence[str], *, quiet: bool
) -> dict[str, int]:
    """Screenshot the posts ``refs`` names, with a progress bar on stderr; the counts."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from archiver.ingest.screenshots import screenshot_posts
    from archiver.store.screenshots import ScreenshotRow

    with ExitStack() as stack:
        progress: Progress | None = None
        task = None
        if not quiet and err.is_terminal and refs:
            columns = (TextColumn("screenshots"), BarColumn(), MofNCompleteColumn())
            progress = stack.enter_context(Progress(*columns, console=err))
            task = progress.add_task("screenshots", total=len(set(refs)))

        def shown(row: ScreenshotRow) -> None:
            console = progress.console if progress is not None else err
            if not quiet and row.error:
                console.print("[red]no screenshot[/]", data(f"{row.url}: {row.error}"))
            elif not quiet and not row.settled:
                console.print("[yellow]not settled[/]", data(f"{row.url}: shot at the deadline"))
            if progress is not None and task is not None:
                progress.advance(task)

        report = screenshot_posts(archive, settings, refs, on_shot=shown)
    if not quiet:
        err.print(
            f"screenshots: {report.taken} taken, {report.unsettled} not settled, "
            f"{report.failed} failed, {report.blocked} request(s) refused",
            highlight=False,
        )
    return report.to_json()
