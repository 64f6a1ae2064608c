"""Reading check history back: when a post was first seen gone, and ``list --gone-since``.

"First seen gone" is derived from the append-only checks, never stored: the earliest gone
check after the last check that saw the post, so a post that came back and went again
counts from its latest disappearance, and a failed check (``error``) neither ends nor
starts an absence.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.recheck.history import post_filters, post_history
from archiver.store import Archive, Evidence, Observation
from archiver.store.checks import NewCheck, start_run, write_checks
from tests.conftest import make_post

#: (post id, its checks in order as (outcome, checked_at)).
HISTORIES: dict[str, list[tuple[str, str]]] = {
    # Seen, gone twice, back, gone again (through a failed check): the current absence
    # began on the 15th; the earlier one (5th) and the later gone checks do not count.
    "1": [
        ("available", "2026-01-01T00:00:00Z"),
        ("deleted", "2026-01-05T00:00:00Z"),
        ("deleted", "2026-01-06T00:00:00Z"),
        ("available", "2026-01-10T00:00:00Z"),
        ("deleted", "2026-01-15T00:00:00Z"),
        ("error", "2026-01-16T00:00:00Z"),
        ("private", "2026-01-20T00:00:00Z"),
    ],
    # Never seen by a check (gone when first rechecked): gone since its first gone check.
    "2": [("unavailable", "2026-01-03T00:00:00Z"), ("deleted", "2026-01-04T00:00:00Z")],
    # Gone, then back: not gone now, whatever it was before.
    "3": [("suspended", "2026-01-02T00:00:00Z"), ("changed", "2026-01-12T00:00:00Z")],
    # Only failed checks: nothing says it is gone.
    "4": [("error", "2026-01-13T00:00:00Z")],
}


@pytest.fixture
def archive(home: Path, engine_url: str | None) -> Iterator[Archive]:
    with Archive(home, url=engine_url) as opened:
        opened.add(
            [
                Observation.of_post(make_post(post_id), [Evidence(url="a.html", body=b"a")])
                for post_id in HISTORIES
            ]
        )
        run = start_run(opened, "{}")
        assert run.id is not None
        checks = [
            NewCheck(f"twitter:{post_id}", run.id, checked_at, outcome)
            for post_id, history in HISTORIES.items()
            for outcome, checked_at in history
        ]
        write_checks(opened, checks)
        yield opened


@pytest.mark.parametrize(
    ("post_id", "first_gone"),
    [("1", "2026-01-15T00:00:00Z"), ("2", "2026-01-03T00:00:00Z"), ("3", None), ("4", None)],
)
def test_first_seen_gone_in_its_current_absence(
    archive: Archive, post_id: str, first_gone: str | None
) -> None:
    assert post_history(archive, f"twitter:{post_id}").first_gone_at == first_gone


@pytest.mark.parametrize(
    ("since", "keys"),
    [
        ("2026-01-01", ["1", "2"]),
        ("2026-01-04", ["1"]),  # post 2 went on the 3rd, though checked gone again on the 4th
        ("2026-01-12", ["1"]),  # post 1 counts from the 15th, not from its first absence
        ("2026-01-16", []),  # ... and not from its latest gone check either
    ],
)
def test_gone_since_filters_by_the_current_absence(
    archive: Archive, since: str, keys: list[str]
) -> None:
    found = archive.list_posts(where=post_filters(gone_since=since))
    assert [row.post_id for row in found] == keys
