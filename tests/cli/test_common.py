"""The CLI's shared behaviour: failures are one line, pipes closed early are not errors."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import archiver
from archiver.cli import app
from archiver.cli.common import guarded
from archiver.net.body import FetchError
from archiver.store import Archive
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


def test_version_is_the_one_the_package_was_installed_as() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"archiver {archiver.__version__}\n"
    # pyproject.toml reads the version from archiver/__init__.py: one number, not two.
    assert metadata.version("archiver") == archiver.__version__


def test_no_arguments_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["add"])
    assert result.exit_code == 2
    assert "give at least one" in result.output


def _broken_config(tmp: Path) -> list[str]:
    (tmp / "bad.toml").write_text("[http\n")
    return ["list", "--config", str(tmp / "bad.toml"), "--home", str(tmp / "home")]


def _home_is_a_file(tmp: Path) -> list[str]:
    (tmp / "home").write_text("not a directory")
    return ["add", str(ARTICLE), "--home", str(tmp / "home")]


def _empty_archive(tmp: Path) -> Path:
    Archive(tmp).close()
    return tmp


# One case per error the CLI maps, each raised by the library under a real command.
ERROR_CASES = {
    "ConfigError": (_broken_config, "is not valid TOML"),
    "StoreError": (_home_is_a_file, "cannot create archive home"),
    "SelectionError": (
        lambda tmp: ["list", "--gone-since", "last week", "--home", str(tmp / "home")],
        "cannot read 'last week' as an age or a date",
    ),
    "ReportError": (
        lambda tmp: ["recheck", "--all", "--report", str(tmp / "r.pdf"), "--home", str(tmp)],
        "cannot tell the report format of r.pdf",
    ),
    "ExportError": (
        lambda tmp: [
            *("export", "twitter:1", "--out", str(tmp / "b.zip")),
            *("--home", str(_empty_archive(tmp))),
        ],
        "not in the archive: twitter:1",
    ),
    "BundleUnreadable": (lambda tmp: ["verify", str(tmp / "nothing.zip")], "does not exist"),
    "OSError": (
        lambda tmp: ["add", "--from", str(tmp / "missing.txt"), "--home", str(tmp / "home")],
        "No such file or directory",
    ),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_library_errors_end_as_one_line_and_exit_2(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCHIVER_DEBUG", raising=False)
    arguments, expected = ERROR_CASES[case]
    result = CliRunner().invoke(app, arguments(tmp_path))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert expected in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_an_error_class_sets_its_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as stopped, guarded():
        raise FetchError("http://127.0.0.1:9/x: connection refused\nretry later", url="u")
    assert stopped.value.exit_code == 1
    assert capsys.readouterr().err == (
        "error: http://127.0.0.1:9/x: connection refused retry later\n"
    )


READ_ONLY = [
    ("list",),
    ("status",),
    ("search", "flood"),
    ("show", "twitter:1"),
    ("cite", "twitter:1"),
    ("export", "--all", "--format", "csv"),
    ("recheck", "--all"),
]


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda args: args[0])
def test_read_only_commands_never_create_an_archive(
    args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHIVER_HOME", raising=False)
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 2
    assert result.stderr == "error: no archive at ./archive (use --home or ARCHIVER_HOME)\n"
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []

    elsewhere = tmp_path / "empty"
    monkeypatch.setenv("ARCHIVER_HOME", str(elsewhere))
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 2 and f"no archive at {elsewhere} " in result.stderr
    assert not elsewhere.exists()


def test_add_creates_the_archive_that_list_then_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHIVER_HOME", raising=False)
    assert CliRunner().invoke(app, ["add", str(ARTICLE)]).exit_code == 0
    assert (tmp_path / "archive" / "archive.db").is_file()
    listed = CliRunner().invoke(app, ["list", "--json"])
    assert listed.exit_code == 0 and listed.stdout.count("\n") >= 1


def _commands() -> list[str]:
    import typer.main

    return sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", _commands())
def test_flags_take_no_value_in_help(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert "--help" in result.stdout and "<bool>" not in result.stdout


@pytest.mark.parametrize("name", _commands())
def test_every_option_names_what_it_takes_not_a_python_type(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "160"})
    options = [line for line in result.stdout.splitlines() if "│ --" in line or "│ -" in line]
    assert options, result.stdout
    for line in options:
        assert not re.search(r"<(str|int|path|float|list\[\w+\])>", line), line


def test_shell_completion_is_offered() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120"})
    assert "--install-completion" in result.stdout and "--show-completion" in result.stdout
    assert "<bool>" not in result.stdout  # Typer's own flags take no value either
