"""Screenshots in a bundle: the PNGs under ``screenshots/``, a line each in
``captures/screenshots.jsonl``, and a figure on the post's card in ``index.html``.

Each PNG is named by its SHA-256 (``screenshots/<sha256>.png``) and, like every payload
file, listed in the bag's manifests; its line says how it was made (the URL rendered,
when, the window, the browser, whether the page had settled, what archiver refused it)
so a reader can weigh it, and ``verify`` checks each file against its line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from archiver.export.verify_report import VerifyReport
from archiver.store.screenshots import ScreenshotRow

FOLDER = "screenshots"
CATALOG = "captures/screenshots.jsonl"
_PNG_PATH = re.compile(r"screenshots/([0-9a-f]{64})\.png")


def screenshot_name(sha256: str) -> str:
    return f"{FOLDER}/{sha256}.png"


@dataclass(frozen=True)
class ScreenshotEntry:
    """One screenshot as a bundle lists it; ``path`` is None when no file was shipped
    (the page gave no image, or the archive lost the blob)."""

    key: str
    row: ScreenshotRow
    path: str | None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "id": self.row.id, "path": self.path, **self.row.to_json()}

    def to_line(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False) + "\n"


def check_screenshots(root: Path, report: VerifyReport) -> None:
    """Each line of the bundle's screenshot list names a PNG that is in the bundle under
    its hash (the manifests and verify's hash check then vouch for its bytes)."""
    where = f"data/{CATALOG}"
    path = root / where
    if not path.is_file():
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = json.loads(raw)
                key, sha256, shipped = line["key"], line["sha256"], line["path"]
            except (ValueError, KeyError, TypeError):
                report.add(where, f"line {number} is not a screenshot line archiver writes")
                continue
            shown = f"line {number} ({key})"
            if sha256 is None:
                continue  # a page that gave no image: its error is on the line
            match = _PNG_PATH.fullmatch(shipped) if isinstance(shipped, str) else None
            if shipped is None:
                report.add(where, f"{shown}: screenshot {sha256} is not in the bundle")
            elif match is None or match.group(1) != sha256:
                report.add(where, f"{shown}: screenshot {sha256} is at {shipped!r}, not its hash")
            elif not (root / "data" / shipped).is_file():
                report.add(where, f"{shown}: screenshot {shipped} is missing")


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def render_screenshots(entries: list[ScreenshotEntry]) -> str:
    """The post's screenshots as figures, each captioned with how it was taken."""
    figures: list[str] = []
    for entry in entries:
        row = entry.row
        how = [f"Rendered {_e(row.taken_at)} from <code>{_e(row.url)}</code>"]
        how.append(f"in Chromium {_e(row.browser_version)}, {row.viewport_width} px wide")
        if not row.settled:
            how.append("<strong>still loading at its deadline</strong>")
        if row.blocked_json != "[]":
            how.append(f"{len(row.blocked())} request(s) refused by archiver")
        caption = f"<figcaption>Screenshot. {'; '.join(how)}.</figcaption>"
        if entry.path:
            body = (
                f'<img class="screenshot" src="{_e(entry.path)}" loading="lazy" '
                f'alt="Screenshot of the post as a browser showed it on {_e(row.taken_at)}">'
            )
        else:
            body = f'<p class="truncated">No image: {_e(row.error or "not in the bundle")}</p>'
        figures.append(f"<figure>{body}{caption}</figure>")
    return f'<div class="screenshots">{"".join(figures)}</div>' if figures else ""
