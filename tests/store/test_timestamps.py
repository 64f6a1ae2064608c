"""The timestamp tables: an older archive gains them on open; trees are written whole."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from archiver.store.timestamps import (
    TimestampToken,
    capture_paths,
    count_unstamped,
    newest_capture_id,
    save_stamp,
    trees,
    unstamped_captures,
)
from tests.evidence.stamped import add_posts
from tests.store.conftest import OpenArchive

TABLES = ("timestamp_paths", "timestamp_tokens", "timestamp_trees")
#: Tables of a later version that refer to the timestamp tables.
LATER = ("screenshot_paths", "screenshots")


def token(authority: str = "tsa.example") -> TimestampToken:
    return TimestampToken(
        authority=authority,
        url=f"https://{authority}/tsr",
        reply=b"\x30\x00",
        gen_time="2026-01-07T10:00:05Z",
        serial="7",
        chain_pem="",
        received_at="2026-01-07T10:00:05Z",
    )


def test_an_archive_made_before_timestamps_gains_the_tables(
    open_archive: OpenArchive, home: Path
) -> None:
    with open_archive(home) as archive:
        add_posts(archive, 3)
        with archive.engine.begin() as connection:  # as an older archiver left it
            for table in LATER + TABLES:  # each before the tables it refers to
                connection.execute(text(f"DROP TABLE {table}"))
            assert not set(LATER + TABLES) & set(inspect(connection).get_table_names())
    with open_archive(home) as archive:
        assert count_unstamped(archive) == 3
        assert [leaf.capture_id for leaf in unstamped_captures(archive)] == [1, 2, 3]
        assert set(LATER + TABLES) <= set(inspect(archive.engine).get_table_names())
        with archive.engine.connect() as connection:
            assert connection.execute(text("SELECT COUNT(*) FROM captures")).scalar() == 3


def test_a_tree_is_stored_with_its_tokens_and_paths(open_archive: OpenArchive, home: Path) -> None:
    with open_archive(home) as archive:
        add_posts(archive, 3)
        assert newest_capture_id(archive) == 3
        tree_id = save_stamp(
            archive,
            root="ab" * 32,
            created_at="2026-01-07T10:00:06Z",
            capture_ids=[1, 2, 3],
            paths=[b"\x01" * 64, b"\x02" * 64, b"\x03" * 32],
            tokens=[token("a.example"), token("b.example")],
        )
        assert count_unstamped(archive) == 0
        found = capture_paths(archive, [2, 3, 99])
        assert sorted(found) == [2, 3]
        assert (found[2].tree_id, found[2].leaf_index, found[2].path) == (tree_id, 1, b"\x02" * 64)
        ((tree, tokens),) = list(trees(archive, [tree_id, tree_id]))
        assert (tree.root, tree.size) == ("ab" * 32, 3)
        assert [t.authority for t in tokens] == ["a.example", "b.example"]
        assert all(t.tree_id == tree_id for t in tokens)


def test_a_capture_stamped_twice_keeps_its_first_path(
    open_archive: OpenArchive, home: Path
) -> None:
    with open_archive(home) as archive:
        add_posts(archive, 2)
        first = save_stamp(
            archive, root="01" * 32, created_at="t", capture_ids=[1], paths=[b""], tokens=[token()]
        )
        save_stamp(
            archive,
            root="02" * 32,
            created_at="t",
            capture_ids=[1, 2],
            paths=[b"\x05" * 32, b"\x06" * 32],
            tokens=[token()],
        )
        paths = capture_paths(archive, [1, 2])
    assert paths[1].tree_id == first and paths[1].path == b""
    assert paths[2].leaf_index == 1
