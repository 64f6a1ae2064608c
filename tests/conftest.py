"""Shared test helpers: records built in code, and an isolated archive home."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.record import Author, Capture, Media, Post, sha256_hex

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


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "archive"
