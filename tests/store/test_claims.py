"""Claims and their leases on a real PostgreSQL archive (``tests/pg.py``): what a renewal
pushes, what it leaves alone, and that it never waits for a row another transaction holds.

The workers that use them are tested whole in ``tests/recheck/test_workers.py`` and
``tests/ingest/test_shared_add.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from archiver.store import Archive
from archiver.store.claims import Share

LISTED = "SELECT value FROM json_each(:listed)"


@pytest.fixture
def engine(tmp_path: Path, pg_url: str) -> Iterator[Engine]:
    with Archive(tmp_path, url=pg_url) as archive:
        yield archive.engine


def claim(engine: Engine, share: Share, items: list[str]) -> list[str]:
    return share.claim(engine, LISTED, {"listed": json.dumps(items)})


def leases(engine: Engine) -> dict[str, float]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT item, lease_until FROM work_claims")).all()
    return {row[0]: float(row[1]) for row in rows}


def test_a_renewal_pushes_the_workers_unfinished_claims_only(engine: Engine) -> None:
    mine = Share("add:list", lease_seconds=600.0, size=3)
    theirs = Share("add:list", lease_seconds=5.0, size=3)
    assert claim(engine, mine, ["a", "b", "c"]) == ["a", "b", "c"]
    assert claim(engine, theirs, ["a", "b", "c", "d"]) == ["d"], "a claimed item is not handed out"
    mine.finish(engine, ["a"])
    mine.lease_seconds = 3600.0
    before = leases(engine)

    assert mine.renew(engine) == 2
    after = leases(engine)
    assert after["b"] > before["b"] + 2000 and after["c"] > before["c"] + 2000
    assert after["a"] == before["a"], "a finished claim is left as it was"
    assert after["d"] == before["d"], "another worker's claim is its own to renew"


def test_a_renewal_skips_a_claim_another_transaction_holds_instead_of_waiting(
    engine: Engine,
) -> None:
    mine = Share("recheck:1", lease_seconds=600.0, size=2)
    claim(engine, mine, ["a", "b"])
    before = leases(engine)
    mine.lease_seconds = 3600.0
    # The holder: the worker's own write of a batch, marking "a" done, not yet committed.
    with ThreadPoolExecutor(1) as renewer, engine.connect() as holder, holder.begin():
        mine.finish(holder, ["a"])
        renewal = renewer.submit(mine.renew, engine)
        # A renewal that waited for the holder would time out here.
        assert renewal.result(timeout=30) == 1
    after = leases(engine)
    assert after["b"] > before["b"] + 2000
    assert after["a"] == before["a"]
