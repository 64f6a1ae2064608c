"""Which posts an export covers, read from the archive page by page.

Exports must stay flat in memory however large the archive is, so a selection is walked
as a stream of :class:`Item` objects, each carrying a post's row, record, captures and
media. Posts come from the store's keyset pager, and their records, captures and media
are fetched for a page of posts at a time, not per post, so the cost of a post does not
depend on where in the archive it is.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from archiver.errors import ArchiverError
from archiver.export.cite import ArchivedCopy
from archiver.record import Post, without_userinfo
from archiver.store import Archive, CaptureRow, MediaRow, PostSummary, StoredPost
from archiver.store.checks import reason_of, state_text, states_of, status_sql
from archiver.store.citations import cited_in_sql
from archiver.store.screenshots import ScreenshotRow, screenshots_for
from archiver.vocabulary import date_value

PAGE = 200
#: How a blob is named: its SHA-256 in lower-case hex (anything else is not a blob name).
SHA256_NAME = re.compile(r"[0-9a-f]{64}")


class ExportError(ArchiverError):
    """Bad input to an export, a citation or a verification: the message says what to fix."""


@dataclass(frozen=True)
class Selection:
    """The posts to export: KEY/URL references and/or filters (``everything`` for all)."""

    refs: tuple[str, ...] = ()
    platform: str | None = None
    author: str | None = None
    since: str | None = None
    until: str | None = None
    status: str | None = None
    everything: bool = False
    #: An article (KEY or URL): the article and the posts it cites.
    cited_in: str | None = None

    def describe(self) -> str:
        parts = [f"{len(self.refs)} key(s)/URL(s)"] if self.refs else []
        for name in ("platform", "author", "since", "until", "status", "cited_in"):
            value = getattr(self, name)
            if value:
                parts.append(f"--{name.replace('_', '-')} {value}")
        return ", ".join(parts) or "--all"


@dataclass
class Item:
    """One selected post: its archive row, its record as stored (None if never seen
    available), its captures (oldest first), its media rows, its status word and when a
    check last saw it (None: never checked)."""

    row: PostSummary
    record_json: str | None = None
    captures: list[CaptureRow] = field(default_factory=list)
    media: list[MediaRow] = field(default_factory=list)
    state: str = "unchecked"
    last_checked_at: str | None = None
    screenshots: list[ScreenshotRow] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.row.key

    @functools.cached_property
    def post(self) -> Post | None:
        """The record parsed (its content hash checked), when first asked for: a JSON Lines
        export copies the stored text and never needs it."""
        return post_of(self.record_json)

    @property
    def status_text(self) -> str:
        """The status word with the platform's reason and words, for people."""
        return state_text(self.state, self.row.status, self.row.status_detail)

    @property
    def reason(self) -> str | None:
        return reason_of(self.row.status)


def post_of(record_json: str | None) -> Post | None:
    return Post.model_validate_json(record_json) if record_json else None


def find_row(archive: Archive, ref: str) -> StoredPost | None:
    """The stored post a KEY or URL names: by key, alias or URL, else by recognising the
    URL's platform and post id (``twitter.com/...`` finds the ``x.com`` permalink).
    User info in a URL is ignored: the archive never stores it."""
    ref = without_userinfo(ref.strip())
    row = archive.get(ref)
    if row is None:
        from archiver.platforms.registry import REGISTRY

        key = REGISTRY.key_of(ref)
        row = archive.get(key) if key else None
    return row


def find_article(archive: Archive, ref: str) -> StoredPost:
    """The stored article a KEY or URL names (for ``--cited-in``), or :class:`ExportError`."""
    row = find_row(archive, ref)
    if row is None:
        raise ExportError(
            f"no stored article {ref!r}; `archiver add URL` archives an article and the "
            "posts it cites"
        )
    return row


def resolve(archive: Archive, refs: Sequence[str]) -> list[str]:
    """Keys for KEY/URL references; every unknown one is named in the error."""
    keys: list[str] = []
    unknown: list[str] = []
    for ref in refs:
        row = find_row(archive, ref)
        if row is None:
            unknown.append(ref)
        elif row.key not in keys:
            keys.append(row.key)
    if unknown:
        raise ExportError(f"not in the archive: {', '.join(unknown)}")
    return keys


def select_items(
    archive: Archive, selection: Selection, page: int = PAGE, *, evidence: bool = True
) -> Iterator[Item]:
    """Every selected post, oldest first, with its record, its state and (``evidence``) its
    captures and media, fetched a page at a time."""
    filters = (selection.platform, selection.author, selection.since, selection.until)
    if (
        not selection.refs
        and not any(filters)
        and not selection.status
        and not selection.everything
        and not selection.cited_in
    ):
        raise ExportError(
            "nothing selected: give KEYs/URLs, a filter (--platform, --author, "
            "--since, --until, --status, --cited-in) or --all"
        )
    date_value(selection.since, "--since")
    date_value(selection.until, "--until")
    keys = resolve(archive, selection.refs) if selection.refs else None
    where = [status_sql(selection.status)] if selection.status else []
    if selection.cited_in:
        article = find_article(archive, selection.cited_in)
        where.append(cited_in_sql(article.key, with_article=True))
    rows = archive.list_posts(
        platform=selection.platform,
        author=selection.author,
        since=selection.since,
        until=selection.until,
        where=where,
        keys=keys,
        batch_size=page,
    )
    while batch := list(itertools.islice(rows, page)):
        batch_keys = [row.key for row in batch]
        records = archive.records_for(batch_keys)
        captures = archive.captures_for(batch_keys) if evidence else {}
        media = archive.media_for(batch_keys) if evidence else {}
        shots = screenshots_for(archive, batch_keys) if evidence else {}
        states = states_of(archive, batch_keys)
        for row in batch:
            key = row.key
            state = states[key]
            yield Item(
                row,
                records.get(key),
                captures.get(key, []),
                media.get(key, []),
                state.state,
                state.last_checked_at,
                shots.get(key, []),
            )


def first_or_empty(items: Iterator[Item], selection: Selection) -> Iterator[Item]:
    """``items`` unchanged, or :class:`ExportError` now if there are none."""
    try:
        first = next(items)
    except StopIteration:
        raise ExportError(
            f"the selection is empty: no post matches {selection.describe()}"
        ) from None
    return itertools.chain([first], items)


def anchor_of(key: str) -> str:
    """An HTML id for a post: readable, and safe in a URL fragment."""
    return "post-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-")


def copy_url(archive_url: str | None, key: str) -> str | None:
    """Where a bundle published at ``archive_url`` shows the post ``key``."""
    if not archive_url:
        return None
    if archive_url.endswith(".zip"):
        return archive_url
    page = archive_url if archive_url.endswith(".html") else archive_url.rstrip("/") + "/index.html"
    return f"{page}#{anchor_of(key)}"


def archived_copy(
    item: Item, archive_url: str | None = None, *, exact: bool = False
) -> ArchivedCopy:
    """The archived-copy facts a citation of ``item`` carries.

    ``exact`` takes ``archive_url`` as the copy's own address (``cite --archive-url``);
    otherwise it is where a bundle is published and the post's anchor is added.
    """
    assert item.post is not None
    captured_at = item.post.capture.captured_at
    return ArchivedCopy(
        captured_at=captured_at,
        url=archive_url if exact else copy_url(archive_url, item.key),
        content_hash=item.post.content_hash,
        live=item.row.status == "archived",
        version=f"{captured_at[:16].replace('T', ' ')} UTC" if item.row.differs_fields else None,
    )


def evidence_of(capture: CaptureRow) -> list[dict[str, Any]]:
    try:
        entries = json.loads(capture.evidence_json or "[]")
    except json.JSONDecodeError:
        return []
    return [entry for entry in entries if isinstance(entry, dict)]


def missing_blobs(
    archive: Archive, captures: Sequence[CaptureRow], media: Sequence[MediaRow]
) -> list[str]:
    """One line for each blob that a post's captures or media name but the archive's blob
    store no longer holds (deleted or lost from the archive home): ``show`` warns with
    them, as ``export`` does for what it could not copy."""
    named = [(row.sha256, f"media {row.url}") for row in media]
    named += [
        (entry.get("sha256"), f"raw bytes of capture {capture.id}")
        for capture in captures
        for entry in evidence_of(capture)
    ]
    return [
        f"blob {sha} ({what}) is missing from the archive"
        for sha, what in named
        if isinstance(sha, str) and not (SHA256_NAME.fullmatch(sha) and archive.blobs.exists(sha))
    ]
