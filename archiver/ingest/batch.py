"""What a batch reports: one outcome per source, and the counts a summary prints.

Shared by saved documents and post URLs so both batches speak the same words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from archiver.record import Post
from archiver.store import AddOutcome

ItemStatus = Literal["ok", "archived", "unavailable", "failed", "empty", "skipped"]


def is_empty(post: Post) -> bool:
    """True for a record with nothing a citation could quote: no text (nor title), no
    author name or handle, no media. Such a record is never stored as an archived copy:
    it is what a login wall, a consent page or a bare embed (a video player, a widget
    that loads the post later) reads as, not the post."""
    has_text = bool(post.text.strip() or (post.title or "").strip())
    return not (has_text or post.author.name or post.author.handle or post.media)


@dataclass(frozen=True)
class ItemReport:
    """The outcome of one source (a document or a URL)."""

    source: str
    status: ItemStatus
    message: str | None = None
    keys: tuple[str, ...] = ()


@dataclass
class Summary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    unavailable: int = 0
    failed: int = 0
    empty: int = 0
    skipped: int = 0
    items: list[ItemReport] = field(default_factory=list)
    #: Keep every report in ``items`` (``add --json`` prints them). Without, a directory
    #: import of any size holds only counts: memory does not grow with the file count.
    keep_items: bool = True
    #: Posts found changed since cited (a capture differs from the first in what a
    #: citation quotes), each with those fields: always kept, since each is news.
    differs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def count(self, report: ItemReport) -> None:
        if self.keep_items:
            self.items.append(report)
        if report.status in ("failed", "empty", "unavailable", "skipped"):
            setattr(self, report.status, getattr(self, report.status) + 1)

    def count_posts(self, outcomes: Iterable[AddOutcome]) -> None:
        for outcome in outcomes:
            setattr(self, outcome.result, getattr(self, outcome.result) + 1)
            if outcome.differs:
                self.differs[outcome.key] = outcome.differs

    @property
    def ok(self) -> bool:
        """True when nothing failed and something was found (or was already archived)."""
        found = self.new + self.updated + self.unchanged + self.unavailable + self.skipped
        return self.failed == 0 and found > 0


Progress = Callable[[ItemReport], None]
