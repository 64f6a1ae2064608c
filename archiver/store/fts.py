"""Full-text search with SQLite FTS5, kept in step with the posts table by hand.

The index is rewritten in the same transaction as the post row, so search never
sees a post that was not committed, and user queries are quoted word by word so
that punctuation in a search (``covid-19``, ``@handle``) is never FTS5 syntax.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, text

_WORD = re.compile(r"[\w]+(?:['’][\w]+)*\*?", re.UNICODE)


def ensure_fts(connection: Connection) -> None:
    connection.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5("
            "key UNINDEXED, title, text, author, tokenize = 'unicode61 remove_diacritics 2')"
        )
    )


def reindex_posts(connection: Connection, posts: Sequence[Mapping[str, Any]]) -> None:
    """Replace the index entries of ``posts`` (mappings of posts-table columns).

    Each entry's rowid is its post's rowid in ``posts``, so replacing one is an indexed
    lookup: the cost of a batch does not grow with the size of the archive.
    """
    rowids: dict[str, int] = dict(
        connection.execute(
            text("SELECT key, rowid FROM posts WHERE key IN :keys").bindparams(
                bindparam("keys", expanding=True)
            ),
            {"keys": [p["key"] for p in posts]},
        ).all()
    )
    connection.execute(
        text("DELETE FROM posts_fts WHERE rowid = :r"), [{"r": rowids[p["key"]]} for p in posts]
    )
    connection.execute(
        text(
            "INSERT INTO posts_fts (rowid, key, title, text, author) VALUES (:r, :k, :ti, :te, :a)"
        ),
        [
            {
                "r": rowids[p["key"]],
                "k": p["key"],
                "ti": p.get("title") or "",
                "te": p.get("text") or "",
                "a": " ".join(filter(None, (p.get("author_name"), p.get("author_handle")))),
            }
            for p in posts
        ],
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
