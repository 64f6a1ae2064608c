"""From saved documents to stored records, in batches, with outcomes.

Everything a batch does is reported per item and the batch carries on: one bad file
never stops the rest, and every batch of records is committed as it completes, so an
interrupted run keeps all it had stored and a re-run continues.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from archiver.documents import DocumentResult, SourceFailure, iter_documents
from archiver.ingest.batch import ItemReport, Progress, Summary
from archiver.record import Post
from archiver.store import Archive, Evidence, Observation


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
