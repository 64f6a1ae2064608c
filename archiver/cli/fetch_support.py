"""Rendering live fetches on the terminal: a progress bar for batches of URLs.

Kept apart from the archive commands so that importing the CLI for offline work
does not build an HTTP client; the work itself is :func:`archiver.ingest.urls.add_urls`.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from archiver.cli.common import err
from archiver.cli.terminal import data, json_text
from archiver.config import Settings
from archiver.ingest import ItemReport, Summary
from archiver.ingest.articles import Articles
from archiver.ingest.urls import add_urls, refuse_empty
from archiver.net.client import HttpClient
from archiver.net.fetch import fetch_many
from archiver.store import Archive

_URL = re.compile(r"\S+://\S+")
_ATTEMPTS = re.compile(r"^.*?failed after \d+ attempts?: ")


class RepeatedFailures:
    """Failures of a batch by cause: the first few are shown, the rest summed up in one
    line at the end, so an offline run does not print the same DNS error for every URL."""

    SHOWN = 3
    _NETWORK = ("connection failed", "name resolution", "timed out", "network")

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def show(self, report: ItemReport) -> bool:
        """Count a failure; True while its cause has been seen at most :attr:`SHOWN` times."""
        if report.status != "failed":
            return True
        # A fetch that fell back says "first failure; then last failure": the last counts.
        last = (report.message or "").rsplit("; then ", 1)[-1]
        cause = _URL.sub("", last.replace(report.source, ""))
        cause = _ATTEMPTS.sub("", cause).strip(" :") or "failed"
        self.counts[cause] += 1
        return self.counts[cause] <= self.SHOWN

    def summary(self) -> list[str]:
        lines = []
        for cause, number in self.counts.items():
            if number > self.SHOWN:
                offline = any(word in cause.lower() for word in self._NETWORK)
                lines.append(f"{'offline? ' if offline else ''}{number} URLs failed: {cause}")
        return lines


def _print_problem(
    report: ItemReport, progress: Progress | None = None, repeated: RepeatedFailures | None = None
) -> None:
    """One line per URL that failed, is unavailable, or was archived with a warning."""
    if repeated is not None and not repeated.show(report):
        return
    console = progress.console if progress is not None else err
    line = data(f"{report.source}: {report.message}")
    if report.status == "failed":
        console.print("[red]failed[/]", line, highlight=False)
    elif report.status == "unavailable":
        console.print("[yellow]unavailable[/]", line, highlight=False)
    elif report.status == "archived" and report.message:
        console.print("[yellow]warning[/]", line, highlight=False)


def fetch_into(
    archive: Archive,
    settings: Settings,
    urls: Sequence[str],
    summary: Summary,
    *,
    refresh: bool,
    media: bool,
    quiet: bool,
    articles: Articles | None = None,
) -> None:
    """Fetch and store ``urls`` (and the posts articles cite) with a progress bar on
    stderr (none when ``quiet``)."""
    articles = articles if articles is not None else Articles()
    if not urls and not articles.to_fetch:
        return
    repeated = RepeatedFailures()
    show: Callable[[ItemReport], None] | None = None
    if not quiet:
        show = lambda report: _print_problem(report, None, repeated)  # noqa: E731
    try:
        with ExitStack() as stack:
            if show is not None and err.is_terminal:
                columns = (
                    TextColumn("fetching"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                )
                progress = stack.enter_context(Progress(*columns, console=err, transient=False))
                task = progress.add_task("fetch", total=len(urls) + len(articles.to_fetch))

                def advance(report: ItemReport) -> None:
                    _print_problem(report, progress, repeated)
                    progress.advance(task)
                    # Articles add the posts they cite as they are read.
                    done = progress.tasks[0].completed
                    wanted = len(urls) + len(articles.to_fetch)
                    progress.update(task, total=max(wanted, done))

                show = advance

            add_urls(
                archive,
                settings,
                urls,
                summary=summary,
                refresh=refresh,
                media=media,
                progress=show,
                articles=articles,
            )
    finally:
        for line in repeated.summary():
            err.print(data(line, style="red"), highlight=False)


def extract_urls(urls: Sequence[str], settings: Settings) -> tuple[int, int]:
    """Fetch each URL and print its record as JSON Lines, storing nothing.

    Returns (records printed, URLs that failed or were unavailable).
    """

    async def run() -> tuple[int, int]:
        found = failed = 0
        async with HttpClient.for_settings(settings) as client:
            async for fetched in fetch_many(urls, client, settings.endpoints):
                result = refuse_empty(fetched)
                if result.post is not None:
                    found += 1
                    sys.stdout.write(json_text(result.post.to_json()) + "\n")
                    sys.stdout.flush()
                else:
                    failed += 1
                    reason = (
                        f"{result.gone.reason.value}: {result.gone.detail}"
                        if result.gone
                        else result.error
                    )
                    line = data(f"{result.url}: {reason}")
                    err.print(f"[yellow]{result.status}[/]", line, highlight=False)
        return found, failed

    return asyncio.run(run())
