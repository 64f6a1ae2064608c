"""``HttpClient.post``: a query to a service (RFC 3161) through the one client's limits."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request as WRequest
from werkzeug import Response as WResponse

from archiver.config import HttpSettings
from archiver.net.client import FetchError
from archiver.platforms.base import Response
from tests.net.local import local_client
from tests.net.local import settings as local_settings

QUERY = b"\x30\x29\x02\x01\x01"  # the opening of a TimeStampReq, as bytes to carry


def settings(**changes: Any) -> HttpSettings:
    return local_settings(**{"max_attempts": 2, "max_body_bytes": 1_000, **changes})


def post(url: str, http: HttpSettings | None = None) -> Response:
    async def go() -> Response:
        async with local_client(http or settings()) as client:
            return await client.post(
                url,
                QUERY,
                content_type="application/timestamp-query",
                accept="application/timestamp-reply",
            )

    return asyncio.run(go())


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    running = HTTPServer(host="127.0.0.1", port=0)
    running.start()
    yield running
    running.stop()


def test_the_body_and_its_type_are_sent(server: HTTPServer) -> None:
    seen: list[WRequest] = []

    def answer(request: WRequest) -> WResponse:
        seen.append(request)
        return WResponse(b"reply", content_type="application/timestamp-reply")

    server.expect_request("/tsr", method="POST").respond_with_handler(answer)
    response = post(server.url_for("/tsr"))
    assert (response.status, response.body) == (200, b"reply")
    assert response.headers["content-type"] == "application/timestamp-reply"
    (request,) = seen
    assert request.get_data() == QUERY
    assert request.headers["Content-Type"] == "application/timestamp-query"
    assert request.headers["Accept"] == "application/timestamp-reply"
    assert request.headers["User-Agent"].startswith("archiver-test/1")


def test_a_server_error_is_retried_then_reported(server: HTTPServer) -> None:
    server.expect_ordered_request("/tsr", method="POST").respond_with_data("busy", status=503)
    server.expect_ordered_request("/tsr", method="POST").respond_with_data("ok", status=200)
    assert post(server.url_for("/tsr")).body == b"ok"
    server.clear()
    server.expect_request("/tsr", method="POST").respond_with_data("busy", status=503)
    with pytest.raises(FetchError, match=r"POST .* failed after 2 attempts: HTTP 503"):
        post(server.url_for("/tsr"))


def test_a_redirect_is_an_answer_not_followed(server: HTTPServer) -> None:
    server.expect_request("/tsr", method="POST").respond_with_data(
        "", status=302, headers={"Location": "/elsewhere"}
    )
    response = post(server.url_for("/tsr"))
    assert response.status == 302
    assert len(server.log) == 1


def test_a_reply_larger_than_the_cap_is_refused(server: HTTPServer) -> None:
    server.expect_request("/tsr", method="POST").respond_with_data(b"x" * 5_000)
    with pytest.raises(FetchError):
        post(server.url_for("/tsr"))
