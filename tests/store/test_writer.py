"""Writing observations: which one sets a post's status when they arrive out of order.

A post's status follows the newest *live* observation by when it was made, not by when
it reached the archive: an older fetch imported late (a batch resumed, another copy of
an archive merged in) must never override a newer status.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from archiver.store import Archive, Evidence, Observation
from tests.conftest import make_post
from tests.store.conftest import OpenArchive

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


def status_after(archive: Archive, *batches: list[Observation]) -> str:
    with archive:
        for batch in batches:
            archive.add(batch)
        row = archive.get(KEY)
        assert row is not None
        return row.status


@pytest.mark.parametrize("one_batch", [False, True])
def test_an_older_live_observation_imported_late_never_overrides_a_newer_status(
    open_archive: OpenArchive, home: Path, one_batch: bool
) -> None:
    newer, older = gone("2026-02-01T00:00:00Z"), seen("2026-01-20T00:00:00Z")
    batches = [[newer, older]] if one_batch else [[newer], [older]]
    assert status_after(open_archive(home), *batches) == "deleted"


def test_an_older_gone_observation_never_hides_a_newer_sighting(
    open_archive: OpenArchive, home: Path
) -> None:
    assert status_after(
        open_archive(home), [seen("2026-02-01T00:00:00Z")], [gone("2026-01-20T00:00:00Z")]
    ) == ("archived")


def test_a_newer_live_observation_sets_the_status(open_archive: OpenArchive, home: Path) -> None:
    assert status_after(
        open_archive(home), [seen("2026-01-20T00:00:00Z")], [gone("2026-02-01T00:00:00Z")]
    ) == ("deleted")
    with open_archive(home) as archive:
        archive.add([seen("2026-02-02T00:00:00Z")])  # back again
        row = archive.get(KEY)
        assert row is not None and row.status == "archived"


def test_of_two_live_observations_made_in_the_same_second_the_later_arriving_counts(
    open_archive: OpenArchive,
    home: Path,
) -> None:
    at = "2026-02-01T00:00:00Z"
    assert status_after(open_archive(home), [seen(at)], [gone(at)]) == "deleted"


def test_the_newest_time_is_remembered_across_late_imports(
    open_archive: OpenArchive, home: Path
) -> None:
    newest = gone("2026-02-01T00:00:00Z")
    late = [[seen("2026-01-20T00:00:00Z")], [seen("2026-01-25T00:00:00Z")]]
    assert status_after(open_archive(home), [newest], *late) == "deleted"
    with open_archive(home) as archive:
        row = archive.get(KEY)
        assert row is not None
        assert (row.first_captured_at, row.last_captured_at) == (
            "2026-01-20T00:00:00Z",
            "2026-02-01T00:00:00Z",
        )


# -- each record stored once -----------------------------------------------------------------


def stored(archive: Archive) -> tuple[str | None, int | None, list[tuple[int, str | None]]]:
    """The post's own record column, the capture it names, and (id, record) per capture."""
    with archive.engine.connect() as connection:
        own, named = connection.execute(
            text("SELECT record_json, record_capture_id FROM posts WHERE key = :k"), {"k": KEY}
        ).one()
        captures = connection.execute(
            text("SELECT id, record_json FROM captures WHERE post_key = :k ORDER BY id"),
            {"k": KEY},
        ).all()
    archive.close()
    return own, named, [tuple(row) for row in captures]  # type: ignore[misc]


def embed(at: str, **fields: object) -> Observation:
    post = make_post(raw=at.encode(), captured_at=at, **fields)
    return Observation.of_post(post, [Evidence(url="article.html", body=at.encode())])


def view(archive: Archive) -> str | None:
    with archive:
        row = archive.get(KEY)
        assert row is not None
        return row.record_json


def test_a_post_whose_view_is_a_captures_record_names_that_capture(
    open_archive: OpenArchive, home: Path
) -> None:
    with open_archive(home) as archive:
        archive.add([embed("2026-01-07T10:00:00Z")])
    own, named, captures = stored(open_archive(home))
    assert own is None and named == captures[0][0]
    assert view(open_archive(home)) == captures[0][1]


def test_a_merged_view_no_capture_holds_is_kept_by_the_post(
    open_archive: OpenArchive, home: Path
) -> None:
    with open_archive(home) as archive:
        archive.add([embed("2026-01-07T10:00:00Z", created_at="2026-01-07")])
        # An API answer outranks the embed but has no media: the view takes its fields and
        # the embed's media, so it equals neither capture.
        api = make_post(
            method="api", source="api", raw=b"{}", captured_at="2026-01-08T00:00:00Z", media=[]
        )
        archive.add([Observation.of_post(api, [Evidence(url="api", body=b"{}")], live=True)])
    own, named, captures = stored(open_archive(home))
    assert named is None and own is not None
    assert own not in [record for _, record in captures]
    assert view(open_archive(home)) == own
    assert json.loads(own)["media"] and json.loads(own)["capture"]["method"] == "api"


def test_a_view_a_later_capture_leaves_unchanged_keeps_its_capture(
    open_archive: OpenArchive, home: Path
) -> None:
    api = make_post(method="api", source="api", raw=b"{}", captured_at="2026-01-08T00:00:00Z")
    with open_archive(home) as archive:
        archive.add([Observation.of_post(api, [Evidence(url="api", body=b"{}")], live=True)])
        archive.add([embed("2026-01-09T00:00:00Z")])  # an embed adds nothing to the API's view
    own, named, captures = stored(open_archive(home))
    assert own is None and named == captures[0][0] and len(captures) == 2
    assert view(open_archive(home)) == captures[0][1]


@pytest.mark.parametrize("one_batch", [False, True])
def test_the_view_follows_the_capture_that_becomes_it(
    open_archive: OpenArchive, home: Path, one_batch: bool
) -> None:
    first, second = embed("2026-01-07T10:00:00Z"), seen("2026-01-08T00:00:00Z")
    with open_archive(home) as archive:
        if one_batch:
            archive.add([first, second])
        else:
            archive.add([first])
            archive.add([second])
    own, named, captures = stored(open_archive(home))
    assert own is None and named == captures[1][0]  # the API capture outranks the embed
    assert view(open_archive(home)) == captures[1][1]
