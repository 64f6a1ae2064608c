"""Sharing work between processes on one PostgreSQL archive: claims in batches, with leases.

Several ``archiver recheck`` (or ``add --from``) processes, on one machine or several,
take their items from the archive rather than each walking all of them. A worker claims a
batch by inserting rows into ``work_claims`` (:class:`~archiver.store.tables.WorkClaim`),
a claim column with a lease: the insert is the arbiter, since ``ON CONFLICT`` takes an
existing claim over only when it is neither done nor under a live lease, so no item is
handed to two workers (two claimers racing for the same rows: the second waits for the
first's commit, then finds them taken and claims the next ones). A claim's lease runs on
the server's clock, one clock for every machine; a worker killed mid-batch leaves its
claims to expire, and whichever worker asks next takes them over. A worker with nothing
left to claim waits while others still hold live leases (:func:`outstanding`), so it can
take over a batch whose worker died.

SQLite archives are one person's: a single process walks the selection as before, and
this module is not used.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine

_NOW = "EXTRACT(EPOCH FROM clock_timestamp())"


def worker_name() -> str:
    """This process, as its claims name it: host, process id and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(
    connection: Connection,
    kind: str,
    candidates: str,
    params: dict[str, Any],
    *,
    worker: str,
    lease_seconds: float,
    size: int,
) -> list[str]:
    """Claim up to ``size`` items of ``kind`` for ``worker``, in one transaction; the items.

    ``candidates`` is a ``SELECT`` of one column, the items, in the order to take them,
    without ``LIMIT``; items done or under another worker's live lease are left out here.
    """
    statement = text(
        "INSERT INTO work_claims (kind, item, worker, lease_until, done) "
        f"SELECT :kind, item, :worker, {_NOW} + :lease, false FROM ("
        f"SELECT item FROM ({candidates}) AS candidate(item) WHERE NOT EXISTS ("
        "SELECT 1 FROM work_claims w WHERE w.kind = :kind AND w.item = candidate.item "
        f"AND (w.done OR w.lease_until > {_NOW})) LIMIT :size) AS chosen "
        "ON CONFLICT (kind, item) DO UPDATE SET worker = excluded.worker, "
        "lease_until = excluded.lease_until "
        f"WHERE NOT work_claims.done AND work_claims.lease_until <= {_NOW} "
        "RETURNING item"
    )
    values = params | {"kind": kind, "worker": worker, "lease": lease_seconds, "size": size}
    with connection.begin():
        return [row[0] for row in connection.execute(statement, values)]


def finish(connection: Connection, kind: str, items: Sequence[str]) -> None:
    """Mark ``items`` done: they are never handed out again."""
    if not items:
        return
    with connection.begin():
        connection.execute(
            text(
                "UPDATE work_claims SET done = true WHERE kind = :kind AND item IN "
                "(SELECT value FROM json_each(:items))"
            ),
            {"kind": kind, "items": _json(items)},
        )


def outstanding(connection: Connection, kind: str, worker: str) -> int:
    """Items of ``kind`` that other workers than ``worker`` hold under live leases and have
    not finished."""
    with connection.begin():
        query = text(
            "SELECT COUNT(*) FROM work_claims WHERE kind = :kind AND NOT done "
            f"AND lease_until > {_NOW} AND worker != :worker"
        )
        return int(connection.execute(query, {"kind": kind, "worker": worker}).scalar() or 0)


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock named ``name`` meanwhile (one worker starts a recheck
    run; the others then join it); on SQLite, nothing."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(hashtext(:n))"), {"n": name})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": name})
            connection.commit()


def _json(items: Sequence[str]) -> str:
    import json

    return json.dumps(list(items))
