"""A local HTTP server that counts every request, for the tests of several workers.

``/item/<n>`` answers a small JSON item (the minimal platform of
``tests/recheck/test_workers.py``), ``/page/<n>`` a small HTML article (a generic web
page, as ``archiver add`` stores it); every tenth item and page is gone (404). Answers
come after ``delay`` seconds, so that workers overlap.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Items(BaseHTTPRequestHandler):
    """Answers after ``delay`` seconds (see the module's docstring). Counts paths."""

    seen: Counter[str]
    lock: threading.Lock
    delay: float

    def do_GET(self) -> None:
        with self.lock:
            self.seen[self.path] += 1
        time.sleep(self.delay)
        kind, _, number = self.path.strip("/").partition("/")
        if int(number) % 10 == 0:
            status, body, content_type = 404, b"{}", "application/json"
        elif kind == "page":
            status, body, content_type = 200, page(int(number)), "text/html; charset=utf-8"
        else:
            status, body, content_type = 200, item(int(number)), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def item(number: int) -> bytes:
    return json.dumps({"text": f"Item {number}"}).encode()


def page(number: int) -> bytes:
    """An invented local-news article, the shape of a plain HTML page with one article."""
    return (
        f"<html><head><title>River desk report {number}</title></head><body><article>"
        f"<h1>River desk report {number}</h1><p>Report {number}: the river stayed below "
        "the barrier overnight and the quay reopened at dawn.</p></article></body></html>"
    ).encode()


Server = tuple[int, Counter[str], type[Items]]


@pytest.fixture
def counting_server() -> Iterator[Server]:
    """The server's port, its counter of requested paths, and its handler (for ``delay``)."""
    handler = type("Handler", (Items,), {"seen": Counter(), "lock": threading.Lock()})
    handler.delay = 0.01
    http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield http.server_address[1], handler.seen, handler
    finally:
        http.shutdown()
        http.server_close()
