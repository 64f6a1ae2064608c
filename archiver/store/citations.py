"""Which posts an article cites: the link between an article and each post it embeds or
links to in its body.

A journalist adds an article (by URL, or a saved copy with ``add --fetch``) and later
asks what it cited, or where a post was cited. The article is a stored post itself (its
``web`` record, whose capture is the page), so a citation is a row from its key to the
cited post's key. The cited side is not a foreign key: a post the article links to is
cited whether or not fetching it worked, and ``show`` tells which cited posts the archive
holds no copy of, so a re-run can fetch them. Rows are only added, never rewritten: the
first time an article was seen citing a post is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import text
from sqlmodel import Field, Index, SQLModel, UniqueConstraint

from archiver.record import utc_now
from archiver.store import dialect
from archiver.store.reads import Clause

if TYPE_CHECKING:
    from archiver.store.archive import Archive

How = Literal["embed", "link"]


class CitationRow(SQLModel, table=True):
    """One post an article cites, how (embedded or linked) and where in the article."""

    __tablename__ = "citations"
    __table_args__ = (
        # An article's posts in page order come from this index; it also keeps one row each.
        UniqueConstraint("article_key", "post_key", name="uq_citation"),
        Index("ix_citations_post_key", "post_key", "article_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_key: str = Field(foreign_key="posts.key")
    post_key: str
    #: The post's URL as the article gave it (a failed fetch is retried from it).
    url: str
    #: ``embed`` or ``link``.
    how: str
    #: Order among the article's citations, from 0: its embeds in page order, then its
    #: links (later sightings after those).
    position: int
    found_at: str


CITATIONS = CitationRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Citation:
    """A post an article cites: its archive key, its URL as cited, and how."""

    post_key: str
    url: str
    how: How


@dataclass(frozen=True)
class CitedPost:
    """A stored citation, with whether the archive holds the post and in what state."""

    article_key: str
    post_key: str
    url: str
    how: str
    position: int
    found_at: str
    #: The post's status (``archived``, ``deleted``, …); None when the archive has no row
    #: for it (its fetch failed).
    status: str | None


def record_citations(
    archive: Archive, article_key: str, citations: Sequence[Citation], *, at: str | None = None
) -> None:
    """Store that ``article_key`` (a stored post) cites each of ``citations``, in order,
    after those already stored for it; a citation already stored keeps its first row."""
    if not citations:
        return
    found_at = at or utc_now()
    with archive.engine.begin() as connection:
        statement = dialect.insert(connection, CITATIONS).on_conflict_do_nothing(
            index_elements=["article_key", "post_key"]
        )
        start = connection.execute(
            text("SELECT COALESCE(MAX(position) + 1, 0) FROM citations WHERE article_key = :key"),
            {"key": article_key},
        ).scalar_one()
        rows = [
            {
                "article_key": article_key,
                "post_key": citation.post_key,
                "url": citation.url,
                "how": citation.how,
                "position": start + offset,
                "found_at": found_at,
            }
            for offset, citation in enumerate(citations)
        ]
        connection.execute(statement, rows)


_SELECT = (
    "SELECT c.article_key, c.post_key, c.url, c.how, c.position, c.found_at, p.status "
    "FROM citations c LEFT JOIN posts p ON p.key = {joined} "
)


def cited_in(archive: Archive, article_key: str) -> list[CitedPost]:
    """The posts ``article_key`` cites, in :attr:`CitationRow.position` order."""
    sql = _SELECT.format(joined="c.post_key") + "WHERE c.article_key = :key ORDER BY c.position"
    return _rows(archive, sql, article_key)


def citing(archive: Archive, post_key: str) -> list[CitedPost]:
    """The articles that cite ``post_key`` (``status`` is the article's), oldest first."""
    sql = _SELECT.format(joined="c.article_key") + "WHERE c.post_key = :key ORDER BY c.id"
    return _rows(archive, sql, post_key)


def cited_in_sql(article_key: str, *, with_article: bool = False) -> Clause:
    """Posts ``article_key`` cites (and, ``with_article``, the article itself), as a
    condition on ``posts`` for lists and exports."""
    cited = "posts.key IN (SELECT post_key FROM citations WHERE article_key = :cited_in)"
    if with_article:
        cited = f"(posts.key = :cited_in OR {cited})"
    return cited, {"cited_in": article_key}


def _rows(archive: Archive, sql: str, key: str) -> list[CitedPost]:
    with archive.engine.connect() as connection:
        return [CitedPost(*row) for row in connection.execute(text(sql), {"key": key})]
