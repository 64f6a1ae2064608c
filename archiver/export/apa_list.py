"""An APA 7 reference list of any length, sorted on disk instead of in memory.

APA orders a reference list by author, then date, and gives works of one author in one
year the suffixes ``2026a``, ``2026b``; so no reference can be written before every post
has been seen. A bundle of a hundred thousand posts must not hold them all meanwhile: the
records go, one by one as the export walks them, into a temporary SQLite database (an
empty file name: SQLite keeps it private, spills it to a temporary file when it grows, and
deletes it when closed), which gives them back sorted with each one's place in its
author-year group.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import asdict

from archiver.export.cite import ArchivedCopy, apa, author_with_handle, post_title
from archiver.record import Post

__all__ = ["ApaReferences", "apa_reference_list"]

_SUFFIXES = "abcdefghijklmnopqrstuvwxyz"

_SORTED = """
SELECT post, copy,
       COUNT(*) OVER (PARTITION BY author, year) AS works,
       ROW_NUMBER() OVER (PARTITION BY author, year ORDER BY created, title, key) - 1 AS nth
FROM refs ORDER BY author, created, title, key
"""


class ApaReferences:
    """References added one by one as an export walks its posts, given back in APA order."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")
        self._db.execute("CREATE TABLE refs (author, created, year, title, key, post, copy)")

    def add(self, post: Post, copy: ArchivedCopy | None) -> None:
        self._db.execute("INSERT INTO refs VALUES (?, ?, ?, ?, ?, ?, ?)", _row(post, copy))

    def sorted(self) -> Iterator[str]:
        """Every reference, sorted by author, then date (undated first), then title, with
        ``2026a``/``2026b`` for works of one author in one year."""
        for post_json, copy_json, works, nth in self._db.execute(_SORTED):
            copy = ArchivedCopy(**json.loads(copy_json)) if copy_json else None
            suffix = _SUFFIXES[nth % 26] if works > 1 else ""
            yield apa(Post.model_validate_json(post_json), copy, suffix)

    def close(self) -> None:
        self._db.close()


def apa_reference_list(entries: Iterable[tuple[Post, ArchivedCopy | None]]) -> Iterator[str]:
    """:class:`ApaReferences` of ``entries``, yielded one by one in flat memory."""
    references = ApaReferences()
    try:
        for post, copy in entries:
            references.add(post, copy)
        yield from references.sorted()
    finally:
        references.close()


def _row(post: Post, copy: ArchivedCopy | None) -> tuple[str, ...]:
    author = (author_with_handle(post) or post_title(post)).casefold()
    created = post.created_at or ""
    copy_json = json.dumps(asdict(copy)) if copy is not None else ""
    title = post_title(post).casefold()
    return author, created, created[:4], title, post.key, post.to_json(), copy_json
