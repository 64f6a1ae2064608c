"""A local server that answers like the platforms, for end-to-end tests of live fetching.

archiver's acceptance tests drive the real command line against a real HTTP server on
127.0.0.1 (pytest-httpserver, threaded) instead of mocking the client: retries, waits,
redirects, timeouts, truncated bodies and WARC capture are only honest over a socket.
The server replays the platform fixtures (``fixtures/<platform>/responses/``), chosen
by request path and query, and a test can change a path's answer at any moment (a post
deleted, made private or edited between two runs) or give it a sequence of answers
(503, 503, then 200). :func:`write_config` points every ``[endpoints]`` key at the
server; Mastodon and generic pages are fetched from the host in the URL, so their URLs
are built on the server (``replay.url("/@alice/1")``). Short-link hosts (t.co, redd.it,
vm.tiktok.com) are made to resolve to 127.0.0.1 with :func:`resolve_hosts_locally`.

Use it from any test package: in its ``conftest.py``,
``from tests.e2e.replay import replay, replay_config, replay_server``.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from archiver.config import Endpoints

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

_CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
}
#: The longest any answer waits (a "hanging" host); teardown releases waits at once.
HANG_SECONDS = 120.0


@dataclass(frozen=True)
class Answer:
    """One HTTP answer the server gives."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    #: Seconds to wait before answering (a response slower than the client's timeout).
    delay: float = 0.0
    #: Send only this many body bytes after promising all of them (a cut connection).
    truncate_to: int | None = None

    @classmethod
    def json(cls, data: Any, status: int = 200, **extra: Any) -> Answer:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return cls(status, body, _CONTENT_TYPES["json"], **extra)

    @classmethod
    def html(cls, markup: str, status: int = 200, **extra: Any) -> Answer:
        return cls(status, markup.encode("utf-8"), _CONTENT_TYPES["html"], **extra)

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> Answer:
        return cls(status, b"", None, headers=(("Location", location),))

    @classmethod
    def error(cls, status: int, *, retry_after: str | None = None) -> Answer:
        headers = (("Retry-After", retry_after),) if retry_after is not None else ()
        return cls(status, f"HTTP {status}".encode(), headers=headers)

    @classmethod
    def hang(cls) -> Answer:
        """An answer that never comes while the test runs (released at teardown)."""
        return cls(delay=HANG_SECONDS)

    def with_(self, **changes: Any) -> Answer:
        return replace(self, **changes)

    def gzipped(self) -> Answer:
        """The same answer sent with ``Content-Encoding: gzip``."""
        headers = (*self.headers, ("Content-Encoding", "gzip"))
        return replace(self, body=gzip.compress(self.body), headers=headers)


def fixture_path(platform: str, name: str) -> Path:
    return FIXTURES / platform / "responses" / name


def fixture(platform: str, name: str, **extra: Any) -> Answer:
    """A fixture file as its server would send it: the status comes from its name
    (``<case>.<status>.<ext>``), the content type from its extension."""
    _case, status, ext = name.rsplit(".", 2)
    if not status.isdigit():
        raise ValueError(f"fixture {name!r} is not named <case>.<status>.<ext>")
    body = fixture_path(platform, name).read_bytes()
    return Answer(int(status), body, _CONTENT_TYPES.get(ext), **extra)


def fixture_json(platform: str, name: str) -> Any:
    """A JSON fixture's content, to edit before serving it with :meth:`Answer.json`."""
    return json.loads(fixture_path(platform, name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Seen:
    """A request the server received."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival


@dataclass
class _Route:
    path: str
    query: dict[str, str]
    answers: list[Answer]
    served: int = 0

    def matches(self, path: str, query: dict[str, str]) -> bool:
        return path == self.path and all(query.get(k) == v for k, v in self.query.items())

    def next_answer(self) -> Answer:
        answer = self.answers[min(self.served, len(self.answers) - 1)]
        self.served += 1
        return answer


@dataclass
class Replay:
    """Routes (path + query subset → answers) served by a running :class:`HTTPServer`."""

    server: HTTPServer
    seen: list[Seen] = field(default_factory=list)
    unmatched: list[Seen] = field(default_factory=list)
    _routes: list[_Route] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _released: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    # -- addresses ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def on_host(self, host: str, path: str) -> str:
        """A URL on another host name that :func:`resolve_hosts_locally` sends here."""
        return f"http://{host}:{self.server.port}{path}"

    # -- answers -----------------------------------------------------------------------

    def on(self, path: str, *answers: Answer, query: dict[str, str] | None = None) -> None:
        """Answer GET ``path`` (with at least ``query``'s parameters) with ``answers`` in
        turn, the last one repeating. Calling it again for the same route flips the answer."""
        if not answers:
            raise ValueError("give at least one answer")
        wanted = dict(query or {})
        with self._lock:
            self._routes = [r for r in self._routes if (r.path, r.query) != (path, wanted)]
            self._routes.append(_Route(path, wanted, list(answers)))
            # The most specific route (most query parameters) wins.
            self._routes.sort(key=lambda r: -len(r.query))

    def twitter(self, status_id: str, *answers: Answer) -> None:
        """X's syndication endpoint for one status id."""
        self.on("/tweet-result", *answers, query={"id": status_id})

    def twitter_oembed(self, handle: str | None, status_id: str, *answers: Answer) -> None:
        target = f"https://twitter.com/{handle or 'i'}/status/{status_id}"
        self.on("/oembed", *answers, query={"url": target})

    def bluesky(self, actor: str, rkey: str, *answers: Answer) -> None:
        uri = f"at://{actor}/app.bsky.feed.post/{rkey}"
        self.on("/xrpc/app.bsky.feed.getPostThread", *answers, query={"uri": uri})

    def reddit(self, post_id: str, *answers: Answer, comment: str | None = None) -> None:
        path = f"/comments/{post_id}/_/{comment}/.json" if comment else f"/comments/{post_id}/.json"
        self.on(path, *answers)

    def telegram(self, channel: str, msgid: str, *answers: Answer) -> None:
        self.on(f"/{channel}/{msgid}", *answers, query={"embed": "1"})

    def mastodon(self, status_id: str, *answers: Answer) -> None:
        """Mastodon's REST status API on this server (the instance is the URL's host)."""
        self.on(f"/api/v1/statuses/{status_id}", *answers)

    def tiktok_oembed(self, post_url: str, *answers: Answer) -> None:
        self.on("/oembed", *answers, query={"url": post_url})

    # -- what happened -------------------------------------------------------------------

    def hits(self, path: str, query: dict[str, str] | None = None) -> list[Seen]:
        with self._lock:
            return [
                s
                for s in self.seen
                if s.path == path and all(s.query.get(k) == v for k, v in (query or {}).items())
            ]

    def release(self) -> None:
        """End every wait (hanging answers answer now)."""
        self._released.set()

    # -- the handler -------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        seen = Seen(
            path=request.path,
            query={k: request.args[k] for k in request.args},
            headers={k.lower(): v for k, v in request.headers.items()},
            at=time.monotonic(),
        )
        with self._lock:
            self.seen.append(seen)
            route = next((r for r in self._routes if r.matches(seen.path, seen.query)), None)
            answer = route.next_answer() if route else None
        if answer is None:
            with self._lock:
                self.unmatched.append(seen)
            return Response(f"no replay route for {request.full_path}", 404)
        if answer.delay:
            self._released.wait(answer.delay)
        return _response(answer)


def _response(answer: Answer) -> Response:
    headers = list(answer.headers)
    if answer.content_type:
        headers.append(("Content-Type", answer.content_type))
    if answer.truncate_to is None:
        return Response(answer.body, answer.status, headers=headers)
    # Promise the whole body, send part of it, and close: what a cut connection looks like.
    headers += [("Content-Length", str(len(answer.body))), ("Connection", "close")]
    response = Response([answer.body[: answer.truncate_to]], answer.status, headers=headers)
    response.direct_passthrough = True
    return response


# -- configuration -------------------------------------------------------------------------

#: [http] settings that keep retries and waits short enough for tests.
FAST_HTTP: dict[str, Any] = {
    "backoff_initial_seconds": 0.01,
    "backoff_max_seconds": 0.05,
    "retry_after_cap_seconds": 2.0,
    "timeout_seconds": 5.0,
    "connect_timeout_seconds": 2.0,
    "max_attempts": 4,
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def write_config(path: Path, base_url: str, **sections: dict[str, Any]) -> Path:
    """A user config pointing every ``[endpoints]`` key at ``base_url``, with fast retries.

    ``sections`` override or add keys per table: ``write_config(p, url, http={...})``.
    """
    tables: dict[str, dict[str, Any]] = {
        "http": dict(FAST_HTTP),
        "endpoints": {name: base_url for name in Endpoints.model_fields},
    }
    for name, values in sections.items():
        tables.setdefault(name, {}).update(values)
    lines: list[str] = []
    for name, values in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def resolve_hosts_locally(monkeypatch: pytest.MonkeyPatch, *hosts: str) -> None:
    """Make ``hosts`` (t.co, redd.it, ...) resolve to 127.0.0.1 in this process, so short
    links like ``http://t.co:<port>/abc`` reach the replay server with their own host name."""
    real = socket.getaddrinfo
    local = {h.lower() for h in hosts}

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if isinstance(name, str) and name.lower() in local:
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def replay_server() -> Iterator[HTTPServer]:
    """One server on 127.0.0.1 for the session (threaded, so a slow answer blocks nobody);
    stopping a werkzeug server takes half a second, so it is not done per test."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.no_handler_status_code = 404
    server.start()
    yield server
    server.stop()


@pytest.fixture
def replay(replay_server: HTTPServer) -> Iterator[Replay]:
    """The replay server with no routes yet; every route and wait ends with the test."""
    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.ERROR)  # one access-log line per request is noise here
    replay_server.clear()
    replaying = Replay(replay_server)
    try:
        yield replaying
    finally:
        replaying.release()
        replay_server.clear()
        werkzeug_log.setLevel(level)


@pytest.fixture
def replay_config(replay: Replay, tmp_path: Path) -> Path:
    """A config file pointing every endpoint at :func:`replay`."""
    return write_config(tmp_path / "config.toml", replay.base_url)
