"""The ``archiver`` command line: a thin layer of Typer commands over the library.

Each module registers the commands of one area on the shared ``app``; none holds
logic a library user would need.
"""

from archiver.cli import archive_commands as _archive_commands  # noqa: F401  (registers commands)
from archiver.cli import export_commands as _export_commands  # noqa: F401  (registers commands)
from archiver.cli import recheck_commands as _recheck_commands  # noqa: F401  (registers commands)
from archiver.cli.common import app


def main() -> None:
    app()


__all__ = ["app", "main"]
