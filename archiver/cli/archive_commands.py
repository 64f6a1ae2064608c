"""``extract``, ``add``, ``list`` and ``search``: getting posts in and finding them again."""

from __future__ import annotations

import sys
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
    SinceOption,
    StatusOption,
    UntilOption,
    WideOption,
    command,
    err,
    fail,
    out,
    print_json,
    runtime,
)
from archiver.cli.listing import render_rows
from archiver.cli.screenshot_support import ScreenshotOption, check_browser, screenshot_run
from archiver.cli.tables import Column, print_table
from archiver.cli.terminal import data, json_text

if TYPE_CHECKING:  # the library is imported by the commands that use it (fast start)
    from archiver.ingest import ItemReport, Summary

SourcesArg = Annotated[
    list[str] | None,
    typer.Argument(help="Saved articles or pages (files, directories, - for stdin) or post URLs."),
]

KeepPathOption = Annotated[
    bool,
    typer.Option(
        "--keep-path",
        metavar="",
        help="Record each saved file's full local path, not just its name "
        "(config: documents.keep_path).",
    ),
]


def _read_stdin_if_needed(sources: list[str]) -> Any:
    return sys.stdin.buffer if "-" in sources else None


@command(help="Print the posts found in SOURCES as JSON Lines, storing nothing.")
def extract(
    sources: SourcesArg = None,
    keep_path: KeepPathOption = False,
    config: ConfigOption = None,
    allow_private: AllowPrivateOption = False,
) -> None:
    sources = sources or []
    if not sources:
        fail("give at least one file, directory, URL or - for stdin")
    from archiver.documents import SourceFailure
    from archiver.ingest import extract_documents, split_sources

    settings = runtime(None, config, allow_private=allow_private).settings
    split = split_sources(
        sources, stdin=_read_stdin_if_needed(sources), max_bytes=settings.documents.max_bytes
    )
    failures = 0
    found = 0
    for result in extract_documents(
        split.documents,
        stdin_bytes=split.stdin_document,
        max_bytes=settings.documents.max_bytes,
        keep_path=keep_path or settings.documents.keep_path,
    ):
        if isinstance(result, SourceFailure):
            failures += 1
            err.print("[red]failed[/]:", data(result.message))
            continue
        for warning in result.warnings:
            err.print("[yellow]warning[/]:", data(warning))
        for post in result.posts:
            found += 1
            sys.stdout.write(json_text(post.to_json()) + "\n")
    if split.urls:
        from archiver.cli.fetch_support import extract_urls

        found_urls, failed_urls = extract_urls(split.urls, settings)
        found += found_urls
        failures += failed_urls
    if failures:
        raise typer.Exit(EXIT_PARTIAL)
    if not found:
        fail("no posts found in the given sources", EXIT_PARTIAL)


def problem_text(report: ItemReport) -> str:
    """``source: message`` (the message alone when it already names the source)."""
    message = report.message or report.status
    return message if message.startswith(report.source) else f"{report.source}: {message}"


def _report_line(report: ItemReport) -> None:
    if report.status == "failed":
        err.print("[red]failed[/]", data(problem_text(report)))
    elif report.status in ("empty", "unavailable"):
        err.print(f"[yellow]{report.status}[/]", data(problem_text(report)))
    elif report.message:
        err.print("[yellow]warning[/]", data(problem_text(report)))


def differ_text(fields: tuple[str, ...]) -> str:
    """``text, date differ``: what a changed post changed, for a line."""
    return ", ".join(fields) + (" differs" if len(fields) == 1 else " differ")


def render_summary(
    summary: Summary, as_json: bool, screenshots: dict[str, int] | None = None
) -> None:

    if as_json:
        print_json(
            {
                "new": summary.new,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
                "unavailable": summary.unavailable,
                "failed": summary.failed,
                "empty": summary.empty,
                "skipped": summary.skipped,
                "items": [
                    {
                        "source": i.source,
                        "status": i.status,
                        "message": i.message,
                        "keys": list(i.keys),
                    }
                    for i in summary.items
                ],
                "changed_since_cited": [
                    {"key": key, "fields": list(fields)} for key, fields in summary.differs.items()
                ],
            }
            | ({"screenshots": screenshots} if screenshots is not None else {})
        )
        return
    names = ("new", "updated", "unchanged", "unavailable", "failed", "skipped")
    columns = [Column(name, "number") for name in names]
    print_table(out, columns, [[getattr(summary, name) for name in names]], title="archiver add")
    for key, fields in summary.differs.items():
        out.print(
            Text.assemble(
                ("changed since cited", "yellow"),
                " ",
                data(key),
                f": {differ_text(fields)} from the version first archived "
                "(archiver show puts both side by side)",
            )
        )


@command(help="Extract posts from SOURCES (documents or URLs) and store them in the archive.")
def add(
    sources: SourcesArg = None,
    from_file: Annotated[
        Path | None,
        typer.Option("--from", metavar="FILE", help="A file of post URLs, one per line."),
    ] = None,
    fetch: Annotated[
        bool,
        typer.Option(
            "--fetch",
            metavar="",
            help="Also fetch live each post documents embed or link to in their body, and "
            "link it to the document.",
        ),
    ] = False,
    refresh: Annotated[
        bool,
        typer.Option("--refresh", metavar="", help="Fetch URLs again even if already archived."),
    ] = False,
    media: Annotated[
        bool, typer.Option("--media", metavar="", help="Download media files too.")
    ] = False,
    keep_path: KeepPathOption = False,
    screenshot: ScreenshotOption = False,
    allow_private: AllowPrivateOption = False,
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    sources = sources or []
    if not sources and from_file is None:
        fail("give at least one file, directory, URL, --from FILE or - for stdin")
    from archiver.cli.timestamp_commands import stamp_run
    from archiver.ingest import Summary, add_documents, split_sources
    from archiver.ingest.articles import Articles
    from archiver.store.timestamps import newest_capture_id

    rt = runtime(home, config, allow_private=allow_private)
    if screenshot:
        check_browser(rt.settings)
    split = split_sources(
        sources,
        stdin=_read_stdin_if_needed(sources),
        url_file=from_file,
        max_bytes=rt.settings.documents.max_bytes,
    )
    summary = Summary(keep_items=as_json)  # only --json prints the per-source reports
    shots: dict[str, int] | None = None
    with rt.open_archive(create=True) as archive:
        before = newest_capture_id(archive)
        articles = Articles()
        if split.documents:
            add_documents(
                archive,
                split.documents,
                max_bytes=rt.settings.documents.max_bytes,
                keep_path=keep_path or rt.settings.documents.keep_path,
                stdin_bytes=split.stdin_document,
                summary=summary,
                progress=_report_line,
                articles=articles if fetch else None,
            )
        fetching = bool(split.urls or articles.to_fetch)
        if screenshot and not fetching and not as_json:
            err.print("note: --screenshot renders posts fetched live (URLs, or --fetch); none were")
        if fetching:
            from archiver.cli.fetch_support import fetch_into

            fetch_into(
                archive,
                rt.settings,
                split.urls,
                summary,
                refresh=refresh,
                media=media,
                quiet=as_json,
                articles=articles,
            )
            if screenshot:  # the posts of the URLs, and those the articles cite
                fetched = [*split.urls, *articles.to_fetch]
                shots = screenshot_run(archive, rt.settings, fetched, quiet=as_json)
        stamp_run(archive, rt.settings, before, quiet=as_json)
    render_summary(summary, as_json, shots)
    if summary.failed:
        raise typer.Exit(EXIT_PARTIAL)
    if not summary.ok:
        if summary.empty:  # each empty source has said so in its own line
            raise typer.Exit(EXIT_PARTIAL)
        fail("no posts found in the given sources", EXIT_PARTIAL)


@command(name="list", help="List stored posts, filtered by platform, author, date or status.")
def list_posts(
    platform: PlatformOption = None,
    author: AuthorOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    status: StatusOption = None,
    gone_since: Annotated[
        str | None,
        typer.Option(
            "--gone-since", metavar="DATE", help="First seen gone on or after DATE (or 30d)."
        ),
    ] = None,
    cited_in: Annotated[
        str | None,
        typer.Option(
            "--cited-in", metavar="ARTICLE", help="Posts the article (its URL or key) cites."
        ),
    ] = None,
    changed: Annotated[
        bool,
        typer.Option(
            "--changed",
            metavar="",
            help="Only posts changed since cited: a later capture differs from the first.",
        ),
    ] = False,
    limit: Annotated[int | None, typer.Option(metavar="N", help="At most this many.")] = None,
    wide: WideOption = False,
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    from archiver.export.selection import find_article
    from archiver.recheck.history import post_filters
    from archiver.store import citations
    from archiver.store.reads import CHANGED_SINCE_CITED
    from archiver.vocabulary import date_value, platform_name

    where = post_filters(status, gone_since) + ([CHANGED_SINCE_CITED] if changed else [])
    platform = platform_name(platform)
    rt = runtime(home, config)
    title = "posts"
    with rt.open_archive(write=False) as archive:
        if cited_in:
            article = find_article(archive, cited_in).key
            where.append(citations.cited_in_sql(article))
            title = f"posts cited in {article}"
        rows = archive.list_posts(
            platform=platform,
            author=author,
            since=date_value(since, "--since"),
            until=date_value(until, "--until"),
            limit=limit,
            where=where,
        )
        # The key column holds the longest key there is, so every page lines up with the first.
        width = archive.longest_key(platform)
        render_rows(archive, rows, as_json, title, wide=wide, key_width=width)


@command(help="Full-text search over post text, titles and authors.")
def search(
    query: Annotated[str, typer.Argument(help="Words to find (all must match; word* = prefix).")],
    limit: Annotated[int, typer.Option(metavar="N", help="At most this many.")] = 50,
    wide: WideOption = False,
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    rt = runtime(home, config)
    with rt.open_archive(write=False) as archive:
        rows = archive.search(query, limit=limit)
        width = max((len(row.key) for row in rows), default=0)
        found = render_rows(archive, rows, as_json, f"search: {query}", wide=wide, key_width=width)
    if not found and not as_json:
        err.print("no matching posts")
