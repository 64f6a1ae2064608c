"""``extract``, ``add``, ``list``, ``show`` and ``search``: getting posts in and looking at them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from archiver.cli.common import (
    EXIT_PARTIAL,
    AllowPrivateOption,
    ConfigOption,
    HomeOption,
    JsonOption,
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
from archiver.cli.tables import Column, print_table, short_time
from archiver.cli.terminal import data, json_text
from archiver.vocabulary import PLATFORM_HELP, STATUS_HELP

if TYPE_CHECKING:  # the library is imported by the commands that use it (fast start)
    from archiver.export.versions import Versions
    from archiver.ingest import ItemReport, Summary
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
                f": {_differ(fields)} from the version first archived "
                "(archiver show puts both side by side)",
            )
        )


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
    changed: Annotated[
        bool,
        typer.Option(
            "--changed",
            metavar="",
            help="Only posts changed since cited: a later capture differs from the first.",
        ),
    ] = False,
    limit: Annotated[int | None, typer.Option(help="At most this many.")] = None,
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


@command(
    help="Show one post: its record, every capture and check, copies found, and the posts "
    "it cites (an article) or the articles citing it."
)
def show(
    key: Annotated[str, typer.Argument(help="platform:post_id, or the post's URL.")],
    wide: WideOption = False,
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:

    from archiver.cli.recheck_commands import history_json, print_history
    from archiver.export.selection import find_row, missing_blobs
    from archiver.export.versions import versions_of
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
        changed = versions_of(row, captures)
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
                "changed_since_cited": changed.to_json() if changed else None,
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
    if changed is not None:
        _print_versions(changed)
    print_table(
        out,
        [
            Column("#", "number"),
            Column("captured at", "time"),
            Column("method", "word"),
            Column("status", "word"),
            Column("raw sha256", "hash", 13),
            Column("content hash", "hash", 20),
            Column("source", "text"),
        ],
        [
            (
                c["id"],
                c["captured_at"],
                c["method"],
                c["status"],
                c["raw_sha256"],
                c["content_hash"],
                c["source"],
            )
            for c in capture_dicts
        ],
        title="captures",
        wide=wide,
    )
    for shot in shots:
        how = "" if shot["settled"] else " (shot at the deadline, still loading)"
        what = f"sha256 {shot['sha256']}" if shot["sha256"] else f"none: {shot['error']}"
        out.print("screenshot:", data(f"{shot['taken_at']} {what} of {shot['url']}{how}"))
    print_history(history, wide=wide)
    _print_citations(cites, cited_states, cited_by, wide)


def _differ(fields: tuple[str, ...]) -> str:
    return ", ".join(fields) + (" differs" if len(fields) == 1 else " differ")


def _print_versions(changed: Versions) -> None:
    """Both versions of a post changed since cited, side by side."""
    out.print(
        Text.assemble(
            ("changed since cited", "yellow"),
            f": {_differ(changed.fields)} from the version first archived",
        )
    )
    columns = [Column("", "word")]
    for capture, label in ((changed.cited, "first archived"), (changed.later, "later")):
        when = f"{label} {short_time(capture.captured_at)} ({capture.method}, #{capture.id})"
        columns.append(Column(when, "text"))
    print_table(out, columns, changed.side_by_side(), wide=True)


def _print_citations(
    cites: list[CitedPost], states: dict[str, PostState], cited_by: list[CitedPost], wide: bool
) -> None:
    """What an article cites (embeds, then links), and which articles cite a post."""

    from archiver.store.checks import state_text

    if cites:
        rows = []
        for number, c in enumerate(cites, 1):
            state = states.get(c.post_key)
            shown = (
                state_text(state.state, c.status, None)
                if state is not None and c.status is not None
                else "not archived (its fetch failed; add the article again)"
            )
            rows.append((number, c.how, c.post_key, shown, c.url))
        columns = [
            Column("#", "number"),
            Column("how", "word"),
            Column("key", "key"),
            Column("status", "name"),
            Column("url", "text"),
        ]
        print_table(out, columns, rows, title=f"cites {len(cites)} post(s)", wide=wide)
    for c in cited_by:
        out.print("cited in:", data(c.article_key), f"({c.how})")


@command(help="Full-text search over post text, titles and authors.")
def search(
    query: Annotated[str, typer.Argument(help="Words to find (all must match; word* = prefix).")],
    limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
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
