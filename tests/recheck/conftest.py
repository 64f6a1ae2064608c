"""A local replay server for rechecks: platform fixtures served by route, flippable mid-test.

The archive is built by really fetching (``archiver.ingest.urls.add_urls``) against this
server; a test then changes what a route answers (deleted, private, edited, 503, 429)
and rechecks. Each route holds a queue of answers whose last one repeats.

The ``archive`` and ``cli`` fixtures run each test on both engines (``engine_url`` in
``tests/pg.py``): a SQLite file in the home, then a PostgreSQL database of the test's own.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug.wrappers import Request as WsgiRequest
from werkzeug.wrappers import Response as WsgiResponse

from archiver.cli import app
from archiver.config import Settings, load_settings
from archiver.ingest.urls import add_urls
from archiver.store import Archive
from tests.pg import read_rows

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

_TYPES = {
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def fixture(relative: str, **replace: str) -> Answer:
    """A fixture file as an answer; its status comes from its name (``ok.200.json``)."""
    path = FIXTURES / relative
    body = path.read_bytes()
    for old, new in replace.items():
        body = body.replace(old.encode(), new.encode())
    status = int(path.name.split(".")[-2])
    return Answer(status, body, _TYPES.get(path.suffix, "application/octet-stream"))


def failure(status: int, **headers: str) -> Answer:
    return Answer(status, b'{"error":"try later"}', "application/json", dict(headers))


Matcher = Callable[[WsgiRequest], bool]


def route(path: str, **args: str) -> Matcher:
    """Requests to ``path`` whose query has every ``args`` value (``contains`` with ``*``)."""

    def matches(request: WsgiRequest) -> bool:
        if request.path != path:
            return False
        for name, value in args.items():
            given = request.args.get(name, "")
            if value.startswith("*") and value.endswith("*"):
                if value.strip("*") not in given:
                    return False
            elif given != value:
                return False
        return True

    return matches


class Replay:
    """Named routes, each a queue of answers; unknown requests get a 599 (a test bug)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[Matcher, deque[Answer]]] = {}
        self.hits: dict[str, int] = {}

    def set(self, name: str, matcher: Matcher, *answers: Answer) -> None:
        self.routes[name] = (matcher, deque(answers))
        self.hits[name] = 0

    def answer(self, name: str, *answers: Answer) -> None:
        """Flip what route ``name`` answers from now on."""
        matcher, _ = self.routes[name]
        self.set(name, matcher, *answers)

    def handle(self, request: WsgiRequest) -> WsgiResponse:
        for name, (matcher, answers) in self.routes.items():
            if matcher(request):
                self.hits[name] += 1
                answer = answers.popleft() if len(answers) > 1 else answers[0]
                return WsgiResponse(
                    answer.body,
                    status=answer.status,
                    content_type=answer.content_type,
                    headers=answer.headers,
                )
        return WsgiResponse(f"no route for {request.full_path}", status=599)


@pytest.fixture(scope="session")
def local_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def replay(local_server: HTTPServer) -> Iterator[Replay]:
    replay = Replay()
    local_server.expect_request(re.compile(".*")).respond_with_handler(replay.handle)
    yield replay
    local_server.clear()


@pytest.fixture
def config_file(tmp_path: Path, local_server: HTTPServer) -> Path:
    """A user config pointing every endpoint at the replay server, with fast retries."""
    base = f"http://127.0.0.1:{local_server.port}"
    names = (
        "twitter_syndication",
        "twitter_oembed",
        "bluesky_appview",
        "reddit",
        "telegram",
        "youtube",
        "tiktok",
        "meta_oembed",
        "threads_oembed",
        "wayback",
        "wayback_cdx",
    )
    endpoints = "\n".join(f'{name} = "{base}"' for name in names)
    path = tmp_path / "config.toml"
    path.write_text(
        f'[endpoints]\n{endpoints}\nmemento_timemap = "{base}/timemap/link"\n\n'
        "[http]\nmax_attempts = 3\nbackoff_initial_seconds = 0.001\n"
        "backoff_max_seconds = 0.005\nretry_after_cap_seconds = 0.05\n"
        "timeout_seconds = 5.0\nconcurrency = 8\nper_host_concurrency = 4\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def settings(config_file: Path) -> Settings:
    return load_settings(config_file)


@pytest.fixture
def archive(tmp_path: Path, engine_url: str | None) -> Iterator[Archive]:
    with Archive(tmp_path / "archive", url=engine_url) as opened:
        yield opened


def archive_urls(archive: Archive, settings: Settings, urls: list[str]) -> None:
    """Build the archive by really fetching, as ``archiver add URL`` does."""
    summary = add_urls(archive, settings, urls)
    problems = [item for item in summary.items if item.status != "archived"]
    assert not problems, problems


def read_database(db_path: Path, url: str | None, query: str, *params: object) -> list[Any]:
    """Rows read straight from the SQLite file, or the PostgreSQL database at ``url``,
    with the driver alone, as a user's own tools would."""
    if url:
        return read_rows(url, query, *params)
    with sqlite3.connect(db_path) as connection:
        return connection.execute(query, params).fetchall()


def db_rows(archive: Archive, query: str, *params: object) -> list[tuple[object, ...]]:
    """:func:`read_database` of an open archive, on its engine."""
    url = archive.engine.url.set(drivername="postgresql") if archive.postgres else None
    where = url.render_as_string(hide_password=False) if url else None
    return read_database(archive.db_path, where, query, *params)


runner = CliRunner()

#: For tests of what the command line checks itself (arguments, help) before it reads the
#: database: they run on SQLite alone, as another engine would change nothing they test.
arguments_only = pytest.mark.parametrize("engine_url", [None], ids=["arguments"])


class Cli:
    """The real ``archiver`` command line on one archive home and config (and ``--db``)."""

    def __init__(self, home: Path, config: Path, db: str | None = None) -> None:
        self.home, self.config, self.db = home, config, db

    def __call__(self, *args: str | Path) -> tuple[int, str, str]:
        argv = [str(a) for a in args] + ["--home", str(self.home), "--config", str(self.config)]
        if self.db:
            argv = ["--db", self.db, *argv]
        result = runner.invoke(app, argv)
        return result.exit_code, result.stdout, result.stderr

    def rows(self, query: str, *params: object) -> list[tuple[object, ...]]:
        """Rows read straight from the archive's database (see :func:`read_database`)."""
        return read_database(self.home / "archive.db", self.db, query, *params)

    def json(self, *args: str | Path) -> Any:
        code, out, err = self(*args, "--json")
        assert code in (0, 1), err
        return json.loads(out)

    def lines(self, *args: str | Path) -> list[dict[str, Any]]:
        """A ``--json`` command that writes JSON Lines, read back."""
        code, out, err = self(*args, "--json")
        assert code in (0, 1), err
        return [json.loads(line) for line in out.splitlines()]


@pytest.fixture
def cli(tmp_path: Path, config_file: Path, replay: Replay, engine_url: str | None) -> Cli:
    """An archive built with ``archiver add URL`` from the replay server (posts of every
    platform the recheck tests serve)."""
    from tests.recheck.test_recheck import (
        MIXED_URLS,
        serve_others,
        serve_telegram,
        serve_twitter,
    )

    serve_twitter(replay)
    serve_telegram(replay)
    serve_others(replay)
    run = Cli(tmp_path / "home", config_file, engine_url)
    code, _, err = run("add", *MIXED_URLS)
    assert code == 0, err
    return run
