"""Attempts, deadlines and the time budget of one URL, against real servers on 127.0.0.1.

No test here measures time: each asserts how a fetch *ended* (which error, how many
requests the server saw). The servers run bounded loops and stop when the client goes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request as WRequest
from werkzeug import Response as WResponse

from archiver.net.client import FetchError
from archiver.net.fetch import fetch_url
from archiver.platforms.base import Request
from tests.net.local import Sleeps, local_client, settings
from tests.net.test_fetch import ENDPOINTS, NOTES


class Dribbler:
    """Promises a 1,000-byte body and sends it one byte every 50 ms (50 s in all), on
    every connection, until the client hangs up."""

    def __init__(self) -> None:
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/slow"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._dribble, args=(conn,), daemon=True).start()

    def _dribble(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                for _ in range(1000):
                    conn.sendall(b"x")
                    time.sleep(0.05)
            except OSError:
                return

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def dribbler() -> Iterator[Dribbler]:
    server = Dribbler()
    yield server
    server.close()


async def get(url: str, sleeps: Sleeps | None = None, **changes: Any) -> Any:
    async with local_client(settings(**changes), sleep=sleeps or Sleeps()) as client:
        return await client.get(Request(url))


def test_a_server_dribbling_bytes_is_cut_off_at_the_request_deadline(dribbler: Dribbler) -> None:
    with pytest.raises(FetchError) as caught:
        asyncio.run(get(dribbler.url, request_deadline_seconds=0.5, max_attempts=2))
    assert str(caught.value) == (
        f"GET {dribbler.url} failed after 2 attempts: no complete answer within 0.5 s; "
        "try again later or raise http.request_deadline_seconds"
    )
    assert dribbler.connections == 2


def test_retries_share_one_time_budget(dribbler: Dribbler) -> None:
    """Ten attempts allowed, but the budget ends the URL after the second at the latest."""
    with pytest.raises(FetchError) as caught:
        asyncio.run(
            get(
                dribbler.url,
                request_deadline_seconds=0.4,
                url_budget_seconds=0.6,
                max_attempts=10,
            )
        )
    message = str(caught.value)
    assert "the URL's time budget ran out" in message or "no complete answer" in message
    assert "stopped early" in message and "http.url_budget_seconds = 0.6" in message
    assert dribbler.connections < 10


def test_a_retry_after_longer_than_the_budget_is_not_waited_for(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/busy").respond_with_data(
        "", status=503, headers={"Retry-After": "100"}
    )
    sleeps = Sleeps()
    with pytest.raises(FetchError) as caught:
        asyncio.run(
            get(
                httpserver.url_for("/busy"),
                sleeps,
                url_budget_seconds=30,
                retry_after_cap_seconds=120,
            )
        )
    assert "failed after 1 attempt: HTTP 503" in str(caught.value)
    assert "stopped early" in str(caught.value)
    assert sleeps.real == []
    assert len(httpserver.log) == 1


def test_the_steps_of_one_url_share_its_budget(httpserver: HTTPServer) -> None:
    """Each of the two requests fits the budget alone; together they overrun it."""

    def slowly(answer: dict[str, str]) -> Any:
        def handler(_: WRequest) -> WResponse:
            time.sleep(0.35)
            return WResponse(json.dumps(answer), content_type="application/json")

        return handler

    httpserver.expect_request("/api/notes/9").respond_with_handler(
        slowly({"text": "Water is rising", "user": "u1"})
    )
    httpserver.expect_request("/api/users/u1").respond_with_handler(
        slowly({"name": "River Watch", "handle": "riverwatch"})
    )

    async def scenario() -> Any:
        http = settings(url_budget_seconds=0.5, max_attempts=2)
        async with local_client(http, sleep=Sleeps()) as client:
            return await fetch_url(client, httpserver.url_for("/note/9"), ENDPOINTS, router=NOTES)

    result = asyncio.run(scenario())
    assert result.status == "failed"
    assert "time budget" in (result.error or "")


def test_a_spent_budget_sends_nothing(httpserver: HTTPServer, dribbler: Dribbler) -> None:
    httpserver.expect_request("/fast").respond_with_data("fast")

    async def scenario() -> None:
        http = settings(request_deadline_seconds=0.3, url_budget_seconds=0.3, max_attempts=3)
        async with local_client(http, sleep=Sleeps()) as client:
            budget = client.budget()
            with pytest.raises(FetchError, match="time budget"):
                await client.get(Request(dribbler.url), budget=budget)
            with pytest.raises(FetchError, match="time budget ran out"):
                await client.get(Request(httpserver.url_for("/fast")), budget=budget)

    asyncio.run(scenario())
    assert [r.path for r, _ in httpserver.log if r.path == "/fast"] == []


def test_every_attempt_is_counted_from_one_in_one_loop(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(2):
        httpserver.expect_ordered_request("/flaky").respond_with_data("down", status=503)
    httpserver.expect_ordered_request("/flaky").respond_with_data("up")
    with caplog.at_level(logging.INFO, logger="archiver.net.retries"):
        response = asyncio.run(get(httpserver.url_for("/flaky")))
    assert response.body == b"up"
    failed = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert [m.split(": ", 1)[1].split(" (")[0] for m in failed] == [
        "attempt 1 failed",
        "attempt 2 failed",
    ]


def test_one_attempt_allowed_means_one_request_and_no_wait(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down").respond_with_data("", status=502)
    sleeps = Sleeps()
    with pytest.raises(FetchError, match=r"failed after 1 attempt: HTTP 502; the server may be"):
        asyncio.run(get(httpserver.url_for("/down"), sleeps, max_attempts=1))
    assert len(httpserver.log) == 1
    assert sleeps.calls == []
