"""Opening an archive written by an earlier schema upgrades it and keeps every record.

The old archives are ``fixtures/archives/schema-v1.sql`` and ``schema-v2.sql``, dumped
from archives the schema-1 and schema-2 code wrote; each test loads one into a fresh
SQLite file and opens it. Those versions knew only SQLite, so these tests are about
SQLite files; the PostgreSQL tests at the end check that a PostgreSQL archive has the
same schema, is made in one transaction, and is upgraded from the revision before the
newest to exactly the schema a new one has.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import Engine

from archiver.store import Archive, StoreError
from archiver.store import schema as schema_module
from archiver.store.citations import Citation, cited_in, record_citations
from archiver.store.schema import current_version
from tests.conftest import FIXTURES
from tests.e2e.stored import run_cli

V1 = FIXTURES / "archives" / "schema-v1.sql"


def old_archive(home: Path) -> Path:
    home.mkdir(parents=True)
    db = home / "archive.db"
    connection = sqlite3.connect(db)
    connection.executescript(V1.read_text(encoding="utf-8"))
    connection.close()
    return db


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def shape(db: Path) -> dict[str, Any]:
    """Every table's columns, indexes and foreign keys (order of columns aside)."""
    connection = sqlite3.connect(db)
    found: dict[str, Any] = {}
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        for table in tables:
            columns = {
                row[1]: row[2:] for row in connection.execute(f"PRAGMA table_info('{table}')")
            }
            indexes = {
                row[1]: [info[2] for info in connection.execute(f"PRAGMA index_info('{row[1]}')")]
                for row in connection.execute(f"PRAGMA index_list('{table}')")
            }
            keys = sorted(
                row[2:5] for row in connection.execute(f"PRAGMA foreign_key_list('{table}')")
            )
            found[table] = (columns, indexes, keys)
    finally:
        connection.close()
    return found


def test_an_old_archive_is_upgraded_on_open_and_keeps_every_record(tmp_path: Path) -> None:
    db = old_archive(tmp_path / "old")
    before = dict(query(db, "SELECT key, record_json FROM posts"))
    captures_before = query(db, "SELECT * FROM captures ORDER BY id")
    checks_before = query(db, "SELECT * FROM checks ORDER BY id")

    with Archive(tmp_path / "old") as archive:
        found = archive.get_many(list(before))
        assert {key: post.record_json for key, post in found.items()} == before
        listed = [row.key for row in archive.list_posts()]
        assert sorted(listed) == sorted(before)
        assert "twitter:2008902691847762778" in [row.key for row in archive.search("sandbags")]

    assert query(db, "PRAGMA user_version") == [(current_version(),)]
    # Evidence is untouched; each record is now stored once.
    assert query(db, "SELECT * FROM captures ORDER BY id") == captures_before
    assert query(db, "SELECT * FROM checks ORDER BY id") == checks_before
    shared = query(
        db,
        "SELECT posts.key FROM posts JOIN captures c ON c.id = posts.record_capture_id "
        "WHERE posts.record_json IS NULL AND c.record_json IS NOT NULL",
    )
    own = query(db, "SELECT key FROM posts WHERE record_json IS NOT NULL")
    assert len(shared) == 9 and len(own) == 1  # one post's view is a merge no capture holds
    assert (
        before[own[0][0]]
        == query(db, "SELECT record_json FROM posts WHERE key = ?", own[0][0])[0][0]
    )


def test_an_upgraded_archive_has_the_shape_of_a_new_one(tmp_path: Path) -> None:
    old_db = old_archive(tmp_path / "old")
    Archive(tmp_path / "old").close()
    Archive(tmp_path / "new").close()
    assert shape(old_db) == shape(tmp_path / "new" / "archive.db")


def test_an_archive_from_before_screenshots_gains_their_table(tmp_path: Path) -> None:
    """An archive of the version before --screenshot (3) is stepped up."""
    Archive(tmp_path / "v3").close()
    db = tmp_path / "v3" / "archive.db"
    connection = sqlite3.connect(db)
    connection.execute("DROP TABLE screenshot_paths")
    connection.execute("DROP TABLE screenshots")
    # Nor had version 3 the changed-since-cited columns (version 5).
    connection.execute("DROP INDEX ix_posts_differs_created_key")
    connection.execute("ALTER TABLE posts DROP COLUMN differs_fields")
    connection.execute("ALTER TABLE posts DROP COLUMN differs_capture_id")
    connection.execute("DROP TABLE alembic_version")  # as the version-3 code left it
    connection.execute("PRAGMA user_version = 3")
    connection.commit()
    connection.close()
    Archive(tmp_path / "v3").close()
    assert query(db, "PRAGMA user_version") == [(current_version(),)] == [(5,)]
    assert query(db, "SELECT version_num FROM alembic_version") == [("0005",)]
    Archive(tmp_path / "new").close()
    new = shape(tmp_path / "new" / "archive.db")
    for table in ("screenshots", "screenshot_paths"):
        assert shape(db)[table] == new[table]


def test_opening_again_changes_nothing(tmp_path: Path) -> None:
    db = old_archive(tmp_path / "old")
    Archive(tmp_path / "old").close()
    dumped = "\n".join(sqlite3.connect(db).iterdump())
    Archive(tmp_path / "old").close()
    assert "\n".join(sqlite3.connect(db).iterdump()) == dumped


def test_a_failed_upgrade_leaves_the_archive_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(connection: Connection) -> None:
        connection.exec_driver_sql("UPDATE posts SET text = 'half-done'")
        connection.exec_driver_sql("SELECT no_such_function()")

    # Revision 0002 ends by creating indexes: let it fail there, after changing rows.
    real = schema_module.create_missing_indexes
    monkeypatch.setattr(schema_module, "create_missing_indexes", broken)
    db = old_archive(tmp_path / "old")
    before = "\n".join(sqlite3.connect(db).iterdump())
    with pytest.raises(StoreError, match="not a usable archive"):
        Archive(tmp_path / "old")
    assert "\n".join(sqlite3.connect(db).iterdump()) == before

    monkeypatch.setattr(schema_module, "create_missing_indexes", real)
    with Archive(tmp_path / "old") as archive:  # the real upgrade still runs afterwards
        assert len(list(archive.list_posts())) == 10


@pytest.mark.parametrize("where", ["user_version", "alembic_version"])
def test_an_archive_from_a_newer_archiver_is_refused_untouched(tmp_path: Path, where: str) -> None:
    Archive(tmp_path / "home").close()
    db = tmp_path / "home" / "archive.db"
    if where == "user_version":  # what archivers before revisions read
        newer: object = current_version() + 1
        change = f"PRAGMA user_version = {newer}"
    else:
        newer = "9999"
        change = "UPDATE alembic_version SET version_num = '9999'"
    connection = sqlite3.connect(db)
    with connection:
        connection.execute(change)
    connection.close()
    dumped = "\n".join(sqlite3.connect(db).iterdump())
    with pytest.raises(StoreError, match=f"schema version {newer}.*upgrade archiver"):
        Archive(tmp_path / "home")
    assert "\n".join(sqlite3.connect(db).iterdump()) == dumped


V2 = FIXTURES / "archives" / "schema-v2.sql"
ROWS = ("posts", "captures", "media", "aliases", "checks", "copies", "recheck_runs")


def v2_archive(home: Path) -> Path:
    """An archive the schema-2 code wrote (user_version 2, before revisions)."""
    home.mkdir()
    db = home / "archive.db"
    connection = sqlite3.connect(db)
    connection.executescript(V2.read_text(encoding="utf-8"))
    connection.close()
    return db


def test_an_archive_of_the_version_before_revisions_is_stamped_and_keeps_everything(
    tmp_path: Path,
) -> None:
    db = v2_archive(tmp_path / "v2")
    # The columns the archive had: later revisions may add columns, never change these.
    columns = {
        table: ", ".join(row[1] for row in query(db, f"PRAGMA table_info({table})"))
        for table in ROWS
    }
    rows = {table: f"SELECT {columns[table]} FROM {table} ORDER BY 1" for table in ROWS}
    before = {table: query(db, rows[table]) for table in ROWS}
    sandbags = query(db, "SELECT key FROM posts WHERE text LIKE '%andbags%'")
    assert before["posts"] and sandbags

    with Archive(tmp_path / "v2") as archive:
        assert {post.key for post in archive.search("sandbags")} == {row[0] for row in sandbags}
        assert len(list(archive.list_posts())) == len(before["posts"])

    assert query(db, "SELECT version_num FROM alembic_version") == [(schema_module.head(),)]
    assert query(db, "PRAGMA user_version") == [(current_version(),)]
    assert {table: query(db, rows[table]) for table in ROWS} == before
    assert shape(db) == shape(_new_archive(tmp_path / "new"))


def test_a_version_2_archive_gains_citations_and_keeps_every_record(tmp_path: Path) -> None:
    home = tmp_path / "v2"
    db = v2_archive(home)
    posts_before = query(db, "SELECT * FROM posts ORDER BY key")
    captures_before = query(db, "SELECT * FROM captures ORDER BY id")
    assert query(db, "PRAGMA user_version") == [(2,)]
    assert not query(db, "SELECT name FROM sqlite_master WHERE name = 'citations'")

    article = "web:https://news.example/flood-barriers"
    cited = "twitter:2008902691847762778"
    with Archive(home) as archive:
        record_citations(archive, article, [Citation(cited, "https://x.com/a/status/1", "link")])
        assert [(c.post_key, c.how, c.status) for c in cited_in(archive, article)] == [
            (cited, "link", "archived")
        ]

    assert query(db, "PRAGMA user_version") == [(current_version(),)]
    # Every column kept as it was (version 5 appends the changed-since-cited columns).
    after = query(db, "SELECT * FROM posts ORDER BY key")
    assert [row[: len(posts_before[0])] for row in after] == posts_before
    assert query(db, "SELECT * FROM captures ORDER BY id") == captures_before
    Archive(tmp_path / "new").close()
    assert shape(db) == shape(tmp_path / "new" / "archive.db")


def test_an_upgrade_flags_the_posts_already_changed_since_cited(tmp_path: Path) -> None:
    """In the old archive one post's API capture (the first, by capture time) dates it
    2026-01-07 and the article read later says 2014-05-05: a different claim. The other
    post with two captures differs only in what its oEmbed answer lacked."""
    db = old_archive(tmp_path / "old")

    Archive(tmp_path / "old").close()

    flagged = query(db, "SELECT key, differs_fields, differs_capture_id FROM posts "
                    "WHERE differs_fields IS NOT NULL")  # fmt: skip
    assert flagged == [("twitter:text-b1b8622e4c09afc3", "date", 9)]
    with Archive(tmp_path / "old") as archive:
        assert archive.changed_since_cited() == 1


def _new_archive(home: Path) -> Path:
    Archive(home).close()
    return home / "archive.db"


def test_the_revisions_alembic_finds_are_the_ones_the_store_lists() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(schema_module._config())
    found = [revision.revision for revision in script.walk_revisions()]
    assert tuple(reversed(found)) == schema_module.REVISIONS
    assert script.get_current_head() == schema_module.head()


def test_a_postgresql_archive_is_made_at_the_newest_revision_and_refused_when_newer(
    tmp_path: Path, pg_url: str
) -> None:
    import psycopg

    Archive(tmp_path / "home", url=pg_url).close()
    with psycopg.connect(pg_url) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (schema_module.head(),)
        ]
    Archive(tmp_path / "home", url=pg_url).close()  # opening again changes nothing
    with psycopg.connect(pg_url) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match=r"schema version 9999.*upgrade archiver"):
        Archive(tmp_path / "home", url=pg_url)


# -- PostgreSQL: the same schema, made and upgraded the same way --------------------------------
#
# The tests above load archives that SQLite-only versions wrote (SQL dumps of their files);
# no PostgreSQL archive is older than revision 0004, so its upgrades start there.


def portable_shape(engine: Engine, *, types: bool = False) -> dict[str, Any]:
    """Every table's columns (nullable, and with ``types`` their type as the engine names
    it), primary key, indexes, unique constraints and foreign keys, as SQLAlchemy reads
    them on any engine.
    The full-text index is each engine's own (FTS5, ``tsvector``) and is left out."""
    inspector = inspect(engine)
    found: dict[str, Any] = {}
    for table in inspector.get_table_names():
        if table.startswith("posts_fts"):
            continue
        found[table] = (
            {
                column["name"]: (column["nullable"], str(column["type"]) if types else None)
                for column in inspector.get_columns(table)
            },
            inspector.get_pk_constraint(table)["constrained_columns"],
            sorted(
                (index["name"], tuple(index["column_names"]), bool(index["unique"]))
                for index in inspector.get_indexes(table)
                if not index.get("duplicates_constraint")  # PostgreSQL's, of a UNIQUE
            ),
            sorted(
                (unique["name"], tuple(unique["column_names"]))
                for unique in inspector.get_unique_constraints(table)
            ),
            sorted(
                (tuple(key["constrained_columns"]), key["referred_table"])
                for key in inspector.get_foreign_keys(table)
            ),
        )
    return found


def test_a_postgresql_archive_has_the_shape_of_a_sqlite_one(tmp_path: Path, pg_url: str) -> None:
    with Archive(tmp_path / "sqlite") as sqlite, Archive(tmp_path / "pg", url=pg_url) as pg:
        on_sqlite, on_pg = portable_shape(sqlite.engine), portable_shape(pg.engine)
    # Claims are how PostgreSQL workers share a run; a SQLite archive has one worker.
    assert set(on_pg) - set(on_sqlite) <= {"work_claims"}
    assert {table: on_pg[table] for table in on_sqlite} == on_sqlite


def test_a_failed_creation_leaves_a_postgresql_database_empty(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(connection: Connection) -> None:
        connection.exec_driver_sql("SELECT no_such_function()")

    import psycopg

    monkeypatch.setattr(schema_module, "ensure_fts", broken)  # after every table is made
    with pytest.raises(StoreError, match="not a usable archive"):
        Archive(tmp_path / "home", url=pg_url)
    with psycopg.connect(pg_url) as connection:
        tables = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        assert connection.execute(tables).fetchall() == []

    monkeypatch.undo()
    with Archive(tmp_path / "home", url=pg_url) as archive:
        assert list(archive.list_posts()) == []


def test_a_postgresql_archive_of_revision_4_is_upgraded_and_keeps_its_posts(
    tmp_path: Path, pg_url: str
) -> None:
    """Revision 0005 added the changed-since-cited columns: a PostgreSQL archive made
    before it gains them, keeps its posts, and has the shape of a new one."""
    import psycopg

    home = tmp_path / "home"
    added = run_cli("--db", pg_url, "add", FIXTURES / "articles" / "news-x-embeds.html", home=home)
    assert added.exit_code == 0, added.output
    with Archive(home, url=pg_url) as archive:
        new = portable_shape(archive.engine, types=True)
    posts = "SELECT key, content_hash, record_json FROM posts ORDER BY key"
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute("DROP INDEX ix_posts_differs_created_key")
        connection.execute("ALTER TABLE posts DROP COLUMN differs_fields")
        connection.execute("ALTER TABLE posts DROP COLUMN differs_capture_id")
        connection.execute("UPDATE alembic_version SET version_num = '0004'")
        before = connection.execute(posts).fetchall()
    assert len(before) == 5

    with Archive(home, url=pg_url) as archive:
        assert len(list(archive.list_posts())) == 5
        assert portable_shape(archive.engine, types=True) == new
    with psycopg.connect(pg_url) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (schema_module.head(),)
        ]
        assert connection.execute(posts).fetchall() == before
