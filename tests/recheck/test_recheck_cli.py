"""``archiver recheck``, ``status``, ``list`` and ``show`` as a new user runs them.

The archive is built with ``archiver add URL`` against the replay server; posts are then
flipped on the server to deleted, private, edited or down, and the commands must say so.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.recheck.conftest import (
    Answer,
    Cli,
    Replay,
    arguments_only,
    failure,
    fixture,
    route,
)
from tests.recheck.test_recheck import (
    BLUESKY,
    PHOTO,
    TELEGRAM_EDITED,
    TELEGRAM_TEXT,
    VIDEO,
)


def flip(replay: Replay) -> None:
    replay.answer(f"tw-{PHOTO}", fixture("twitter/responses/tombstone-deleted.200.json"))
    replay.answer(f"tw-{VIDEO}", fixture("twitter/responses/tombstone-private.200.json"))
    replay.answer(
        TELEGRAM_TEXT,
        fixture("telegram/responses/ok-text.200.html", **{"offline again": "back online"}),
    )
    replay.answer("bluesky", failure(503))


def test_recheck_status_list_and_show_tell_the_truth(
    cli: Cli, replay: Replay, tmp_path: Path
) -> None:
    flip(replay)
    report = tmp_path / "changes.csv"

    code, out, err = cli("recheck", "--all", "--json", "--report", report)

    assert code == 1, err  # the bluesky outage is an error, so the exit says "partly"
    summary = json.loads(out)
    assert summary["checked"] == {
        "available": 5,
        "changed": 1,
        "deleted": 1,
        "private": 1,
        "error": 1,
    }
    assert summary["newly_gone"] == 2 and summary["errors"] == 1 and summary["finished"]

    status = cli.json("status")
    # the bluesky post's only check failed: it has never been seen by a check
    assert status["totals"] == {
        "unchecked": 1,
        "available": 5,
        "changed": 1,
        "deleted": 1,
        "private": 1,
    }
    assert status["posts"]["twitter"] == {"available": 2, "deleted": 1, "private": 1}
    assert status["last_check_failed"] == {"bluesky": 1}
    assert status["last_run"]["state"] == "finished"
    gone = {line["key"]: line for line in status["newly_gone"]}
    assert set(gone) == {f"twitter:{PHOTO}", f"twitter:{VIDEO}"}
    assert gone[f"twitter:{PHOTO}"]["first_gone_at"] is not None
    code, out, _ = cli("status", "--json")  # written as it is read, yet one plain JSON document
    assert out == json.dumps(json.loads(out), ensure_ascii=False) + "\n"

    deleted = cli.json("list", "--status", "deleted", "--gone-since", "2026-01-01")
    assert deleted["key"] == f"twitter:{PHOTO}"  # one post: one JSON line
    code, out, _ = cli("list", "--status", "deleted", "--gone-since", "2999-01-01", "--json")
    assert code == 0 and out == ""
    code, out, _ = cli("list", "--status", "changed", "--json")
    assert [json.loads(line)["key"] for line in out.splitlines()] == [TELEGRAM_EDITED]
    code, out, _ = cli("list", "--status", "error", "--json")
    assert [json.loads(line)["key"] for line in out.splitlines()] == [BLUESKY]
    code, out, _ = cli("list", "--status", "gone", "--json")
    assert {json.loads(line)["key"] for line in out.splitlines()} == set(gone)

    shown = cli.json("show", f"twitter:{PHOTO}")
    assert shown["status"] == "deleted"
    assert [check["outcome"] for check in shown["checks"]] == ["deleted"]
    assert shown["first_gone_at"] == shown["checks"][0]["checked_at"]
    assert shown["checks"][0]["reason"] == "deleted"
    outage = cli.json("show", BLUESKY)
    assert outage["status"] == "unchecked" and outage["checks"][0]["outcome"] == "error"
    assert outage["checks"][0]["http_status"] == 503 and outage["first_gone_at"] is None

    with report.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["key"], r["previous"], r["outcome"]) for r in rows} == {
        (f"twitter:{PHOTO}", "available", "deleted"),
        (f"twitter:{VIDEO}", "available", "private"),
        (TELEGRAM_EDITED, "available", "changed"),
        (BLUESKY, "available", "error"),
    }


def test_human_output_names_what_changed(cli: Cli, replay: Replay, tmp_path: Path) -> None:
    flip(replay)
    report = tmp_path / "changes.md"

    code, out, err = cli("recheck", "--platform", "twitter", "--report", report)

    assert code == 0, err
    assert "outcome\tchecked\n" in out and "newly gone: 2" in out
    assert f"deleted (was available) twitter:{PHOTO}" in err
    markdown = report.read_text(encoding="utf-8")
    assert markdown.startswith("# Recheck report: run 1")
    assert (
        f"[twitter:{PHOTO}](https://x.com/marisol_ol/status/{PHOTO}) | available | **deleted**"
        in markdown
    )

    code, out, _ = cli("status")
    assert code == 0 and "newly gone since the run before: 2" in out
    code, out, _ = cli("show", f"twitter:{PHOTO}")
    assert code == 0 and "first seen gone:" in out and "deleted" in out


def test_find_copies_records_wayback_and_memento_copies(cli: Cli, replay: Replay) -> None:
    original = f"https://x.com/marisol_ol/status/{PHOTO}"
    replay.answer(f"tw-{PHOTO}", fixture("twitter/responses/tombstone-deleted.200.json"))
    available = {
        "archived_snapshots": {
            "closest": {
                "available": True,
                "url": f"http://web.archive.org/web/20260108093000/{original}",
                "timestamp": "20260108093000",
                "status": "200",
            }
        }
    }
    replay.set("wayback", route("/wayback/available"), Answer(body=json.dumps(available).encode()))
    cdx = [
        ["timestamp", "original", "statuscode"],
        ["20260107120000", original, "200"],
        ["20260108093000", original, "200"],
    ]
    replay.set("cdx", route("/cdx/search/cdx", url=original), Answer(body=json.dumps(cdx).encode()))
    replay.set("cdx-other", route("/cdx/search/cdx"), Answer(body=b"[]"))
    timemap = (
        f'<{original}>; rel="original",\n'
        f'<https://archive.example/timemap/link/{original}>; rel="self"; '
        'type="application/link-format",\n'
        f'<https://archive.example/20260109000000/{original}>; rel="first last memento"; '
        'datetime="Fri, 09 Jan 2026 00:00:00 GMT"\n'
    ).encode()
    replay.set(
        "timemap",
        route(f"/timemap/link/{original}"),
        Answer(body=timemap, content_type="application/link-format"),
    )
    replay.set(
        "timemap-other",
        route("/timemap/link/https://twitter.com/marisol_ol/status/" + PHOTO),
        failure(404),
    )

    summary = cli.json("recheck", f"twitter:{PHOTO}", "--find-copies")

    assert summary["copies"]["found"] == 3 and summary["copies"]["posts"] == 1
    copies = cli.json("show", f"twitter:{PHOTO}")["copies"]
    assert [(c["source"], c["url"], c["archived_at"]) for c in copies] == [
        (
            "wayback",
            f"https://web.archive.org/web/20260107120000/{original}",
            "2026-01-07T12:00:00Z",
        ),
        (
            "wayback",
            f"https://web.archive.org/web/20260108093000/{original}",
            "2026-01-08T09:30:00Z",
        ),
        ("memento", f"https://archive.example/20260109000000/{original}", "2026-01-09T00:00:00Z"),
    ]
    assert cli.rows("SELECT COUNT(*) FROM copies") == [(3,)]


@arguments_only
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "say which posts to check"),
        (("--all", "--not-checked-since", "yesterday"), "cannot read 'yesterday'"),
        (("--all", "--report", "out.txt"), "name it .csv or .md"),
        (("--status", "vanished"), "unknown status 'vanished'"),
        (("--platform", "myspace"), "unknown platform 'myspace'"),
    ],
)
def test_bad_input_exits_2(cli: Cli, args: tuple[str, ...], message: str) -> None:
    code, _, err = cli("recheck", *args)
    assert code == 2
    assert message in err


def test_a_post_not_in_the_archive_exits_2(cli: Cli) -> None:
    code, _, err = cli("recheck", "twitter:1")
    assert code == 2 and "not in the archive: twitter:1" in err


@arguments_only
def test_list_rejects_an_unknown_status(cli: Cli) -> None:
    code, _, err = cli("list", "--status", "vanished")
    assert code == 2 and "unknown status" in err
