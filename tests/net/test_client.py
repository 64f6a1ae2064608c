"""The HTTP layer against a real local server (127.0.0.1): retries, waits, caps, WARC."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator
from werkzeug import Request as WRequest
from werkzeug import Response as WResponse

from archiver.config import HttpSettings
from archiver.net.client import FetchError
from archiver.net.warc import WarcWriter
from archiver.platforms.base import Request
from tests.net.local import Sleeps, local_client, settings

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def get(http: HttpSettings, url: str, sleeps: Sleeps | None = None, **kw: Any) -> Any:
    async with local_client(http, sleep=sleeps or Sleeps(), **kw) as client:
        return await client.get(Request(url))


@pytest.fixture
def threaded() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


# -- retries ---------------------------------------------------------------------------


def test_503_twice_then_200_succeeds_on_the_third_attempt(httpserver: HTTPServer) -> None:
    for _ in range(2):
        httpserver.expect_ordered_request("/flaky").respond_with_data("down", status=503)
    httpserver.expect_ordered_request("/flaky").respond_with_json({"ok": True})
    sleeps = Sleeps()
    response = run(get(settings(), httpserver.url_for("/flaky"), sleeps))
    assert response.status == 200
    assert response.json() == {"ok": True}
    assert len(httpserver.log) == 3
    assert len(sleeps.real) == 2  # two backoffs, each within the configured bounds
    assert all(0.01 <= s <= 0.05 for s in sleeps.real)


def test_429_retry_after_makes_the_client_wait(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/limited").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request("/limited").respond_with_data("fine")
    sleeps = Sleeps()
    response = run(get(settings(), httpserver.url_for("/limited"), sleeps))
    assert response.body == b"fine"
    assert max(sleeps.calls) >= 0.9
    assert max(sleeps.calls) <= 1.0


def test_a_host_told_to_wait_makes_its_other_requests_wait(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/a").respond_with_data(
        "", status=429, headers={"Retry-After": "20"}
    )
    httpserver.expect_ordered_request("/a").respond_with_data("a")
    httpserver.expect_ordered_request("/b").respond_with_data("b")
    sleeps = Sleeps()

    async def scenario() -> list[float]:
        async with local_client(settings(), sleep=sleeps) as client:
            await client.get(Request(httpserver.url_for("/a")))
            waits_for_a = list(sleeps.real)
            await client.get(Request(httpserver.url_for("/b")))  # another path, same host
            return sleeps.real[len(waits_for_a) :]

    waits_for_b = run(scenario())
    assert len(waits_for_b) == 1 and 19 <= waits_for_b[0] <= 20


def test_reddit_style_reset_header_is_seconds_until_reset(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/r").respond_with_json(
        {"error": 429}, status=429, headers={"x-ratelimit-reset": "7", "x-ratelimit-remaining": "0"}
    )
    httpserver.expect_ordered_request("/r").respond_with_json({})
    sleeps = Sleeps()
    run(get(settings(), httpserver.url_for("/r"), sleeps))
    assert len(sleeps.real) == 1 and 6.5 <= sleeps.real[0] <= 7


def test_retry_after_is_capped(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/cap").respond_with_data(
        "", status=503, headers={"Retry-After": "86400"}
    )
    httpserver.expect_ordered_request("/cap").respond_with_data("ok")
    sleeps = Sleeps()
    run(get(settings(retry_after_cap_seconds=3), httpserver.url_for("/cap"), sleeps))
    assert sleeps.real and max(sleeps.real) <= 3


def test_404_is_an_answer_and_never_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("no such post", status=404)
    sleeps = Sleeps()
    response = run(get(settings(), httpserver.url_for("/gone"), sleeps))
    assert response.status == 404
    assert response.body == b"no such post"
    assert len(httpserver.log) == 1
    assert sleeps.real == []


def test_exhausted_retries_raise_a_one_line_fetch_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down").respond_with_data("", status=502)
    url = httpserver.url_for("/down")
    with pytest.raises(FetchError) as caught:
        run(get(settings(max_attempts=3), url))
    message = str(caught.value)
    assert "\n" not in message
    assert url in message and "HTTP 502" in message and "3 attempts" in message
    assert "try again later" in message
    assert caught.value.status == 502
    assert len(httpserver.log) == 3


def test_a_challenge_page_is_handed_over_at_once_not_retried(httpserver: HTTPServer) -> None:
    """A 503 or 429 challenge would only come again: the platform reads it as "blocked"."""
    html = {"content_type": "text/html; charset=UTF-8"}
    iuam = b"<html><title>Just a moment...</title><div class='cf-browser-verification'></div>"
    httpserver.expect_request("/walled").respond_with_data(iuam, status=503, **html)
    sorry = b"<html>Our systems have detected unusual traffic from your computer network</html>"
    httpserver.expect_request("/sorry").respond_with_data(sorry, status=429, **html)
    down = b"<html><h1>503 Service Temporarily Unavailable</h1>nginx</html>"
    httpserver.expect_request("/down").respond_with_data(down, status=503, **html)
    for path, status, body in (("/walled", 503, iuam), ("/sorry", 429, sorry)):
        response = run(get(settings(), httpserver.url_for(path)))
        assert (response.status, response.body) == (status, body)
    assert len(httpserver.log) == 2
    with pytest.raises(FetchError, match="HTTP 503"):  # an ordinary outage is retried
        run(get(settings(max_attempts=2), httpserver.url_for("/down")))
    assert len(httpserver.log) == 4


def test_a_response_slower_than_the_timeout_is_retried_then_fails(threaded: HTTPServer) -> None:
    seen: list[float] = []

    def slow(_: WRequest) -> WResponse:
        seen.append(time.monotonic())
        time.sleep(0.6)
        return WResponse("late")

    threaded.expect_request("/slow").respond_with_handler(slow)
    pattern = r"failed after 2 attempts: timed out \(ReadTimeout\); .*raise http.timeout_seconds"
    with pytest.raises(FetchError, match=pattern):
        run(get(settings(timeout_seconds=0.15, max_attempts=2), threaded.url_for("/slow")))
    deadline = time.monotonic() + 5
    while len(seen) < 2 and time.monotonic() < deadline:  # let the server catch up
        time.sleep(0.05)
    assert len(seen) == 2


def test_connection_refused_is_retried_then_fails() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    with pytest.raises(FetchError, match="connection failed"):
        run(get(settings(max_attempts=3), f"http://127.0.0.1:{port}/x", sleeps))
    assert len(sleeps.real) == 2


# -- bodies ----------------------------------------------------------------------------


class RawServer:
    """Answers each connection with the next scripted bytes, then closes it."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.requests = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/raw"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                answer = self.answers[min(self.requests, len(self.answers) - 1)]
                self.requests += 1
                conn.sendall(answer)

    def close(self) -> None:
        self.sock.close()


def _http(body: bytes, *, declared: int | None = None, extra: str = "") -> bytes:
    length = len(body) if declared is None else declared
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n{extra}Connection: close\r\n\r\n"
    return head.encode() + body


def test_a_truncated_body_is_retried_and_then_succeeds() -> None:
    server = RawServer([_http(b'{"a":', declared=40), _http(b'{"a": 1}')])
    try:
        response = run(get(settings(), server.url))
    finally:
        server.close()
    assert response.json() == {"a": 1}
    assert server.requests == 2


def test_a_body_that_stays_truncated_fails_clearly() -> None:
    server = RawServer([_http(b"0123456789", declared=100)])
    try:
        with pytest.raises(FetchError, match=r"after 2 attempts: .*(complete message body)"):
            run(get(settings(max_attempts=2), server.url))
    finally:
        server.close()
    assert server.requests == 2


def test_a_cut_gzip_body_without_length_is_truncated() -> None:
    coded = gzip.compress(b"x" * 5000)[:-12]
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n"
    server = RawServer([head + coded])
    try:
        with pytest.raises(FetchError, match="truncated gzip body"):
            run(get(settings(max_attempts=2), server.url))
    finally:
        server.close()


def test_bodies_over_the_cap_fail_without_retrying(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(FetchError, match=r"larger than http\.max_body_bytes"):
        run(get(settings(max_body_bytes=1000), httpserver.url_for("/big")))
    assert len(httpserver.log) == 1


def test_gzip_bodies_are_decoded_and_gzip_bombs_refused(httpserver: HTTPServer) -> None:
    text = b'{"text": "' + b"a" * 3000 + b'"}'
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(text), headers={"Content-Encoding": "gzip"}
    )
    response = run(get(settings(), httpserver.url_for("/gz")))
    assert response.body == text
    assert response.headers["content-encoding"] == "gzip"
    with pytest.raises(FetchError, match="larger than"):
        run(get(settings(max_body_bytes=1000), httpserver.url_for("/gz")))


def test_headers_user_agents_and_final_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/h").respond_with_data("ok", headers={"X-Thing": "1"})
    url = httpserver.url_for("/h")
    plain = run(get(settings(), url))
    assert plain.headers["x-thing"] == "1"  # lower-case keys
    assert plain.url == url
    assert run(get(settings(), url)).request.url == url

    async def browser() -> None:
        async with local_client(settings(), sleep=Sleeps()) as client:
            await client.get(Request(url, browser=True, headers=(("X-Token", "abc"),)))

    run(browser())
    first, second = httpserver.log[0][0], httpserver.log[-1][0]
    assert first.headers["User-Agent"] == "archiver-test/1 (+https://example.org)"
    assert second.headers["User-Agent"] == "Mozilla/5.0 (test browser)"
    assert second.headers["X-Token"] == "abc"
    assert second.headers["Accept-Encoding"] == "gzip"


# -- redirects -------------------------------------------------------------------------


def test_a_redirect_chain_is_followed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/one").respond_with_data(
        "", status=301, headers={"Location": "/two"}
    )
    httpserver.expect_request("/two").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/three?x=1")}
    )
    httpserver.expect_request("/three").respond_with_data("landed")
    response = run(get(settings(), httpserver.url_for("/one")))
    assert response.status == 200
    assert response.body == b"landed"
    assert response.url == httpserver.url_for("/three?x=1")
    assert response.request.url == httpserver.url_for("/one")


def test_a_redirect_loop_is_a_clear_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/loop").respond_with_data(
        "", status=302, headers={"Location": "/loop"}
    )
    with pytest.raises(FetchError, match=r"too many redirects \(over 5\).*redirect loop"):
        run(get(settings(), httpserver.url_for("/loop")))
    assert len(httpserver.log) == 6


def test_too_many_distinct_redirects_is_a_clear_error(httpserver: HTTPServer) -> None:
    for n in range(4):
        httpserver.expect_request(f"/r{n}").respond_with_data(
            "", status=307, headers={"Location": f"/r{n + 1}"}
        )
    httpserver.expect_request("/r4").respond_with_data("end")
    with pytest.raises(FetchError, match=r"too many redirects \(over 2\)") as caught:
        run(get(settings(max_redirects=2), httpserver.url_for("/r0")))
    assert "loop" not in str(caught.value)
    assert run(get(settings(max_redirects=4), httpserver.url_for("/r0"))).body == b"end"


def test_resolve_follows_a_short_link(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/s").respond_with_data(
        "", status=301, headers={"Location": "/post/42"}
    )
    httpserver.expect_request("/m").respond_with_data(
        '<html><head><noscript><META http-equiv="refresh" content="0;URL=/post/43">'
        "</noscript></head></html>",
        content_type="text/html; charset=utf-8",
    )
    httpserver.expect_request("/dead").respond_with_data("", status=404)
    httpserver.expect_request("/post/42").respond_with_data("post")
    httpserver.expect_request("/post/43").respond_with_data("post")

    async def scenario() -> tuple[str, str]:
        async with local_client(settings(), sleep=Sleeps()) as client:
            return await client.resolve(httpserver.url_for("/s")), await client.resolve(
                httpserver.url_for("/m")
            )

    assert run(scenario()) == (httpserver.url_for("/post/42"), httpserver.url_for("/post/43"))

    async def dead() -> str:
        async with local_client(settings(), sleep=Sleeps()) as client:
            return await client.resolve(httpserver.url_for("/dead"))

    with pytest.raises(FetchError, match="HTTP 404 without redirecting"):
        run(dead())


def test_invalid_urls_fail_at_once() -> None:
    with pytest.raises(FetchError, match="check the URL"):
        run(get(settings(), "ftp://127.0.0.1/file"))


# -- concurrency -----------------------------------------------------------------------


class Gauge:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def handler(self, _: WRequest) -> WResponse:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(0.15)
        with self.lock:
            self.now -= 1
        return WResponse("ok")


async def get_all(http: HttpSettings, urls: list[str]) -> list[int]:
    async with local_client(http, sleep=Sleeps()) as client:
        responses = await asyncio.gather(*(client.get(Request(u)) for u in urls))
    return [r.status for r in responses]


def test_per_host_concurrency_is_capped(threaded: HTTPServer) -> None:
    gauge = Gauge()
    threaded.expect_request("/busy").respond_with_handler(gauge.handler)
    urls = [threaded.url_for("/busy")] * 10
    statuses = run(get_all(settings(concurrency=10, per_host_concurrency=3), urls))
    assert statuses == [200] * 10
    assert 2 <= gauge.peak <= 3


def test_global_concurrency_is_capped_across_hosts(threaded: HTTPServer) -> None:
    gauge = Gauge()
    threaded.expect_request("/busy").respond_with_handler(gauge.handler)
    one = threaded.url_for("/busy")
    other = one.replace("127.0.0.1", "localhost")  # a second host name, same server
    run(get_all(settings(concurrency=4, per_host_concurrency=3), [one, other] * 6))
    assert 3 <= gauge.peak <= 4


# -- WARC ------------------------------------------------------------------------------


def test_responses_are_written_to_a_valid_warc(httpserver: HTTPServer, tmp_path: Path) -> None:
    body = b'{"id": "1", "text": "hello"}'
    httpserver.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": "/api"}
    )
    httpserver.expect_request("/api").respond_with_data(
        gzip.compress(body), content_type="application/json", headers={"Content-Encoding": "gzip"}
    )

    async def scenario() -> Any:
        with WarcWriter(tmp_path) as warc:
            async with local_client(settings(), warc=warc, sleep=Sleeps()) as client:
                return await client.get_with_evidence(Request(httpserver.url_for("/start")))

    response, evidence = run(scenario())
    assert response.body == body
    assert evidence.sha256 == hashlib.sha256(body).hexdigest()
    assert evidence.status == 200 and evidence.content_type == "application/json"
    assert evidence.request_url.endswith("/start") and evidence.final_url.endswith("/api")
    ref = evidence.warc
    assert ref is not None and ref.file.startswith("warc/archiver-")
    path = tmp_path / ref.file
    checked = subprocess.run(
        [str(Path(sys.executable).parent / "warcio"), "check", "-v", str(path)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("digest pass") == 5  # warcinfo + two request/response pairs

    with path.open("rb") as handle:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))
            for r in ArchiveIterator(handle)
        ]
        handle.seek(ref.offset)
        record = next(iter(ArchiveIterator(handle)))
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Record-ID") == ref.record_id
        assert record.http_headers.get_statuscode() == "200"
        assert record.content_stream().read() == body  # stored gzip-coded, as received
    assert [kind for kind, _ in records] == [
        "warcinfo",
        "response",
        "request",
        "response",
        "request",
    ]
    assert records[1][1] == httpserver.url_for("/start")


def test_mock_transport_429_without_hints_backs_the_host_off() -> None:
    answers = iter([httpx.Response(429), httpx.Response(200, stream=httpx.ByteStream(b"ok"))])
    transport = httpx.MockTransport(lambda request: next(answers))
    sleeps = Sleeps()
    response = run(get(settings(), "http://mock.test/x", sleeps, transport=transport))
    assert response.body == b"ok"
    # The host is deferred by the backoff (0.01-0.02 s with jitter); the sleep is what is
    # left of that deferral when the retry starts, so it can be a hair under 0.01 s.
    assert len(sleeps.real) == 1 and 0 < sleeps.real[0] <= 0.02


# -- media -----------------------------------------------------------------------------


def test_download_checks_type_size_and_hashes(httpserver: HTTPServer, tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    httpserver.expect_request("/img.png").respond_with_data(png, content_type="image/png")
    httpserver.expect_request("/page").respond_with_data("<html>", content_type="text/html")
    httpserver.expect_request("/missing.png").respond_with_data("", status=404)

    async def scenario() -> Any:
        async with local_client(settings(), sleep=Sleeps()) as client:
            kept = await client.download(
                httpserver.url_for("/img.png"), max_bytes=10_000, allowed_types=["image/"]
            )
            filed = await client.download(
                httpserver.url_for("/img.png"),
                max_bytes=10_000,
                allowed_types=["image/"],
                directory=tmp_path / "tmp",
            )
            errors = []
            for url, cap in (("/page", 10_000), ("/img.png", 100), ("/missing.png", 10_000)):
                try:
                    await client.download(
                        httpserver.url_for(url), max_bytes=cap, allowed_types=["image/"]
                    )
                except FetchError as exc:
                    errors.append(str(exc))
            return kept, filed, errors

    kept, filed, errors = run(scenario())
    digest = hashlib.sha256(png).hexdigest()
    assert (kept.sha256, kept.size, kept.content_type, kept.data) == (
        digest,
        len(png),
        "image/png",
        png,
    )
    assert filed.path is not None and filed.path.read_bytes() == png and filed.sha256 == digest
    assert "text/html, not one of image/" in errors[0]
    assert "larger than media.max_bytes" in errors[1]
    assert "HTTP 404" in errors[2]
    assert list((tmp_path / "tmp").iterdir()) == [filed.path]  # failed files cleaned up


def test_cookies_set_by_a_server_are_never_sent_back(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/set").respond_with_data(
        "", status=302, headers={"Set-Cookie": "session=abc; Path=/", "Location": "/next"}
    )
    httpserver.expect_request("/next").respond_with_data(
        "ok", headers={"Set-Cookie": "other=1; Path=/"}
    )

    async def scenario() -> None:
        async with local_client(settings(), sleep=Sleeps()) as client:
            await client.get(Request(httpserver.url_for("/set")))
            await client.get(Request(httpserver.url_for("/next")))

    run(scenario())
    assert [request.headers.get("Cookie") for request, _ in httpserver.log] == [None] * 3


def test_large_bodies_go_to_warc_too(httpserver: HTTPServer, tmp_path: Path) -> None:
    body = bytes(range(256)) * 1200  # 300 KB: written from a worker thread
    httpserver.expect_request("/big").respond_with_data(body, content_type="image/png")

    async def scenario() -> Any:
        with WarcWriter(tmp_path) as warc:
            async with local_client(settings(max_body_bytes=10**6), warc=warc) as client:
                return await client.get_with_evidence(Request(httpserver.url_for("/big")))

    _, evidence = run(scenario())
    assert evidence.warc is not None
    with (tmp_path / evidence.warc.file).open("rb") as handle:
        handle.seek(evidence.warc.offset)
        record = next(iter(ArchiveIterator(handle, check_digests=True)))
        assert record.content_stream().read() == body
        assert record.digest_checker.passed is not False


def test_sequential_requests_to_a_host_reuse_one_connection() -> None:
    ports: list[int] = []

    class KeepAlive(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # werkzeug closes every connection; this keeps them

        def do_GET(self) -> None:
            ports.append(self.client_address[1])
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/k"

    async def scenario() -> None:
        async with local_client(settings(concurrency=64, per_host_concurrency=4)) as client:
            for _ in range(10):
                await client.get(Request(url))

    try:
        run(scenario())
    finally:
        server.shutdown()
        server.server_close()
    assert len(ports) == 10 and len(set(ports)) == 1


# -- credentials in URLs ---------------------------------------------------------------


def test_credentials_in_a_url_are_never_sent_or_recorded(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    port = httpserver.port
    httpserver.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": f"http://admin:hunter2@127.0.0.1:{port}/next"}
    )
    httpserver.expect_request("/next").respond_with_data("landed")

    async def scenario() -> Any:
        with WarcWriter(tmp_path) as warc:
            async with local_client(settings(), warc=warc, sleep=Sleeps()) as client:
                return await client.get_with_evidence(
                    Request(f"http://reader:s3cret@127.0.0.1:{port}/start")
                )

    response, evidence = run(scenario())
    assert response.body == b"landed"
    assert response.request.url == f"http://127.0.0.1:{port}/start"
    assert evidence.request_url == f"http://127.0.0.1:{port}/start"
    assert evidence.final_url == f"http://127.0.0.1:{port}/next"
    assert [request.headers.get("Authorization") for request, _ in httpserver.log] == [None] * 2
    [path] = (tmp_path / "warc").iterdir()
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            target = record.rec_headers.get_header("WARC-Target-URI") or ""
            assert "s3cret" not in target and "hunter2" not in target and "@" not in target
            if record.rec_type == "request":
                sent = record.http_headers.to_str() + record.content_stream().read().decode()
                assert "s3cret" not in sent and "hunter2" not in sent
                assert "authorization" not in sent.lower()
    # What the server itself said is kept as it said it: the evidence is its answer.
    assert b"hunter2" in gzip.decompress(path.read_bytes())


def test_credentials_stay_out_of_error_messages() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError) as caught:
        run(get(settings(max_attempts=1), f"http://reader:s3cret@127.0.0.1:{port}/x"))
    assert "s3cret" not in str(caught.value) and "reader" not in str(caught.value)
    assert caught.value.url == f"http://127.0.0.1:{port}/x"
