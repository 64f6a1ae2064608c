"""The archive's schema: made new, or brought up to date by Alembic revisions, on both engines.

Each schema change is a revision in :mod:`archiver.store.migrations` and the archive
records the one it is at in Alembic's ``alembic_version`` table. Opening an archive at an
earlier revision runs every revision after it, in one transaction under a lock (SQLite's
``BEGIN IMMEDIATE``, a PostgreSQL advisory lock): an interrupted or failed upgrade leaves
the archive exactly as it was, and two processes opening the same old archive upgrade it
once (the second waits, then finds it done). A new table needs no revision (it is created
when missing); a new column, index or change of data does.

SQLite archives made before revisions were kept record their schema in ``PRAGMA
user_version`` (0 or 1: the first schema, 2 to 4: that revision); they are stamped with that
revision and upgraded from there. SQLite archives keep ``user_version`` equal to their
revision's place in :data:`REVISIONS`, so an archiver from before Alembic refuses an
archive newer than it knows. An archive at the newest revision is opened without
importing Alembic at all.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from archiver.errors import ArchiverError
from archiver.store import citations as _citations  # noqa: F401  (registers its table)
from archiver.store import screenshots as _screenshots  # noqa: F401  (registers its tables)
from archiver.store import tables as _tables  # noqa: F401  (registers every table with SQLModel.metadata)
from archiver.store.fts import ensure_fts

#: Every revision, oldest first; the last is the schema this archiver writes.
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005")
VERSION_TABLE = "alembic_version"


class NewerArchiveError(ArchiverError):
    """The archive was written by a later archiver, whose schema this one does not know."""

    def __init__(self, version: int | str) -> None:
        super().__init__(
            f"the archive has schema version {version}, newer than this archiver's "
            f"{current_version()}; upgrade archiver to open it"
        )
        self.version = version


class NotAnArchiveError(ArchiverError):
    """The database holds tables but no archive: nothing is written to it."""


def current_version() -> int:
    return len(REVISIONS)


def head() -> str:
    return REVISIONS[-1]


def create_missing_indexes(connection: Connection) -> None:
    """Create every index the tables declare that the archive lacks (for revisions).

    Tables the archive does not have yet are left to ``create_all``, which makes them with
    their indexes after the revisions have run; an index on a column a later revision adds
    is left to that revision.
    """
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in existing:
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing = {column.name for column in table.columns} - present
        for index in table.indexes:
            where = index.dialect_options["sqlite"].get("where")  # the same on PostgreSQL
            where = "" if where is None else str(where)
            used = {column.name for column in index.columns} | set(re.findall(r"\w+", where))
            if used & missing:
                continue  # a later step adds the column, and then the index
            index.create(connection, checkfirst=True)


def schema_version(connection: Connection) -> int:
    """The schema version the archive records: its revision's place in :data:`REVISIONS`
    (0 for a new database); a revision this archiver does not know is a newer one."""
    revision = _revision(connection, set(inspect(connection).get_table_names()))
    if revision is None:
        return 0
    if revision not in REVISIONS:
        raise NewerArchiveError(revision)
    return REVISIONS.index(revision) + 1


def _revision(connection: Connection, tables: set[str]) -> str | None:
    """The revision the archive is at; None for a new database."""
    version = 0
    if connection.dialect.name == "sqlite":  # kept in user_version before revisions, and since
        version = int(connection.exec_driver_sql("PRAGMA user_version").scalar() or 0)
        if version > len(REVISIONS):
            raise NewerArchiveError(version)
    if VERSION_TABLE in tables:
        found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
        if found is not None:
            return str(found)
    if "posts" not in tables:
        return None
    return REVISIONS[max(version, 1) - 1]


def _check(revision: str | None, tables: set[str], *, create: bool) -> None:
    if revision is not None and revision not in REVISIONS:
        raise NewerArchiveError(revision)
    if revision is None and tables - {VERSION_TABLE}:
        raise NotAnArchiveError(
            "the database holds tables of something else, not an archive "
            f"({', '.join(sorted(tables)[:3])}…); give an empty database or an archive"
        )
    if revision is None and not create:
        raise NotAnArchiveError("no archive in this database yet; add posts to make one")


def prepare(engine: Engine, *, create: bool = True) -> None:
    """Make the archive behind ``engine`` current: create it, or upgrade it in one transaction.

    Raises :class:`NewerArchiveError` for an archive written by a later archiver,
    :class:`NotAnArchiveError` for a database holding other tables (or none, unless
    ``create``), and SQLAlchemy's errors for a file that is not an SQLite database.
    """
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        revision = _revision(connection, tables)
        _check(revision, tables, create=create)
        if revision == head() and VERSION_TABLE in tables:
            SQLModel.metadata.create_all(connection)  # tables added since; reads only if none
            connection.commit()
            return
    with engine.connect() as connection:
        _lock(connection)
        tables = set(inspect(connection).get_table_names())
        revision = _revision(connection, tables)
        _check(revision, tables, create=create)
        if revision is None:
            SQLModel.metadata.create_all(connection)
            ensure_fts(connection)
            _alembic(connection, "stamp", head())
        else:
            if VERSION_TABLE not in tables:
                _alembic(connection, "stamp", revision)
            _alembic(connection, "upgrade", head())
            SQLModel.metadata.create_all(connection)
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"PRAGMA user_version = {current_version()}")
        connection.commit()


def _lock(connection: Connection) -> None:
    """One process at a time makes or upgrades a schema; the others wait for it."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('archiver schema'))"))
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@cache
def _config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "archiver.store:migrations")
    return config


def _alembic(connection: Connection, action: str, revision: str) -> None:
    """Alembic's ``stamp`` or ``upgrade`` on ``connection``, inside its transaction."""
    from alembic import command

    config = _config()
    config.attributes["connection"] = connection
    try:
        getattr(command, action)(config, revision)
    finally:
        del config.attributes["connection"]
