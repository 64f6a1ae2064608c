"""Opening ``archive.db``: damage is found and named, a read-only archive still reads, and
SQLite's other troubles (disk full, busy) are said in the user's words.

Every archive is real (``tests/store/damage.py`` writes one with :class:`Archive`, then
damages the file); every error is one SQLite really raised.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event

from archiver.store import Archive, StoreError
from archiver.store import sqlite_file as db
from archiver.store.archive import DamagedArchiveError, ReadOnlyArchiveError
from tests.conftest import make_post
from tests.store.damage import (
    DAMAGES,
    FIRST_KEY,
    build,
    build_damaged,
    digest,
    overwrite_page,
    truncate,
)
from tests.store.test_archive import observe

# -- the header --------------------------------------------------------------------------------


def test_a_sound_or_new_database_has_no_header_problem(home: Path) -> None:
    db_path = build(home)
    assert db.header_problem(db_path) is None
    empty = home.parent / "empty.db"
    empty.write_bytes(b"")
    assert db.header_problem(empty) is None
    assert db.header_problem(home.parent / "missing.db") is None


@pytest.mark.parametrize(
    ("damage", "detail"),
    [
        (lambda p: p.write_bytes(b"PK\x03\x04 a zip file"), "not an SQLite database"),
        (lambda p: p.write_bytes(p.read_bytes()[:60]), "only 60 bytes long"),
        (truncate, "(truncated)"),
    ],
)
def test_the_header_names_a_file_that_cannot_be_the_database(
    home: Path, damage: object, detail: str
) -> None:
    db_path = build(home)
    damage(db_path)  # type: ignore[operator]

    finding = db.header_problem(db_path)

    assert finding is not None and finding.trouble == "damaged"
    assert finding.message.startswith(f"the archive database is damaged: {db_path}: ")
    assert detail in finding.message


def test_a_file_shorter_than_its_header_says_is_not_damaged_while_a_log_holds_pages(
    home: Path,
) -> None:
    db_path = build(home)
    truncate(db_path)
    db_path.with_name("archive.db-wal").write_bytes(b"\x37\x7f\x06\x82" + bytes(60))

    assert db.header_problem(db_path) is None


def test_the_message_says_what_to_do() -> None:
    salvage = db.damaged(Path("my archive/archive.db"), "page 3 is garbage")
    assert salvage.message == (
        "the archive database is damaged: my archive/archive.db: page 3 is garbage; archiver "
        "will not write to it. To go on, restore it from a backup, or salvage what is "
        "readable with `sqlite3 'my archive/archive.db' .recover | sqlite3 "
        "'my archive/recovered.db'` and put recovered.db in its place (see docs/security.md, "
        "Damaged archives)"
    )
    other = db.damaged(Path("archive.db"), "not an SQLite database", salvageable=False)
    assert "nothing to salvage" in other.message and ".recover" not in other.message


# -- opening a damaged archive -----------------------------------------------------------------


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("opening", ["for_reading", "for_writing"])
def test_a_damaged_archive_is_refused_and_left_as_it_was(
    home: Path, damage: str, opening: str
) -> None:
    db_path, before = build_damaged(home, damage)

    with pytest.raises(DamagedArchiveError, match=r"^the archive database is damaged: "):
        getattr(Archive, opening)(home)

    assert digest(db_path) == before
    assert not db_path.with_name("archive.db-wal").exists()


def test_damage_met_by_a_query_is_named_too(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the size where reading commands run quick_check, a damaged page surfaces
    when a query reads it, and is named then."""
    db_path = build(home)
    overwrite_page(db_path)
    monkeypatch.setattr(db, "CHEAP_CHECK_BYTES", 0)

    with (
        Archive.for_reading(home) as archive,
        pytest.raises(DamagedArchiveError, match="malformed"),
    ):
        list(archive.list_posts())


def test_damage_outside_what_a_command_reads_is_found_by_quick_check(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A damaged search index leaves ``list`` working: only quick_check sees it, so an
    archive small enough for it to be cheap is checked on every open."""
    db_path = build(home)
    overwrite_page(db_path, "posts_fts_data")
    with monkeypatch.context() as unchecked:
        unchecked.setattr(db, "CHEAP_CHECK_BYTES", 0)
        with Archive.for_reading(home) as archive:
            assert len(list(archive.list_posts())) == 40

    with pytest.raises(DamagedArchiveError, match="malformed"):
        Archive.for_reading(home)


def test_an_error_of_no_known_kind_is_checked_for_damage(home: Path) -> None:
    db_path = build(home)
    connection = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.OperationalError) as raised:
        connection.execute("SELECT * FROM no_such_table")
    connection.close()

    assert db.explain(raised.value, db_path) is None  # a sound file: a bug, not damage
    overwrite_page(db_path)
    finding = db.explain(raised.value, db_path)
    assert finding is not None and finding.trouble == "damaged"


# -- read-only archives ------------------------------------------------------------------------


def test_a_read_only_archive_reads_and_never_writes(home: Path) -> None:
    db_path = build(home)
    before = digest(db_path)

    with Archive(home, read_only=True) as archive:
        assert archive.get(FIRST_KEY) is not None
        assert len(list(archive.list_posts())) == 40
        assert archive.search("River level")
        with pytest.raises(ReadOnlyArchiveError, match="is read-only"):
            archive.add([observe(make_post("1000000000000000999"))])

    assert digest(db_path) == before


def test_reading_a_home_without_an_archive_says_so(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no archive in .* check --home"):
        Archive(tmp_path, read_only=True)


def test_a_read_only_archive_lacking_tables_says_why(home: Path) -> None:
    db_path = build(home)
    with sqlite3.connect(db_path) as connection:
        connection.execute("DROP TABLE copies")

    with pytest.raises(StoreError, match="lacks the tables copies: it was made by an older"):
        Archive(home, read_only=True)


def test_any_directory_name_opens(tmp_path: Path) -> None:
    home = tmp_path / "notes? #1 100% done"
    build(home)
    with Archive(home, read_only=True) as archive:
        assert archive.get(FIRST_KEY) is not None


# -- other troubles ----------------------------------------------------------------------------


def test_a_full_disk_is_said_and_what_was_committed_kept(home: Path) -> None:
    db_path = build(home)
    with Archive(home) as archive:
        archive.engine.dispose()  # new connections only, each capped at the file's size

        @event.listens_for(archive.engine, "connect")
        def cap(connection: sqlite3.Connection, _record: object) -> None:
            pages = db_path.stat().st_size // 4096
            connection.execute(f"PRAGMA max_page_count = {pages}")

        big = [observe(make_post(str(1000000000000002000 + n), text="x" * 5000)) for n in range(9)]
        with pytest.raises(StoreError, match=r"is full .* Free some space"):
            archive.add(big)
        assert archive.get(FIRST_KEY) is not None
        assert archive.get("twitter:1000000000000002000") is None


def test_a_busy_database_is_said(home: Path) -> None:
    db_path = build(home)
    holder = sqlite3.connect(db_path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    waiter = sqlite3.connect(db_path, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError) as raised:
            waiter.execute("INSERT INTO aliases VALUES ('u', 'k')")
    finally:
        holder.rollback()
        holder.close()
        waiter.close()

    finding = db.explain(raised.value, db_path)

    assert finding is not None and finding.trouble == "busy"
    assert "in use by another archiver" in finding.message
