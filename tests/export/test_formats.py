from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from archiver.export.formats import write_format
from archiver.export.selection import Selection, select_items
from archiver.store import Archive
from tests.export.conftest import SCRIPT_TEXT, Built


def render(built: Built, fmt: str, **selection: object) -> str:
    out = io.StringIO()
    with Archive(built.home) as archive:
        items = select_items(archive, Selection(everything=True, **selection))  # type: ignore[arg-type]
        write_format(fmt, items, out, "https://archive.example.org/b")
    return out.getvalue()


def test_jsonl_is_the_stored_records_byte_for_byte(built: Built) -> None:
    lines = render(built, "jsonl").splitlines()
    with Archive(built.home) as archive:
        stored = [archive.get(json.loads(line)["key"]) for line in lines]
    assert lines == [row.record_json for row in stored if row is not None]


def test_csv_has_one_row_per_post_including_unavailable(built: Built) -> None:
    rows = list(csv.DictReader(io.StringIO(render(built, "csv"))))
    assert next(row["key"] for row in rows) == built.deleted_key
    assert rows[0]["status"] == "deleted" and rows[0]["text"] == ""
    by_key = {row["key"]: row for row in rows}
    assert by_key[built.keys[0]]["text"] == SCRIPT_TEXT
    assert by_key[built.keys[0]]["media_urls"] == "https://pic.twitter.com/AbC123"
    assert by_key[built.keys[1]]["author_handle"] == "ana@social.example"


def test_csl_json_is_one_valid_array(built: Built) -> None:
    items = json.loads(render(built, "csl-json"))
    assert len(items) == 3 and all(item["type"] == "post" for item in items)
    assert items[0]["archive_location"].startswith("https://archive.example.org/b/index.html#post-")


def test_markdown_escapes_markup_and_links_only_web_urls(built: Built, tmp_path: Path) -> None:
    text = render(built, "markdown")
    assert 'Barrier holds \\<script\\>alert("x")\\</script\\>' in text
    assert "<script>" not in text
    assert "Original: <https://x.com/riverwatch/status/1000000000000000001>" in text
    assert "Status: deleted (404 from the syndication endpoint); no copy was captured." in text
    assert "- photo: <https://pic.twitter.com/AbC123>" in text
