"""The one pager: walking a selection in index order, a page at a time, by key.

``LIMIT … OFFSET k`` makes SQLite produce and skip ``k`` rows for every page, so a walk
of N rows costs N²/page. A keyset page instead starts just after the last row of the
previous one (``WHERE (created_at, key) > (:last_created, :last_key)``), which an index
on the order's columns finds at once: a whole walk reads each row once, and its cost per
row does not depend on how far in it is. Rows may change while a walk is under way (a
recheck writes between its pages): a row whose place in the order stays put is read
exactly once, and one added ahead of the walk is read when the walk gets there.

Each page is read in a connection of its own and released before its rows are handed
out, so no read is held open while the caller works (a recheck writes between pages).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine


@dataclass(frozen=True)
class Walk:
    """What to walk: ``SELECT columns FROM source WHERE where ORDER BY order``.

    ``order`` lists SQL expressions, ascending, whose values together name one row (the
    last is typically a unique key); an index on them in that order makes each page a
    plain index search. ``source`` may force that index (``posts INDEXED BY …``) where
    SQLite would otherwise pick one that needs every matching row sorted for each page.
    """

    columns: tuple[str, ...]
    source: str
    order: tuple[str, ...]
    where: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    #: The first order column may be NULL, which SQLite sorts first: those rows are walked
    #: first (by the other columns), then the rest, each part a plain index search.
    nullable_first: bool = False


def walk(
    engine: Engine, what: Walk, *, page: int = 500, limit: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every row ``what`` selects, in its order, read ``page`` rows at a time (at most ``limit``).

    A row is a plain tuple of the selected columns, followed by those of the order's
    values that are not among them.
    """
    if what.nullable_first:
        assert len(what.order) > 1, "a nullable first column needs a column after it"
        first = what.order[0]
        # Among the NULLs the other columns name a row, and the keyset compares them
        # alone; the order stays the whole index's, so each page is still a search of
        # it (PostgreSQL does not take ``IS NULL`` as fixing the column, as SQLite does,
        # and would otherwise sort or filter every undated row for each page).
        parts = [(f"{first} IS NULL", what.order[1:]), (f"{first} IS NOT NULL", what.order)]
    else:
        parts = [("", what.order)]
    left = limit
    for condition, keys in parts:
        for rows in _pages(engine, what, condition, keys, page):
            if left is not None:
                rows = rows[:left]
                left -= len(rows)
            yield from rows
            if left is not None and left <= 0:
                return


def _pages(
    engine: Engine, what: Walk, condition: str, keys: tuple[str, ...], page: int
) -> Iterator[list[tuple[Any, ...]]]:
    columns = list(what.columns)
    places = []
    for key in keys:  # where each order value is in a row, selected once
        if key not in columns:
            columns.append(key)
        places.append(columns.index(key))
    first_page = _statement(what, columns, condition, keys, after=False)
    next_page = _statement(what, columns, condition, keys, after=True)
    params = dict(what.params) | {"_page": page}
    statement = first_page
    while True:
        with engine.connect() as connection:
            rows = _read(connection, statement, params)
        if rows:
            yield rows
        if len(rows) < page:
            return
        last = rows[-1]
        params |= {f"_after{i}": last[place] for i, place in enumerate(places)}
        statement = next_page


def _read(connection: Connection, statement: str, params: dict[str, Any]) -> list[Any]:
    if connection.dialect.name != "sqlite":
        return list(connection.execute(text(statement), params).all())
    # Read through the driver's own connection (public in SQLAlchemy): plain tuples, not a
    # Row object per row, which measured as half the cost of a walk. The SQL is ours, with
    # named parameters, which sqlite3 binds as they are.
    driver = connection.connection.driver_connection
    assert driver is not None, "a connection checked out of the pool is open"
    try:
        return list(driver.execute(statement, params).fetchall())
    except sqlite3.DatabaseError:
        # Run it once more through SQLAlchemy, whose error events say what the failure
        # means for the archive (damaged, busy, full) in one line.
        return list(connection.exec_driver_sql(statement, params).tuples())


def _statement(
    what: Walk, columns: list[str], condition: str, keys: tuple[str, ...], *, after: bool
) -> str:
    where = [f"({clause})" for clause in what.where]
    if condition:
        where.append(condition)
    if after:
        marks = ", ".join(f":_after{i}" for i in range(len(keys)))
        order = ", ".join(keys)
        where.append(f"({order}) > ({marks})" if len(keys) > 1 else f"{order} > {marks}")
    return (
        f"SELECT {', '.join(columns)} FROM {what.source}"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + f" ORDER BY {', '.join(what.order)} LIMIT :_page"
    )
