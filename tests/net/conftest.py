"""The server the network tests share: one on 127.0.0.1 per module (stopping one takes
half a second), cleared after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer


@pytest.fixture(scope="module")
def local_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def httpserver(local_server: HTTPServer) -> Iterator[HTTPServer]:
    """pytest-httpserver's fixture, but on 127.0.0.1 (its default is "localhost")."""
    yield local_server
    local_server.clear()
