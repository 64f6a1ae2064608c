"""A damaged ``archive.db`` and a read-only home, as a user meets them at the command line.

Every command on a damaged archive says "the archive database is damaged" and what to
do, in one line with exit code 2, and leaves the file as it was (``add`` writes nothing
into it). A read-only home still answers ``list``, ``search``, ``show``, ``cite``,
``status`` and ``export``; ``add`` and ``recheck`` say the home is read-only. A home is
made read-only for real: by permissions, or (when the tests run as root, whom
permissions do not stop) by a read-only bind mount in a private mount namespace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stored import archiver_command, run_cli
from tests.store.damage import DAMAGES, FIRST_KEY, POSTS, build, build_damaged, digest

REPO = Path(__file__).resolve().parents[2]
ARTICLE = REPO / "fixtures" / "articles" / "news-x-embeds.html"


def commands(out: Path) -> dict[str, tuple[str, ...]]:
    return {
        "list": ("list",),
        "search": ("search", "river"),
        "show": ("show", FIRST_KEY),
        "cite": ("cite", FIRST_KEY),
        "status": ("status",),
        "export": ("export", "--all", "--out", str(out / "bundle")),
        "export csv": ("export", "--all", "--format", "csv", "--out", str(out / "posts.csv")),
        "add": ("add", str(ARTICLE)),
        "recheck": ("recheck", "--all"),
    }


@pytest.mark.parametrize("damage", DAMAGES)
def test_every_command_says_the_archive_is_damaged_and_changes_nothing(
    home: Path, tmp_path: Path, damage: str
) -> None:
    db_path, before = build_damaged(home, damage)
    files = sorted(home.rglob("*"))

    for name, args in commands(tmp_path).items():
        run = run_cli(*args, "--json", home=home) if name == "add" else run_cli(*args, home=home)

        assert run.exit_code == 2, (name, run.output)
        assert run.stdout == "", name
        [line] = run.stderr.splitlines()
        assert line.startswith(f"error: the archive database is damaged: {db_path}: "), name
        assert "restore it from a backup" in line, name
    assert digest(db_path) == before
    assert sorted(home.rglob("*")) == files  # no blob, no WARC, no -wal beside it
    assert not (tmp_path / "bundle").exists() and not (tmp_path / "posts.csv").exists()


# -- a read-only home --------------------------------------------------------------------------


def read_only_runner(home: Path) -> list[str]:
    """A command prefix that runs archiver with ``home`` read-only for real, or skip."""
    if os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    probe = [
        "sh",
        "-c",
        'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && ! touch "$0/.probe"',
        str(home),
    ]
    if unshare is None or subprocess.run([unshare, "-rm", *probe], check=False).returncode:
        pytest.skip(
            "running as root, whom file permissions do not stop, on a system where "
            "`unshare -rm` cannot make a read-only bind mount"
        )
    mount = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    return [unshare, "-rm", "sh", "-c", mount, str(home)]


@pytest.fixture
def read_only_home(home: Path) -> Iterator[tuple[Path, list[str]]]:
    build(home)
    prefix = read_only_runner(home)
    modes = {path: path.stat().st_mode for path in [home, *home.rglob("*")]}
    for path in modes:
        path.chmod(modes[path] & ~0o222)
    yield home, prefix
    for path, mode in modes.items():
        path.chmod(mode)


def test_a_read_only_home_can_still_be_read(
    read_only_home: tuple[Path, list[str]], tmp_path: Path
) -> None:
    home, prefix = read_only_home
    before = sorted((p, p.stat().st_mtime_ns) for p in home.rglob("*"))

    def archiver(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*prefix, *archiver_command(), *args, "--home", str(home)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVER_")}
        return subprocess.run(command, capture_output=True, text=True, env=env, check=False)

    listed = archiver("list", "--json")
    found = archiver("search", "river", "--json")
    shown = archiver("show", FIRST_KEY, "--json")
    cited = archiver("cite", FIRST_KEY)
    status = archiver("status", "--json")
    exported = archiver("export", "--all", "--out", str(tmp_path / "bundle.zip"), "--json")
    added = archiver("add", str(ARTICLE))
    rechecked = archiver("recheck", "--all")

    for run in (listed, found, shown, cited, status, exported):
        assert run.returncode == 0, [*run.args[-4:], run.stderr]
    assert len(listed.stdout.splitlines()) == POSTS
    assert found.stdout.strip()
    assert json.loads(shown.stdout)["key"] == FIRST_KEY
    assert "River Watch" in cited.stdout
    assert json.loads(exported.stdout)["posts"] == POSTS
    for refused in (added, rechecked):
        assert refused.returncode == 2
        assert refused.stderr == (
            f"error: the archive home {home} is read-only, so nothing can be added to it; "
            "list, search, show, cite and export still work. Copy the home somewhere "
            "writable, or make it writable, to add or recheck posts\n"
        )
    assert sorted((p, p.stat().st_mtime_ns) for p in home.rglob("*")) == before
