"""The archive on disk: ``archive.db`` (SQLite through sqlmodel) plus content-addressed blobs.

Writes come in batches, one transaction each, in WAL mode: an interrupted run loses
at most the batch in flight and never harms what was committed before it. Blobs are
written before the transaction that references them, so a committed capture always
points at bytes that exist.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, SQLModel, col, create_engine, select

from archiver.blobs import BlobStore
from archiver.errors import ArchiverError
from archiver.store import dialect, reads, sqlite_file
from archiver.store.fts import search_keys
from archiver.store.observations import AddOutcome, Observation
from archiver.store.reads import Clause, PostSummary, StoredPost
from archiver.store.schema import (
    NewerArchiveError,
    NotAnArchiveError,
    current_version,
    prepare,
    schema_version,
)
from archiver.store.tables import CaptureRow, MediaRow
from archiver.store.writer import write_batch


class StoreError(ArchiverError):
    """The archive cannot be opened or written; the message says what to do."""


class DamagedArchiveError(StoreError):
    """``archive.db`` is damaged (not SQLite, truncated, pages overwritten); nothing is
    written to it."""


class ReadOnlyArchiveError(StoreError):
    """The archive home cannot be written (permissions, a read-only mount); it can be read."""


_ERRORS: dict[str, type[StoreError]] = {
    "damaged": DamagedArchiveError,
    "read-only": ReadOnlyArchiveError,
}


def _raise(finding: sqlite_file.Finding | None) -> None:
    if finding is not None:
        raise _ERRORS.get(finding.trouble, StoreError)(finding.message)


def sqlite_path(home: Path, url: str | None) -> Path:
    """The SQLite file of an archive: ``url`` (a path, or ``sqlite:///path``) when given,
    else ``archive.db`` in the home."""
    return Path(url.removeprefix("sqlite:///")) if url else Path(home) / "archive.db"


class Archive:
    """An archive home: open it, add observations in batches, query posts and captures.

    ``read_only`` opens an existing ``archive.db`` for reading only (SQLite refuses any
    write); :meth:`for_reading` chooses it when the home cannot be written. Either way the
    file's header is checked first, and damage SQLite meets later raises
    :class:`DamagedArchiveError` (see :mod:`archiver.store.sqlite_file`).
    """

    def __init__(
        self,
        home: Path,
        *,
        url: str | None = None,
        read_only: bool = False,
        check: bool = False,
        create: bool = True,
        blobs: Path | None = None,
        warc: Path | None = None,
    ) -> None:
        self.home = Path(home)
        #: Where WARC files are written and read: ``[store] warc``, else ``warc/`` in the home.
        self.warc_dir = Path(warc) if warc else None
        self.db_path = self.home / "archive.db"
        self.read_only = read_only
        #: The database as it may be shown: its file, or its URL without the password.
        self.where = str(self.db_path)
        if url:
            dialect.check_url(url)
        self.postgres = dialect.is_postgres(url)
        if url and not self.postgres:  # a SQLite file elsewhere than the home
            self.db_path = sqlite_path(self.home, url)
            self.where = str(self.db_path)
        if self.postgres:
            assert url is not None
            self.where = dialect.shown(url)
            self.engine: Engine = dialect.postgres_engine(url)
        else:
            _raise(sqlite_file.prepare(self.home, read_only=read_only, db_path=self.db_path))
            self.engine = create_engine(
                "sqlite://",
                creator=lambda: sqlite_file.connect(self.db_path, read_only=read_only),
                poolclass=QueuePool,
            )
        # Content-addressed, written under a temporary name and renamed: workers on
        # several machines may share one folder (``[store] blobs``).
        self.blobs = BlobStore(Path(blobs) if blobs else self.home / "blobs")
        event.listen(self.engine, "handle_error", self._explain)
        try:
            self._prepare(check, create)
        except BaseException:
            self.engine.dispose()
            raise

    def _prepare(self, check: bool, create: bool) -> None:
        if check and not self.postgres:  # before anything is written, even the schema
            with self.engine.connect() as connection:
                _raise(sqlite_file.check(connection.exec_driver_sql, self.db_path))
        try:
            if self.read_only:
                self._check_readable()
                return
            prepare(self.engine, create=create)
        except (NewerArchiveError, NotAnArchiveError) as exc:
            raise StoreError(f"{self.where}: {exc}") from exc
        except (DatabaseError, OperationalError) as exc:
            raise StoreError(
                f"{self.where} is not a usable archive database ({exc.orig}); "
                "choose another --home or move the file away"
            ) from exc
        if not self.postgres or self.blobs.root.is_dir():  # a command that only reads a
            self.blobs.upgrade_layout()  # shared archive leaves no folder where it runs

    def _check_readable(self) -> None:
        """A read-only archive cannot be given tables or upgraded: it must be current."""
        with self.engine.connect() as connection:
            wanted = [*SQLModel.metadata.tables, "posts_fts"]
            _raise(sqlite_file.missing_tables(connection.exec_driver_sql, self.db_path, wanted))
            version = schema_version(connection)
        if version > current_version():
            raise NewerArchiveError(version)
        if version < current_version():
            raise StoreError(
                f"{self.db_path} was made by an older archiver and must be upgraded, which "
                "needs write access: open it once where its folder can be written"
            )

    @classmethod
    def for_reading(
        cls,
        home: Path,
        url: str | None = None,
        *,
        blobs: Path | None = None,
        warc: Path | None = None,
    ) -> Archive:
        """Open ``home`` to read: as usual when it can be written (so an archive made by an
        older version gains new tables), read-only when it cannot (permissions, a
        read-only mount), so list, search, show and export still work there. A database
        small enough for ``PRAGMA quick_check`` to be cheap is checked too. A PostgreSQL
        archive must exist already (its server decides who may write)."""
        home = Path(home)
        if dialect.is_postgres(url):
            return cls(home, url=url, create=False, blobs=blobs, warc=warc)
        db_path = sqlite_path(home, url)
        cheap = not db_path.exists() or db_path.stat().st_size <= sqlite_file.CHEAP_CHECK_BYTES
        read_only = db_path.parent.is_dir() and not sqlite_file.home_is_writable(db_path.parent)
        return cls(home, url=url, read_only=read_only, check=cheap, blobs=blobs, warc=warc)

    @classmethod
    def for_writing(
        cls,
        home: Path,
        url: str | None = None,
        *,
        create: bool = True,
        blobs: Path | None = None,
        warc: Path | None = None,
    ) -> Archive:
        """Open ``home`` to add to it, once ``PRAGMA quick_check`` found the database
        sound, whatever its size: writing into a damaged b-tree can spread the damage.
        ``create=False``: a PostgreSQL database that holds no archive yet is refused."""
        return cls(home, url=url, check=True, create=create, blobs=blobs, warc=warc)

    def _explain(self, context: ExceptionContext) -> None:
        """Any database error becomes what it means for the archive (damaged, read-only,
        busy, full; a server that cannot be reached or refuses the password), so every
        command says so in one line instead of an unexpected error."""
        if self.postgres:
            message = dialect.explain_postgres(context.original_exception, self.where)
            if message is not None:
                raise StoreError(message)
            return
        _raise(sqlite_file.explain(context.original_exception, self.db_path))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------

    def add(self, observations: Sequence[Observation]) -> list[AddOutcome]:
        """Store a batch of observations in one transaction; idempotent per evidence.

        Blobs are written first, so a committed capture always points at bytes that exist.
        """
        if not observations:
            return []
        with self.engine.begin() as connection:
            results = write_batch(connection, self.blobs, observations)
        return [AddOutcome(*result) for result in results]  # type: ignore[arg-type]

    def record_media_download(
        self, key: str, url: str, sha256: str, content_type: str | None, size: int, at: str
    ) -> None:
        with Session(self.engine) as session:
            row = session.exec(
                select(MediaRow).where(MediaRow.post_key == key, MediaRow.url == url)
            ).first()
            if row is None:
                row = MediaRow(post_key=key, url=url)
            row.sha256, row.content_type, row.size, row.downloaded_at = (
                sha256,
                content_type,
                size,
                at,
            )
            session.add(row)
            session.commit()

    # -- reading -------------------------------------------------------------------

    def get(self, key_or_url: str) -> StoredPost | None:
        """The post a key, a URL it was seen at, or its URL names; with its record."""
        return self.get_many([key_or_url]).get(key_or_url)

    def get_many(self, refs: Sequence[str]) -> dict[str, StoredPost]:
        """:meth:`get` for many references in one query: each one that names a post."""
        return reads.find(self.engine, refs)

    def records_for(self, keys: Sequence[str]) -> dict[str, str | None]:
        """The merged record (JSON) of several posts in one query (None: never seen available)."""
        return reads.records(self.engine, keys)

    def live_captured(self, keys: Sequence[str]) -> set[str]:
        """Those of ``keys`` with a capture from a live fetch, in one query."""
        return reads.live_captured(self.engine, keys)

    def captures(self, key: str) -> list[CaptureRow]:
        with Session(self.engine) as session:
            query = (
                select(CaptureRow).where(CaptureRow.post_key == key).order_by(col(CaptureRow.id))
            )
            return list(session.exec(query))

    def media(self, key: str) -> list[MediaRow]:
        with Session(self.engine) as session:
            return list(session.exec(select(MediaRow).where(MediaRow.post_key == key)))

    def captures_for(self, keys: Sequence[str]) -> dict[str, list[CaptureRow]]:
        """Captures of several posts in one query (for exports that walk posts in pages)."""
        found: dict[str, list[CaptureRow]] = {key: [] for key in keys}
        with Session(self.engine) as session:
            query = (
                select(CaptureRow)
                .where(col(CaptureRow.post_key).in_(list(keys)))
                .order_by(col(CaptureRow.id))
            )
            for row in session.exec(query):
                found.setdefault(row.post_key, []).append(row)
        return found

    def media_for(self, keys: Sequence[str]) -> dict[str, list[MediaRow]]:
        """Media rows of several posts in one query."""
        found: dict[str, list[MediaRow]] = {key: [] for key in keys}
        with Session(self.engine) as session:
            query = (
                select(MediaRow)
                .where(col(MediaRow.post_key).in_(list(keys)))
                .order_by(col(MediaRow.id))
            )
            for row in session.exec(query):
                found.setdefault(row.post_key, []).append(row)
        return found

    def list_posts(
        self,
        *,
        platform: str | None = None,
        author: str | None = None,
        since: str | None = None,
        until: str | None = None,
        status: str | None = None,
        keys: Sequence[str] | None = None,
        limit: int | None = None,
        batch_size: int = 500,
        where: Sequence[Clause] = (),
    ) -> Iterator[PostSummary]:
        """Posts matching every filter given, oldest first (undated first of all), streamed
        a page at a time by keyset, so any walk costs the same per post.

        ``where`` adds SQL conditions on ``posts`` (e.g. :func:`archiver.store.checks.status_sql`).
        """
        query = reads.PostQuery(platform, author, since, until, status, keys, where)
        return reads.list_posts(self.engine, query, limit=limit, page=batch_size)

    def search(self, query: str, limit: int = 50) -> list[PostSummary]:
        """Full-text search over text, title and author, best match first (the syntax:
        :mod:`archiver.store.fts`)."""
        with self.engine.connect() as connection:
            keys = search_keys(connection, query, limit)
        rows = reads.summaries(self.engine, keys)
        return [rows[key] for key in keys if key in rows]

    def longest_key(self, platform: str | None = None) -> int:
        """The length of the longest key (of one platform's posts), from the keys' index:
        what a listing's key column must hold before its first row is read."""
        where = "WHERE platform = :platform" if platform else ""
        with self.engine.connect() as connection:
            query = text(f"SELECT MAX(LENGTH(key)) FROM posts {where}")
            return int(connection.execute(query, {"platform": platform}).scalar() or 0)

    def changed_since_cited(self) -> int:
        """How many posts a later capture shows changed since cited (``list --changed``)."""
        with self.engine.connect() as connection:
            query = text(f"SELECT COUNT(*) FROM posts WHERE {reads.CHANGED_SINCE_CITED[0]}")
            return int(connection.execute(query).scalar() or 0)

    def counts(self) -> dict[str, dict[str, int]]:
        """Number of posts by platform and status."""
        result: dict[str, dict[str, int]] = {}
        with self.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT platform, status, COUNT(*) FROM posts GROUP BY platform, status")
            )
            for platform, status, count in rows:
                result.setdefault(platform, {})[status] = count
        return result
