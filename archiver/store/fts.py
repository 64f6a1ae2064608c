"""Full-text search with SQLite FTS5, kept in step with the posts table by hand.

The index is rewritten in the same transaction as the post row, so search never
sees a post that was not committed, and user queries are quoted word by word so
that punctuation in a search (``covid-19``, ``@handle``) is never FTS5 syntax.
"""

from __future__ import annotations

import re
from typing import Protocol

from sqlalchemy import Connection, text


class _IndexedPost(Protocol):
    key: str
    title: str | None
    text: str
    author_name: str | None
    author_handle: str | None


_WORD = re.compile(r"[\w]+(?:['’][\w]+)*\*?", re.UNICODE)


def ensure_fts(connection: Connection) -> None:
    connection.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5("
            "key UNINDEXED, title, text, author, tokenize = 'unicode61 remove_diacritics 2')"
        )
    )


def reindex_post(connection: Connection, post: _IndexedPost) -> None:
    connection.execute(text("DELETE FROM posts_fts WHERE key = :key"), {"key": post.key})
    author = " ".join(part for part in (post.author_name, post.author_handle) if part)
    connection.execute(
        text("INSERT INTO posts_fts (key, title, text, author) VALUES (:k, :ti, :te, :a)"),
        {"k": post.key, "ti": post.title or "", "te": post.text, "a": author},
    )


def fts_query(query: str) -> str:
    """A user's words as an FTS5 query: every word must match; ``word*`` is a prefix."""
    terms = []
    for word in _WORD.findall(query):
        prefix = word.endswith("*")
        word = word.rstrip("*").replace('"', "")
        if word:
            terms.append(f'"{word}"' + ("*" if prefix else ""))
    return " ".join(terms)
