"""Reading Wayback availability, CDX and Memento TimeMap answers (pure)."""

from __future__ import annotations

import json

from archiver.config import load_settings
from archiver.recheck.copies import (
    Copy,
    availability_request,
    cdx_request,
    lookup_urls,
    read_availability,
    read_cdx,
    read_timemap,
    timemap_request,
    wayback_time,
)

POST = "https://x.com/riverwatch/status/1000000000000000001"


def test_availability_answer() -> None:
    body = json.dumps(
        {
            "url": POST,
            "archived_snapshots": {
                "closest": {
                    "status": "200",
                    "available": True,
                    "url": f"http://web.archive.org/web/20260107101500/{POST}",
                    "timestamp": "20260107101500",
                }
            },
        }
    ).encode()
    assert read_availability(body) == [
        Copy(
            "wayback", f"https://web.archive.org/web/20260107101500/{POST}", "2026-01-07T10:15:00Z"
        )
    ]
    assert read_availability(b'{"archived_snapshots":{}}') == []
    assert read_availability(b"<html>busy</html>") == []


def test_cdx_answer_keeps_the_newest() -> None:
    rows = (
        [["timestamp", "original", "statuscode"]]
        + [[f"2026010{day}080000", POST, "200"] for day in range(1, 10)]
        + [["20260110080000", POST, "200"], ["20260111080000", POST, "200"]]
    )
    copies = read_cdx(json.dumps(rows).encode())
    assert len(copies) == 10
    assert copies[0].url == f"https://web.archive.org/web/20260102080000/{POST}"
    assert copies[-1].archived_at == "2026-01-11T08:00:00Z"
    assert read_cdx(b"[]") == [] and read_cdx(b"") == [] and read_cdx(b"not json") == []


def test_timemap_reads_mementos_with_commas_in_their_dates() -> None:
    body = (
        f'<{POST}>; rel="original",\n'
        f'<https://tm.example/timemap/link/{POST}>; rel="self"; type="application/link-format",\n'
        f'<http://web.archive.org/web/20260108000000id_/{POST}>; rel="first memento"; '
        'datetime="Thu, 08 Jan 2026 00:00:00 GMT",\n'
        '<https://archive.ph/AbCdE>; rel="last memento"; '
        'datetime="Sat, 10 Jan 2026 06:00:00 GMT"\n'
    ).encode()
    assert read_timemap(body) == [
        Copy(
            "wayback", f"https://web.archive.org/web/20260108000000/{POST}", "2026-01-08T00:00:00Z"
        ),
        Copy("memento", "https://archive.ph/AbCdE", "2026-01-10T06:00:00Z"),
    ]
    assert read_timemap(b"") == []


def test_requests_use_the_configured_endpoints() -> None:
    endpoints = load_settings().endpoints
    assert availability_request(endpoints, POST).url == (
        "https://archive.org/wayback/available?url=https%3A%2F%2Fx.com%2Friverwatch%2Fstatus%2F"
        "1000000000000000001"
    )
    assert cdx_request(endpoints, POST).url.startswith(
        "https://web.archive.org/cdx/search/cdx?url=https%3A%2F%2Fx.com"
    )
    assert timemap_request(endpoints, POST).url == (
        f"https://timetravel.mementoweb.org/timemap/link/{POST}"
    )


def test_lookup_urls_add_the_twitter_twin_and_skip_non_web_aliases() -> None:
    assert lookup_urls(POST, ["article.html", POST]) == [
        POST,
        "https://twitter.com/riverwatch/status/1000000000000000001",
    ]


def test_wayback_time_pads_short_stamps() -> None:
    assert wayback_time("2026") == "2026-01-01T00:00:00Z"
    assert wayback_time("20261399") is None
