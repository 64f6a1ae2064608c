"""Running the command line and reading back what it stored, for end-to-end tests.

The acceptance tests judge a run by the archive it leaves, not by its exit code alone:
these helpers run ``archiver`` (in process, like a user at a terminal would see it) and
read ``archive.db`` (or, given ``db``, a PostgreSQL archive through its driver), the blobs
and the WARC files directly, with nothing from archiver's own store code, so a bug there
cannot hide itself.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from archiver.cli import app
from tests.pg import read_mappings

_RUNNER = CliRunner()


@dataclass(frozen=True)
class Run:
    """One ``archiver`` invocation: exit code, output, and the ``--json`` summary if any."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def summary(self) -> dict[str, Any]:
        """The ``add --json`` summary (the last JSON document on stdout)."""
        return json.loads(self.stdout.strip().splitlines()[-1])

    def lines(self, prefix: str) -> list[str]:
        """Lines of stderr starting with ``prefix`` (``failed``, ``unavailable``, ...)."""
        return [line for line in self.stderr.splitlines() if line.startswith(prefix)]


def run_cli(
    *args: str | Path, home: Path | None = None, config: Path | None = None, stdin: str = ""
) -> Run:
    """``archiver *args [--home home] [--config config]``; never a traceback, whatever happens."""
    argv = [str(a) for a in args]
    if home is not None:
        argv += ["--home", str(home)]
    if config is not None:
        argv += ["--config", str(config)]
    result = _RUNNER.invoke(app, argv, input=stdin)
    run = Run(result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in run.output, run.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"archiver {argv} raised {result.exception!r}\n{run.output}")
    return run


def archiver_command() -> list[str]:
    """The installed ``archiver`` console script (for tests that need a real process)."""
    return [str(Path(sys.executable).parent / "archiver")]


# -- the archive as stored -------------------------------------------------------------------


def _query(home: Path, sql: str, *params: Any, db: str | None = None) -> list[dict[str, Any]]:
    """Rows from the home's SQLite file, or from the PostgreSQL database ``db`` names."""
    if db:
        return read_mappings(db, sql, *params)
    connection = sqlite3.connect(f"file:{home / 'archive.db'}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql, params)]
    finally:
        connection.close()


def query(home: Path, sql: str, *params: Any, db: str | None = None) -> list[dict[str, Any]]:
    """Rows of any query, read-only (for tables without a helper of their own)."""
    return _query(home, sql, *params, db=db)


def posts(home: Path, db: str | None = None) -> dict[str, dict[str, Any]]:
    """Every ``posts`` row by key, with its merged record parsed as ``record`` (read from
    the capture that holds it, when one does)."""
    rows = _query(
        home,
        "SELECT posts.*, COALESCE(posts.record_json, captures.record_json) AS merged "
        "FROM posts LEFT JOIN captures ON captures.id = posts.record_capture_id ORDER BY key",
        db=db,
    )
    for row in rows:
        row["record_json"] = row.pop("merged")
        row["record"] = json.loads(row["record_json"]) if row["record_json"] else None
    return {row["key"]: row for row in rows}


def captures(home: Path, key: str | None = None, db: str | None = None) -> list[dict[str, Any]]:
    """Captures (of one post, or all) in order, with ``evidence`` parsed."""
    if key is None:
        rows = _query(home, "SELECT * FROM captures ORDER BY id", db=db)
    else:
        rows = _query(home, "SELECT * FROM captures WHERE post_key = ? ORDER BY id", key, db=db)
    for row in rows:
        row["evidence"] = json.loads(row["evidence_json"])
        row["record"] = json.loads(row["record_json"]) if row["record_json"] else None
    return rows


def media(home: Path, key: str) -> dict[str, dict[str, Any]]:
    return {row["url"]: row for row in _query(home, "SELECT * FROM media WHERE post_key = ?", key)}


def aliases(home: Path, db: str | None = None) -> dict[str, str]:
    return {row["url"]: row["post_key"] for row in _query(home, "SELECT * FROM aliases", db=db)}


def count(home: Path, table: str, db: str | None = None) -> int:
    return int(_query(home, f"SELECT COUNT(*) AS n FROM {table}", db=db)[0]["n"])


def blob(home: Path, sha256: str) -> bytes:
    """A stored blob, checked to hash to its name."""
    path = home / "blobs" / "sha256" / sha256[:2] / sha256[2:4] / sha256
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == sha256, f"{path} does not hash to its name"
    return data


def check_evidence(home: Path, capture: dict[str, Any], *, live: bool = True) -> None:
    """Every evidence item of a capture is a blob hashing to its name and, for a live
    fetch, the WARC response record it names, holding those same bytes."""
    assert capture["evidence"], f"capture {capture['id']} has no evidence"
    for item in capture["evidence"]:
        data = blob(home, item["sha256"])
        if not live:
            continue
        assert item["http_status"] is not None
        record = warc_record(home, item["warc_file"], item["warc_offset"])
        assert record["type"] == "response"
        assert record["id"] == item["warc_record_id"]
        assert record["url"] == item["url"]
        assert record["status"] == item["http_status"]
        assert record["payload"] == data


def warc_record(home: Path, file: str, offset: int) -> dict[str, Any]:
    """The WARC record at ``offset`` of ``file`` (relative to the home), payload decoded."""
    with (home / file).open("rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)))
        status = record.http_headers.get_statuscode() if record.http_headers else None
        return {
            "type": record.rec_type,
            "id": record.rec_headers.get_header("WARC-Record-ID"),
            "url": record.rec_headers.get_header("WARC-Target-URI"),
            "status": int(status) if status else None,
            "payload": record.content_stream().read(),
        }


def warc_files(home: Path) -> list[Path]:
    return sorted((home / "warc").glob("*.warc.gz"))


def warc_responses(home: Path) -> list[tuple[str, int]]:
    """(target URI, HTTP status) of every response record in every WARC file."""
    found = []
    for path in warc_files(home):
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type == "response":
                    status = int(record.http_headers.get_statuscode())
                    found.append((record.rec_headers.get_header("WARC-Target-URI"), status))
    return found


def warcio_check(home: Path) -> None:
    """``warcio check`` passes on every WARC file of the home (and there is at least one)."""
    files = warc_files(home)
    assert files, f"no WARC files under {home}"
    warcio = Path(sys.executable).parent / "warcio"
    checked = subprocess.run(
        [str(warcio), "check", "-v", *map(str, files)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "digest pass" in checked.stdout
    assert "fail" not in checked.stdout.lower(), checked.stdout
