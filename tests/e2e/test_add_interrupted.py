"""Acceptance: a batch of URLs killed midway is finished by a re-run, with no duplicates.

These run ``archiver`` as a real process (the console script) against the replay
server, with one host that never answers so the run is reliably caught midway, then
kill it (SIGKILL: nothing can be saved at the last moment; SIGINT: Ctrl-C) and run the
same batch again.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.e2e.replay import Answer, Replay, fixture, write_config
from tests.e2e.stored import archiver_command, captures, count, posts, run_cli, warcio_check

WAIT_SECONDS = 30.0


def page(number: int) -> Answer:
    return Answer.html(
        f"<!doctype html><html><head><title>Flood update {number}</title></head>"
        f"<body><p>River level update number {number}.</p></body></html>"
    )


def start_batch(url_file: Path, home: Path, config: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVER_")}
    command = [*archiver_command(), "add", "--from", str(url_file), "--home", str(home)]
    return subprocess.Popen(
        [*command, "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def stored_posts(home: Path) -> int:
    """Posts committed so far, read while the batch is running (0 before the db exists)."""
    if not (home / "archive.db").exists():
        return 0
    try:
        return count(home, "posts")
    except sqlite3.Error:
        return 0


def test_a_batch_killed_midway_is_finished_by_a_rerun_without_duplicates(
    replay: Replay, home: Path
) -> None:
    config = write_config(home.parent / "c.toml", replay.base_url, http={"timeout_seconds": 60.0})
    paths = [f"/updates/{n}" for n in range(60)]
    for number, path in enumerate(paths):
        replay.on(path, page(number))
    replay.on("/stuck", Answer.hang())
    url_file = home.parent / "urls.txt"
    url_file.write_text("\n".join([replay.url("/stuck"), *map(replay.url, paths)]) + "\n")

    batch = start_batch(url_file, home, config)
    try:
        # A first batch of results is committed, every page answered, one host hangs.
        wait_until(lambda: stored_posts(home) >= 50, "a committed batch")
        wait_until(lambda: all(replay.hits(path) for path in paths), "every page")
        time.sleep(0.3)  # let the client finish writing what it received
    finally:
        batch.kill()
        batch.communicate(timeout=WAIT_SECONDS)
    kept = posts(home)
    assert 50 <= len(kept) < 61
    assert f"web:{replay.url('/stuck')}" not in kept
    assert count(home, "captures") == len(kept)

    replay.on("/stuck", page(99))
    rerun = run_cli("add", "--from", url_file, "--json", home=home, config=config)

    assert rerun.exit_code == 0, rerun.output
    summary = rerun.summary()
    assert (summary["skipped"], summary["new"], summary["failed"]) == (len(kept), 61 - len(kept), 0)
    final = posts(home)
    assert len(final) == 61
    assert {row["status"] for row in final.values()} == {"archived"}
    assert count(home, "captures") == 61
    for key in kept:  # what the killed run stored was not fetched again
        assert len(replay.hits(final[key]["url"].removeprefix(replay.base_url))) == 1
    assert final[f"web:{replay.url('/stuck')}"]["record"]["title"] == "Flood update 99"
    warcio_check(home)


def test_ctrl_c_keeps_every_finished_result_and_a_rerun_finishes_the_rest(
    replay: Replay, home: Path
) -> None:
    config = write_config(home.parent / "c.toml", replay.base_url, http={"timeout_seconds": 60.0})
    paths = [f"/withdrawn/{n}" for n in range(5)]
    for path in paths:
        replay.on(path, fixture("web", "gone.410.html"))
    replay.on("/stuck", Answer.hang())
    url_file = home.parent / "urls.txt"
    url_file.write_text("\n".join([replay.url("/stuck"), *map(replay.url, paths)]) + "\n")

    batch = start_batch(url_file, home, config)
    lines: list[str] = []
    assert batch.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(batch.stderr or ()), daemon=True)
    reader.start()
    try:
        # Each finished URL says one line; these are reported, not yet committed.
        wait_until(lambda: len([x for x in lines if x.startswith("unavailable")]) == 5, "5 lines")
        assert stored_posts(home) == 0
        batch.send_signal(signal.SIGINT)
        batch.wait(timeout=WAIT_SECONDS)
    finally:
        if batch.poll() is None:
            batch.kill()
        reader.join(timeout=WAIT_SECONDS)
    assert batch.returncode == 130
    stderr = "".join(lines)
    assert "interrupted: everything stored before the interruption is kept" in stderr
    assert "Traceback" not in stderr
    kept = posts(home)
    assert sorted(row["url"] for row in kept.values()) == sorted(map(replay.url, paths))
    assert {row["status"] for row in kept.values()} == {"deleted"}

    replay.on("/stuck", page(7))
    rerun = run_cli("add", "--from", url_file, "--json", home=home, config=config)

    assert rerun.exit_code == 0, rerun.output
    assert (rerun.summary()["new"], rerun.summary()["unavailable"]) == (1, 5)
    assert len(posts(home)) == 6
    assert count(home, "captures") == 6  # the withdrawn pages, asked again, are not stored twice
    assert [c["status"] for c in captures(home, f"web:{replay.url('/stuck')}")] == ["archived"]
    warcio_check(home)
