"""``extract``, ``add``, ``list``, ``show`` and ``search``: getting posts in and looking at them."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from archiver.cli.common import (
    EXIT_PARTIAL,
    AllowPrivateOption,
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
from archiver.cli.screenshot_support import ScreenshotOption, check_browser, screenshot_run
from archiver.cli.terminal import data, json_text
from archiver.vocabulary import PLATFORM_HELP, STATUS_HELP

if TYPE_CHECKING:  # the library is imported by the commands that use it (fast start)
    from rich.text import Text

    from archiver.ingest import ItemReport, Summary
    from archiver.store import Archive, PostSummary
    from archiver.store.checks import PostState
    from archiver.store.citations import CitedPost

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


def render_summary(
    summary: Summary, as_json: bool, screenshots: dict[str, int] | None = None
) -> None:
    from rich.table import Table

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
            }
            | ({"screenshots": screenshots} if screenshots is not None else {})
        )
        return
    table = Table(title="archiver add", show_edge=False)
    for name in ("new", "updated", "unchanged", "unavailable", "failed", "skipped"):
        table.add_column(name, justify="right")
    table.add_row(
        *(
            str(getattr(summary, n))
            for n in ("new", "updated", "unchanged", "unavailable", "failed", "skipped")
        )
    )
    out.print(table)


@command(help="Extract posts from SOURCES (documents or URLs) and store them in the archive.")
def add(
    sources: SourcesArg = None,
    from_file: Annotated[
        Path | None, typer.Option("--from", help="A file of post URLs, one per line.")
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


def _row_summary(row: PostSummary, state: str) -> dict[str, Any]:
    from archiver.store.checks import reason_of

    return {
        "key": row.key,
        "platform": row.platform,
        "url": row.url,
        "author": {"name": row.author_name, "handle": row.author_handle},
        "created_at": row.created_at,
        "status": state,
        "reason": reason_of(row.status),
        "text": row.text,
        "captures": row.capture_count,
    }


_COLUMNS = ("key", "author", "date", "status", "text")
#: Rows per printed table (and per state look-up): a listing is printed as it is read.
_TABLE_PAGE = 100


def _cells(row: PostSummary, state: PostState) -> tuple[Text, ...]:
    """The row's cells as data: shown as they are, never read as markup or control codes."""
    snippet = (row.title or row.text or "").replace("\n", " ")
    return tuple(
        data(cell)
        for cell in (
            row.key,
            row.author_handle or row.author_name or "",
            row.created_at or "",
            state.state,
            snippet[:80] + ("…" if len(snippet) > 80 else ""),
        )
    )


def _pages(
    archive: Archive, rows: Iterable[PostSummary]
) -> Iterator[list[tuple[PostSummary, PostState]]]:
    """``rows`` a page at a time, each row with its state (one query a page)."""
    from archiver.store.checks import states_of

    rows = iter(rows)
    while page := list(itertools.islice(rows, _TABLE_PAGE)):
        states = states_of(archive, [row.key for row in page])
        yield [(row, states[row.key]) for row in page]


def _render_rows(
    archive: Archive, rows: Iterable[PostSummary], as_json: bool, title: str
) -> int:
    """Print ``rows`` as they come (JSON Lines, or a table a page at a time); how many."""
    from rich.table import Table

    count = 0
    pages = _pages(archive, rows)
    if as_json:
        for page in pages:
            for row, state in page:
                print_json(_row_summary(row, state.state))
            count += len(page)
        return count
    widths: list[int] = []
    # An empty listing still prints its header, so it reads as a listing that found nothing.
    for page in itertools.chain(pages, [[]]):
        if count and not page:
            break
        cells = [_cells(row, state) for row, state in page]
        if not widths:
            # The first page's widths hold for every page, so the columns line up.
            widths = [
                max([len(name)] + [line[i].cell_len for line in cells])
                for i, name in enumerate(_COLUMNS)
            ]
        table = Table(
            title=None if count else data(title), show_header=not count, show_edge=False
        )
        for name, width in zip(_COLUMNS, widths, strict=True):
            table.add_column(name, width=width, overflow="fold")
        for line in cells:
            table.add_row(*line)
        out.print(table)
        count += len(cells)
    out.print(f"{count} post(s)")
    return count


@command(name="list", help="List stored posts, filtered by platform, author, date or status.")
def list_posts(
    platform: Annotated[str | None, typer.Option(help=PLATFORM_HELP)] = None,
    author: Annotated[str | None, typer.Option(help="Handle (with or without @) or name.")] = None,
    since: Annotated[str | None, typer.Option(help="Posted on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Posted on or before YYYY-MM-DD.")] = None,
    status: Annotated[
        str | None,
        typer.Option(help=STATUS_HELP),
    ] = None,
    gone_since: Annotated[
        str | None, typer.Option("--gone-since", help="First seen gone on or after DATE (or 30d).")
    ] = None,
    cited_in: Annotated[
        str | None,
        typer.Option(
            "--cited-in", metavar="ARTICLE", help="Posts the article (its URL or key) cites."
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many.")] = None,
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    from archiver.export.selection import find_article
    from archiver.recheck.history import post_filters
    from archiver.store import citations
    from archiver.vocabulary import date_value, platform_name

    where = post_filters(status, gone_since)
    rt = runtime(home, config)
    title = "posts"
    with rt.open_archive(write=False) as archive:
        if cited_in:
            article = find_article(archive, cited_in).key
            where.append(citations.cited_in_sql(article))
            title = f"posts cited in {article}"
        rows = archive.list_posts(
            platform=platform_name(platform),
            author=author,
            since=date_value(since, "--since"),
            until=date_value(until, "--until"),
            limit=limit,
            where=where,
        )
        _render_rows(archive, rows, as_json, title)


@command(
    help="Show one post: its record, every capture and check, copies found, and the posts "
    "it cites (an article) or the articles citing it."
)
def show(
    key: Annotated[str, typer.Argument(help="platform:post_id, or the post's URL.")],
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    from rich.table import Table

    from archiver.cli.recheck_commands import history_json, print_history
    from archiver.export.selection import find_row, missing_blobs
    from archiver.recheck.history import post_history
    from archiver.store import citations
    from archiver.store.checks import reason_of, state_text, states_of
    from archiver.store.screenshots import screenshots_for

    rt = runtime(home, config)
    with rt.open_archive(write=False) as archive:
        row = find_row(archive, key)
        if row is None:
            fail(f"no stored post {key!r}; `archiver list` shows what the archive holds")
        captures = archive.captures(row.key)
        media = archive.media(row.key)
        history = post_history(archive, row.key)
        shots = [shot.to_json() for shot in screenshots_for(archive, [row.key]).get(row.key, [])]
        state = states_of(archive, [row.key])[row.key].state
        cites = citations.cited_in(archive, row.key)
        cited_by = citations.citing(archive, row.key)
        cited_states = states_of(archive, [c.post_key for c in cites if c.status is not None])
        for missing in missing_blobs(archive, captures, media):
            err.print("[yellow]warning[/]:", data(missing))
    record = json.loads(row.record_json) if row.record_json else None
    capture_dicts = [
        {
            "id": c.id,
            "captured_at": c.captured_at,
            "method": c.method,
            "source": c.source,
            "status": c.status,
            "detail": c.status_detail,
            "http_status": c.http_status,
            "raw_sha256": c.raw_sha256,
            "content_hash": c.content_hash,
            "evidence": json.loads(c.evidence_json),
        }
        for c in captures
    ]
    if as_json:
        print_json(
            {
                "key": row.key,
                "status": state,
                "reason": reason_of(row.status),
                "status_detail": row.status_detail,
                "record": record,
                "captures": capture_dicts,
                "media": [m.model_dump() for m in media],
                "screenshots": shots,
                **history_json(history),
                "cites": [
                    {
                        "key": c.post_key,
                        "url": c.url,
                        "how": c.how,
                        "status": known.state if (known := cited_states.get(c.post_key)) else None,
                        "reason": reason_of(c.status) if c.status else None,
                    }
                    for c in cites
                ],
                "cited_in": [c.article_key for c in cited_by],
            }
        )
        return
    out.print(data(row.key, style="bold"), "", data(row.url))
    out.print("status:", data(state_text(state, row.status, row.status_detail)))
    if record:
        author = record["author"]
        out.print("author:", data(f"{author.get('name') or ''} @{author.get('handle') or ''}"))
        out.print("date:", data(record.get("created_at") or "unknown"))
        if record.get("title"):
            out.print("title:", data(record["title"]))
        # Indented, so a line of the post cannot pass for one of these ("status: deleted").
        text = (record.get("text") or "(no text)").replace("\r\n", "\n").split("\n")
        out.print("text:")
        out.print(data("\n".join(f"  {line}" for line in text), lines=True))
        for item in record.get("media", []):
            out.print("media:", data(f"{item['kind']} {item['url']}"))
        out.print("content hash:", data(row.content_hash))
    table = Table(title="captures")
    for column in ("#", "captured at", "method", "status", "raw sha256", "content hash", "source"):
        table.add_column(column, overflow="fold")
    for c in capture_dicts:
        table.add_row(
            str(c["id"]),
            data(c["captured_at"]),
            data(c["method"]),
            data(c["status"]),
            data(c["raw_sha256"][:16] + "…"),
            data((c["content_hash"] or "")[:23] + "…"),
            data(c["source"]),
        )
    out.print(table)
    for shot in shots:
        how = "" if shot["settled"] else " (shot at the deadline, still loading)"
        what = f"sha256 {shot['sha256']}" if shot["sha256"] else f"none: {shot['error']}"
        out.print("screenshot:", data(f"{shot['taken_at']} {what} of {shot['url']}{how}"))
    print_history(history)
    _print_citations(cites, cited_states, cited_by)


def _print_citations(
    cites: list[CitedPost], states: dict[str, PostState], cited_by: list[CitedPost]
) -> None:
    """What an article cites (embeds, then links), and which articles cite a post."""
    from rich.table import Table

    from archiver.store.checks import state_text

    if cites:
        table = Table(title=f"cites {len(cites)} post(s)")
        for column in ("#", "how", "key", "status", "url"):
            table.add_column(column, overflow="fold")
        for number, c in enumerate(cites, 1):
            state = states.get(c.post_key)
            shown = (
                state_text(state.state, c.status, None)
                if state is not None and c.status is not None
                else "not archived (its fetch failed; add the article again)"
            )
            table.add_row(str(number), c.how, data(c.post_key), data(shown), data(c.url))
        out.print(table)
    for c in cited_by:
        out.print("cited in:", data(c.article_key), f"({c.how})")


@command(help="Full-text search over post text, titles and authors.")
def search(
    query: Annotated[str, typer.Argument(help="Words to find (all must match; word* = prefix).")],
    limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    rt = runtime(home, config)
    with rt.open_archive(write=False) as archive:
        rows = archive.search(query, limit=limit)
        found = _render_rows(archive, rows, as_json, f"search: {query}")
    if not found and not as_json:
        err.print("no matching posts")
