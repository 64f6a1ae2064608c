"""Three ``archiver add --from`` processes on one PostgreSQL archive share the list.

Each is the real command in a process of its own, against a real PostgreSQL server
(``tests/pg.py``) and a local HTTP server of small HTML pages that counts every request
(``tests/counting_server.py``).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.counting_server import Server
from tests.pg import read_rows

PAGES = 90


def add(home: Path, url: str, listed: Path, config: Path | None = None) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "archiver", "--db", url, "add", "--allow-private"]
    command += ["--home", str(home), "--from", str(listed)]
    command += ["--config", str(config)] if config else []
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def page_list(folder: Path, port: int) -> tuple[list[str], Path]:
    """The URLs of the server's pages, and a file listing them for ``add --from``."""
    urls = [f"http://127.0.0.1:{port}/page/{n}" for n in range(PAGES)]
    listed = folder / "urls.txt"
    listed.write_text("\n".join(urls) + "\n", encoding="utf-8")
    return urls, listed


def test_three_workers_add_a_list_with_no_url_fetched_twice_and_none_lost(
    tmp_path: Path, pg_url: str, counting_server: Server
) -> None:
    port, seen, _ = counting_server
    urls, listed = page_list(tmp_path, port)
    workers = [add(tmp_path / "home", pg_url, listed) for _ in range(3)]
    three_added_once(tmp_path, pg_url, urls, seen, workers)


def test_workers_keep_batches_that_outlast_their_lease(
    tmp_path: Path, pg_url: str, counting_server: Server
) -> None:
    port, seen, handler = counting_server
    urls, listed = page_list(tmp_path, port)
    # A batch of 50 URLs, 4 at a time, 0.2 s each: 2.5 s, longer than the 1 s lease.
    handler.delay = 0.2
    config = tmp_path / "short-lease.toml"
    config.write_text("[store]\nlease_seconds = 1.0\n[http]\nper_host_concurrency = 4\n")
    workers = [add(tmp_path / "home", pg_url, listed, config) for _ in range(3)]
    three_added_once(tmp_path, pg_url, urls, seen, workers)


def test_an_interrupted_add_gives_its_claims_back_and_a_rerun_goes_on_at_once(
    tmp_path: Path, pg_url: str, counting_server: Server
) -> None:
    port, seen, handler = counting_server
    urls, listed = page_list(tmp_path, port)
    handler.delay = 0.2
    worker = add(tmp_path / "home", pg_url, listed)
    started = time.monotonic()
    while sum(seen.values()) < 5:  # some pages fetched, its batch claimed
        assert time.monotonic() - started < 120, "the worker never started fetching"
        time.sleep(0.05)
    worker.send_signal(signal.SIGINT)
    _, errors = worker.communicate(timeout=120)
    assert worker.returncode == 130, errors
    live = "SELECT item FROM work_claims WHERE NOT done AND lease_until > ?"
    assert read_rows(pg_url, live, time.time()) == [], "claims kept after Ctrl-C"

    handler.delay = 0.0
    again = add(tmp_path / "home", pg_url, listed)
    _, errors = again.communicate(timeout=300)  # the default lease is 900 s
    assert again.returncode in (0, 1), errors
    assert sorted(seen) == sorted(f"/page/{n}" for n in range(len(urls))), "every page fetched"


def three_added_once(
    tmp_path: Path,
    pg_url: str,
    urls: list[str],
    seen: Counter[str],
    workers: list[subprocess.Popen[str]],
) -> None:
    """Every URL fetched once, every page stored, whichever worker added it."""
    for worker in workers:
        _, errors = worker.communicate(timeout=300)
        # Every tenth page is gone: a worker that met one says so with exit code 1.
        assert worker.returncode in (0, 1), errors
    assert sorted(seen) == sorted(f"/page/{n}" for n in range(len(urls)))
    assert set(seen.values()) == {1}, "no URL fetched twice"

    listing = subprocess.run(
        [sys.executable, "-m", "archiver", "--db", pg_url, "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    stored = [json.loads(line) for line in listing.stdout.splitlines()]
    assert sorted(post["url"] for post in stored) == sorted(urls), "no page lost"
    gone = {post["url"] for post in stored if post["status"] != "unchecked"}
    assert gone == set(urls[::10])  # stored as gone, as one worker would have
