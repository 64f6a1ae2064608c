#!/usr/bin/env python3
"""A throwaway PostgreSQL cluster for the tests, from Debian's ``postgresql`` package.

    python3 scripts/pg_test_server.py start DIR   # prints the server's URL
    python3 scripts/pg_test_server.py stop DIR

``initdb`` makes a cluster in ``DIR`` and ``pg_ctl`` starts it on 127.0.0.1 (a free port)
and on a Unix socket in ``DIR``, with durability off (a test cluster is thrown away, so
fsync buys nothing but time). PostgreSQL refuses to run as root, so as root the cluster
belongs to the ``postgres`` user the package creates and its commands run through
``runuser``. Connections over TCP need a password (SCRAM), so a test can also give a wrong
one; the URL printed carries the right one. Standard library only: the test suite imports
this module too (``tests/pg.py``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
from pathlib import Path

USER = "archiver"
PASSWORD = "test-only-secret"
_SERVICE_USER = "postgres"
_SETTINGS = (
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "listen_addresses=127.0.0.1",
    "max_connections=200",
)


class ServerUnavailable(Exception):
    """No PostgreSQL server can be started here; the message says why."""


def bin_dir() -> Path:
    """The newest installed PostgreSQL's programs (Debian keeps them per version)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise ServerUnavailable("PostgreSQL is not installed (apt-get install postgresql)")


def _as_owner(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    if shutil.which("runuser") is None:
        raise ServerUnavailable("running as root without runuser to drop to the postgres user")
    return ["runuser", "-u", _SERVICE_USER, "--", *args]


def _run(args: list[str], **kwargs: object) -> None:
    done = subprocess.run(_as_owner(args), capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        raise ServerUnavailable(f"{Path(args[0]).name} failed: {done.stderr.strip()[-500:]}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def url(port: int, database: str = "postgres", password: str = PASSWORD) -> str:
    return f"postgresql://{USER}:{password}@127.0.0.1:{port}/{database}"


def start(folder: Path) -> str:
    """Make and start a cluster in ``folder`` (created, must be empty); its URL.

    As root, ``folder`` must be somewhere the ``postgres`` user can reach (``/tmp/…``).
    """
    programs = bin_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(_SERVICE_USER)
        except KeyError:
            raise ServerUnavailable(f"no {_SERVICE_USER} user to run PostgreSQL as") from None
        os.chown(folder, owner.pw_uid, owner.pw_gid)  # its parents must let that user in
    password_file = folder / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        os.chown(password_file, owner.pw_uid, owner.pw_gid)
    data = folder / "data"
    initdb = [str(programs / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={password_file}"]
    initdb += ["--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8"]
    _run([*initdb, "--locale=C.UTF-8", "--no-sync"])
    port = _free_port()
    options = " ".join([f"-p {port}", f"-k {folder}", *(f"-c {s}" for s in _SETTINGS)])
    log = str(folder / "server.log")
    _run([str(programs / "pg_ctl"), "-D", str(data), "-l", log, "-o", options, "-w", "start"])
    (folder / "port").write_text(str(port), encoding="utf-8")
    return url(port)


def stop(folder: Path) -> None:
    """Stop the cluster in ``folder`` and delete it."""
    if (folder / "data" / "postmaster.pid").exists():
        _run([str(bin_dir() / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop"])
    shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"start", "stop"}:
        print(__doc__.strip().splitlines()[2:4], file=sys.stderr)
        return 2
    folder = Path(argv[1]).absolute()
    try:
        if argv[0] == "start":
            print(start(folder))
        else:
            stop(folder)
    except ServerUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
