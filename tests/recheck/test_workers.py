"""Several ``recheck`` workers share one PostgreSQL archive: every post checked exactly once.

Each worker is a process of its own (spawned, as a second machine would be), rechecking
the same selection of a real PostgreSQL archive (``tests/pg.py``) against a local HTTP
server that counts every request. The platform is a minimal JSON one served by that
server (``http://127.0.0.1:<port>/item/<n>`` → ``{"text": …}``), so what is measured is
the sharing, not parsing.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from archiver.config import Endpoints, load_settings
from archiver.platforms.base import Found, Gone, Outcome, Platform, PostRef, Reason, Request
from archiver.platforms.base import Response as PlatformResponse
from archiver.platforms.registry import Registry
from archiver.recheck import Selection, plan_recheck, run_recheck
from archiver.record import Capture, Post, sha256_hex
from archiver.store import Archive, Evidence, Observation
from tests.counting_server import Server, item

POSTS = 240


class LocalItems(Platform):
    """Items of the test server: one JSON request each; 404 is gone."""

    name = "web"

    def match(self, url: str) -> PostRef | None:
        parts = urlsplit(url)
        if parts.hostname != "127.0.0.1" or not parts.path.startswith("/item/"):
            return None
        return PostRef("web", parts.path.removeprefix("/item/"), url)

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        return Request(ref.url, purpose="item")

    def read_response(
        self, ref: PostRef, response: PlatformResponse, endpoints: Endpoints
    ) -> Outcome:
        if response.status == 404:
            return Gone(Reason.NOT_FOUND, "no such item", 404)
        post = Post(
            platform="web",
            post_id=ref.post_id,
            url=ref.url,
            text=response.json()["text"],
            capture=response.capture(),
        )
        return Found(post)


def build(home: Path, url: str, port: int) -> None:
    observations = []
    for number in range(POSTS):
        link = f"http://127.0.0.1:{port}/item/{number}"
        body = item(number)
        capture = Capture(
            method="api",
            source=link,
            captured_at="2026-01-05T10:00:00Z",
            raw_sha256=sha256_hex(body),
        )
        post = Post(
            platform="web", post_id=str(number), url=link, text=f"Item {number}", capture=capture
        )
        observations.append(Observation.of_post(post, [Evidence(url=link, body=body)], live=True))
    with Archive(home, url=url) as archive:
        archive.add(observations)


def worker(home: str, url: str, lease: float) -> None:
    """One ``archiver recheck --all`` against the shared archive (in a process of its own)."""
    settings = load_settings()
    settings.network.allow_private_addresses = True
    settings.store.lease_seconds = lease
    settings.http.per_host_concurrency = 4  # what the batch durations below assume
    with Archive(Path(home), url=url) as archive:
        plan = plan_recheck(archive, Selection(all=True))
        run_recheck(archive, settings, plan, router=Registry([LocalItems()]), batch_size=20)


def start(home: Path, url: str, lease: float) -> multiprocessing.process.BaseProcess:
    process = multiprocessing.get_context("spawn").Process(
        target=worker, args=(str(home), url, lease), daemon=True
    )
    process.start()
    return process


def checks_per_post(home: Path, url: str) -> Counter[str]:
    with Archive(home, url=url) as archive, archive.engine.connect() as connection:
        rows = connection.execute(text("SELECT post_key FROM checks")).all()
        runs = connection.execute(text("SELECT COUNT(*) FROM recheck_runs")).scalar()
    assert runs == 1, "the workers joined one run"
    return Counter(row[0] for row in rows)


@pytest.mark.parametrize(
    ("delay", "lease"),
    [
        (0.01, 120.0),
        # A batch of 20 posts, 4 at a time, 0.4 s each: 2 s, longer than the 1.2 s lease;
        # a worker that did not renew would see its batches taken over while it works.
        (0.4, 1.2),
    ],
    ids=["lease-longer-than-a-batch", "batch-outlasts-its-lease-renewed"],
)
def test_three_workers_check_every_post_once_and_fetch_no_url_twice(
    tmp_path: Path, pg_url: str, counting_server: Server, delay: float, lease: float
) -> None:
    port, seen, handler = counting_server
    build(tmp_path, pg_url, port)
    handler.delay = delay
    workers = [start(tmp_path, pg_url, lease) for _ in range(3)]
    for process in workers:
        process.join(timeout=300)
        assert process.exitcode == 0
    assert sorted(seen) == sorted(f"/item/{n}" for n in range(POSTS))
    assert set(seen.values()) == {1}, "no URL fetched twice"
    checked = checks_per_post(tmp_path, pg_url)
    assert len(checked) == POSTS and set(checked.values()) == {1}, "no post lost or doubled"


def test_a_killed_workers_batch_is_taken_over_after_its_lease(
    tmp_path: Path, pg_url: str, counting_server: Server
) -> None:
    port, seen, handler = counting_server
    build(tmp_path, pg_url, port)
    handler.delay = 0.5  # slow enough to kill the first worker mid-batch
    first = start(tmp_path, pg_url, lease=4.0)
    deadline = time.monotonic() + 60
    while sum(seen.values()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.kill()
    first.join()
    handler.delay = 0.01
    others = [start(tmp_path, pg_url, lease=60.0) for _ in range(2)]
    for process in others:
        process.join(timeout=300)
        assert process.exitcode == 0
    checked = checks_per_post(tmp_path, pg_url)
    assert len(checked) == POSTS and set(checked.values()) == {1}, "no post lost or doubled"
    # Only what the killed worker had in flight was asked for again.
    assert sorted(seen) == sorted(f"/item/{n}" for n in range(POSTS))
    assert sum(seen.values()) - POSTS <= 20  # one claimed batch at most
