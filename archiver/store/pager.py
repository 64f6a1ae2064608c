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

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class Walk:
    """What to walk: ``SELECT columns FROM source WHERE where ORDER BY order``.

    ``order`` lists SQL expressions, ascending, whose values together name one row (the
    last is typically a unique key); an index on them in that order makes each page a
    plain index search. ``source`` may force that index (``posts INDEXED BY …``) where
    SQLite would otherwise pick one that needs every matching row sorted for each page.
    """

    columns: str
    source: str
    order: tuple[str, ...]
    where: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    #: The first order column may be NULL, which SQLite sorts first: those rows are walked
    #: first (by the other columns), then the rest, each part a plain index search.
    nullable_first: bool = False


def walk(
    engine: Engine, what: Walk, *, page: int = 500, limit: int | None = None
) -> Iterator[Sequence[Any]]:
    """Every row ``what`` selects, in its order, read ``page`` rows at a time (at most ``limit``).

    Rows carry the selected columns first, then the order's values (labelled ``_k0``,
    ``_k1``, …), so positional reads of the selected columns are unaffected.
    """
    if limit is not None and limit <= 0:
        return
    if what.nullable_first:
        assert len(what.order) > 1, "a nullable first column needs a column after it"
        first = what.order[0]
        parts = [(f"{first} IS NULL", what.order[1:]), (f"{first} IS NOT NULL", what.order)]
    else:
        parts = [("", what.order)]
    sent = 0
    for condition, keys in parts:
        left = None if limit is None else limit - sent
        for row in _walk_part(engine, what, condition, keys, page, left):
            sent += 1
            yield row
        if limit is not None and sent >= limit:
            return


def _walk_part(
    engine: Engine,
    what: Walk,
    condition: str,
    keys: tuple[str, ...],
    page: int,
    limit: int | None,
) -> Iterator[Sequence[Any]]:
    first_page = _statement(what, condition, keys, after=False)
    next_page = _statement(what, condition, keys, after=True)
    params = dict(what.params)
    statement, sent = first_page, 0
    while limit is None or sent < limit:
        size = page if limit is None else min(page, limit - sent)
        with engine.connect() as connection:
            rows = connection.execute(statement, params | {"_page": size}).all()
        yield from rows
        sent += len(rows)
        if len(rows) < size:
            return
        last = rows[-1]
        offset = len(last) - len(keys)
        params |= {f"_after{i}": last[offset + i] for i in range(len(keys))}
        statement = next_page


def _statement(what: Walk, condition: str, keys: tuple[str, ...], *, after: bool) -> TextClause:
    labels = ", ".join(f"{expression} AS _k{i}" for i, expression in enumerate(keys))
    where = [f"({clause})" for clause in what.where]
    if condition:
        where.append(condition)
    if after:
        marks = ", ".join(f":_after{i}" for i in range(len(keys)))
        columns = ", ".join(keys)
        where.append(f"({columns}) > ({marks})" if len(keys) > 1 else f"{columns} > {marks}")
    return text(
        f"SELECT {what.columns}, {labels} FROM {what.source}"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + f" ORDER BY {', '.join(keys)} LIMIT :_page"
    )
