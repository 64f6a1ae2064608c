"""The archive store: posts, their append-only captures, media and search, in SQLite or
PostgreSQL (``dialect.py`` holds every difference; see docs/store.md).

Split in a package rather than one ``store.py`` so the tables, the batch writer and
the search index can each be read on their own; :class:`Archive` is the door. A post's
captures are merged into its view by :func:`archiver.merge.merge`, the rule saved
documents use for duplicate embeds too.
"""

from archiver.store import screenshots as _screenshots  # noqa: F401  (registers its table)
from archiver.store import timestamps as _timestamps  # noqa: F401  (registers its tables)
from archiver.store.archive import Archive, StoreError
from archiver.store.observations import AddOutcome, Evidence, Observation
from archiver.store.reads import PostSummary, StoredPost
from archiver.store.tables import AliasRow, CaptureRow, MediaRow, PostRow

__all__ = [
    "AddOutcome",
    "AliasRow",
    "Archive",
    "CaptureRow",
    "Evidence",
    "MediaRow",
    "Observation",
    "PostRow",
    "PostSummary",
    "StoreError",
    "StoredPost",
]
