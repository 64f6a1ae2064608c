"""Archives to stamp: posts added through the store API, and the rows stamping leaves."""

from __future__ import annotations

from typing import Any

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
