"""The local HTTP server and the platform that the network benchmarks share.

``bench_fetch.py`` and ``bench_recheck.py`` measure the client against the same kind of
server: an asyncio HTTP/1.1 server on 127.0.0.1, in its own process so it does not take
the client's CPU, that answers every request after ``DELAY`` seconds over keep-alive
connections. They also both need a minimal JSON platform, so that parsing cost is not
what gets measured. Both used to carry their own copy of each. Keeping one copy here
means the two benchmarks' figures come from the same server (same delay, framing and
keep-alive handling), and a fix to one reaches both.

Each benchmark differs only in what the server answers. It passes a ``Responder``: a
top-level function from the request path to a status and a body (JSON, or HTML for a
``/page/<n>`` path, the page ``archiver add`` stores). It has to be top-level because the
server runs in a spawned process and the function is pickled to get there.

The server counts the requests for each path, so a benchmark of several workers can show
that none was asked for twice: :func:`request_counts` reads (and resets) the tally.

    with serve(respond) as port:
        url = item_url(port, 7)  # http://127.0.0.1:<port>/item/7
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import multiprocessing.queues
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from urllib.parse import urlsplit

from archiver.config import Endpoints
from archiver.platforms.base import (
    Found,
    Gone,
    Outcome,
    Platform,
    PostRef,
    Reason,
    Request,
    Response,
)
from archiver.record import Post

DELAY = 0.05
"""Seconds the server waits before answering each request."""
HOST = "127.0.0.1"

Responder = Callable[[str], tuple[int, bytes]]
"""The status and body to answer a request path with: JSON for ``/item/<n>``, HTML for
``/page/<n>``. It must be a top-level function, because it is pickled into the server's
process."""


def item_url(port: int, item: int | str) -> str:
    """The URL of item ``item`` on the server listening on ``port``."""
    return f"http://{HOST}:{port}/item/{item}"


def item_id(path: str) -> str:
    """The item in a request path: ``"/item/7"`` → ``"7"``."""
    return path.rsplit("/", 1)[-1]


# -- the server ----------------------------------------------------------------------


COUNTS_PATH = "/_counts"
"""The path that answers the request tally instead of an item (and resets it)."""


@dataclass(frozen=True)
class RequestCounts:
    """What the server was asked since the last reading: requests, distinct paths, and
    the paths asked for more than once (at most the first 20 of them)."""

    requests: int
    paths: int
    repeated: list[str]


def request_counts(port: int) -> RequestCounts:
    """The server's tally since the last reading, which this resets."""
    with urllib.request.urlopen(f"http://{HOST}:{port}{COUNTS_PATH}", timeout=30) as answer:
        return RequestCounts(**json.loads(answer.read()))


async def _answer(
    respond: Responder,
    counts: Counter[str],
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            if path == COUNTS_PATH:
                status, body, kind = 200, _tally(counts), b"application/json"
            else:
                counts[path] += 1
                await asyncio.sleep(DELAY)
                status, body = respond(path)
                kind = b"text/html; charset=utf-8" if "/page/" in path else b"application/json"
            writer.write(
                b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                % (status, HTTPStatus(status).phrase.encode(), kind, len(body))
                + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _tally(counts: Counter[str]) -> bytes:
    repeated = [path for path, times in counts.items() if times > 1]
    tally = {"requests": sum(counts.values()), "paths": len(counts), "repeated": repeated[:20]}
    counts.clear()
    return json.dumps(tally).encode()


def _serve(respond: Responder, port_out: multiprocessing.queues.Queue[int]) -> None:
    counts: Counter[str] = Counter()

    async def main() -> None:
        answer = partial(_answer, respond, counts)
        server = await asyncio.start_server(answer, HOST, 0, backlog=1024)
        port_out.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


@contextmanager
def serve(respond: Responder) -> Iterator[int]:
    """Run the server in a fresh (spawned) process answering with ``respond``; yield its
    port, and stop the process on the way out."""
    context = multiprocessing.get_context("spawn")
    ports: multiprocessing.queues.Queue[int] = context.Queue()
    server = context.Process(target=_serve, args=(respond, ports), daemon=True)
    server.start()
    try:
        yield ports.get(timeout=10)
    finally:
        server.terminate()
        server.join()


# -- the platform under test -----------------------------------------------------------


class BenchPlatform(Platform):
    """``http://127.0.0.1:<port>/item/<n>`` → one JSON request → a post, or 404 → gone."""

    name = "web"

    def match(self, url: str) -> PostRef | None:
        parts = urlsplit(url)
        if parts.hostname != HOST or not parts.path.startswith("/item/"):
            return None
        return PostRef("web", parts.path.removeprefix("/item/"), url)

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        return Request(ref.url, purpose="item")

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Outcome:
        if response.status == 404:
            return Gone(Reason.NOT_FOUND, "no such item", 404)
        data = response.json()
        post = Post(
            platform="web",
            post_id=ref.post_id,
            url=ref.url,
            text=data["text"],
            capture=response.capture(),
        )
        return Found(post)


async def aiohttp_batch(port: int, concurrency: int, count: int, home: object = None) -> int:
    """The baseline both benchmarks compare the client with: a bare aiohttp client doing
    the least the same work needs (a GET of items 0 to ``count`` - 1, each answer's JSON
    read), ``concurrency`` at a time over keep-alive connections. How many answered
    200 with a text. (``home`` is unused: no WARC.) aiohttp is a benchmark dependency only
    (the ``bench`` extra)."""
    import aiohttp

    gate = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)

    async def one(session: aiohttp.ClientSession, url: str) -> int:
        async with gate, session.get(url) as response:
            data = json.loads(await response.read())
            return int(response.status == 200 and "text" in data)

    async with aiohttp.ClientSession(connector=connector) as session:
        done = await asyncio.gather(*(one(session, item_url(port, n)) for n in range(count)))
    return sum(done)
