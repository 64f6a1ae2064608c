"""Trusted timestamps in the archive: Merkle trees over captures, the RFC 3161 tokens
over their roots, and each capture's path to its tree's root.

Three tables, each append-only like captures: a tree is written once, with its tokens
and its paths, in one transaction, and only when at least one authority answered, so
"unstamped" simply means "a capture without a path". An archive made before these
tables existed gains them when it is opened (``create_all`` adds missing tables and
touches no existing one); its captures are then unstamped until ``archiver timestamp``.
The columns are plain text, integers and bytes, the same in SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import ColumnElement, func, insert, select
from sqlmodel import Field, SQLModel

from archiver.store import dialect
from archiver.store.archive import Archive
from archiver.store.screenshots import SCREENSHOT_PATHS
from archiver.store.tables import CaptureRow

_WRITE_CHUNK = 5_000


class TimestampTree(SQLModel, table=True):
    """One Merkle tree over captures (see :mod:`archiver.evidence.merkle`)."""

    __tablename__ = "timestamp_trees"

    id: int | None = Field(default=None, primary_key=True)
    #: The root, hex; each token's message imprint is SHA-256 of its 32 bytes.
    root: str = Field(index=True)
    size: int
    created_at: str


class TimestampToken(SQLModel, table=True):
    """One authority's RFC 3161 reply over one tree's root, kept byte for byte."""

    __tablename__ = "timestamp_tokens"

    id: int | None = Field(default=None, primary_key=True)
    tree_id: int = Field(index=True, foreign_key="timestamp_trees.id")
    #: The authority's name (its URL's host) and URL, as configured when it answered.
    authority: str
    url: str
    #: The TimeStampResp, DER: what ``openssl ts -verify -in`` reads.
    reply: bytes
    #: The time the authority signed (its genTime), ISO 8601 UTC.
    gen_time: str
    serial: str
    #: The certificates that verified it then, signer first, PEM: shipped with bundles.
    chain_pem: str
    received_at: str


class TimestampPath(SQLModel, table=True):
    """Where one capture sits in its tree: enough to prove it alone."""

    __tablename__ = "timestamp_paths"

    capture_id: int = Field(primary_key=True, foreign_key="captures.id")
    tree_id: int = Field(index=True, foreign_key="timestamp_trees.id")
    leaf_index: int
    #: The sibling hashes from leaf to root, 32 bytes each, concatenated.
    path: bytes


TREES = TimestampTree.__table__  # type: ignore[attr-defined]
TOKENS = TimestampToken.__table__  # type: ignore[attr-defined]
PATHS = TimestampPath.__table__  # type: ignore[attr-defined]
CAPTURES = CaptureRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LeafSource:
    """What a capture's leaf is made of."""

    capture_id: int
    raw_sha256: str
    content_hash: str | None


@dataclass(frozen=True)
class CapturePath:
    tree_id: int
    leaf_index: int
    path: bytes


def newest_capture_id(archive: Archive) -> int:
    """The id of the newest capture (0 when there is none): a run's captures come after."""
    with archive.engine.connect() as connection:
        return int(connection.execute(select(func.max(CAPTURES.c.id))).scalar() or 0)


def _unstamped(after: int) -> ColumnElement[bool]:
    stamped = select(PATHS.c.capture_id).where(PATHS.c.capture_id == CAPTURES.c.id)
    return (CAPTURES.c.id > after) & ~stamped.exists()


def unstamped_captures(archive: Archive, *, after: int = 0) -> list[LeafSource]:
    """Captures newer than capture ``after`` that no tree covers yet, oldest first."""
    query = (
        select(CAPTURES.c.id, CAPTURES.c.raw_sha256, CAPTURES.c.content_hash)
        .where(_unstamped(after))
        .order_by(CAPTURES.c.id)
    )
    with archive.engine.connect() as connection:
        return [LeafSource(*row) for row in connection.execute(query)]


def count_unstamped(archive: Archive) -> int:
    query = select(func.count()).select_from(CAPTURES).where(_unstamped(0))
    with archive.engine.connect() as connection:
        return int(connection.execute(query).scalar() or 0)


def save_stamp(
    archive: Archive,
    *,
    root: str,
    created_at: str,
    capture_ids: Sequence[int],
    paths: Iterable[bytes],
    tokens: Sequence[TimestampToken],
    screenshot_ids: Sequence[int] = (),
) -> int:
    """Store a tree, its tokens (their ``tree_id`` is set here) and every capture's path,
    in one transaction; the tree's id.

    A capture that another run stamped meanwhile keeps its first path (the insert skips
    it): both trees prove it, and a capture needs only one. ``screenshot_ids`` are the
    leaves after the captures' (see :class:`~archiver.store.screenshots.ScreenshotPath`).
    """
    leaves = iter(paths)  # streamed: a large run's paths are never all in memory
    rows = (
        {"capture_id": capture_id, "leaf_index": index, "path": path}
        for index, (capture_id, path) in enumerate(
            zip(capture_ids, islice(leaves, len(capture_ids)), strict=True)
        )
    )
    size = len(capture_ids) + len(screenshot_ids)
    with archive.engine.begin() as connection:
        inserted = connection.execute(
            insert(TREES).values(root=root, size=size, created_at=created_at)
        ).inserted_primary_key
        assert inserted is not None
        tree_id = inserted[0]
        connection.execute(
            insert(TOKENS),
            [{**token.model_dump(exclude={"id"}), "tree_id": tree_id} for token in tokens],
        )
        statement = dialect.insert(connection, PATHS).on_conflict_do_nothing(
            index_elements=["capture_id"]
        )
        while chunk := [{"tree_id": tree_id, **row} for row in islice(rows, _WRITE_CHUNK)]:
            connection.execute(statement, chunk)
        shot_rows = [
            {"tree_id": tree_id, "screenshot_id": shot_id, "leaf_index": index, "path": path}
            for index, (shot_id, path) in enumerate(
                zip(screenshot_ids, leaves, strict=True), start=len(capture_ids)
            )
        ]
        if shot_rows:
            shots = dialect.insert(connection, SCREENSHOT_PATHS).on_conflict_do_nothing(
                index_elements=["screenshot_id"]
            )
            connection.execute(shots, shot_rows)
    return int(tree_id)


def capture_paths(archive: Archive, capture_ids: Sequence[int]) -> dict[int, CapturePath]:
    """The stored paths of these captures (those stamped), in one query."""
    if not capture_ids:
        return {}
    query = select(PATHS).where(PATHS.c.capture_id.in_(list(capture_ids)))
    with archive.engine.connect() as connection:
        return {
            row.capture_id: CapturePath(row.tree_id, row.leaf_index, row.path)
            for row in connection.execute(query)
        }


def screenshot_paths(archive: Archive, screenshot_ids: Sequence[int]) -> dict[int, CapturePath]:
    """The stored paths of these screenshots (those stamped), in one query."""
    if not screenshot_ids:
        return {}
    query = select(SCREENSHOT_PATHS).where(
        SCREENSHOT_PATHS.c.screenshot_id.in_(list(screenshot_ids))
    )
    with archive.engine.connect() as connection:
        return {
            row.screenshot_id: CapturePath(row.tree_id, row.leaf_index, row.path)
            for row in connection.execute(query)
        }


def trees(
    archive: Archive, tree_ids: Iterable[int]
) -> Iterator[tuple[TimestampTree, list[TimestampToken]]]:
    """Each tree with its tokens, in id order."""
    ids = sorted(set(tree_ids))
    with archive.engine.connect() as connection:
        for start in range(0, len(ids), _WRITE_CHUNK):
            chunk = ids[start : start + _WRITE_CHUNK]
            found = {
                row.id: TimestampTree(**row._mapping)
                for row in connection.execute(select(TREES).where(TREES.c.id.in_(chunk)))
            }
            tokens: dict[int, list[TimestampToken]] = {}
            query = select(TOKENS).where(TOKENS.c.tree_id.in_(chunk)).order_by(TOKENS.c.id)
            for row in connection.execute(query):
                tokens.setdefault(row.tree_id, []).append(TimestampToken(**row._mapping))
            for tree_id in chunk:
                if tree_id in found:
                    yield found[tree_id], tokens.get(tree_id, [])
