"""The query plans of what the store runs, on each engine, for the tests that judge them.

SQLite: every SELECT its connections run (its own trace, so statements run through
SQLAlchemy and through the driver alike are seen), then ``EXPLAIN QUERY PLAN`` of each.

PostgreSQL: every SELECT as sent to the server (after :mod:`archiver.store.dialect` put it
in PostgreSQL's terms), then ``EXPLAIN (FORMAT JSON)`` of each with the same parameters.
The planner chooses by cost, and on the few rows a test holds a sequential scan and a
sort cost least whatever the indexes, so the plan is asked for with sequential scans,
bitmap scans and sorts priced out (``enable_seqscan``/``enable_bitmapscan``/``enable_sort``
off). They are still used where nothing else can answer the query: a ``Sort`` node in
such a plan proves that no index can give the statement's order, and a condition left as
a ``Filter`` that no index reads.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event

from archiver.store import Archive


def _is_read(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH"))


@contextmanager
def statements(archive: Archive) -> Iterator[list[str]]:
    """Every SELECT a SQLite archive's connections run meanwhile, parameters filled in."""
    seen: list[str] = []

    def record(sql: str) -> None:
        if _is_read(sql):
            seen.append(sql)

    def trace(connection: sqlite3.Connection, _record: Any) -> None:
        connection.set_trace_callback(record)

    event.listen(archive.engine, "connect", trace)
    archive.engine.dispose()  # connections made from now on are traced
    try:
        yield seen
    finally:
        event.remove(archive.engine, "connect", trace)
        archive.engine.dispose()


def plans(home: Path, seen: list[str]) -> list[str]:
    """The SQLite query plan of each statement, its top level only (not its subqueries')."""
    connection = sqlite3.connect(home / "archive.db")
    try:
        return [
            " / ".join(
                row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}") if row[1] == 0
            )
            for sql in seen
        ]
    finally:
        connection.close()


Sent = tuple[str, Any]


@contextmanager
def sent(archive: Archive) -> Iterator[list[Sent]]:
    """Every SELECT a PostgreSQL archive sends meanwhile, with its parameters."""
    seen: list[Sent] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if _is_read(statement):
            seen.append((statement, parameters))

    event.listen(archive.engine, "after_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(archive.engine, "after_cursor_execute", record)


@dataclass(frozen=True)
class Node:
    """One node of a PostgreSQL plan, with what it reads and how."""

    kind: str
    relation: str | None
    index: str | None
    index_cond: str
    filter: str
    #: Part of a subquery's plan (run per row or once), not of the statement's own.
    in_subquery: bool


def pg_plans(
    url: str, seen: list[Sent], priced_out: tuple[str, ...] = ("seqscan", "bitmapscan", "sort")
) -> list[list[Node]]:
    """The nodes of each statement's PostgreSQL plan, with the kinds of node ``priced_out``
    used only where nothing else can answer (see the module's docstring)."""
    import psycopg

    found = []
    with psycopg.connect(url, autocommit=True) as connection:
        _settle(connection)
        for kind in priced_out:
            connection.execute(f"SET enable_{kind} = off")
        for statement, parameters in seen:
            row = connection.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters).fetchone()
            assert row is not None
            found.append(list(_nodes(row[0][0]["Plan"])))
    return found


def _settle(connection: Any) -> None:
    """``VACUUM ANALYZE`` until every page of every table is marked all-visible, as an
    archive at rest is: the planner prices an index-only scan by that mark. A page written
    by a transaction that a session just closed may not be markable yet, so this tries a
    few times."""
    unsettled = (
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = "
        "'public'::regnamespace AND relpages > 0 AND relallvisible < relpages"
    )
    for _ in range(50):
        connection.execute("VACUUM ANALYZE")
        if not connection.execute(unsettled).fetchall():
            return
        time.sleep(0.1)
    raise AssertionError(f"pages not all-visible: {connection.execute(unsettled).fetchall()}")


def _nodes(plan: dict[str, Any], in_subquery: bool = False) -> Iterator[Node]:
    yield Node(
        plan["Node Type"],
        plan.get("Relation Name"),
        plan.get("Index Name"),
        plan.get("Index Cond", ""),
        plan.get("Filter", ""),
        in_subquery,
    )
    for child in plan.get("Plans", []):
        sub = in_subquery or child.get("Parent Relationship") in ("SubPlan", "InitPlan")
        yield from _nodes(child, sub)


def own(plan: list[Node]) -> list[Node]:
    """The statement's own nodes, its subqueries' left out (as SQLite's top level is)."""
    return [node for node in plan if not node.in_subquery]


def scans_of(plan: list[Node], table: str) -> list[Node]:
    return [node for node in own(plan) if node.relation == table]
