from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from archiver.store import Archive, Evidence, Observation, StoreError
from tests.conftest import make_post
from tests.store.conftest import OpenArchive


def observe(post, body: bytes = b"<html>article</html>", **extra) -> Observation:  # type: ignore[no-untyped-def]
    return Observation.of_post(post, [Evidence(url=post.capture.source, body=body)], **extra)


def test_new_then_unchanged_on_reimport(open_archive: OpenArchive, home: Path) -> None:
    with open_archive(home) as archive:
        assert [o.result for o in archive.add([observe(make_post())])] == ["new"]
        assert [
            o.result for o in archive.add([observe(make_post(captured_at="2026-01-08T00:00:00Z"))])
        ] == ["unchanged"]
        assert len(archive.captures("twitter:1000000000000000001")) == 1


def test_raw_bytes_kept_as_content_addressed_blob(open_archive: OpenArchive, home: Path) -> None:
    with open_archive(home) as archive:
        archive.add([observe(make_post(), body=b"<html>article</html>")])
        capture = archive.captures("twitter:1000000000000000001")[0]
        assert archive.blobs.get(capture.raw_sha256) == b"<html>article</html>"
        evidence = json.loads(capture.evidence_json)
        assert evidence[0]["sha256"] == capture.raw_sha256


def test_richer_capture_merges_and_reports_updated(open_archive: OpenArchive, home: Path) -> None:
    with open_archive(home) as archive:
        archive.add([observe(make_post())])
        api = make_post(
            method="api",
            source="https://cdn.example/tweet-result?id=1",
            raw=b"{}",
            created_at="2026-01-07T09:15:00Z",
            captured_at="2026-01-09T00:00:00Z",
            metrics={"likes": 3},
        )
        outcome = archive.add([observe(api, body=b"{}")])
        assert outcome[0].result == "updated"
        row = archive.get("twitter:1000000000000000001")
        assert row is not None
        record = json.loads(row.record_json or "{}")
        assert record["created_at"] == "2026-01-07T09:15:00Z"
        assert record["capture"]["method"] == "api"
        assert record["media"][0]["url"] == "https://pic.twitter.com/AbC123"
        assert row.capture_count == 2
        assert len(archive.captures(row.key)) == 2  # the earlier capture is kept


def test_embed_date_filled_into_poorer_api_record(open_archive: OpenArchive, home: Path) -> None:
    with open_archive(home) as archive:
        archive.add([observe(make_post(created_at="2026-01-07"))])
        archive.add(
            [
                observe(
                    make_post(
                        method="oembed",
                        source="o",
                        raw=b"o",
                        created_at=None,
                        captured_at="2026-01-08T00:00:00Z",
                    ),
                    body=b"o",
                )
            ]
        )
        row = archive.get("twitter:1000000000000000001")
        assert row is not None and row.created_at == "2026-01-07"


def test_unavailable_observation_keeps_record_and_sets_status(
    open_archive: OpenArchive, home: Path
) -> None:
    with open_archive(home) as archive:
        archive.add([observe(make_post())])
        gone = Observation(
            key="twitter:1000000000000000001",
            platform="twitter",
            post_id="1000000000000000001",
            url="https://x.com/riverwatch/status/1000000000000000001",
            method="api",
            source="https://cdn.example/tweet-result",
            captured_at="2026-02-01T00:00:00Z",
            evidence=[Evidence(url="https://cdn.example/tweet-result", body=b"", http_status=404)],
            status="not_found",
            detail="404",
            http_status=404,
            live=True,
        )
        assert archive.add([gone])[0].result == "updated"
        row = archive.get("twitter:1000000000000000001")
        assert row is not None
        assert row.status == "not_found"
        assert row.record_json is not None and "Flood barrier" in row.record_json
        assert [c.status for c in archive.captures(row.key)] == ["archived", "not_found"]


def test_lookup_by_url_and_alias(open_archive: OpenArchive, home: Path) -> None:
    with open_archive(home) as archive:
        archive.add(
            [
                observe(
                    make_post(),
                    aliases=["https://twitter.com/riverwatch/status/1000000000000000001?s=20"],
                )
            ]
        )
        assert archive.get("https://x.com/riverwatch/status/1000000000000000001") is not None
        assert (
            archive.get("https://twitter.com/riverwatch/status/1000000000000000001?s=20")
            is not None
        )
        assert archive.get("https://x.com/nobody/status/1") is None


def test_search_list_and_counts(open_archive: OpenArchive, home: Path) -> None:
    with open_archive(home) as archive:
        archive.add(
            [
                observe(make_post("1000000000000000001", text="Flood barrier holds")),
                observe(
                    make_post(
                        "1000000000000000002",
                        text="Café reopens after the storm",
                        created_at="2026-03-01",
                        author={"name": "Ana", "handle": "ana_news"},
                    )
                ),
            ]
        )
        assert [r.key for r in archive.search("cafe")] == ["twitter:1000000000000000002"]
        assert [r.key for r in archive.search("barr*")] == ["twitter:1000000000000000001"]
        assert [r.key for r in archive.search("ana_news")] == ["twitter:1000000000000000002"]
        assert archive.search('"unbalanced (quote') == []
        assert [r.key for r in archive.list_posts(since="2026-02-01")] == [
            "twitter:1000000000000000002"
        ]
        assert [r.key for r in archive.list_posts(until="2026-01-31")] == [
            "twitter:1000000000000000001"
        ]
        assert [r.key for r in archive.list_posts(author="@ana_news")] == [
            "twitter:1000000000000000002"
        ]
        assert len(list(archive.list_posts(limit=1, batch_size=1))) == 1
        assert len(list(archive.list_posts(batch_size=1))) == 2
        assert archive.counts() == {"twitter": {"archived": 2}}


def test_failed_batch_leaves_committed_batches_intact(
    open_archive: OpenArchive, home: Path
) -> None:
    with open_archive(home) as archive:
        archive.add([observe(make_post("1000000000000000001"))])
        broken = observe(make_post("1000000000000000004"))
        broken.platform = None  # type: ignore[assignment]  # NOT NULL violation inside the batch
        with pytest.raises(Exception):  # noqa: B017 - whatever SQLAlchemy raises
            archive.add([observe(make_post("1000000000000000003")), broken])
    with open_archive(home) as archive:
        assert archive.get("twitter:1000000000000000001") is not None
        assert archive.get("twitter:1000000000000000003") is None  # rolled back with its batch


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "archive.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"the archive database is damaged: .*not an SQLite"):
        Archive(home)


def test_wal_mode(home: Path) -> None:
    Archive(home).close()
    with sqlite3.connect(home / "archive.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_saved_document_never_revives_a_gone_post(open_archive: OpenArchive, home: Path) -> None:
    with open_archive(home) as archive:
        archive.add([observe(make_post())])
        gone = observe(
            make_post(method="api", source="api", raw=b"404", captured_at="2026-02-01T00:00:00Z"),
            body=b"404",
        )
        gone.post, gone.status, gone.live = None, "deleted", True
        archive.add([gone])
        # The same article saved again later, from another copy: evidence, not liveness.
        archive.add([observe(make_post(source="copy.html", captured_at="2026-03-01T00:00:00Z"))])
        row = archive.get("twitter:1000000000000000001")
        assert row is not None and row.status == "deleted"
        assert row.capture_count == 3


def test_many_captures_of_one_post_merge_incrementally(
    open_archive: OpenArchive, home: Path
) -> None:
    with open_archive(home) as archive:
        for day in range(1, 29):
            stamp = f"2026-02-{day:02d}T00:00:00Z"
            api = make_post(
                method="api",
                source="api",
                raw=stamp.encode(),
                captured_at=stamp,
                created_at="2026-01-07T09:15:00Z",
                metrics={"likes": day},
            )
            archive.add([observe(api, body=stamp.encode(), live=True)])
        row = archive.get("twitter:1000000000000000001")
        assert row is not None and row.capture_count == 28
        assert json.loads(row.record_json or "{}")["metrics"] == {"likes": 28}
