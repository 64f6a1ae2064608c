"""Where SQLite and PostgreSQL differ, in one place: the URL, the engine, and the SQL.

The store's queries are written once, in the SQL SQLite runs, and SQLite runs them as
they are (its path costs nothing here). PostgreSQL gets the same statements with the few
SQLite forms they use put in its terms, by one hook on its engine just before a statement
is sent (:func:`_for_postgresql`):

- ``json_each(:keys)`` (a JSON array parameter as a set of values, so a query takes any
  number of keys as one parameter) is ``json_array_elements_text``;
- ``posts INDEXED BY ix_…`` (SQLite told which index holds a walk's order) is ``posts``:
  PostgreSQL's planner chooses by itself;
- a unary ``+column`` (which keeps SQLite off an index) is the column.

Statements built from SQLAlchemy constructs need no hook: :func:`insert` gives each
engine's ``INSERT … ON CONFLICT``. Text columns sort by code point on PostgreSQL as they
do in SQLite (``COLLATE "C"``), so every order, keyset page and ``--json`` list is the same
on both engines whatever the server's locale.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import String, Table, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import TypeCompiler

POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


def is_postgres(url: str | None) -> bool:
    """True for a ``postgresql://…`` URL; anything else names a SQLite file."""
    return bool(url) and urlsplit(str(url)).scheme in POSTGRES_SCHEMES


def shown(url: str) -> str:
    """``url`` fit to print: its password, if any (``user:password@`` or a ``password=``
    parameter), replaced by ``***``."""
    parts = urlsplit(url)
    query = _PASSWORD_PARAMETER.sub(r"\1***", parts.query)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        if ":" in user:
            netloc = user.split(":", 1)[0] + ":***@" + host
    return urlunsplit(parts._replace(netloc=netloc, query=query))


_PASSWORD_PARAMETER = re.compile(r"(?i)((?:^|&)password=)[^&]*")


def check_url(url: str) -> None:
    """Refuse, in one line, a database URL archiver cannot use (before connecting)."""
    from archiver.errors import ArchiverError

    scheme = urlsplit(url).scheme if "://" in url else ""
    if scheme and scheme != "sqlite" and not is_postgres(url):
        raise ArchiverError(
            f"{shown(url)}: not a database archiver can use; give a SQLite file or "
            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    if is_postgres(url):
        try:
            urlsplit(url).port  # noqa: B018  (parsing it is the check)
        except ValueError:
            raise ArchiverError(f"{shown(url)}: the port is not a number") from None


def postgres_engine(url: str) -> Engine:
    """An engine on a PostgreSQL archive, through psycopg 3 (imported only here, when used)."""
    from sqlalchemy import create_engine

    driver_url = "postgresql+psycopg://" + url.split("://", 1)[1]
    engine = create_engine(
        driver_url,
        pool_pre_ping=True,
        # A server that does not answer is an error in seconds, not a hang.
        connect_args={"connect_timeout": 10, "application_name": "archiver"},
    )
    event.listen(engine, "before_cursor_execute", _for_postgresql, retval=True)
    return engine


_JSON_VALUES = re.compile(r"\bjson_each\((%\(\w+\)s)\)")
_INDEXED_BY = re.compile(r"\s+INDEXED BY \w+")
_NO_INDEX = re.compile(r"(?<![\w)'])\+(?=[a-z_]+\.[a-z_]+)")


def _for_postgresql(
    _conn: Connection, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
) -> tuple[str, Any]:
    if "json_each(" in statement:
        statement = _JSON_VALUES.sub(r"json_array_elements_text(CAST(\1 AS json))", statement)
    if "INDEXED BY" in statement:
        statement = _INDEXED_BY.sub("", statement)
    if "+" in statement:
        statement = _NO_INDEX.sub("", statement)
    return statement, parameters


def insert(connection: Connection, table: Table) -> Any:
    """``INSERT`` with ``on_conflict_do_update``/``do_nothing`` for this connection's engine."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgres_insert

        return postgres_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def update_or_skip(connection: Connection, table: Table, column: str, keys: dict[str, str]) -> None:
    """Set ``column`` from ``keys["text"]`` to ``keys["real"]`` in each row of ``table``
    where that breaks no unique constraint; the rows that would are left as they were.

    SQLite says this in one statement (``UPDATE OR IGNORE``); PostgreSQL has none, so each
    row is moved under a savepoint of its own, which a row already held is rolled back to.
    """
    name = table.name
    if connection.dialect.name != "postgresql":
        connection.execute(
            text(f"UPDATE OR IGNORE {name} SET {column} = :real WHERE {column} = :text"), keys
        )
        return
    from sqlalchemy.exc import IntegrityError

    primary = [c.name for c in table.primary_key.columns]
    rows = connection.execute(
        text(f"SELECT {', '.join(primary)} FROM {name} WHERE {column} = :text"), keys
    ).all()
    match = " AND ".join(f"{c} = :pk{i}" for i, c in enumerate(primary))
    for row in rows:
        params = keys | {f"pk{i}": value for i, value in enumerate(row)}
        try:
            with connection.begin_nested():
                connection.execute(
                    text(f"UPDATE {name} SET {column} = :real WHERE {match}"), params
                )
        except IntegrityError:
            continue  # the real post holds this row already


@compiles(String, "postgresql")
def _binary_collation(element: String, compiler: TypeCompiler, **kw: Any) -> str:
    """Text compared by code point, as SQLite compares it (see the module's docstring)."""
    rendered = compiler.visit_string(element, **kw)  # type: ignore[attr-defined]
    return rendered if element.collation else f'{rendered} COLLATE "C"'


def explain_postgres(error: BaseException, where: str) -> str | None:
    """What an error from the PostgreSQL server or its driver means for the user, in one
    line naming the archive as ``where`` (its URL without the password); None for an error
    that says nothing about the connection (a bug, not the setup)."""
    import psycopg

    if not isinstance(error, psycopg.OperationalError):
        return None
    detail = " ".join(str(error).split())
    if "password authentication failed" in detail or "no password supplied" in detail:
        return f"{where}: the server refused the user name or password; check them in the URL"
    if "does not exist" in detail and "database" in detail:
        return f"{where}: no such database on the server; create it first (createdb NAME)"
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        return f"{where}: the database user may not do this ({detail})"
    reachable = ("connection", "failed to resolve host", "could not translate host")
    if not detail.startswith(reachable):
        return None
    return (
        f"{where}: cannot connect to the PostgreSQL server ({_server_reason(detail)}); "
        "check the URL and that the server is running"
    )


def _server_reason(detail: str) -> str:
    """The last reason libpq gives (it tries each address of a host in turn)."""
    reason = detail.rsplit("failed:", 1)[-1].strip()
    return reason or detail


def advance_ids(connection: Connection, table: Table) -> None:
    """After rows were inserted with their ids: new rows get ids past them. SQLite does
    this by itself; PostgreSQL's sequence behind a serial key must be moved."""
    if connection.dialect.name != "postgresql":
        return
    key = list(table.primary_key.columns)
    if len(key) != 1 or key[0].type.python_type is not int:
        return
    column = key[0].name
    connection.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence(:table, :column), "
            f"COALESCE((SELECT MAX({column}) FROM {table.name}), 0) + 1, false)"
        ),
        {"table": table.name, "column": column},
    )
