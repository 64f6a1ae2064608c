"""From saved documents to stored records, in batches, with outcomes.

Everything a batch does is reported per item and the batch carries on: one bad file
never stops the rest, and every batch of records is committed as it completes, so an
interrupted run keeps all it had stored and a re-run continues.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import replace

from archiver.documents import DocumentResult, SourceFailure, iter_documents
from archiver.ingest.articles import Articles
from archiver.ingest.batch import ItemReport, Progress, Summary, is_empty
from archiver.store import Archive, Evidence, Observation


def extract_documents(
    sources: Sequence[str],
    *,
    stdin_bytes: bytes | None = None,
    max_bytes: int,
    keep_path: bool = False,
) -> Iterator[DocumentResult | SourceFailure]:
    """Posts in saved documents, one document at a time; nothing is stored. Records name
    each file, not its local path, unless ``keep_path``."""
    stdin = io.BytesIO(stdin_bytes) if stdin_bytes is not None else None
    yield from iter_documents(sources, stdin=stdin, max_bytes=max_bytes, keep_path=keep_path)


def document_observations(result: DocumentResult) -> list[Observation]:
    """One observation per post, its evidence named as its capture names the document."""
    return [
        Observation.of_post(
            post, [Evidence(url=post.capture.source, body=result.raw, purpose=result.kind)]
        )
        for post in result.posts
    ]


def add_documents(
    archive: Archive,
    sources: Sequence[str],
    *,
    max_bytes: int,
    keep_path: bool = False,
    stdin_bytes: bytes | None = None,
    batch_posts: int = 500,
    batch_bytes: int = 64 * 1024 * 1024,
    summary: Summary | None = None,
    progress: Progress | None = None,
    articles: Articles | None = None,
) -> Summary:
    """Extract and store every document; commit every ``batch_posts`` posts. The archive
    records each file's name, not its local path, unless ``keep_path``.

    With ``articles`` (``add --fetch``), each saved page is an article: its own ``web``
    record is stored too, with the link to every post it embeds or links to in its body,
    and those posts are left in ``articles`` to be fetched live."""
    summary = summary or Summary()
    pending: list[Observation] = []
    pending_reports: list[ItemReport] = []
    pending_bytes = 0

    def tell(report: ItemReport) -> None:
        summary.count(report)
        if progress:
            progress(report)

    def flush() -> None:
        nonlocal pending_bytes
        summary.count_posts(archive.add(pending))
        if articles is not None:
            articles.store(archive)
        for report in pending_reports:
            tell(report)
        pending.clear()
        pending_reports.clear()
        pending_bytes = 0

    documents = extract_documents(
        sources, stdin_bytes=stdin_bytes, max_bytes=max_bytes, keep_path=keep_path
    )
    for result in documents:
        if isinstance(result, SourceFailure):
            tell(ItemReport(result.source, "failed", result.message))
            continue
        warnings = list(result.warnings)
        if articles is not None:
            article, unlinked = articles.saved_document(result, keep_path=keep_path)
            if article is not None:  # the page itself, as evidence of what cited the posts
                result = replace(result, posts=[article, *result.posts])
                warnings = [w for w in warnings if not w.startswith("no embedded posts")]
            warnings += [unlinked] if unlinked else []
        if not result.posts:
            message = "; ".join(warnings) or f"no embedded posts found in {result.source}"
            tell(ItemReport(result.source, "empty", message))
            continue
        kept = [post for post in result.posts if not is_empty(post)]
        fetching = articles is not None
        then = "fetching it live instead" if fetching else "`add --fetch` fetches the post live"
        warnings += [
            f"{post.key}: the embed holds no text, author or media to archive; {then}"
            for post in result.posts
            if is_empty(post)
        ]
        if not kept:
            tell(ItemReport(result.source, "empty", "; ".join(warnings)))
            continue
        pending.extend(document_observations(replace(result, posts=kept)))
        keys = tuple(post.key for post in kept)
        pending_reports.append(ItemReport(result.source, "ok", "; ".join(warnings) or None, keys))
        pending_bytes += len(result.raw)
        if len(pending) >= batch_posts or pending_bytes >= batch_bytes:
            flush()
    if pending:
        flush()
    return summary
