"""``--db`` / ``$ARCHIVER_DB`` / ``[store] url``: the same commands, and the same output, on
SQLite and on PostgreSQL; and one clear line when the database cannot be used.

Runs the ``archiver`` command in this process against a real PostgreSQL server
(``tests/pg.py``) and a real SQLite file.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archiver.cli import app
from tests.conftest import FIXTURES
from tests.pg import server

ARTICLE = FIXTURES / "articles" / "news-x-embeds.html"
NOW = re.compile(r"2\d{3}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.stderr


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_the_same_commands_give_the_same_output_on_both_engines(
    tmp_path: Path, pg_url: str
) -> None:
    sqlite = ("--home", str(tmp_path / "sqlite"))
    postgres = ("--home", str(tmp_path / "pg"))
    run("add", *sqlite, str(ARTICLE))
    run("--db", pg_url, "add", *postgres, str(ARTICLE))
    for command in (["list", "--json"], ["search", "--json", "sandbags"], ["status", "--json"]):
        on_sqlite = run(*command, *sqlite)
        assert on_sqlite.strip()
        assert run("--db", pg_url, *command, *postgres) == on_sqlite, command
    key = str(lines(run("list", "--json", *sqlite))[0]["key"])
    # The two adds ran a moment apart: their capture times may differ by a second.
    shown = [
        NOW.sub("<time>", run(*db, "show", "--json", key, *where))
        for db, where in (((), sqlite), (("--db", pg_url), postgres))
    ]
    assert shown[0] == shown[1] and "<time>" in shown[0]
    # Nothing of the PostgreSQL archive went into the home's own SQLite file.
    assert not (tmp_path / "pg" / "archive.db").exists()


def test_the_environment_and_the_config_choose_the_database(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARCHIVER_DB", pg_url)
    run("add", "--home", str(tmp_path / "h"), str(ARTICLE))
    monkeypatch.delenv("ARCHIVER_DB")
    config = tmp_path / "store.toml"
    config.write_text(f'[timestamps]\nauthorities = []\n[store]\nurl = "{pg_url}"\n')
    assert len(lines(run("list", "--json", "--config", str(config)))) == 5
    assert not (tmp_path / "h" / "archive.db").exists()
    assert not (tmp_path / "archive").exists()  # reading made no home where it ran


def _refused(*args: str) -> str:
    message = run(*args, code=2)
    assert message.count("\n") == 1 and message.startswith("error: ")
    assert server.PASSWORD not in message
    return message


def test_a_wrong_password_is_one_line_without_the_password(tmp_path: Path, pg_url: str) -> None:
    wrong = pg_url.replace(server.PASSWORD, "not-the-" + server.PASSWORD)
    message = _refused("--db", wrong, "add", "--home", str(tmp_path), str(ARTICLE))
    assert "refused the user name or password" in message
    assert "not-the-" not in message and ":***@" in message


def test_an_unreachable_server_is_one_line(tmp_path: Path) -> None:
    unreachable = f"postgresql://archiver:{server.PASSWORD}@127.0.0.1:9/archive"
    assert "cannot connect to the PostgreSQL server" in _refused("--db", unreachable, "list")
    nowhere = f"postgresql://archiver:{server.PASSWORD}@no-such-host.invalid/archive"
    assert "cannot connect to the PostgreSQL server" in _refused("--db", nowhere, "list")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"postgresql://archiver:{server.PASSWORD}@127.0.0.1:port/db", "port is not a number"),
        (f"mysql://archiver:{server.PASSWORD}@127.0.0.1/db", "not a database archiver can use"),
        (f"postgresql://127.0.0.1:9/db?password={server.PASSWORD}", "cannot connect"),
    ],
)
def test_a_misconfigured_url_is_one_line_without_the_password(url: str, says: str) -> None:
    assert says in _refused("--db", url, "list")


def test_a_missing_database_and_an_empty_one_are_one_line_each(pg_url: str) -> None:
    missing = pg_url.rsplit("/", 1)[0] + "/no_such_database"
    assert "no such database" in _refused("--db", missing, "list")
    assert "no archive in this database yet" in _refused("--db", pg_url, "list")


def test_a_database_of_something_else_is_refused_and_left_alone(
    tmp_path: Path, pg_url: str
) -> None:
    import psycopg

    with psycopg.connect(pg_url) as connection:
        connection.execute("CREATE TABLE invoices (id integer primary key)")
    message = _refused("--db", pg_url, "add", "--home", str(tmp_path), str(ARTICLE))
    assert "not an archive" in message
    with psycopg.connect(pg_url) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    assert tables == [("invoices",)]


def test_an_archive_from_a_newer_archiver_is_refused(tmp_path: Path, pg_url: str) -> None:
    import psycopg

    run("--db", pg_url, "add", "--home", str(tmp_path), str(ARTICLE))
    with psycopg.connect(pg_url) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    assert "newer than this archiver" in _refused("--db", pg_url, "list")


def test_blobs_go_to_the_configured_shared_folder(tmp_path: Path, pg_url: str) -> None:
    shared = tmp_path / "shared-blobs"
    config = tmp_path / "store.toml"
    config.write_text(
        f'[timestamps]\nauthorities = []\n[store]\nurl = "{pg_url}"\nblobs = "{shared}"\n'
    )
    home = tmp_path / "home"
    run("add", "--config", str(config), "--home", str(home), str(ARTICLE))
    assert list(shared.glob("sha256/*/*/*"))
    assert not (home / "blobs").exists()
    # The bundle's evidence is read from there.
    bundle = tmp_path / "bundle.zip"
    run("export", "--all", "--out", str(bundle), "--config", str(config), "--home", str(home))
    assert "verified" in run("verify", str(bundle)).lower()
    with zipfile.ZipFile(bundle) as opened:  # nothing in it names the database's password
        assert not [n for n in opened.namelist() if server.PASSWORD.encode() in opened.read(n)]
