"""Rendering live fetches on the terminal: a progress bar for batches of URLs.

Kept apart from the archive commands so that importing the CLI for offline work
does not build an HTTP client; the work itself is :func:`archiver.ingest.urls.add_urls`.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from archiver.cli.common import err
from archiver.cli.terminal import data, json_text
from archiver.config import Settings
from archiver.ingest import ItemReport, Summary
from archiver.ingest.urls import add_urls, refuse_empty
from archiver.net.client import HttpClient
from archiver.net.fetch import fetch_many
from archiver.store import Archive


def _print_problem(report: ItemReport, progress: Progress | None = None) -> None:
    """One line per URL that failed, is unavailable, or was archived with a warning."""
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
) -> None:
    """Fetch and store ``urls`` with a progress bar on stderr (none when ``quiet``)."""
    if not urls:
        return
    if quiet or not err.is_terminal:
        add_urls(
            archive,
            settings,
            urls,
            summary=summary,
            refresh=refresh,
            media=media,
            progress=None if quiet else _print_problem,
        )
        return
    columns = (
        TextColumn("fetching"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task("fetch", total=len(urls))

        def advance(report: ItemReport) -> None:
            _print_problem(report, progress)
            progress.advance(task)

        add_urls(
            archive, settings, urls, summary=summary, refresh=refresh, media=media, progress=advance
        )


def extract_urls(urls: Sequence[str], settings: Settings) -> tuple[int, int]:
    """Fetch each URL and print its record as JSON Lines, storing nothing.

    Returns (records printed, URLs that failed or were unavailable).
    """

    async def run() -> tuple[int, int]:
        found = failed = 0
        async with HttpClient(settings.http) as client:
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
