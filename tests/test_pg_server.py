"""The throwaway PostgreSQL server the store tests use (``scripts/pg_test_server.py``)."""

from __future__ import annotations

import pytest

from tests.pg import server, with_database


def test_each_test_gets_an_empty_database_of_its_own(pg_url: str, pg_server: str) -> None:
    import psycopg

    assert pg_url != pg_server
    with psycopg.connect(pg_url) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)


def test_the_server_checks_passwords(pg_url: str) -> None:
    import psycopg

    wrong = pg_url.replace(f":{server.PASSWORD}@", ":not-the-password@")
    assert wrong != pg_url
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=10)
    assert with_database(pg_url, "x").endswith("/x")
