"""``archiver timestamp`` and the stamping that ends ``add``, as a user runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.store import Archive
from archiver.store.timestamps import count_unstamped
from tests.conftest import FIXTURES
from tests.e2e.stored import run_cli
from tests.evidence.tsa_server import LocalTsa, closed_url, running_tsa, write_config

ARTICLE = FIXTURES / "articles" / "news-x-embeds.html"


@pytest.fixture
def tsa() -> Iterator[LocalTsa]:
    with running_tsa() as running:
        yield running


def unstamped(home: Path) -> int:
    with Archive(home) as archive:
        return count_unstamped(archive)


def test_add_stamps_its_run_with_one_request(home: Path, tmp_path: Path, tsa: LocalTsa) -> None:
    config = write_config(tmp_path, tsa.url, pki=tsa.pki)
    added = run_cli("add", ARTICLE, home=home, config=config)
    assert added.exit_code == 0, added.output
    (line,) = added.lines("timestamped")
    assert line.startswith("timestamped 5 new capture(s): 127.0.0.1:")
    assert len(tsa.requests) == 1 and unstamped(home) == 0
    again = run_cli("add", ARTICLE, home=home, config=config)
    assert again.lines("timestamped") == [] and len(tsa.requests) == 1  # nothing new


def test_add_with_the_authority_down_succeeds_and_timestamp_stamps_later(
    home: Path, tmp_path: Path, tsa: LocalTsa
) -> None:
    down = write_config(tmp_path, closed_url(), pki=tsa.pki)
    added = run_cli("add", ARTICLE, home=home, config=down)
    assert added.exit_code == 0, added.output
    (line,) = added.lines("not timestamped yet")
    assert "connection failed" in line and "`archiver timestamp` stamps the 5" in line
    assert unstamped(home) == 5

    failed = run_cli("timestamp", home=home, config=down)
    assert failed.exit_code == 1
    assert "no authority answered" in failed.stderr and "stay unstamped" in failed.stderr

    up = write_config(tmp_path, tsa.url, pki=tsa.pki)
    stamped = run_cli("timestamp", "--json", home=home, config=up)
    assert stamped.exit_code == 0, stamped.output
    report = json.loads(stamped.stdout)
    assert (report["captures"], report["stamped"], report["failed"]) == (5, True, [])
    assert unstamped(home) == 0
    done = run_cli("timestamp", home=home, config=up)
    assert (done.exit_code, done.stdout.strip()) == (
        0,
        "nothing to timestamp: every capture already has a timestamp",
    )


def test_add_json_stays_one_document(home: Path, tmp_path: Path, tsa: LocalTsa) -> None:
    config = write_config(tmp_path, tsa.url, pki=tsa.pki)
    added = run_cli("add", ARTICLE, "--json", home=home, config=config)
    assert added.summary()["new"] == 5
    assert added.stderr == "" and unstamped(home) == 0


def test_disabled_timestamps_ask_no_one(home: Path, tmp_path: Path, tsa: LocalTsa) -> None:
    config = write_config(tmp_path, tsa.url, pki=tsa.pki, enabled=False)
    added = run_cli("add", ARTICLE, home=home, config=config)
    assert added.exit_code == 0 and tsa.requests == [] and unstamped(home) == 5


def test_timestamp_without_authorities_says_what_to_set(home: Path, tmp_path: Path) -> None:
    none = write_config(tmp_path)
    result = run_cli("timestamp", home=home, config=none)
    assert result.exit_code == 2
    assert "set [timestamps] authorities" in result.stderr


def test_an_unreadable_certificate_file_is_one_line(home: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path, closed_url(), certificates=[str(tmp_path / "gone.pem")])
    run_cli("add", ARTICLE, home=home, config=config)
    result = run_cli("timestamp", home=home, config=config)
    assert result.exit_code == 1
    assert "cannot read" in result.stderr and "gone.pem" in result.stderr
