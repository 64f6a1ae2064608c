"""Writing observations: which one sets a post's status when they arrive out of order.

A post's status follows the newest *live* observation by when it was made, not by when
it reached the archive: an older fetch imported late (a batch resumed, another copy of
an archive merged in) must never override a newer status.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.store import Archive, Evidence, Observation
from tests.conftest import make_post

KEY = "twitter:1000000000000000001"


def seen(at: str) -> Observation:
    """A live fetch at ``at`` that saw the post."""
    post = make_post(method="api", source="api", raw=at.encode(), captured_at=at)
    return Observation.of_post(post, [Evidence(url="api", body=at.encode())], live=True)


def gone(at: str) -> Observation:
    """A live fetch at ``at`` that found the post deleted."""
    return Observation(
        key=KEY,
        platform="twitter",
        post_id="1000000000000000001",
        url="https://x.com/riverwatch/status/1000000000000000001",
        method="api",
        source="api",
        captured_at=at,
        evidence=[Evidence(url="api", body=b"gone " + at.encode(), http_status=404)],
        status="deleted",
        live=True,
    )


def status_after(home: Path, *batches: list[Observation]) -> str:
    with Archive(home) as archive:
        for batch in batches:
            archive.add(batch)
        row = archive.get(KEY)
        assert row is not None
        return row.status


@pytest.mark.parametrize("one_batch", [False, True])
def test_an_older_live_observation_imported_late_never_overrides_a_newer_status(
    home: Path, one_batch: bool
) -> None:
    newer, older = gone("2026-02-01T00:00:00Z"), seen("2026-01-20T00:00:00Z")
    batches = [[newer, older]] if one_batch else [[newer], [older]]
    assert status_after(home, *batches) == "deleted"


def test_an_older_gone_observation_never_hides_a_newer_sighting(home: Path) -> None:
    assert status_after(home, [seen("2026-02-01T00:00:00Z")], [gone("2026-01-20T00:00:00Z")]) == (
        "archived"
    )


def test_a_newer_live_observation_sets_the_status(home: Path) -> None:
    assert status_after(home, [seen("2026-01-20T00:00:00Z")], [gone("2026-02-01T00:00:00Z")]) == (
        "deleted"
    )
    with Archive(home) as archive:
        archive.add([seen("2026-02-02T00:00:00Z")])  # back again
        row = archive.get(KEY)
        assert row is not None and row.status == "archived"


def test_of_two_live_observations_made_in_the_same_second_the_later_arriving_counts(
    home: Path,
) -> None:
    at = "2026-02-01T00:00:00Z"
    assert status_after(home, [seen(at)], [gone(at)]) == "deleted"


def test_the_newest_time_is_remembered_across_late_imports(home: Path) -> None:
    newest = gone("2026-02-01T00:00:00Z")
    late = [[seen("2026-01-20T00:00:00Z")], [seen("2026-01-25T00:00:00Z")]]
    assert status_after(home, [newest], *late) == "deleted"
    with Archive(home) as archive:
        row = archive.get(KEY)
        assert row is not None
        assert (row.first_captured_at, row.last_captured_at) == (
            "2026-01-20T00:00:00Z",
            "2026-02-01T00:00:00Z",
        )
