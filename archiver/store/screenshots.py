"""Screenshots in the archive: one row per rendering of a post, beside the capture it shows.

Append-only like captures: a screenshot is evidence of what a page looked like when it
was taken, so a later one never replaces it. The PNG itself is a content-addressed blob
(``sha256``); the row says how it was made (the URL rendered, when, the window, the
browser), whether the page had settled or was shot at its deadline, and what the page
asked for that archiver refused. A rendering that produced no image (the page could not
be loaded) is kept too, with its error, so "no screenshot" is always explained.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select
from sqlmodel import Field, SQLModel

from archiver.store.tables import CaptureRow

if TYPE_CHECKING:
    from archiver.store.archive import Archive

_CHUNK = 500


class ScreenshotRow(SQLModel, table=True):
    __tablename__ = "screenshots"

    id: int | None = Field(default=None, primary_key=True)
    post_key: str = Field(index=True, foreign_key="posts.key")
    #: The post's newest capture when the screenshot was taken: the record it shows.
    capture_id: int | None = Field(default=None, index=True, foreign_key="captures.id")
    #: The PNG's SHA-256 (a blob); None when the page gave no image (see ``error``).
    sha256: str | None = None
    #: The PNG's size in pixels (the page's full height).
    width: int | None = None
    height: int | None = None
    #: The URL rendered: the platform's embed page, or the post's page.
    url: str
    taken_at: str
    viewport_width: int
    viewport_height: int
    browser_version: str
    #: False when the page was still loading at its deadline and was shot as it was.
    settled: bool = True
    #: The rendered page's HTTP status, when it answered.
    http_status: int | None = None
    #: JSON list of the requests archiver refused or cut off ({url, reason}).
    blocked_json: str = "[]"
    error: str | None = None

    def blocked(self) -> list[dict[str, str]]:
        return list(json.loads(self.blocked_json))

    def to_json(self) -> dict[str, object]:
        """The row as ``show --json`` and bundles print it."""
        return {
            "sha256": self.sha256,
            "width": self.width,
            "height": self.height,
            "url": self.url,
            "taken_at": self.taken_at,
            "viewport": {"width": self.viewport_width, "height": self.viewport_height},
            "browser": self.browser_version,
            "settled": self.settled,
            "http_status": self.http_status,
            "blocked": self.blocked(),
            "error": self.error,
            "capture_id": self.capture_id,
        }


class ScreenshotPath(SQLModel, table=True):
    """Where one screenshot sits in a timestamp tree (:mod:`archiver.store.timestamps`).

    A screenshot is a leaf like a capture whose raw bytes are the PNG and that has no
    record: the leaf data is the PNG's SHA-256 and 32 zero bytes, so anyone can
    recompute it from the file alone.
    """

    __tablename__ = "screenshot_paths"

    screenshot_id: int = Field(primary_key=True, foreign_key="screenshots.id")
    tree_id: int = Field(index=True, foreign_key="timestamp_trees.id")
    leaf_index: int
    #: The sibling hashes from leaf to root, 32 bytes each, concatenated.
    path: bytes


SCREENSHOTS = ScreenshotRow.__table__  # type: ignore[attr-defined]
SCREENSHOT_PATHS = ScreenshotPath.__table__  # type: ignore[attr-defined]
_CAPTURES = CaptureRow.__table__  # type: ignore[attr-defined]


def unstamped_screenshots(archive: Archive) -> list[tuple[int, str]]:
    """(id, PNG SHA-256) of every screenshot with an image that no tree covers yet."""
    stamped = select(SCREENSHOT_PATHS.c.screenshot_id).where(
        SCREENSHOT_PATHS.c.screenshot_id == SCREENSHOTS.c.id
    )
    query = (
        select(SCREENSHOTS.c.id, SCREENSHOTS.c.sha256)
        .where(SCREENSHOTS.c.sha256.is_not(None) & ~stamped.exists())
        .order_by(SCREENSHOTS.c.id)
    )
    with archive.engine.connect() as connection:
        return [(int(row[0]), str(row[1])) for row in connection.execute(query)]


def newest_captures(archive: Archive, keys: Sequence[str]) -> dict[str, int]:
    """Each post's newest capture id (posts with none are left out)."""
    found: dict[str, int] = {}
    unique = list(dict.fromkeys(keys))
    with archive.engine.connect() as connection:
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            query = (
                select(_CAPTURES.c.post_key, func.max(_CAPTURES.c.id))
                .where(_CAPTURES.c.post_key.in_(chunk))
                .group_by(_CAPTURES.c.post_key)
            )
            found.update({key: int(capture_id) for key, capture_id in connection.execute(query)})
    return found


def save_screenshots(archive: Archive, rows: Sequence[ScreenshotRow]) -> None:
    """Store rows in one transaction (their PNGs must already be blobs)."""
    if not rows:
        return
    with archive.engine.begin() as connection:
        connection.execute(insert(SCREENSHOTS), [row.model_dump(exclude={"id"}) for row in rows])


def screenshots_for(archive: Archive, keys: Sequence[str]) -> dict[str, list[ScreenshotRow]]:
    """Every screenshot of these posts, oldest first."""
    found: dict[str, list[ScreenshotRow]] = {}
    unique = list(dict.fromkeys(keys))
    with archive.engine.connect() as connection:
        for start in range(0, len(unique), _CHUNK):
            query = (
                select(SCREENSHOTS)
                .where(SCREENSHOTS.c.post_key.in_(unique[start : start + _CHUNK]))
                .order_by(SCREENSHOTS.c.id)
            )
            for row in connection.execute(query):
                found.setdefault(row.post_key, []).append(ScreenshotRow(**row._mapping))
    return found
