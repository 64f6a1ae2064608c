"""``status`` and ``recheck``'s summary as printed: on a terminal in tables that fit it, piped
as tab-separated lines."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archiver.cli import app, recheck_commands
from archiver.recheck import RecheckSummary
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


@pytest.mark.parametrize("width", [80, 120])
def test_the_recheck_summary_has_one_row_per_outcome_and_fits(
    terminal: Callable[[int], StringIO], width: int
) -> None:
    """A resumed run shows this time's counts beside the whole run's."""
    screen = terminal(width)
    summary = RecheckSummary(
        run_id=7,
        resumed=True,
        counts={"available": 41, "deleted": 2, "error": 1},
        run_counts={"available": 118, "changed": 3, "deleted": 5, "error": 1, "suspended": 1},
        newly_gone=2,
    )

    recheck_commands._render_summary(summary, None, None)

    assert screen_text(screen) == expected(f"recheck-{width}.txt")
