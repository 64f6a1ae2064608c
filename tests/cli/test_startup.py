"""Start-up: `archiver --help` and `--version` load the command line, not the library.

Every command pays for what the CLI imports before it runs, and ``--help`` imports every
command module; so the library's heavy dependencies are imported by the commands that
use them. These tests read ``sys.modules`` in a fresh interpreter (start-up time itself is
measured in bench/bench_startup.py, never here).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Top-level packages no help or version output needs: the store, the network, parsing,
#: the record's and settings' models, WARC, BagIt, time-stamping, the browser.
HEAVY = (
    "sqlmodel",
    "sqlalchemy",
    "httpx",
    "httpcore",
    "anyio",
    "bs4",
    "lxml",
    "pydantic",
    "rfc8785",
    "warcio",
    "bagit",
    "cryptography",
    "rfc3161_client",
    "playwright",
    "archiver.store",
    "archiver.net",
    "archiver.record",
    "archiver.config",
    "archiver.documents",
    "archiver.platforms",
    "archiver.browser",
    "archiver.ingest",
    "archiver.evidence",
)

_PROBE = """
import json, sys
from archiver.cli import app
try:
    app(sys.argv[1:], prog_name="archiver")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _modules_after(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


@pytest.mark.parametrize("args", [["--help"], ["--version"], []])
def test_help_and_version_import_nothing_heavy(args: list[str]) -> None:
    assert _heavy(_modules_after(*args)) == []


@pytest.mark.parametrize("command", ["list", "add", "export", "recheck", "show", "verify"])
def test_a_commands_help_imports_nothing_heavy(command: str) -> None:
    # Typer itself (from 0.2x) checks a command's options through pydantic: that one is
    # Typer's, not the command's.
    heavy = _heavy(_modules_after(command, "--help"))
    assert [m for m in heavy if m.split(".")[0] != "pydantic"] == []


def test_the_probe_sees_a_command_that_imports_the_store(tmp_path) -> None:
    # The same probe, on a command that opens an archive, does find the store: the check
    # above can fail.
    modules = _modules_after("status", "--home", str(tmp_path))
    assert "archiver.store" in modules
    assert "sqlmodel" in modules
