"""``--screenshot``: render stored posts in the browser and keep each PNG beside its capture.

Run after a batch of ``add`` or ``recheck`` has stored its captures, and before the run
is time-stamped, so the screenshots are stamped with the captures they show. Each PNG is
a blob; each rendering a row of :mod:`archiver.store.screenshots`, written a few at a
time, so a run stopped halfway keeps what it took. Posts the archive does not hold (a
URL whose fetch failed) have no capture to show and are left out.

Not imported by :mod:`archiver.ingest`, so that nothing else loads the browser code.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from archiver.browser.screenshot import Shot, Target, take_screenshots
from archiver.config import Settings
from archiver.net.guard import AddressGuard
from archiver.platforms.registry import REGISTRY
from archiver.record import Author, Post
from archiver.store import Archive, StoredPost
from archiver.store.screenshots import ScreenshotRow, newest_captures, save_screenshots

#: Rows written per transaction while a batch runs.
_FLUSH = 20


@dataclass
class ScreenshotReport:
    """What a screenshot run did."""

    taken: int = 0
    #: Shot at their deadline, still loading.
    unsettled: int = 0
    #: Pages that gave no image (each row says why).
    failed: int = 0
    #: Requests the pages made that archiver refused or cut off.
    blocked: int = 0

    def to_json(self) -> dict[str, int]:
        return asdict(self)


def render_target(stored: StoredPost, settings: Settings) -> Target:
    """The page to render for a stored post: its platform's embed page, else its own."""
    if stored.record_json is not None:
        post = Post.model_validate_json(stored.record_json)
    else:  # never seen available: what the row knows is enough to name the page
        post = Post.model_construct(
            platform=stored.platform,
            post_id=stored.post_id,
            url=stored.url,
            author=Author(name=stored.author_name, handle=stored.author_handle),
        )
    return Target(stored.key, REGISTRY.screenshot_url(post, settings.endpoints))


def png_size(png: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header (its IHDR chunk), None if it is not a PNG."""
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def screenshot_posts(
    archive: Archive,
    settings: Settings,
    refs: Sequence[str],
    *,
    on_shot: Callable[[ScreenshotRow], None] | None = None,
    guard: AddressGuard | None = None,
) -> ScreenshotReport:
    """Render every post ``refs`` names (keys or URLs) and store the screenshots.

    Raises :class:`~archiver.browser.chromium.BrowserMissing` before anything is
    rendered when there is no browser; a page that fails is a row with its error.
    """
    found = archive.get_many(list(refs))
    posts = {stored.key: stored for stored in found.values()}
    report = ScreenshotReport()
    if not posts:
        return report
    captures = newest_captures(archive, list(posts))
    targets = [render_target(stored, settings) for stored in posts.values()]
    pending: list[ScreenshotRow] = []

    def keep(shot: Shot) -> None:
        row = row_of(archive, shot, captures.get(shot.key))
        report.taken += row.sha256 is not None
        report.failed += row.sha256 is None
        report.unsettled += not row.settled
        report.blocked += len(shot.blocked)
        pending.append(row)
        if len(pending) >= _FLUSH:
            save_screenshots(archive, pending)
            pending.clear()
        if on_shot is not None:
            on_shot(row)

    try:
        take_screenshots(targets, settings, keep, guard=guard)
    finally:
        save_screenshots(archive, pending)  # what was taken before an error or Ctrl-C
    return report


def row_of(archive: Archive, shot: Shot, capture_id: int | None) -> ScreenshotRow:
    sha256 = archive.blobs.put(shot.png) if shot.png is not None else None
    size = png_size(shot.png) if shot.png is not None else None
    return ScreenshotRow(
        post_key=shot.key,
        capture_id=capture_id,
        sha256=sha256,
        width=size[0] if size else None,
        height=size[1] if size else None,
        url=shot.url,
        taken_at=shot.taken_at,
        viewport_width=shot.viewport_width,
        viewport_height=shot.viewport_height,
        browser_version=shot.browser_version,
        settled=shot.settled,
        http_status=shot.http_status,
        blocked_json=json.dumps([b.to_json() for b in shot.blocked], ensure_ascii=False),
        error=shot.error,
    )
