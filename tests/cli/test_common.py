"""The CLI's shared behaviour: failures are one line, pipes closed early are not errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from archiver.cli import app
from archiver.cli.common import guarded
from tests.conftest import FIXTURES

ARTICLE = FIXTURES / "articles" / "news-x-embeds.txt"


def test_closed_pipe_is_quiet(tmp_path: Path) -> None:
    command = f'"{sys.executable}" -m archiver extract "{ARTICLE}" | head -c 10'
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.stdout == '{"schema":'
    assert result.stderr == ""
    assert result.returncode == 0


def test_unexpected_error_is_one_line_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCHIVER_DEBUG", raising=False)
    with pytest.raises(typer.Exit), guarded():
        raise RuntimeError("boom\nsecond line")
    message = capsys.readouterr().err
    assert message.count("\n") == 1
    assert "RuntimeError: boom" in message
    assert "Traceback" not in message


def test_no_arguments_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["add"])
    assert result.exit_code == 2
    assert "give at least one" in result.output
