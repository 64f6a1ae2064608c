"""Listings (``list``, ``search``): posts printed as they are read, a page at a time.

A selection is never collected whole: rows come from the store's keyset pager, their
states are looked up a page at a time, and each page is printed (as JSON Lines, a table
that fits the terminal, or tab-separated lines when piped) before the next is read.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from archiver.cli.common import out, print_json
from archiver.cli.tables import Column, TablePrinter
from archiver.vocabulary import STATES

if TYPE_CHECKING:  # the store is imported when a listing runs, not at start-up
    from archiver.store import Archive, PostSummary
    from archiver.store.checks import PostState


def _row_summary(row: PostSummary, state: str) -> dict[str, Any]:
    from archiver.store.checks import reason_of

    return {
        "key": row.key,
        "platform": row.platform,
        "url": row.url,
        "author": {"name": row.author_name, "handle": row.author_handle},
        "created_at": row.created_at,
        "status": state,
        "reason": reason_of(row.status),
        "text": row.text,
        "captures": row.capture_count,
        "changed_since_cited": row.differs_fields.split() if row.differs_fields else None,
    }


#: Rows per printed table (and per state look-up): a listing is printed as it is read.
_TABLE_PAGE = 100
#: Marks a post changed since cited in a listing's status column.
_DIFFERS_MARK = "*"


def _listing_columns(key_width: int) -> list[Column]:
    status_width = max(len(state) for state in STATES) + len(_DIFFERS_MARK)
    return [
        Column("key", "key", key_width),
        Column("author", "name"),
        Column("date", "time"),
        Column("status", "word", status_width),
        Column("text", "text"),
    ]


def _cells(row: PostSummary, state: PostState) -> tuple[str | None, ...]:
    return (
        row.key,
        row.author_handle or row.author_name,
        row.created_at,
        state.state + (_DIFFERS_MARK if row.differs_fields else ""),
        row.title or row.text,
    )


def _pages(
    archive: Archive, rows: Iterable[PostSummary]
) -> Iterator[list[tuple[PostSummary, PostState]]]:
    """``rows`` a page at a time, each row with its state (one query a page)."""
    from archiver.store.checks import states_of

    rows = iter(rows)
    while page := list(itertools.islice(rows, _TABLE_PAGE)):
        states = states_of(archive, [row.key for row in page])
        yield [(row, states[row.key]) for row in page]


def render_rows(
    archive: Archive,
    rows: Iterable[PostSummary],
    as_json: bool,
    title: str,
    *,
    wide: bool = False,
    key_width: int = 0,
) -> int:
    """Print ``rows`` as they come (JSON Lines, or a table a page at a time); how many."""
    count = 0
    pages = _pages(archive, rows)
    if as_json:
        for page in pages:
            for row, state in page:
                print_json(_row_summary(row, state.state))
            count += len(page)
        return count
    columns = _listing_columns(key_width)
    table = TablePrinter(out, columns, title=title, wide=wide)
    differs = False
    for page in pages:
        table.page([_cells(row, state) for row, state in page])
        differs = differs or any(row.differs_fields for row, _ in page)
        count += len(page)
    if not count:
        table.page([])  # an empty listing still prints its header: a listing that found nothing
    if not table.piped:
        out.print(f"{count} post(s)")
        if differs:
            out.print(f"{_DIFFERS_MARK} changed since cited: archiver show KEY shows both versions")
    return count
