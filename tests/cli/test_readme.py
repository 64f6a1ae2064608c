"""The README's examples print exactly what the README shows."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archiver.cli import app
from tests.cli.conftest import screen_text
from tests.conftest import FIXTURES

README = Path(__file__).resolve().parents[2] / "README.md"


def _block_after(sentence: str) -> str:
    """The fenced block that follows ``sentence`` in the README."""
    text = README.read_text(encoding="utf-8")
    found = re.search(re.escape(sentence) + r"\s*```text\n(.*?)```", text, re.S)
    assert found, sentence
    return found.group(1)


def test_list_after_adding_the_readme_article_prints_what_the_readme_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, terminal: Callable[[int], StringIO]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHIVER_HOME", raising=False)
    runner = CliRunner()
    added = runner.invoke(app, ["add", str(FIXTURES / "articles" / "news-x-embeds.html")])
    assert added.exit_code == 0, added.output
    screen = terminal(80)

    listed = runner.invoke(app, ["list"])

    assert listed.exit_code == 0, listed.output
    assert screen_text(screen) == _block_after("`list` then prints, on a terminal 80 columns wide:")
