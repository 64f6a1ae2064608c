"""Shared test helpers: records built in code, and an isolated archive home."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archiver import config
from archiver.record import Author, Capture, Media, Post, sha256_hex

#: ``pg_server``, ``pg_url``: a real PostgreSQL server; ``counting_server``: an HTTP one.
pytest_plugins = ["tests.pg", "tests.counting_server"]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def make_post(
    post_id: str = "1000000000000000001",
    *,
    platform: str = "twitter",
    text: str = "Flood barrier holds on the river Esk #floods",
    method: str = "embed-html",
    source: str = "article.html",
    captured_at: str = "2026-01-07T10:00:00Z",
    raw: bytes = b"<html>article</html>",
    created_at: str | None = "2026-01-07",
    **fields: object,
) -> Post:
    capture = Capture(
        method=method,  # type: ignore[arg-type]
        source=source,
        captured_at=captured_at,
        raw_sha256=sha256_hex(raw),
    )
    defaults: dict[str, object] = {
        "url": f"https://x.com/riverwatch/status/{post_id}",
        "author": Author(name="River Watch", handle="riverwatch"),
        "media": [Media(kind="photo", url="https://pic.twitter.com/AbC123")],
        "hashtags": ["floods"],
    }
    defaults.update(fields)
    return Post(
        platform=platform,  # type: ignore[arg-type]
        post_id=post_id,
        text=text,
        created_at=created_at,
        capture=capture,
        **defaults,  # type: ignore[arg-type]
    )


@pytest.fixture(autouse=True)
def no_database_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test chooses its archive's database itself, never through a user's ``$ARCHIVER_DB``."""
    monkeypatch.delenv("ARCHIVER_DB", raising=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture(autouse=True)
def no_public_time_stamping(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test reaches a public time-stamping authority: the defaults every test reads
    list none (``[timestamps] authorities = []``), in this process and, through
    ``$ARCHIVER_CONFIG``, in the ``archiver`` processes tests start. A test that stamps
    runs its own authority on 127.0.0.1 (``tests/evidence/tsa_server.py``)."""
    folder = tmp_path_factory.getbasetemp() / "no-public-tsa"
    defaults = folder / "default.toml"
    if not defaults.exists():
        text = config.DEFAULT_CONFIG.read_text(encoding="utf-8")
        local, count = re.subn(r"(?m)^authorities = \[.*\]$", "authorities = []", text)
        assert count == 1, "config/default.toml has no one-line [timestamps] authorities"
        folder.mkdir(parents=True, exist_ok=True)
        defaults.write_text(local, encoding="utf-8")
        (folder / "user.toml").write_text("[timestamps]\nauthorities = []\n", encoding="utf-8")
    monkeypatch.setattr(config, "DEFAULT_CONFIG", defaults)
    monkeypatch.setenv("ARCHIVER_CONFIG", str(folder / "user.toml"))
    return folder
