"""What every command shares: the options, opening the archive, and turning failures
into one line for the user.

A person citing posts in a deadline should never meet a traceback: every known
failure (an :class:`~archiver.errors.ArchiverError`, or a file the system cannot open)
becomes one line saying what went wrong and what to do, with a non-zero exit code, and
an interrupted run says that what was committed is kept.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from archiver.cli.terminal import data, json_text
from archiver.errors import EXIT_INTERRUPTED, EXIT_PARTIAL, EXIT_USAGE, ArchiverError
from archiver.vocabulary import PLATFORM_HELP, STATUS_HELP

if TYPE_CHECKING:
    # Imported where a command needs them, so `archiver --help` and a command's own start
    # do not pay for the store (sqlmodel, sqlalchemy) or the settings' models: see
    # tests/cli/test_startup.py.
    from archiver.config import Settings
    from archiver.store import Archive


class _FlagsTakeNoValue:
    """Flags Typer adds itself (``--help``, ``--install-completion``) shown like archiver's
    own, without a ``<bool>`` metavar that invites ``--help true``."""

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params


class FlagCommand(_FlagsTakeNoValue, TyperCommand):
    """A command whose flags show no ``<bool>`` (every archiver command is one)."""


class FlagGroup(_FlagsTakeNoValue, TyperGroup):
    """A group whose flags show no ``<bool>``: the app, and each sub-app (``db``)."""


app = typer.Typer(
    cls=FlagGroup,
    name="archiver",
    help="Preserve the social-media posts you cite, and check later whether they still exist.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)

# No emoji codes: ":thumbs_up:" in a post is text (see archiver.cli.terminal).
out = Console(soft_wrap=True, highlight=False, emoji=False)
err = Console(stderr=True, soft_wrap=True, highlight=False, emoji=False)

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home", metavar="DIR", help="Archive home (default: $ARCHIVER_HOME or ./archive)."
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="A TOML file overriding config/default.toml ($ARCHIVER_CONFIG).",
    ),
]
# The filters that select posts, the same words in list, recheck and export.
PlatformOption = Annotated[str | None, typer.Option(metavar="NAME", help=PLATFORM_HELP)]
AuthorOption = Annotated[
    str | None, typer.Option(metavar="HANDLE", help="Handle (with or without @) or name.")
]
SinceOption = Annotated[
    str | None, typer.Option(metavar="DATE", help="Posted on or after YYYY-MM-DD.")
]
UntilOption = Annotated[
    str | None, typer.Option(metavar="DATE", help="Posted on or before YYYY-MM-DD.")
]
StatusOption = Annotated[str | None, typer.Option(metavar="STATE", help=STATUS_HELP)]
JsonOption = Annotated[
    bool, typer.Option("--json", metavar="", help="Machine-readable JSON output.")
]
WideOption = Annotated[
    bool,
    typer.Option("--wide", metavar="", help="Show every value whole, wrapping long ones."),
]
AllowPrivateOption = Annotated[
    bool,
    typer.Option(
        "--allow-private",
        metavar="",
        help="Also fetch loopback, private and link-local addresses (see docs/security.md).",
    ),
]


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One line on stderr; ``message`` is shown as data (names in it cannot act)."""
    err.print("[bold red]error:[/]", data(message), highlight=False)
    raise typer.Exit(code)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__


def _configure_logging() -> None:
    """Library logs (retries, a parser's traceback) show only with ``ARCHIVER_DEBUG=1``:
    without it every problem already reaches the user as one line, and Python's last-resort
    handler would print those tracebacks on stderr."""
    library = logging.getLogger("archiver")
    if os.environ.get("ARCHIVER_DEBUG"):
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    elif not any(isinstance(h, logging.NullHandler) for h in library.handlers):
        library.addHandler(logging.NullHandler())


@contextmanager
def guarded() -> Iterator[None]:
    """Run a command body; known failures and interrupts end as one line, never a traceback."""
    _configure_logging()
    try:
        yield
    except typer.Exit:
        raise
    except BrokenPipeError:
        # The reader went away (``archiver extract ... | head``): stop quietly, as cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None
    except KeyboardInterrupt:
        err.print(
            "interrupted: everything stored before the interruption is kept; run again to continue"
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except ArchiverError as exc:
        fail(exc.user_message, exc.exit_code)
    except OSError as exc:
        fail(_describe(exc))
    except Exception as exc:
        if os.environ.get("ARCHIVER_DEBUG"):
            raise
        fail(
            f"unexpected {exc.__class__.__name__}: {_describe(exc)} "
            "(please report it; ARCHIVER_DEBUG=1 shows the traceback)",
            EXIT_PARTIAL,
        )


def command(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``app.command`` whose body runs inside :func:`guarded`."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        import functools

        @functools.wraps(function)
        def wrapper(*a: Any, **k: Any) -> Any:
            with guarded():
                return function(*a, **k)

        return app.command(*args, cls=FlagCommand, **kwargs)(wrapper)

    return decorate


#: ``archiver --db URL``, given before the command (see :func:`choose_database`).
_database_option: list[str | None] = [None]


def choose_database(url: str | None) -> None:
    """Remember ``--db`` for the command that follows it on the same command line."""
    _database_option[0] = url


@dataclass
class Runtime:
    settings: Settings
    home: Path
    #: The archive's database (``--db``, ``$ARCHIVER_DB``, ``[store] url``); None: the home's.
    db: str | None = None

    def open_archive(self, *, write: bool = True, create: bool = False) -> Archive:
        """The archive, checked for damage (:mod:`archiver.store.sqlite_file`); ``write=False``
        for commands that only read, which also work on a read-only home. Only commands
        that store posts (``create``) make one, so a command run in the wrong folder says
        so instead of showing an empty archive."""
        from archiver.store import Archive
        from archiver.store.archive import sqlite_path
        from archiver.store.dialect import check_url, is_postgres

        store = self.settings.store
        blobs, warc = (Path(place) if place else None for place in (store.blobs, store.warc))
        if self.db:
            check_url(self.db)
        if is_postgres(self.db):  # the server says whether it holds an archive
            if write:
                return Archive.for_writing(
                    self.home, self.db, create=create, blobs=blobs, warc=warc
                )
            return Archive.for_reading(self.home, self.db, blobs=blobs, warc=warc)
        if not create and not sqlite_path(self.home, self.db).is_file():
            shown = str(self.db or self.home)
            shown = shown if Path(shown).is_absolute() or shown.startswith(".") else f"./{shown}"
            fail(f"no archive at {shown} (use --home or ARCHIVER_HOME)")
        if write:
            return Archive.for_writing(self.home, self.db, blobs=blobs, warc=warc)
        return Archive.for_reading(self.home, self.db, blobs=blobs, warc=warc)


def runtime(home: Path | None, config: Path | None, *, allow_private: bool = False) -> Runtime:
    from archiver.config import archive_home, load_settings, store_url

    settings = load_settings(config)
    if allow_private:
        settings.network.allow_private_addresses = True
    db = store_url(settings, _database_option[0])
    return Runtime(settings=settings, home=archive_home(settings, home), db=db)


def print_json(value: Any) -> None:
    """One JSON document (or JSON Lines when called per item) on stdout."""
    sys.stdout.write(json_text(json.dumps(value, ensure_ascii=False)) + "\n")
