"""The archive's SQLite file: opening it, and telling damage from read-only, busy or full.

An archive is evidence: when its database file is damaged (a disk fault, a copy cut
short, a sync tool writing over it), every command must say so and what to do, never
print an unexpected error, and nothing must write into it, because SQLite writing
into a damaged b-tree or freelist can spread the damage. Three looks, by cost:

- :func:`header_problem` reads the first 100 bytes: not an SQLite file, or a file
  shorter than its header says (truncated). Constant cost; done on every open.
- :func:`quick_check` is ``PRAGMA quick_check``: every page and b-tree, in time that
  grows with the file (``bench/bench_integrity.py``), so it runs before writing and,
  while the file is small, on every open.
- :func:`explain` reads any error SQLite raises later (a damaged page met by a query).

A home that cannot be written (permissions, a read-only mount) is opened read-only
(:func:`connect`), so what it holds can still be listed, searched and exported.
This module knows SQLite, not archiver's tables; :mod:`archiver.store.archive` turns
its findings into errors.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

_MAGIC = b"SQLite format 3\x00"
_HEADER = 100
#: Rows of ``PRAGMA quick_check`` worth reading: the first few say what is wrong.
_PROBLEMS_SHOWN = 5
#: Up to this size commands that only read run ``PRAGMA quick_check`` too. It reads the
#: whole file, at 0.4 to 1.2 GB/s from a warm cache on a busy or quiet machine
#: (``bench/bench_integrity.py``), so this costs them 30 to 80 ms, about one page of
#: ``list``; a 100,000-post archive (~720 MB) would cost 0.6 to 1.8 s. Commands that write
#: check at any size.
CHEAP_CHECK_BYTES = 32 * 1024 * 1024

Trouble = Literal["damaged", "read-only", "busy", "full", "disk", "cannot-open", "unusable"]
#: Runs one SQL statement and returns its rows: ``sqlite3.Connection.execute`` or
#: SQLAlchemy's ``Connection.exec_driver_sql``.
Execute = Callable[[str], Iterable[Sequence[Any]]]

# Primary result codes (https://sqlite.org/rescode.html); extended codes add high bits.
_CODES: dict[int, Trouble] = {
    11: "damaged",  # SQLITE_CORRUPT: database disk image is malformed
    26: "damaged",  # SQLITE_NOTADB: file is not a database
    8: "read-only",  # SQLITE_READONLY: attempt to write a readonly database
    5: "busy",  # SQLITE_BUSY: database is locked
    6: "busy",  # SQLITE_LOCKED
    13: "full",  # SQLITE_FULL: database or disk is full
    10: "disk",  # SQLITE_IOERR
    14: "cannot-open",  # SQLITE_CANTOPEN: unable to open database file
}
_CONSTRAINT, _NOTADB = 19, 26
_WRITING_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
)


@dataclass(frozen=True)
class Finding:
    """What is wrong with the database and what the user can do about it, in one line."""

    trouble: Trouble
    message: str


def damaged(db_path: Path, detail: str, *, salvageable: bool = True) -> Finding:
    """The one message for damage: what is wrong, that archiver will not write, what to do."""
    if salvageable:
        recovered = shlex.quote(str(db_path.with_name("recovered.db")))
        todo = (
            "restore it from a backup, or salvage what is readable with "
            f"`sqlite3 {shlex.quote(str(db_path))} .recover | sqlite3 {recovered}` and put "
            "recovered.db in its place"
        )
    else:
        todo = "restore it from a backup (it is not an SQLite file: nothing to salvage)"
    return Finding(
        "damaged",
        f"the archive database is damaged: {db_path}: {detail}; archiver will not write to "
        f"it. To go on, {todo} (see docs/security.md, Damaged archives)",
    )


def read_only_home(home: Path) -> Finding:
    return Finding(
        "read-only",
        f"the archive home {home} is read-only, so nothing can be added to it; "
        "list, search, show, cite and export still work. Copy the home somewhere "
        "writable, or make it writable, to add or recheck posts",
    )


def home_is_writable(home: Path) -> bool:
    """True when archiver can write the home: the directory (for the write-ahead log and
    new blobs) and, if it exists, ``archive.db``. A read-only mount answers False here
    for every user, root included."""
    db_path = home / "archive.db"
    if not os.access(home, os.W_OK | os.X_OK):
        return False
    return not db_path.exists() or os.access(db_path, os.W_OK)


def header_problem(db_path: Path) -> Finding | None:
    """Why the file cannot be a whole SQLite database, from its 100-byte header, or None.

    An empty or missing file is not damaged: SQLite makes a new database of it.
    """
    try:
        size = db_path.stat().st_size
        if size == 0:
            return None
        with db_path.open("rb") as handle:
            header = handle.read(_HEADER)
    except FileNotFoundError:
        return None
    if not header.startswith(_MAGIC) and not _MAGIC.startswith(header):
        detail = f"not an SQLite database (it starts with {header[:16]!r})"
        return damaged(db_path, detail, salvageable=False)
    if len(header) < _HEADER:
        return damaged(db_path, f"only {size} bytes long, shorter than an SQLite header")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return damaged(db_path, f"its header names an impossible page size ({page_size})")
    change_counter = header[24:28]
    pages = int.from_bytes(header[28:32], "big")
    # The page count is valid only when the write that set it also set version-valid-for;
    # while a write-ahead log holds pages, the main file may lag behind it.
    counted = pages > 0 and change_counter == header[92:96]
    if counted and size < pages * page_size and not has_wal(db_path):
        detail = f"{size:,} bytes long where its header says {pages * page_size:,} (truncated)"
        return damaged(db_path, detail)
    return None


def has_wal(db_path: Path) -> bool:
    """True when a write-ahead log holds pages not yet copied into ``archive.db``."""
    wal = db_path.with_name(db_path.name + "-wal")
    return wal.exists() and wal.stat().st_size > 0


def quick_check(execute: Execute) -> list[str]:
    """``PRAGMA quick_check``'s first problems, or ``[]`` for a sound database."""
    rows = [str(row[0]) for row in execute(f"PRAGMA quick_check({_PROBLEMS_SHOWN})")]
    if rows == ["ok"]:
        return []
    lines = (line.strip() for row in rows for line in row.splitlines())
    return [line for line in lines if line and not line.startswith("*** in database")]


def check(execute: Execute, db_path: Path) -> Finding | None:
    """A :func:`damaged` finding unless ``PRAGMA quick_check`` finds the database sound."""
    problems = quick_check(execute)
    return damaged(db_path, "; ".join(problems)) if problems else None


# -- opening ---------------------------------------------------------------------------------


def prepare(home: Path, *, read_only: bool, db_path: Path | None = None) -> Finding | None:
    """Make the home when writing; then why its ``archive.db`` (or ``db_path``) cannot be
    opened, or None."""
    db_path = db_path or home / "archive.db"
    if read_only and not db_path.is_file():
        return Finding("unusable", f"no archive in {home} (no archive.db there); check --home")
    if not read_only:
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return Finding("cannot-open", f"cannot create archive home {home}: {exc.strerror}")
        if not home_is_writable(home):
            return read_only_home(home)
    return header_problem(db_path)


def connect(db_path: Path, *, read_only: bool) -> sqlite3.Connection:
    """A connection by SQLite URI, so any path works (``?`` or ``#`` in a directory name).

    Reading only: ``mode=ro``, so SQLite refuses every write; on a home nobody may write
    and with no write-ahead log to read, ``immutable=1`` (SQLite cannot create the shared
    memory file WAL mode otherwise needs, even for reading).
    """
    mode = ""
    if read_only:
        readable_log = home_is_writable(db_path.parent) or has_wal(db_path)
        mode = "?mode=ro" if readable_log else "?immutable=1"
    uri = f"file:{quote(str(db_path.absolute()))}{mode}"
    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    connection.execute("PRAGMA busy_timeout=10000")
    if not read_only:
        # WAL: readers never block the writer, and an interrupted write loses only the
        # transaction in flight.
        for pragma in _WRITING_PRAGMAS:
            connection.execute(pragma)
    return connection


def missing_tables(execute: Execute, db_path: Path, wanted: Iterable[str]) -> Finding | None:
    """For an archive opened read-only, which cannot be given the tables it lacks."""
    found = {str(row[0]) for row in execute("SELECT name FROM sqlite_master")}
    missing = sorted(set(wanted) - found)
    if not missing:
        return None
    return Finding(
        "unusable",
        f"{db_path} lacks the tables {', '.join(missing)}: it was made by an older "
        "archiver (open it once where the home can be written, to update it) or is not "
        "an archive",
    )


# -- errors met later ------------------------------------------------------------------------


def explain(error: BaseException, db_path: Path) -> Finding | None:
    """What an error SQLite raised says about the archive; one of no known kind is checked
    with ``PRAGMA quick_check``, as damage can surface as any error."""

    def recheck() -> list[str]:
        connection = connect(db_path, read_only=True)
        try:
            return quick_check(connection.execute)
        finally:
            connection.close()

    return classify(error, db_path, recheck=recheck)


def classify(
    error: BaseException, db_path: Path, *, recheck: Callable[[], list[str]] | None = None
) -> Finding | None:
    """What an error raised by SQLite says about the archive, or None when it says
    nothing (a bug, not the file). An error of no known kind is checked with ``recheck``
    (a quick_check): damage can surface as any error."""
    if not isinstance(error, sqlite3.Error):
        return None
    code = getattr(error, "sqlite_errorcode", None)
    trouble = _CODES.get(code & 0xFF) if isinstance(code, int) else None
    if trouble == "damaged":
        return damaged(db_path, str(error), salvageable=code != _NOTADB)
    if trouble == "read-only":
        return read_only_home(db_path.parent)
    if trouble == "busy":
        return Finding(
            trouble,
            f"{db_path} is in use by another archiver that is writing ({error}); "
            "run this again when it has finished",
        )
    if trouble == "full":
        return Finding(
            trouble,
            f"the disk holding {db_path} is full ({error}); what was committed before is "
            "kept. Free some space and run the command again",
        )
    if trouble == "disk":
        return Finding(
            trouble,
            f"{db_path} could not be read or written ({error}); check the disk. If this "
            "persists, run `archiver list` to see whether the database is damaged",
        )
    if trouble == "cannot-open":
        return Finding(
            trouble,
            f"{db_path} cannot be opened ({error}); check that the archive home exists "
            "and that you may read it",
        )
    if recheck is not None and code != _CONSTRAINT and isinstance(error, sqlite3.DatabaseError):
        try:
            problems = recheck()
        except sqlite3.DatabaseError as checking:
            return damaged(db_path, str(checking))
        if problems:
            return damaged(db_path, "; ".join(problems))
    return None
