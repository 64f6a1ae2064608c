"""The PostgreSQL server the store tests run against, started once per test session.

``$ARCHIVER_TEST_PG`` names a server to use instead (a URL to a database whose user may
create databases); otherwise ``scripts/pg_test_server.py`` starts a throwaway cluster
from the installed ``postgresql`` package and stops it at the end. Each test gets a
database of its own. When no server can be had, the PostgreSQL tests are skipped and
say why; the SQLite ones still run.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pg_test_server.py"
_spec = importlib.util.spec_from_file_location("pg_test_server", _SCRIPT)
assert _spec is not None and _spec.loader is not None
server: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(server)

SERVER_ENV = "ARCHIVER_TEST_PG"


def _connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=10)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a running server's maintenance database, or a skip saying why not."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("PostgreSQL tests need psycopg (pip install -e '.[test]')")
    given = os.environ.get(SERVER_ENV)
    if given:
        yield given
        return
    folder = Path(tempfile.mkdtemp(prefix="archiver-pg-"))
    try:
        url = server.start(folder)
    except server.ServerUnavailable as exc:
        server.stop(folder)
        pytest.skip(f"no PostgreSQL server could be started: {exc}")
    try:
        yield url
    finally:
        server.stop(folder)


def with_database(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + database


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL to a new, empty database of this test's own, dropped afterwards."""
    name = "t_" + uuid.uuid4().hex[:16]
    with _connect(pg_server) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield with_database(pg_server, name)
    finally:
        with _connect(pg_server) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_url(request: pytest.FixtureRequest) -> str | None:
    """Runs a test once per engine: None for the home's own SQLite file, then the URL of a
    PostgreSQL database of the test's own."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("pg_url"))


def read_rows(url: str, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Rows of ``sql`` (``?`` for each parameter, as sqlite3 takes them) read from a
    PostgreSQL archive with the driver alone, as a user's own tools would."""
    return [tuple(row) for row in _read(url, sql, params)]


def read_mappings(url: str, sql: str, *params: object) -> list[dict[str, Any]]:
    """:func:`read_rows`, each row a mapping of column names to values."""
    from psycopg.rows import dict_row

    return list(_read(url, sql, params, dict_row))


def _read(url: str, sql: str, params: tuple[object, ...], factory: Any = None) -> list[Any]:
    with _connect(url) as connection:
        cursor = connection.cursor(row_factory=factory) if factory else connection.cursor()
        return cursor.execute(sql.replace("?", "%s"), params).fetchall()
