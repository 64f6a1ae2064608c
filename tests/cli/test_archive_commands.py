"""``list`` and ``search`` as printed: every row, in order, printed as it is read."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from archiver.cli import app
from archiver.store import Archive, Evidence, Observation
from tests.conftest import make_post

runner = CliRunner()


def archive_of(home: Path, count: int) -> list[str]:
    """``count`` posts, one a day; their keys oldest first."""
    observations = []
    for number in range(count):
        day = f"2026-{1 + number // 28:02d}-{1 + number % 28:02d}"
        post = make_post(str(5000 + number), created_at=day, text=f"Update {number}")
        observations.append(Observation.of_post(post, [Evidence(url="a.html", body=b"a")]))
    with Archive(home) as archive:
        archive.add(observations)
    return [f"twitter:{5000 + number}" for number in range(count)]


def run(home: Path, *args: str) -> str:
    result = runner.invoke(app, [*args, "--home", str(home)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_list_prints_a_long_table_in_pages_with_one_header_and_aligned_columns(
    home: Path,
) -> None:
    keys = archive_of(home, 250)  # more than two pages of the table
    out = run(home, "list")
    lines = out.splitlines()
    rows = [line for line in lines if line.lstrip().startswith("twitter:")]
    assert [line.split()[0] for line in rows] == keys
    assert len({line.index("│") for line in rows}) == 1  # the columns line up across pages
    assert sum("date" in line and "status" in line for line in lines) == 1
    assert lines[-1] == "250 post(s)"


def test_list_json_is_one_line_per_post_oldest_first(home: Path) -> None:
    keys = archive_of(home, 130)
    out = run(home, "list", "--json")
    assert [json.loads(line)["key"] for line in out.splitlines()] == keys
    limited = run(home, "list", "--json", "--limit", "20")
    assert [json.loads(line)["key"] for line in limited.splitlines()] == keys[:20]


def test_an_empty_listing_says_so(home: Path) -> None:
    Archive(home).close()
    out = run(home, "list")
    assert "key" in out and out.splitlines()[-1] == "0 post(s)"
