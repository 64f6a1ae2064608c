"""The store tests run on both engines: each test that takes ``open_archive`` runs once on
a SQLite file and once on a database of its own on a real PostgreSQL server
(``engine_url`` in ``tests/pg.py``; skipped, saying why, when none can be started)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from archiver.store import Archive

OpenArchive = Callable[..., Archive]


@pytest.fixture
def open_archive(engine_url: str | None) -> OpenArchive:
    """``Archive(home)`` on this test's engine."""

    def opening(home: Path, **options: Any) -> Archive:
        return Archive(home, url=engine_url, **options)

    return opening
