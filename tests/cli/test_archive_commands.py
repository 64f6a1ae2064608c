"""``list``, ``search`` and ``show`` as printed: every row, in order, printed as it is read;
on a terminal in tables that fit it, piped as tab-separated lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archiver.cli import app
from archiver.store import Archive, Evidence, Observation
from tests.cli.conftest import expected, sample_archive, screen_text
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


def test_list_piped_is_a_header_and_one_tab_separated_line_per_post(home: Path) -> None:
    keys = archive_of(home, 250)  # more than two pages of the table
    lines = run(home, "list").splitlines()
    assert lines[0] == "key\tauthor\tdate\tstatus\ttext"
    rows = [line.split("\t") for line in lines[1:]]
    assert [row[0] for row in rows] == keys  # no footer, no title, no box drawing
    assert rows[0] == ["twitter:5000", "riverwatch", "2026-01-01", "unchecked", "Update 0"]
    assert not any(char in "".join(lines) for char in "│┃━─…")


def test_list_on_a_terminal_prints_in_pages_with_one_header_and_aligned_columns(
    home: Path, terminal: Callable[[int], StringIO]
) -> None:
    keys = archive_of(home, 250)
    screen = terminal(80)
    run(home, "list")
    lines = screen.getvalue().splitlines()
    rows = [line for line in lines if line.startswith("twitter:")]
    assert [line.split()[0] for line in rows] == keys
    assert len({line.index("2026-") for line in rows}) == 1  # the columns line up across pages
    assert sum(line.startswith("key ") for line in lines) == 1
    assert lines[-1] == "250 post(s)"


def test_list_json_is_one_line_per_post_oldest_first(home: Path) -> None:
    keys = archive_of(home, 130)
    out = run(home, "list", "--json")
    assert [json.loads(line)["key"] for line in out.splitlines()] == keys
    limited = run(home, "list", "--json", "--limit", "20")
    assert [json.loads(line)["key"] for line in limited.splitlines()] == keys[:20]


def test_an_empty_listing_says_so(home: Path, terminal: Callable[[int], StringIO]) -> None:
    Archive(home).close()
    assert run(home, "list") == "key\tauthor\tdate\tstatus\ttext\n"
    screen = terminal(80)
    run(home, "list")
    words = ["posts", "key", "author", "date", "status", "text", "0", "post(s)"]
    assert screen_text(screen).split() == words


# -- at 80 and 120 columns ----------------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("list", ["list"]),
        ("list-wide", ["list", "--wide"]),
        ("list-twitter", ["list", "--platform", "x"]),
        ("search", ["search", "Esk"]),
        ("show", ["show", "twitter:2008902282974425946"]),
    ],
)
def test_tables_fit_the_terminal_as_the_expected_output_shows(
    home: Path, terminal: Callable[[int], StringIO], name: str, args: list[str], width: int
) -> None:
    """Keys whole, dates short, text on one line cut with "…" (see tests/cli/expected/)."""
    sample_archive(home)
    screen = terminal(width)
    run(home, *args)
    assert screen_text(screen) == expected(f"{name}-{width}.txt")


def test_show_piped_prints_its_tables_tab_separated_with_every_value_whole(home: Path) -> None:
    sample_archive(home)
    out = run(home, "show", "twitter:2008902282974425946")
    versions = out.split("changed since cited: text differs from the version first archived\n")[1]
    header, text = versions.splitlines()[:2]
    assert header == (
        "\tfirst archived 2026-01-08 09:00 (embed-html, #1)\tlater 2026-01-09 10:30 (api, #5)"
    )
    assert text == (
        "text\tGauges on the Esk just hit 4.8 m, highest ever recorded."
        "\tGauges on the Esk just hit 4.2 m, highest since 1987."
    )
    captures = out.split("#\tcaptured at\t")[1].splitlines()[1].split("\t")
    assert captures[1] == "2026-01-08T09:00:00Z" and len(captures[4]) == 64
