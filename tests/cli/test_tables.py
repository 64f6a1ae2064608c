"""Tables that fit (``archiver/cli/tables.py``): what gives way, in which order, and the
plain tab-separated form for pipes."""

from __future__ import annotations

from io import StringIO

import pytest
from rich.console import Console

from archiver.cli.tables import Column, TablePrinter, print_table, short_time

LISTING = [
    Column("key", "key", 27),
    Column("author", "name"),
    Column("date", "time"),
    Column("status", "word", 9),
    Column("text", "text"),
]
ROW = (
    "twitter:2008902282974425946",
    "marisol_okafor_lindqvist",
    "2026-01-07T14:03:22.517Z",
    "available",
    "Gauges on the Esk\njust hit 4.2 m, highest since 1987.",
)


def _screen(width: int, *, terminal: bool = True) -> tuple[Console, StringIO]:
    screen = StringIO()
    console = Console(file=screen, width=width, force_terminal=terminal, color_system=None)
    return console, screen


def _lines(screen: StringIO) -> list[str]:
    return [line.rstrip() for line in screen.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-01-07T13:12:41.000Z", "2026-01-07 13:12"),
        ("2026-01-07", "2026-01-07"),
        (None, ""),
    ],
)
def test_times_are_short(value: str | None, shown: str) -> None:
    assert short_time(value) == shown


def test_a_wide_terminal_shows_everything_on_one_line() -> None:
    console, screen = _screen(160)
    print_table(console, LISTING, [ROW])
    row = _lines(screen)[1]
    assert row.split("  ")[0] == ROW[0]
    assert "marisol_okafor_lindqvist" not in row  # names have their own width, then a cut
    assert "2026-01-07 14:03" in row and "just hit 4.2 m, highest since 1987." in row


@pytest.mark.parametrize("width", [60, 70, 80, 100])
def test_text_gives_way_first_and_the_key_is_never_cut(width: int) -> None:
    console, screen = _screen(width)
    print_table(console, LISTING, [ROW])
    header, row = _lines(screen)
    assert row.startswith(ROW[0] + "  ")
    assert len(row) <= width
    if "text" in header:  # the text is on one line, cut with "…"
        assert row.endswith("…") and "\\n" not in row


def test_at_60_columns_the_text_has_gone_the_name_is_cut_and_the_time_keeps_its_date() -> None:
    console, screen = _screen(60)
    print_table(console, LISTING, [ROW])
    assert _lines(screen) == [
        "key                          author    date        status",
        "twitter:2008902282974425946  marisol…  2026-01-07  available",
    ]


def test_a_key_wider_than_the_terminal_is_printed_whole() -> None:
    console, screen = _screen(20)
    print_table(
        console, [Column("key", "key")], [("bluesky:did:plc:q4v7xk2mzt5h3wprdc6ljyan/3lfq",)]
    )
    assert _lines(screen)[1] == "bluesky:did:plc:q4v7xk2mzt5h3wprdc6ljyan/3lfq"


def test_pages_share_one_header_and_line_up() -> None:
    console, screen = _screen(80)
    printer = TablePrinter(console, LISTING, title="posts")
    printer.page([ROW])
    printer.page([("twitter:1", "a", None, "deleted", "short")])
    lines = _lines(screen)
    assert lines[0] == "posts" and sum(line.startswith("key ") for line in lines) == 1
    assert lines[3].index("deleted") == lines[2].index("available")


def test_piped_output_is_a_header_and_tab_separated_lines_with_every_value_whole() -> None:
    console, screen = _screen(40, terminal=False)
    printer = TablePrinter(console, LISTING, title="posts")
    printer.page([ROW])
    printer.page([("twitter:1", "a\tb", None, "deleted", "two\nlines")])
    assert screen.getvalue().splitlines() == [
        "key\tauthor\tdate\tstatus\ttext",
        "\t".join(ROW).replace("\n", "\\n"),
        "twitter:1\ta\\tb\t\tdeleted\ttwo\\nlines",
    ]


def test_a_time_too_wide_for_its_column_keeps_its_date_not_part_of_its_minutes() -> None:
    console, screen = _screen(40)
    columns = [Column("key", "key", 9), Column("first seen gone", "time"), Column("u", "text")]
    print_table(console, columns, [("twitter:1", "2026-01-07T13:12:41Z", "https://x.com/a")])
    assert _lines(screen)[1].split("  ")[:2] == ["twitter:1", "2026-01-07"]
