"""Full-text search: FTS5 on SQLite, ``tsvector`` with a GIN index on PostgreSQL, one syntax.

The index is rewritten in the same transaction as the post row, so search never sees a
post that was not committed. A user's query is parsed here, once, into terms
(:func:`parse_query`), and each engine's query is written from those terms, so
punctuation in a search (``covid-19``, ``@handle``) is never either engine's syntax and
both engines read a query the same way:

- words: every one must match (``flood barrier``); case and accents do not matter;
- ``"a phrase"``: those words next to each other, in that order;
- ``word*``: any word starting with ``word``;
- ``OR`` (in capitals) between two terms: either matches (``flood OR storm``).

Best match first: FTS5's BM25, and on PostgreSQL cover density (``ts_rank_cd``, which
counts a phrase where it occurs as a phrase) scaled down by the log of a document's
length. The two formulas differ, but order the shared test set of
``tests/store/test_fts.py`` (single words, prefixes, phrases, OR, documents of different
lengths) the same; posts that rank equal come in key order on both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, text

_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[\w]+(?:['’][\w]+)*", re.UNICODE)
_BARE_WORD = re.compile(r"[\w]+(?:['’][\w]+)*\*?", re.UNICODE)


@dataclass(frozen=True)
class Term:
    """Words that must appear next to each other (one word, or a phrase); ``prefix``: the
    last may be the start of a longer word."""

    words: tuple[str, ...]
    prefix: bool = False


#: The parsed query: every group must match, and a group matches when any of its terms does.
Query = list[list[Term]]


def parse_query(query: str) -> Query:
    """A user's search as groups of alternative terms (see the module's docstring)."""
    groups: Query = []
    join_next = False
    for match in _TOKEN.finditer(query):
        phrase, bare = match.groups()
        if bare == "OR":
            join_next = bool(groups)
            continue
        terms = _terms(phrase, quoted=True) if phrase is not None else _terms(bare, quoted=False)
        for index, term in enumerate(terms):
            if join_next and index == 0:
                groups[-1].append(term)
            else:
                groups.append([term])
        join_next = False if terms else join_next
    return groups


def _terms(chunk: str, *, quoted: bool) -> list[Term]:
    if quoted:
        words = tuple(word.replace("’", "'") for word in _WORD.findall(chunk))
        return [Term(words)] if words else []
    # Outside quotes each word is a term of its own (``covid-19`` is ``covid 19``).
    return [
        Term((word.rstrip("*").replace("’", "'"),), prefix=word.endswith("*"))
        for word in _BARE_WORD.findall(chunk)
    ]


def ensure_fts(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent"))
        connection.execute(
            text(
                'CREATE TABLE IF NOT EXISTS posts_fts (key VARCHAR COLLATE "C" PRIMARY KEY '
                "REFERENCES posts (key), document tsvector NOT NULL)"
            )
        )
        connection.execute(
            text(
                "CREATE INDEX IF NOT EXISTS ix_posts_fts_document ON posts_fts USING gin (document)"
            )
        )
        return
    connection.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5("
            "key UNINDEXED, title, text, author, tokenize = 'unicode61 remove_diacritics 2')"
        )
    )


def _entry(post: Mapping[str, Any]) -> dict[str, str]:
    return {
        "k": post["key"],
        "ti": post.get("title") or "",
        "te": post.get("text") or "",
        "a": " ".join(filter(None, (post.get("author_name"), post.get("author_handle")))),
    }


def remove_posts(connection: Connection, keys: Sequence[str]) -> None:
    """Drop the index entries of ``keys`` (before their posts rows are deleted)."""
    if connection.dialect.name == "postgresql":
        statement = "DELETE FROM posts_fts WHERE key IN :keys"
    else:
        statement = (
            "DELETE FROM posts_fts WHERE rowid IN (SELECT rowid FROM posts WHERE key IN :keys)"
        )
    connection.execute(
        text(statement).bindparams(bindparam("keys", expanding=True)), {"keys": list(keys)}
    )


def reindex_posts(connection: Connection, posts: Sequence[Mapping[str, Any]]) -> None:
    """Replace the index entries of ``posts`` (mappings of posts-table columns)."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "INSERT INTO posts_fts (key, document) VALUES (:k, "
                "to_tsvector('simple', unaccent(:ti || ' ' || :te || ' ' || :a))) "
                "ON CONFLICT (key) DO UPDATE SET document = excluded.document"
            ),
            [_entry(post) for post in posts],
        )
        return
    # Each entry's rowid is its post's rowid in ``posts``, so replacing one is an indexed
    # lookup: the cost of a batch does not grow with the size of the archive.
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
        [{"r": rowids[p["key"]], **_entry(p)} for p in posts],
    )


def fts_query(query: Query) -> str:
    """The parsed query in FTS5's syntax: each word quoted, so it is never an operator;
    groups joined by an explicit ``AND``, as FTS5 refuses an implicit one next to a
    parenthesised ``OR``."""

    def term(t: Term) -> str:
        return '"' + " ".join(t.words) + '"' + ("*" if t.prefix else "")

    return " AND ".join(
        term(group[0]) if len(group) == 1 else "(" + " OR ".join(map(term, group)) + ")"
        for group in query
    )


def tsquery(query: Query) -> str:
    """The parsed query as PostgreSQL's ``to_tsquery`` reads it: each word quoted."""

    def term(t: Term) -> str:
        lexemes = ["'" + word.lower().replace("'", "''") + "'" for word in t.words]
        if t.prefix:
            lexemes[-1] += ":*"
        return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"

    return " & ".join("(" + " | ".join(map(term, group)) + ")" for group in query)


def search_keys(connection: Connection, query: str, limit: int) -> list[str]:
    """Keys of the posts matching ``query``, best match first (ties by key)."""
    parsed = parse_query(query)
    if not parsed:
        return []
    if connection.dialect.name == "postgresql":
        sql = (
            "SELECT key FROM (SELECT key, ts_rank_cd(document, q, 1) AS rank FROM posts_fts, "
            "to_tsquery('simple', unaccent(:q)) AS q WHERE document @@ q) AS found "
            "ORDER BY rank DESC, key LIMIT :n"
        )
        match = tsquery(parsed)
    else:
        sql = _FTS5_TOP
        match = fts_query(parsed)
    return [row[0] for row in connection.execute(text(sql), {"q": match, "n": limit})]


#: The top ``:n`` by BM25, ties by key, reading the key only of the posts that can be in it.
#: A common word matches much of an archive, and FTS5 reads a row's key from its content
#: table at a cost several times that of its BM25: so every match is ranked first (a
#: materialised list of rowid and rank), the ``:n``-th best rank is the cut, and only the
#: posts ranked at or above it are looked up by rowid to be ordered by rank and key. The
#: result is the one ``ORDER BY bm25(posts_fts), key LIMIT :n`` gives, in a third of its
#: time on a word in every other post.
_FTS5_TOP = """
WITH found AS MATERIALIZED (
    SELECT rowid AS id, bm25(posts_fts) AS rank FROM posts_fts WHERE posts_fts MATCH :q
)
SELECT posts_fts.key FROM found JOIN posts_fts ON posts_fts.rowid = found.id
WHERE found.rank <= COALESCE(
    (SELECT rank FROM found ORDER BY rank LIMIT 1 OFFSET :n - 1), found.rank
)
ORDER BY found.rank, posts_fts.key LIMIT :n
"""
