"""Copying an archive's database to another engine (SQLite ↔ PostgreSQL), and proving it.

Every table of the archive is copied row for row, ids included (a post names the capture
that holds its record, a check the capture it stored, a time-stamp path its capture), a
page at a time in key order so memory stays flat. A row whose key the target already
holds is left as it is (``ON CONFLICT DO NOTHING``), so copying again adds nothing and a
copy cut short is finished by running it again. The search index is rebuilt from the
copied posts; PostgreSQL's id sequences are moved past the copied ids.

Then the copy is checked, not trusted: the rows of every table are counted on both
sides, and the content hashes (each post's, and each capture's content and raw-bytes
hashes) are read in key order on both sides and must be the same, one by one. Blobs and
WARC files are not in the database: they stay where ``[store] blobs`` and ``[store] warc``
keep them, and both archives read them from there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from archiver.errors import ArchiverError
from archiver.store import dialect
from archiver.store.archive import Archive
from archiver.store.fts import reindex_posts

#: Work shared between running processes, not part of what an archive holds.
_NOT_COPIED = {"work_claims"}
_PAGE = 1_000
#: What must be equal row for row: the table, its key, the hashes.
_HASHES = (
    ("posts", "key", ("content_hash",)),
    ("captures", "id", ("content_hash", "raw_sha256")),
)


class CopyError(ArchiverError):
    """The copy does not match its source; the message says where."""


@dataclass
class CopyReport:
    """Rows per table: copied now, and in the target once done (equal to the source's)."""

    copied: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    hashes_checked: int = 0


def tables() -> list[Table]:
    """The archive's tables, each after those it refers to."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in _NOT_COPIED]


def copy_archive(source: Archive, target: Archive) -> CopyReport:
    """Copy every row of ``source`` that ``target`` lacks, then check the two are equal."""
    report = CopyReport()
    for table in tables():
        report.copied[table.name] = _copy_table(source.engine, target.engine, table)
    verify_copy(source, target, report)
    return report


def _copy_table(source: Engine, target: Engine, table: Table) -> int:
    key = list(table.primary_key.columns)
    copied = 0
    for rows in _pages(source, table):
        with target.begin() as connection:
            statement = dialect.insert(connection, table).on_conflict_do_nothing(
                index_elements=[column.name for column in key]
            )
            result = connection.execute(statement.returning(*key), rows)
            fresh = list(result)
            copied += len(fresh)
            if table.name == "posts" and fresh:
                done = {row[0] for row in fresh}
                reindex_posts(connection, [row for row in rows if row["key"] in done])
    if copied:
        with target.begin() as connection:
            dialect.advance_ids(connection, table)
    return copied


def _pages(engine: Engine, table: Table) -> Iterator[list[dict[str, Any]]]:
    """Every row of ``table`` as mappings, in key order, :data:`_PAGE` at a time."""
    key = list(table.primary_key.columns)
    last: tuple[Any, ...] | None = None
    while True:
        query = select(table).order_by(*key).limit(_PAGE)
        if last is not None:
            query = query.where(_after(key, last))
        with engine.connect() as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
        if not rows:
            return
        yield rows
        last = tuple(rows[-1][column.name] for column in key)


def _after(key: list[Any], last: tuple[Any, ...]) -> Any:
    from sqlalchemy import tuple_

    if len(key) == 1:
        return key[0] > last[0]
    return tuple_(*key) > tuple_(*last)


def verify_copy(source: Archive, target: Archive, report: CopyReport) -> None:
    """Raise :class:`CopyError` unless every table has as many rows on both sides and
    every content hash is the same, row for row."""
    for table in tables():
        counts = [_count(archive.engine, table.name) for archive in (source, target)]
        if counts[0] != counts[1]:
            raise CopyError(
                f"{table.name}: {counts[0]:,} rows in {source.where} but {counts[1]:,} in "
                f"{target.where}; the target holds another archive's rows"
            )
        report.total[table.name] = counts[0]
    for name, key, columns in _HASHES:
        digests = [_hashes(archive.engine, name, key, columns) for archive in (source, target)]
        if digests[0][0] != digests[1][0]:
            raise CopyError(
                f"{name}: the content hashes in {target.where} differ from those in "
                f"{source.where}; the target holds another archive's rows"
            )
        report.hashes_checked += digests[0][1]


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() or 0)


def _hashes(engine: Engine, table: str, key: str, columns: tuple[str, ...]) -> tuple[str, int]:
    """One digest over ``key`` and ``columns`` of every row in key order, and how many
    hashes went into it."""
    digest = hashlib.sha256()
    count = 0
    selected = ", ".join((key, *columns))
    with engine.connect() as connection:
        rows = _stream(connection, f"SELECT {selected} FROM {table} ORDER BY {key}")
        for row in rows:
            digest.update(repr(tuple(row)).encode())
            count += sum(value is not None for value in row[1:])
    return digest.hexdigest(), count


def _stream(connection: Connection, sql: str) -> Iterator[Any]:
    result = connection.execution_options(stream_results=True, yield_per=_PAGE).execute(text(sql))
    yield from result
