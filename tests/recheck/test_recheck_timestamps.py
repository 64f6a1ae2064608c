"""A recheck run ends like an ``add`` run: what it stored is timestamped, in one request."""

from __future__ import annotations

from pathlib import Path

from archiver.store import Archive
from archiver.store.timestamps import count_unstamped
from tests.e2e.stored import run_cli
from tests.evidence.tsa_server import running_tsa, timestamps_table
from tests.recheck.conftest import Replay, fixture
from tests.recheck.test_recheck import (
    MIXED_URLS,
    TELEGRAM_TEXT,
    serve_others,
    serve_telegram,
    serve_twitter,
)


def test_recheck_stamps_the_captures_it_stored(
    replay: Replay, config_file: Path, tmp_path: Path, engine_url: str | None
) -> None:
    serve_twitter(replay)
    serve_telegram(replay)
    serve_others(replay)
    home = tmp_path / "home"
    with running_tsa() as tsa:
        with config_file.open("a", encoding="utf-8") as config:
            config.write("\n" + timestamps_table(tmp_path, tsa.url, pki=tsa.pki))
        db = ("--db", engine_url) if engine_url else ()
        added = run_cli(*db, "add", *MIXED_URLS, home=home, config=config_file)
        assert added.exit_code == 0, added.output
        assert len(tsa.requests) == 1

        replay.answer(
            TELEGRAM_TEXT,
            fixture("telegram/responses/ok-text.200.html", **{"offline again": "back online"}),
        )
        rechecked = run_cli(*db, "recheck", "--all", home=home, config=config_file)

    assert rechecked.exit_code == 0, rechecked.output
    assert rechecked.lines("timestamped 1 new capture(s): 127.0.0.1:"), rechecked.stderr
    assert len(tsa.requests) == 2
    with Archive(home, url=engine_url) as archive:
        assert count_unstamped(archive) == 0
