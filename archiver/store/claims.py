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
left to claim waits while others still hold live leases (:meth:`Share.keep_going`), so it can
take over a batch whose worker died.

A live worker keeps its claims: while it works (:meth:`Share.renewing`), a thread of its own
pushes the lease of every claim it holds and has not finished, every third of a lease, in
one statement. So a batch may take longer than a lease (a slow host, politeness pauses,
retries backing off) without being handed to a second worker, while a worker that is
killed stops renewing and its claims still expire one lease after its last renewal.

SQLite archives are one person's: a single process walks the selection as before, and
this module is not used.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

_NOW = "EXTRACT(EPOCH FROM clock_timestamp())"

#: How long a worker with nothing left to claim waits before asking again while others
#: hold live claims: short, since the last of them to finish ends the whole run only when
#: the waiting ones have noticed (one small query each time).
POLL_SECONDS = 0.25


def worker_name() -> str:
    """This process, as its claims name it: host, process id and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Share:
    """This process's part in sharing the items of ``kind`` with other workers."""

    kind: str
    lease_seconds: float
    #: Items claimed at a time.
    size: int
    worker: str = field(default_factory=worker_name)

    def claim(self, engine: Engine, candidates: str, params: dict[str, Any]) -> list[str]:
        """Claim up to :attr:`size` items in one transaction; the items claimed.

        ``candidates`` is a ``SELECT`` of one column, the items, in the order to take them,
        without ``LIMIT``; items done or under a live lease are left out here.
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
        mine = {"kind": self.kind, "worker": self.worker, "lease": self.lease_seconds}
        with engine.begin() as connection:
            rows = connection.execute(statement, params | mine | {"size": self.size})
            return [row[0] for row in rows]

    def finish(self, database: Engine | Connection, items: Sequence[str]) -> None:
        """Mark ``items`` done: they are never handed out again. Given a connection, in its
        transaction (the one that writes what was done, so both commit or neither)."""
        if not items:
            return
        if isinstance(database, Engine):
            with database.begin() as connection:
                self.finish(connection, items)
            return
        database.execute(
            text(
                "UPDATE work_claims SET done = true WHERE kind = :kind AND item IN "
                "(SELECT value FROM json_each(:items))"
            ),
            {"kind": self.kind, "items": json.dumps(list(items))},
        )

    def renew(self, engine: Engine) -> int:
        """Push the lease of every claim this worker holds and has not finished one lease
        past now, in one statement; how many were renewed. A claim another worker took
        over (its lease ran out first) names that worker now, and is left alone.

        Rows another transaction holds are skipped, so a renewal never waits: those are
        being marked done (this worker's own write of a batch) or taken over, and waiting
        for them in another order than that transaction could deadlock the two."""
        with engine.begin() as connection:
            mine = {"kind": self.kind, "worker": self.worker, "lease": self.lease_seconds}
            renewed = connection.execute(_RENEW, mine)
            return int(renewed.rowcount)

    @contextmanager
    def renewing(self, engine: Engine) -> Iterator[None]:
        """Renew this worker's claims (:meth:`renew`) every third of a lease meanwhile, and
        give them back (:meth:`release`) if the work stops early.

        A thread rather than a task of the run's event loop: the loop also runs the
        store's writes, which block it, and a renewal must not wait behind them. A
        renewal that fails (the server restarting) is logged and tried again a third of
        a lease later, while the claims still have two thirds of theirs to run."""
        stop = threading.Event()

        def keep_alive() -> None:
            while not stop.wait(self.lease_seconds / 3):
                try:
                    self.renew(engine)
                except SQLAlchemyError as exc:
                    log.warning("could not renew the claims of %s: %s", self.kind, exc)

        renewer = threading.Thread(target=keep_alive, name=f"renew {self.kind}", daemon=True)
        renewer.start()
        try:
            yield
        except BaseException:  # stopped early (Ctrl-C, a failure): a run again at once
            stop.set()  # takes up this worker's batch, not one lease later
            renewer.join()
            with suppress(SQLAlchemyError):
                self.release(engine)
            raise
        finally:
            stop.set()
            renewer.join()

    def release(self, engine: Engine) -> None:
        """Give back this worker's claims not yet done, their leases ended now: a worker
        stopping early (interrupted, or failed) lets the next one take its batch at once,
        rather than after the lease (a killed worker's claims still wait for theirs)."""
        with engine.begin() as connection:
            connection.execute(
                text(
                    "UPDATE work_claims SET lease_until = 0 "
                    "WHERE kind = :kind AND worker = :worker AND NOT done"
                ),
                {"kind": self.kind, "worker": self.worker},
            )

    def keep_going(self, engine: Engine, claimed: int) -> bool:
        """Another pass: the last one claimed items, or other workers hold live claims
        not yet done (one of them may die, and its items come free)."""
        if claimed:
            return True
        query = text(
            "SELECT COUNT(*) FROM work_claims WHERE kind = :kind AND NOT done "
            f"AND lease_until > {_NOW} AND worker != :worker"
        )
        with engine.connect() as connection:
            found = connection.execute(query, {"kind": self.kind, "worker": self.worker})
            return bool(found.scalar())

    def begin(self, engine: Engine) -> None:
        """Start afresh when every claim of :attr:`kind` is done (the same list added
        again, days later); workers that join a list being worked through keep its claims."""
        with exclusive(engine, self.kind), engine.begin() as connection:
            connection.execute(_FORGET_FINISHED, {"kind": self.kind})

    def close(self, engine: Engine) -> None:
        """Forget the claims of :attr:`kind` once every one is done (a recheck run that
        ended), so the table does not grow."""
        with engine.begin() as connection:
            connection.execute(_FORGET_FINISHED, {"kind": self.kind})


_RENEW = text(
    f"UPDATE work_claims SET lease_until = {_NOW} + :lease WHERE kind = :kind AND item IN ("
    "SELECT item FROM work_claims WHERE kind = :kind AND worker = :worker AND NOT done "
    "FOR UPDATE SKIP LOCKED)"
)

_FORGET_FINISHED = text(
    "DELETE FROM work_claims WHERE kind = :kind AND NOT EXISTS ("
    "SELECT 1 FROM work_claims w WHERE w.kind = :kind AND NOT w.done)"
)


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
