"""The archive's schema version, and the steps that bring an older archive up to it.

An archive records the schema it was written with in ``PRAGMA user_version``. Opening
one made by an earlier archiver runs every step above its version, then sets the
version, all in one ``BEGIN IMMEDIATE`` transaction: an interrupted or failed upgrade
leaves the archive exactly as it was, and two processes opening the same old archive
upgrade it once (the second waits, then finds it done). A new table needs no step (it
is created when missing); a new column, index or change of data does: append a function
to :data:`STEPS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from archiver.changes import citation_differences
from archiver.errors import ArchiverError
from archiver.record import Post
from archiver.store import tables  # noqa: F401  (registers every table with SQLModel.metadata)
from archiver.store.citations import CITATIONS
from archiver.store.fts import ensure_fts
from archiver.store.screenshots import SCREENSHOT_PATHS, SCREENSHOTS

Step = Callable[[Connection], None]


class NewerArchiveError(ArchiverError):
    """The archive was written by a later archiver, whose schema this one does not know."""

    def __init__(self, version: int) -> None:
        super().__init__(
            f"the archive has schema version {version}, newer than this archiver's "
            f"{current_version()}; upgrade archiver to open it"
        )
        self.version = version


def _v2_shared_records_and_keyset_indexes(connection: Connection) -> None:
    """Each record stored once, and the indexes keyset pages and counts read.

    A post whose merged record equals one of its captures' records now names that
    capture instead of holding a second copy. Indexes on one column give way to wider
    ones that hold what is read: ``list`` and ``export`` read pages in order from an
    index instead of sorting every row, and ``status`` counts from indexes alone.
    """
    connection.exec_driver_sql("ALTER TABLE posts ADD COLUMN record_capture_id INTEGER")
    connection.exec_driver_sql(
        "UPDATE posts SET record_capture_id = (SELECT MIN(c.id) FROM captures c "
        "WHERE c.post_key = posts.key AND c.record_json = posts.record_json) "
        "WHERE record_json IS NOT NULL"
    )
    connection.exec_driver_sql(
        "UPDATE posts SET record_json = NULL WHERE record_capture_id IS NOT NULL"
    )
    for replaced in (
        "ix_posts_platform",
        "ix_posts_created_at",
        "ix_posts_status",
        "ix_checks_post_id",
    ):
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {replaced}")
    create_missing_indexes(connection)


def _v3_citations(connection: Connection) -> None:
    """Which posts each article cites (:mod:`archiver.store.citations`).

    Earlier archives never linked a post to the article it came from, so there is
    nothing to carry over: the step makes the table and its indexes. It is a step, not
    left to ``create_all``, so the version records it and an archiver that does not know
    citations refuses the archive instead of writing articles without their links.
    """
    CITATIONS.create(connection, checkfirst=True)


def _v4_screenshots(connection: Connection) -> None:
    """The screenshots tables (``--screenshot``): the screenshots, and their places in
    timestamp trees, with their indexes.

    ``create_all`` would add the table by itself; the step makes the version say that the
    archive has it, so an older archive on a read-only mount is told to be upgraded
    rather than found to lack a table.
    """
    SCREENSHOTS.create(connection, checkfirst=True)
    SCREENSHOT_PATHS.create(connection, checkfirst=True)


def _v5_changed_since_cited(connection: Connection) -> None:
    """Posts flagged when a later capture differs from the first in what a citation quotes.

    The flag is worked out for the posts already stored, from their captures, so an
    archive made before the flag existed shows its changed posts too.
    """
    connection.exec_driver_sql("ALTER TABLE posts ADD COLUMN differs_fields VARCHAR")
    connection.exec_driver_sql("ALTER TABLE posts ADD COLUMN differs_capture_id INTEGER")
    captures = connection.exec_driver_sql(
        "SELECT post_key, id, record_json FROM captures WHERE record_json IS NOT NULL "
        "AND post_key IN (SELECT key FROM posts WHERE capture_count > 1) "
        "ORDER BY post_key, captured_at, id"
    )
    flagged: dict[str, dict[str, object]] = {}
    first: dict[str, Post] = {}  # holds one post's first capture at a time
    for key, capture_id, record in captures:
        post = Post.model_validate_json(record)
        if key not in first:
            first = {key: post}
        elif differs := citation_differences(first[key], post):
            flagged[key] = {"key": key, "fields": " ".join(differs), "id": capture_id}
    if flagged:
        connection.execute(
            text(
                "UPDATE posts SET differs_fields = :fields, differs_capture_id = :id "
                "WHERE key = :key"
            ),
            list(flagged.values()),
        )
    create_missing_indexes(connection)


#: ``STEPS[n - 2]`` upgrades an archive of version n - 1 to version n. Version 1 is the
#: first schema (the tables as first released).
STEPS: tuple[Step, ...] = (
    _v2_shared_records_and_keyset_indexes,
    _v3_citations,
    _v4_screenshots,
    _v5_changed_since_cited,
)


def current_version() -> int:
    return len(STEPS) + 1


def create_missing_indexes(connection: Connection) -> None:
    """Create every index the tables declare that the archive lacks (for upgrade steps).

    Tables the archive does not have yet are left to ``create_all``, which makes them with
    their indexes after the steps have run; an index on a column a later step adds is left
    to that step.
    """
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in existing:
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing = {column.name for column in table.columns} - present
        for index in table.indexes:
            where = index.dialect_options["sqlite"].get("where")
            where = "" if where is None else str(where)
            used = {column.name for column in index.columns} | set(re.findall(r"\w+", where))
            if used & missing:
                continue  # a later step adds the column, and then the index
            index.create(connection, checkfirst=True)


def schema_version(connection: Connection) -> int:
    """The schema version the archive records (0 before versions were recorded)."""
    return int(connection.exec_driver_sql("PRAGMA user_version").scalar() or 0)


def _is_new(connection: Connection) -> bool:
    return not inspect(connection).has_table("posts")


def prepare(engine: Engine) -> None:
    """Make the archive behind ``engine`` current: create it, or upgrade it in one transaction.

    Raises :class:`NewerArchiveError` for an archive written by a later archiver, and
    SQLAlchemy's errors for a file that is not an SQLite database.
    """
    with engine.connect() as connection:
        version, new = schema_version(connection), _is_new(connection)
        if version > current_version():
            raise NewerArchiveError(version)
        if not new and version == current_version():
            SQLModel.metadata.create_all(connection)  # tables added since; reads only if none
            connection.commit()
            return
    with engine.connect() as connection:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # one writer upgrades; others wait
        version, new = schema_version(connection), _is_new(connection)
        if version > current_version():
            raise NewerArchiveError(version)
        if new:
            SQLModel.metadata.create_all(connection)
            ensure_fts(connection)
        else:
            # Archives from before the version was recorded are version 1.
            for step in STEPS[max(version, 1) - 1 :]:
                step(connection)
            SQLModel.metadata.create_all(connection)
        connection.exec_driver_sql(f"PRAGMA user_version = {current_version()}")
        connection.commit()
