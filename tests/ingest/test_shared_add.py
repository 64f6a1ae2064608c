"""Three ``archiver add --from`` processes on one PostgreSQL archive share the list.

Each is the real command in a process of its own, against a real PostgreSQL server
(``tests/pg.py``) and a local HTTP server of small HTML pages that counts every request
(``tests/counting_server.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.counting_server import Server

PAGES = 90


def add(home: Path, url: str, listed: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "archiver", "--db", url, "add", "--allow-private"]
    command += ["--home", str(home), "--from", str(listed)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_three_workers_add_a_list_with_no_url_fetched_twice_and_none_lost(
    tmp_path: Path, pg_url: str, counting_server: Server
) -> None:
    port, seen, _ = counting_server
    urls = [f"http://127.0.0.1:{port}/page/{n}" for n in range(PAGES)]
    listed = tmp_path / "urls.txt"
    listed.write_text("\n".join(urls) + "\n", encoding="utf-8")
    workers = [add(tmp_path / "home", pg_url, listed) for _ in range(3)]
    for worker in workers:
        _, errors = worker.communicate(timeout=300)
        # Every tenth page is gone: a worker that met one says so with exit code 1.
        assert worker.returncode in (0, 1), errors
    assert sorted(seen) == sorted(f"/page/{n}" for n in range(PAGES))
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
