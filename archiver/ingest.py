"""From sources to stored records: saved documents and post URLs, in batches, with outcomes.

Everything a batch does is reported per item and the batch carries on: one bad file
or one dead link never stops the rest, and every batch of records is committed as
it completes, so an interrupted run keeps all it had stored and a re-run continues.
Post URLs, fetched live, are stored by :mod:`archiver.ingest_urls` with the same
:class:`Summary` and :class:`ItemReport`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from archiver.documents import DocumentResult, SourceFailure, iter_documents
from archiver.record import Post
from archiver.store import AddOutcome, Archive, Evidence, Observation

ItemStatus = Literal["ok", "archived", "unavailable", "failed", "empty", "skipped"]

_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
#: Anything that starts like a URL (``ftp://…``, a bare ``https://``): fetching it says why
#: it cannot be fetched, which helps more than "no such file".
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


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

    def count(self, report: ItemReport) -> None:
        if self.keep_items:
            self.items.append(report)
        if report.status in ("failed", "empty", "unavailable", "skipped"):
            setattr(self, report.status, getattr(self, report.status) + 1)

    def count_posts(self, outcomes: Iterable[AddOutcome]) -> None:
        for outcome in outcomes:
            setattr(self, outcome.result, getattr(self, outcome.result) + 1)

    @property
    def ok(self) -> bool:
        """True when nothing failed and something was found (or was already archived)."""
        found = self.new + self.updated + self.unchanged + self.unavailable + self.skipped
        return self.failed == 0 and found > 0


Progress = Callable[[ItemReport], None]


def is_url(source: str) -> bool:
    return bool(_URL.match(source.strip()))


@dataclass(frozen=True)
class SplitSources:
    documents: list[str]
    urls: list[str]
    stdin_document: bytes | None = None


def split_sources(
    sources: Sequence[str], *, stdin: BinaryIO | None = None, url_file: Path | None = None
) -> SplitSources:
    """Separate post URLs from documents. Stdin (``-``) holding only URL lines is a URL
    list; anything else on stdin is a saved document."""
    documents: list[str] = []
    urls: list[str] = []
    stdin_document: bytes | None = None
    for source in sources:
        if source == "-":
            data = stdin.read() if stdin is not None else b""
            listed = _url_lines(data)
            if listed:
                urls.extend(listed)
            else:
                documents.append("-")
                stdin_document = data
        elif is_url(source) or (_SCHEME.match(source.strip()) and not Path(source).exists()):
            urls.append(source.strip())
        else:
            documents.append(source)
    if url_file is not None:
        urls.extend(read_url_file(url_file))
    return SplitSources(documents, urls, stdin_document)


def _url_lines(data: bytes) -> list[str]:
    try:
        lines = [line.strip() for line in data.decode("utf-8-sig").splitlines()]
    except UnicodeDecodeError:
        return []
    lines = [line for line in lines if line and not line.startswith("#")]
    return lines if lines and all(is_url(line) for line in lines) else []


def read_url_file(path: Path) -> list[str]:
    """URLs from a file, one per line; blank lines and ``#`` comments ignored."""
    text = path.read_text(encoding="utf-8-sig")
    return [s for line in text.splitlines() if (s := line.strip()) and not s.startswith("#")]


def _absolute(source: str) -> str:
    return source if source == "-" else str(Path(source).expanduser().absolute())


def extract_documents(
    sources: Sequence[str], *, stdin_bytes: bytes | None = None, max_bytes: int
) -> Iterator[DocumentResult | SourceFailure]:
    """Posts in saved documents, one document at a time; nothing is stored."""
    stdin = io.BytesIO(stdin_bytes) if stdin_bytes is not None else None
    yield from iter_documents([_absolute(s) for s in sources], stdin=stdin, max_bytes=max_bytes)


def document_observations(result: DocumentResult) -> list[Observation]:
    evidence = [Evidence(url=result.source, body=result.raw, purpose=result.kind)]
    return [Observation.of_post(post, evidence) for post in result.posts]


def add_documents(
    archive: Archive,
    sources: Sequence[str],
    *,
    max_bytes: int,
    stdin_bytes: bytes | None = None,
    batch_posts: int = 500,
    batch_bytes: int = 64 * 1024 * 1024,
    summary: Summary | None = None,
    progress: Progress | None = None,
    on_posts: Callable[[list[Post]], None] | None = None,
) -> Summary:
    """Extract and store every document; commit every ``batch_posts`` posts."""
    summary = summary or Summary()
    pending: list[Observation] = []
    pending_reports: list[ItemReport] = []
    pending_bytes = 0

    def flush() -> None:
        nonlocal pending_bytes
        outcomes = archive.add(pending)
        summary.count_posts(outcomes)
        for report in pending_reports:
            summary.count(report)
            if progress:
                progress(report)
        pending.clear()
        pending_reports.clear()
        pending_bytes = 0

    for result in extract_documents(sources, stdin_bytes=stdin_bytes, max_bytes=max_bytes):
        if isinstance(result, SourceFailure):
            report = ItemReport(result.source, "failed", result.message)
            summary.count(report)
            if progress:
                progress(report)
            continue
        if not result.posts:
            message = "; ".join(result.warnings) or f"no embedded posts found in {result.source}"
            report = ItemReport(result.source, "empty", message)
            summary.count(report)
            if progress:
                progress(report)
            continue
        if on_posts:
            on_posts(result.posts)
        observations = document_observations(result)
        pending.extend(observations)
        warning = "; ".join(result.warnings) or None
        keys = tuple(post.key for post in result.posts)
        pending_reports.append(ItemReport(result.source, "ok", warning, keys))
        pending_bytes += len(result.raw)
        if len(pending) >= batch_posts or pending_bytes >= batch_bytes:
            flush()
    if pending:
        flush()
    return summary
