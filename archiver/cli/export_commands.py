"""``cite``, ``export`` and ``verify``: getting posts out in citable, checkable form."""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from archiver.cli.common import (
    EXIT_PARTIAL,
    AuthorOption,
    ConfigOption,
    HomeOption,
    JsonOption,
    PlatformOption,
    SinceOption,
    StatusOption,
    UntilOption,
    command,
    err,
    fail,
    out,
    print_json,
    runtime,
)
from archiver.cli.terminal import data, plain
from archiver.export.cite import STYLES
from archiver.export.formats import FORMATS
from archiver.vocabulary import choose

if TYPE_CHECKING:  # the library is imported by the commands that use it (fast start)
    from archiver.export.selection import Selection
    from archiver.store import Archive

EXIT_VERIFY_FAILED = 1
_TAG = "bag-info "

RefsArg = Annotated[
    list[str] | None, typer.Argument(help="Posts to export: platform:post_id keys or URLs.")
]
CitedInOpt = Annotated[
    str | None,
    typer.Option(
        "--cited-in",
        metavar="ARTICLE",
        help="An article (its URL or key): the article and every post it cites.",
    ),
]
ArchiveUrlOpt = Annotated[
    str | None,
    typer.Option(
        metavar="URL", help="Where the bundle (or copy) will be published; citations point there."
    ),
]


@command(name="cite", help=f"Cite a stored post. Styles: {', '.join(STYLES)}.")
def cite_post(
    ref: Annotated[str, typer.Argument(metavar="KEY|URL", help="platform:post_id or a post URL.")],
    style: Annotated[
        str, typer.Option("--style", "-s", metavar="STYLE", help="Citation style.")
    ] = "apa",
    archive_url: Annotated[
        str | None,
        typer.Option(metavar="URL", help="URL where the archived copy can be consulted."),
    ] = None,
    no_archive: Annotated[
        bool,
        typer.Option("--no-archive", metavar="", help="Leave out the archived-copy information."),
    ] = False,
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    from archiver.export.cite import cite
    from archiver.export.selection import Item, archived_copy, find_row

    style = choose(style, STYLES, "style")
    with runtime(home, config).open_archive(write=False) as archive:
        row = find_row(archive, ref)
    if row is None:
        fail(f"no stored post {ref!r}; `archiver list` shows what the archive holds")
    item = Item(row=row, record_json=row.record_json)
    post = item.post
    if post is None:
        fail(f"{row.key} has no captured copy to cite (status: {row.status})")
    copy = None if no_archive else archived_copy(item, archive_url, exact=True)
    text = cite(post, style, copy)
    if row.differs_fields and not as_json:
        err.print(
            "[yellow]note[/]:",
            data(
                f"{row.key} changed since cited ({row.differs_fields.replace(' ', ', ')}); "
                f"this cites the version captured {post.capture.captured_at}; "
                "`archiver show` puts both versions side by side"
            ),
        )
    if as_json:
        # CSL-JSON is JSON already: nest it as an object, not as a string of JSON
        citation = json.loads(text) if style == "csl-json" else text
        print_json(
            {
                "key": row.key,
                "style": style,
                "citation": citation,
                "captured_at": post.capture.captured_at,
                "changed_since_cited": row.differs_fields.split() if row.differs_fields else None,
            }
        )
    else:
        shown = plain(text, lines=True)
        sys.stdout.write(shown if shown.endswith("\n") else shown + "\n")


def _bagging_date(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        fail(f"--bagging-date must be YYYY-MM-DD, got {value!r}")
    return value


@command(
    help="Export posts as a verifiable BagIt bundle (a directory, or a .zip when --out ends "
    "so), or with --format as one file."
)
def export(
    refs: RefsArg = None,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", metavar="PATH", help="Bundle directory or .zip; with --format, a file."
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help=f"One file instead of a bundle: {', '.join(FORMATS)}.",
        ),
    ] = None,
    platform: PlatformOption = None,
    author: AuthorOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    status: StatusOption = None,
    everything: Annotated[
        bool, typer.Option("--all", metavar="", help="Every post in the archive.")
    ] = False,
    cited_in: CitedInOpt = None,
    force: Annotated[
        bool, typer.Option("--force", metavar="", help="Replace an existing --out.")
    ] = False,
    source_organization: Annotated[
        str | None, typer.Option(metavar="ORG", help="bag-info Source-Organization.")
    ] = None,
    contact_name: Annotated[
        str | None, typer.Option(metavar="NAME", help="bag-info Contact-Name.")
    ] = None,
    contact_email: Annotated[
        str | None, typer.Option(metavar="EMAIL", help="bag-info Contact-Email.")
    ] = None,
    description: Annotated[
        str | None, typer.Option(metavar="TEXT", help="bag-info External-Description.")
    ] = None,
    bagging_date: Annotated[
        str | None, typer.Option(metavar="DATE", help="bag-info Bagging-Date (YYYY-MM-DD).")
    ] = None,
    software_agent: Annotated[
        str | None,
        typer.Option(
            metavar="AGENT", help="bag-info Bag-Software-Agent (default: archiver VERSION)."
        ),
    ] = None,
    archive_url: ArchiveUrlOpt = None,
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    from archiver.cli.timestamp_commands import print_bundle_stamps
    from archiver.export.bundle import BagInfo, export_bundle
    from archiver.export.selection import Selection
    from archiver.export.timestamps import TagStamper
    from archiver.vocabulary import date_value, platform_name, status_filter

    selection = Selection(
        refs=tuple(refs or ()),
        platform=platform_name(platform),
        author=author,
        since=date_value(since, "--since"),
        until=date_value(until, "--until"),
        status=status_filter(status),
        everything=everything,
        cited_in=cited_in,
    )
    rt = runtime(home, config)
    if fmt is not None:
        fmt = choose(fmt, FORMATS, "--format")
        with rt.open_archive(write=False) as archive:
            count = _export_file(archive, selection, fmt, out_path, force, archive_url)
        if out_path is not None and str(out_path) != "-":
            _done({"path": str(out_path), "format": fmt, "posts": count}, as_json)
        return
    if out_path is None:
        fail("--out PATH is required for a bundle (or give --format for a single file)")
    overrides = {"software_agent": software_agent} if software_agent else {}
    info = BagInfo.from_settings(
        rt.settings.export,
        source_organization=source_organization,
        contact_name=contact_name,
        contact_email=contact_email,
        description=description,
        bagging_date=_bagging_date(bagging_date),
        **overrides,
    )
    seal = TagStamper(rt.settings) if rt.settings.timestamps.enabled else None
    with rt.open_archive(write=False) as archive:
        report = export_bundle(
            archive, selection, out_path, info=info, archive_url=archive_url, force=force, seal=seal
        )
    if not as_json:
        print_bundle_stamps(report, seal)
    for missing in report.missing:
        err.print("[yellow]warning[/]:", data(missing))
    if as_json:
        print_json(report.to_json())
    else:
        out.print(
            data(
                f"wrote {report.path}: {report.posts} post(s), {report.unavailable} without a "
                f"copy, {report.captures} capture(s), {report.media_files} media file(s), "
                f"{report.files} files, {report.bytes} bytes"
            )
        )
    if report.missing:
        raise typer.Exit(EXIT_PARTIAL)


def _export_file(
    archive: Archive,
    selection: Selection,
    fmt: str,
    out_path: Path | None,
    force: bool,
    archive_url: str | None,
) -> int:
    from archiver.export.formats import write_format
    from archiver.export.selection import ExportError, first_or_empty, select_items
    from archiver.export.target import check_out_name

    if out_path is not None and str(out_path) != "-":
        check_out_name(out_path, fmt)
    items = first_or_empty(select_items(archive, selection, evidence=False), selection)
    if out_path is None or str(out_path) == "-":
        return write_format(fmt, items, sys.stdout, archive_url)
    if out_path.exists() and not force:
        raise ExportError(f"{out_path} already exists; choose another --out or add --force")
    if out_path.is_dir():
        raise ExportError(f"{out_path} is a directory; give a file name for --format")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle, temp = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.")
    except OSError as exc:
        raise ExportError(f"cannot write to {out_path.parent}: {exc.strerror}") from exc
    try:
        os.fchmod(handle, 0o666 & ~_umask())  # mkstemp makes 0600; a file gets the umask
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            count = write_format(fmt, items, stream, archive_url)
        os.replace(temp, out_path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return count


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _done(summary: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(summary)
    else:
        out.print(data(f"wrote {summary['path']}: {summary['posts']} post(s)"))


@command(
    help="Check a bundle: BagIt manifests, every record's content hash, every file, and its "
    "timestamps (when each post existed by)."
)
def verify(
    path: Annotated[Path, typer.Argument(help="A bundle directory or .zip.")],
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    from archiver.cli.timestamp_commands import print_times
    from archiver.evidence.authorities import configured_trust
    from archiver.export.verify import verify_bundle

    trust = configured_trust(runtime(None, config).settings.timestamps)
    report = verify_bundle(path, trust)
    if not as_json:
        print_times(report)
    if as_json:
        print_json(report.to_json())
    elif report.ok:
        out.print(
            data(f"OK {path}: {report.posts} record(s), {report.files} payload file(s) verified")
        )
    else:
        for problem in report.problems:
            err.print(data(f"FAILED {problem}"), highlight=False)
        err.print(
            data(f"{path}: {len(report.problems)} problem(s); the bundle was altered or damaged")
        )
    if not report.ok:
        raise typer.Exit(EXIT_VERIFY_FAILED)
