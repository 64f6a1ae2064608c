"""Archives to stamp (posts added through the store API), the rows stamping leaves, and
checking a bundle's tokens with openssl as docs/evidence.md says."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from archiver.store import Archive, Evidence, Observation
from tests.conftest import make_post


def add_posts(archive: Archive, count: int, start: int = 0) -> None:
    """``count`` posts, each from its own saved page (so each capture has its own raw bytes)."""
    observations = []
    for number in range(start, start + count):
        raw = f"<html>page {number}</html>".encode()
        post = make_post(str(1000000000000000000 + number), raw=raw, text=f"Post {number}")
        observations.append(Observation.of_post(post, [Evidence(url="page.html", body=raw)]))
    archive.add(observations)


def rows(archive: Archive, table: Any) -> list[Any]:
    """Every row of ``table`` (a sqlmodel class)."""
    with Session(archive.engine) as session:
        return list(session.exec(select(table)))


def openssl_verify(bundle: Path, data: str, token: str, certificates: str) -> str:
    """``openssl ts -verify`` run in ``bundle``'s folder; what it printed (skips without it)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed; docs/evidence.md's check needs it")
    checked = subprocess.run(
        ["openssl", "ts", "-verify", "-data", data, "-in", token, "-CAfile", certificates],
        cwd=bundle,
        capture_output=True,
        text=True,
        check=False,
    )
    return checked.stdout + checked.stderr
