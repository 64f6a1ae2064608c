"""``status`` counts: right per platform and outcome on both engines, and read from
indexes alone (SQLite's covering indexes; on PostgreSQL, index-only scans of the same
indexes, see ``tests/store/plans.py``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from archiver.store import Archive, Evidence, Observation
from archiver.store.check_queries import outcome_counts
from archiver.store.checks import NewCheck, StatusChange, run_counts, start_run, write_checks
from tests.conftest import make_post
from tests.store.conftest import OpenArchive
from tests.store.plans import pg_plans, plans, sent, statements
from tests.store.test_pager import Recorder


def count_statuses(archive: Archive, recording: Recorder) -> list[Any]:
    """Six posts on two platforms checked once each, counted; the statements recorded."""
    with archive:
        posts = [make_post(str(100 + n), platform=("twitter", "bluesky")[n % 2]) for n in range(6)]
        archive.add([Observation.of_post(p, [Evidence(url="a", body=b"a")]) for p in posts])
        run = start_run(archive, "{}")
        assert run.id is not None
        keys = [p.key for p in posts]
        outcomes = ["available", "deleted", "error", "changed", "available", "available"]
        write_checks(
            archive,
            [
                NewCheck(k, run.id, "2026-02-01T00:00:00Z", o)
                for k, o in zip(keys, outcomes, strict=True)
            ],
            [StatusChange(keys[1], "not_found", None)],
        )
        with recording(archive) as seen:
            counts = outcome_counts(archive)
            by_outcome = run_counts(archive, run.id)
    assert counts.by_platform == {
        # An error says nothing: a post only an error check looked at is still unchecked.
        "twitter": {"available": 2, "unchecked": 1},
        "bluesky": {"deleted": 1, "changed": 1, "available": 1},
    }
    assert counts.last_check_failed == {"twitter": 1}
    assert by_outcome == {"available": 3, "deleted": 1, "error": 1, "changed": 1}
    return seen


def test_status_counts_per_platform_and_outcome(home: Path, open_archive: OpenArchive) -> None:
    count_statuses(open_archive(home), sent)


def test_status_counts_come_from_indexes_alone(home: Path) -> None:
    seen = count_statuses(Archive(home), statements)
    for plan in plans(home, seen):
        assert "SCAN posts " not in plan or "COVERING INDEX ix_posts_status_platform_key" in plan
        assert "TEMP B-TREE FOR ORDER" not in plan
    connection = sqlite3.connect(home / "archive.db")
    try:
        everything = " ".join(
            row[3] for sql in seen for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}")
        )
    finally:
        connection.close()
    assert "COVERING INDEX ix_checks_post_id_outcome" in everything
    assert "COVERING INDEX ix_checks_run_id_outcome" in everything


def test_on_postgresql_status_counts_come_from_indexes_alone(home: Path, pg_url: str) -> None:
    """Every table is read by an index-only scan of the index SQLite covers it with. Sorts
    are not priced out here: a count groups by a state worked out per post, which no index
    holds in order on either engine; what matters is that no row of a table is read."""
    seen = count_statuses(Archive(home, url=pg_url), sent)
    scans = [node for plan in pg_plans(pg_url, seen, ("seqscan", "bitmapscan")) for node in plan]
    scans = [node for node in scans if node.relation is not None]
    assert {node.kind for node in scans} == {"Index Only Scan"}, scans
    assert {(node.relation, node.index) for node in scans} == {
        ("posts", "ix_posts_status_platform_key"),
        ("checks", "ix_checks_post_id_outcome"),
        ("checks", "ix_checks_run_id_outcome"),
    }
