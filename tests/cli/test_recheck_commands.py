"""``status`` as printed: on a terminal in a table that fits it, piped as tab-separated lines."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archiver.cli import app
from tests.cli.conftest import expected, sample_archive, screen_text


def _status(home: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["status", *args, "--home", str(home)])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("name", ["status", "status-wide"])
def test_status_fits_the_terminal_as_the_expected_output_shows(
    home: Path, terminal: Callable[[int], StringIO], name: str, width: int
) -> None:
    """Statuses no post has are left out, unless --wide; all of them at 80 columns are rows."""
    sample_archive(home)
    screen = terminal(width)
    _status(home, *(["--wide"] if name.endswith("wide") else []))
    assert screen_text(screen) == expected(f"{name}-{width}.txt")


def test_status_piped_is_tab_separated(home: Path) -> None:
    sample_archive(home)
    lines = _status(home).splitlines()
    assert lines[:5] == [
        "platform\tunchecked\tdeleted\ttotal",
        "bluesky\t1\t0\t1",
        "mastodon\t1\t0\t1",
        "twitter\t1\t1\t2",
        "all\t3\t1\t4",
    ]
    assert "changed since cited: 1 post(s) (archiver list --changed shows them)" in lines
