"""``archiver db copy``: an archive copied SQLite → PostgreSQL → SQLite is the same archive.

A real SQLite file and a real PostgreSQL server (``tests/pg.py``); the archive holds posts
with captures, media and aliases (an article of embeds), a recheck run with its checks,
and a public copy, so every table with rows that point at others is copied.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from archiver.cli import app
from archiver.store import Archive
from archiver.store.checks import FoundCopy, NewCheck, add_copies, start_run, write_checks
from archiver.store.copy import CopyError, copy_archive
from tests.conftest import FIXTURES

ARTICLE = FIXTURES / "articles" / "news-x-embeds.html"


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.stderr


def source_archive(home: Path) -> Path:
    run("add", "--home", str(home), str(ARTICLE))
    with Archive(home) as archive:
        keys = [post.key for post in archive.list_posts()]
        recheck = start_run(archive, "{}")
        assert recheck.id is not None
        write_checks(archive, [NewCheck(keys[0], recheck.id, "2026-02-01T00:00:00Z", "deleted")])
        add_copies(archive, [FoundCopy(keys[0], "wayback", "https://web.example/1", None, "x")])
    return home / "archive.db"


def test_a_round_trip_keeps_every_row_and_a_second_copy_adds_nothing(
    tmp_path: Path, pg_url: str
) -> None:
    home = tmp_path / "home"
    source_archive(home)
    first = json.loads(run("db", "copy", str(home), pg_url, "--json", "--home", str(home)))
    assert first["copied"]["posts"] == 5 and first["copied"]["checks"] == 1
    assert first["rows"] == first["copied"]
    assert first["hashes_checked"] == 15
    assert "test-only-secret" not in json.dumps(first) and ":***@" in first["target"]

    again = json.loads(run("db", "copy", str(home), pg_url, "--json", "--home", str(home)))
    assert set(again["copied"].values()) == {0} and again["rows"] == first["rows"]

    back = tmp_path / "back" / "archive.db"
    run("db", "copy", pg_url, str(back), "--home", str(home))
    for command in (["list", "--json"], ["status", "--json"], ["search", "--json", "quay"]):
        original = run(*command, "--home", str(home))
        assert run("--db", pg_url, *command, "--home", str(home)) == original
        assert run("--db", str(back), *command, "--home", str(home)) == original

    # A bundle exported from the PostgreSQL copy verifies (blobs come from the home).
    bundle = tmp_path / "bundle.zip"
    run("--db", pg_url, "export", "--all", "--out", str(bundle), "--home", str(home))
    assert "verified" in run("verify", str(bundle)).lower()


def test_a_target_holding_another_archive_is_reported_not_trusted(
    tmp_path: Path, engine_url: str | None
) -> None:
    """On either engine as the target: a SQLite file, or a PostgreSQL database."""
    home = tmp_path / "home"
    source_archive(home)
    target_url = engine_url or str(tmp_path / "target" / "archive.db")
    run("db", "copy", str(home), target_url, "--home", str(home))
    with Archive(home, url=target_url) as target, target.engine.begin() as connection:
        connection.execute(text("UPDATE captures SET raw_sha256 = 'f00d' WHERE id = 1"))
    with (
        Archive(home) as source,
        Archive(home, url=target_url) as target,
        pytest.raises(CopyError, match="content hashes"),
    ):
        copy_archive(source, target)
    message = run("db", "copy", str(home), target_url, "--home", str(home), code=2)
    assert message.startswith("error: captures: the content hashes") and message.count("\n") == 1


def test_a_missing_source_is_one_line(tmp_path: Path) -> None:
    message = run("db", "copy", str(tmp_path / "nowhere"), str(tmp_path / "t.db"), code=2)
    assert message == f"error: no archive at {tmp_path / 'nowhere' / 'archive.db'}\n"
    assert not (tmp_path / "t.db").exists()
