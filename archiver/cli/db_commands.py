"""``db copy``: moving an archive's database between SQLite and PostgreSQL.

The work and its checks are :mod:`archiver.store.copy`; this module names the two
databases (a ``postgresql://`` URL, an ``archive.db`` file, or an archive home holding
one) and says what was copied and proven, showing URLs without their passwords.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from archiver.cli.common import (
    ConfigOption,
    FlagCommand,
    FlagGroup,
    HomeOption,
    JsonOption,
    app,
    fail,
    guarded,
    out,
    print_json,
    runtime,
)
from archiver.cli.terminal import data

db_app = typer.Typer(
    cls=FlagGroup,
    help="The archive's database: copy it between SQLite and PostgreSQL.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")

DatabaseArgument = Annotated[
    str,
    typer.Argument(
        metavar="DATABASE",
        help="postgresql://USER:PASSWORD@HOST/NAME, an archive.db file, or an archive home.",
    ),
]


def _database(value: str) -> str:
    """A PostgreSQL URL as it is; a SQLite file, or the ``archive.db`` of a home folder."""
    from archiver.store.dialect import is_postgres

    if is_postgres(value):
        return value
    path = Path(value)
    return str(path if path.suffix == ".db" and not path.is_dir() else path / "archive.db")


@db_app.command(
    "copy",
    cls=FlagCommand,
    help="Copy an archive's posts, captures, checks, runs, copies, aliases, media and "
    "timestamps to another database (SQLite ↔ PostgreSQL), then check every row count "
    "and content hash. Running it again copies nothing new.",
)
def copy(
    source: DatabaseArgument,
    target: DatabaseArgument,
    home: HomeOption = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    with guarded():
        from archiver.store import Archive
        from archiver.store.copy import copy_archive
        from archiver.store.dialect import is_postgres, shown

        rt = runtime(home, config)
        source, target = _database(source), _database(target)
        if source == target:
            fail("the source and the target are the same database")
        if not is_postgres(source) and not Path(source).is_file():
            fail(f"no archive at {source}")
        if not is_postgres(target):
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        with (
            Archive.for_reading(rt.home, source) as origin,
            Archive.for_writing(rt.home, target) as destination,
        ):
            report = copy_archive(origin, destination)
        if as_json:
            print_json(
                {
                    "source": shown(source),
                    "target": shown(target),
                    "copied": report.copied,
                    "rows": report.total,
                    "hashes_checked": report.hashes_checked,
                }
            )
            return
        table = Table(title=data(f"{shown(source)} → {shown(target)}"), show_edge=False)
        for name in ("table", "copied now", "rows in both"):
            table.add_column(name, justify="left" if name == "table" else "right")
        for name, total in report.total.items():
            table.add_row(name, f"{report.copied.get(name, 0):,}", f"{total:,}")
        out.print(table)
        out.print(
            f"verified: every table has as many rows in both, and all "
            f"{report.hashes_checked:,} content hashes match"
        )
