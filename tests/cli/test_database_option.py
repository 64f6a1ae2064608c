"""``--db`` / ``$ARCHIVER_DB`` / ``[store] url``: the same commands, and the same output, on
SQLite and on PostgreSQL; and one clear line when the database cannot be used.

Runs the ``archiver`` command in this process against a real PostgreSQL server
(``tests/pg.py``) and a real SQLite file; the whole path of a new user (add, list, search,
show, recheck, export, verify) runs on both against the recheck tests' replay server.
"""

from __future__ import annotations

import functools
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archiver.cli import app
from tests.conftest import FIXTURES
from tests.evidence.tsa_server import closed_url, running_tsa, write_config
from tests.pg import server
from tests.recheck.conftest import Cli, Replay, config_file, local_server, replay, runner
from tests.recheck.test_recheck import MIXED_URLS, serve_others, serve_telegram, serve_twitter
from tests.recheck.test_recheck_cli import flip

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


#: The recheck tests' replay server (tests/recheck/conftest.py), for the run below.
__all__ = ["config_file", "local_server", "replay"]


class Incidental:
    """What differs between two runs however alike, in place of itself: times written
    during a test (capture, check, export times; the posts' own times are kept), and
    where the evidence lies in WARC files (their names, offsets and record ids are
    random or follow from them), and row ids (checks are numbered as their answers come
    in, which concurrent fetches make an order of their own in every run)."""

    def __init__(self) -> None:
        self.start = datetime.now(UTC) - timedelta(seconds=2)

    def __call__(self, text: str) -> str:
        text = _WARC_FILE.sub("<warc>", text)
        text = _WARC_OFFSET.sub(r"\1<offset>", text)
        text = _RECORD_ID.sub("<record>", text)
        text = _ROW_ID.sub(r"\1<id>", text)
        return _ANY_TIME.sub(self._placed, text)

    def _placed(self, found: re.Match[str]) -> str:
        when = datetime.fromisoformat(found.group(0).replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return "<now>" if when >= self.start else found.group(0)


_WARC_FILE = re.compile(r"[\w.-]+-\d{8}-[0-9a-f]{8}\.warc\.gz")
_WARC_OFFSET = re.compile(r'(warc_offset": ?)\d+')
_RECORD_ID = re.compile(r"urn:uuid:[0-9a-f-]{36}")
_ROW_ID = re.compile(r'("(?:id|capture_id)": ?)\d+')
_ANY_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")


def _same(sqlite: Cli, postgres: Cli, now: Incidental, *command: str | Path, code: int = 0) -> str:
    """Run ``command`` on both archives: the same exit code and, times aside, the same
    output (the homes' own paths named alike)."""
    outputs = []
    for cli in (sqlite, postgres):
        exit_code, out, err = cli(*command)
        assert exit_code == code, (cli.db, err)
        outputs.append(now(out).replace(str(cli.home), "<home>"))
    assert outputs[0] == outputs[1], command
    return outputs[0]


def test_add_recheck_export_and_verify_agree_on_both_engines(
    tmp_path: Path, pg_url: str, replay: Replay, config_file: Path
) -> None:
    """The whole path of a new user, through the command line, on a SQLite archive and on a
    PostgreSQL one built from the same replay server: every command's ``--json`` output,
    the stored records and content hashes, and the exported bundles agree."""
    serve_twitter(replay)
    serve_telegram(replay)
    serve_others(replay)
    now = Incidental()
    sqlite = Cli(tmp_path / "sqlite", config_file)
    postgres = Cli(tmp_path / "pg", config_file, pg_url)
    both = functools.partial(_same, sqlite, postgres, now)

    both("add", "--json", *MIXED_URLS)
    keys = [row["key"] for row in lines(both("list", "--json"))]
    assert len(keys) == 9
    # The same posts found; ranked by each engine's own formula (BM25, cover density),
    # which agree on the search tests' shared set but not on every set of posts.
    found = [
        sorted(now(cli("search", "--json", "council")[1]).splitlines())
        for cli in (sqlite, postgres)
    ]
    assert found[0] == found[1] and len(found[0]) == 3
    for key in keys:
        both("show", "--json", key)
        both("cite", "--style", "csl-json", key)
    stored = "SELECT key, content_hash, status FROM posts ORDER BY key"
    assert sqlite.rows(stored) == postgres.rows(stored)
    hashes = "SELECT post_key, method, raw_sha256, content_hash FROM captures ORDER BY 1, 2, 3"
    assert sqlite.rows(hashes) == postgres.rows(hashes)

    flip(replay)  # one post deleted, one private, one edited, one host down
    summary = json.loads(both("recheck", "--all", "--json", code=1))
    assert summary["checked"]["deleted"] == summary["checked"]["changed"] == 1
    for command in (["status", "--json"], ["list", "--json", "--status", "gone"]):
        both(*command)
    for key in keys:
        both("show", "--json", key)
    checks = "SELECT post_key, outcome, previous_outcome, content_hash FROM checks ORDER BY 1"
    assert sqlite.rows(checks) == postgres.rows(checks)
    assert sqlite.rows(stored) == postgres.rows(stored)

    bundles = []
    for cli in (sqlite, postgres):
        bundle = tmp_path / f"{cli.home.name}-bundle"
        code, _, err = cli("export", "--all", "--out", bundle)
        assert code == 0, err
        verified = json.loads(runner.invoke(app, ["verify", "--json", str(bundle)]).stdout)
        report = now(json.dumps(verified, sort_keys=True)).replace(str(bundle), "<bundle>")
        bundles.append((bundle, report))
    assert bundles[0][1] == bundles[1][1] and '"ok": true' in bundles[0][1]
    files = [sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()) for b, _ in bundles]
    assert files[0] == files[1]
    for name in files[0]:
        if name.suffix in (".json", ".jsonl", ".csv"):  # the pages show the same, for people
            texts = [now((bundle / name).read_text("utf-8")) for bundle, _ in bundles]
            assert texts[0] == texts[1], name


def test_a_postgresql_archive_is_timestamped_later_and_its_bundle_verifies(
    tmp_path: Path, pg_url: str
) -> None:
    """``add`` with the authority down, then ``timestamp``, on a PostgreSQL archive."""
    home = ("--home", str(tmp_path / "home"))
    with running_tsa() as tsa:
        down = write_config(tmp_path, closed_url(), pki=tsa.pki)
        run("--db", pg_url, "add", *home, "--config", str(down), str(ARTICLE))
        up = write_config(tmp_path, tsa.url, pki=tsa.pki)
        stamped = json.loads(run("--db", pg_url, "timestamp", "--json", *home, "--config", str(up)))
        assert (stamped["captures"], stamped["stamped"], stamped["failed"]) == (5, True, [])
        assert len(tsa.requests) == 1
        again = run("--db", pg_url, "timestamp", *home, "--config", str(up))
        assert again.startswith("nothing to timestamp") and len(tsa.requests) == 1
        bundle = tmp_path / "bundle"
        run("--db", pg_url, "export", "--all", "--out", str(bundle), *home, "--config", str(up))
        verified = json.loads(run("verify", "--json", str(bundle), "--config", str(up)))
    assert verified["ok"] and verified["timestamps"]["captures"]
    assert not verified["timestamps"]["unstamped_posts"]
