"""The ``archiver`` command line: a thin layer of Typer commands over the library.

Each module registers the commands of one area on the shared ``app``; none holds
logic a library user would need.
"""

from typing import Annotated

import typer

from archiver import __version__

# Commands are listed in --help in the order they are registered: `timestamp` first, as
# before the command modules imported the library lazily.
# isort: off
from archiver.cli import timestamp_commands as _timestamp_commands  # noqa: F401  (registers commands)
from archiver.cli import archive_commands as _archive_commands  # noqa: F401  (registers commands)

# isort: on
from archiver.cli import db_commands as _db_commands  # noqa: F401  (registers commands)
from archiver.cli import export_commands as _export_commands  # noqa: F401  (registers commands)
from archiver.cli import recheck_commands as _recheck_commands  # noqa: F401  (registers commands)
from archiver.cli.common import app, choose_database


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"archiver {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            metavar="",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="The archive's database: a SQLite file or postgresql://… "
            "(default: $ARCHIVER_DB, [store] url, or archive.db in the home).",
        ),
    ] = None,
) -> None:
    choose_database(db)


def main() -> None:
    app()


__all__ = ["app", "main"]
