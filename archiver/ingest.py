"""From sources to stored records: saved documents and post URLs, in batches, with outcomes.

Everything a batch does is reported per item and the batch carries on: one bad file
or one dead link never stops the rest, and every batch of records is committed as
it completes, so an interrupted run keeps all it had stored and a re-run continues.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Literal

from archiver.config import Settings
from archiver.documents import DocumentResult, SourceFailure, iter_documents
from archiver.fetch import FetchResult, download_media, fetch_many, with_media_evidence
from archiver.http import HttpClient
from archiver.platforms import registry
from archiver.record import Post, utc_now
from archiver.store import AddOutcome, Archive, Evidence, Observation
from archiver.warc import WarcWriter

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


# -- post URLs, fetched live ---------------------------------------------------------


def evidence_of(result: FetchResult) -> list[Evidence]:
    """Every response behind a fetch, as store evidence (bytes kept, WARC referenced)."""
    return [
        Evidence(
            url=item.final_url,
            body=item.body,
            http_status=item.status,
            content_type=item.content_type,
            purpose=item.purpose,
            warc_file=item.warc.file if item.warc else None,
            warc_offset=item.warc.offset if item.warc else None,
            warc_record_id=item.warc.record_id if item.warc else None,
        )
        for item in result.evidence
    ]


def observation_of(result: FetchResult) -> Observation | None:
    """What a fetch saw, ready for the store; ``None`` for a failure (nothing was seen)."""
    aliases = [u for u in (result.url.strip(), result.resolved_url) if u]
    last_status = result.evidence[-1].status if result.evidence else None
    if result.status == "archived" and result.post is not None:
        return Observation.of_post(
            result.post, evidence_of(result), aliases=aliases, http_status=last_status, live=True
        )
    if result.status == "unavailable" and result.gone is not None and result.ref is not None:
        ref, gone = result.ref, result.gone
        last = result.evidence[-1] if result.evidence else None
        return Observation(
            key=ref.key,
            platform=ref.platform,
            post_id=ref.post_id,
            url=ref.url,
            method=result.method or "api",
            source=last.final_url if last else ref.url,
            captured_at=last.received_at if last else utc_now(),
            evidence=evidence_of(result),
            status=gone.reason.value,
            detail=gone.detail,
            http_status=gone.status if gone.status is not None else last_status,
            aliases=aliases,
            live=True,
        )
    return None


def report_of(result: FetchResult) -> ItemReport:
    keys = tuple(
        k
        for k in (result.post.key if result.post else None, result.ref.key if result.ref else None)
        if k
    )[:1]
    if result.status == "archived":
        return ItemReport(result.url, "archived", None, keys)
    if result.status == "unavailable" and result.gone is not None:
        return ItemReport(
            result.url, "unavailable", f"{result.gone.reason.value}: {result.gone.detail}", keys
        )
    return ItemReport(result.url, "failed", result.error or "failed", keys)


def already_archived(archive: Archive, url: str, *, media: bool = False) -> bool:
    """True when ``url`` (or the post it names) was fetched live and was available when last
    seen (and, with ``media``, every media file of its record was downloaded). A post known
    only from a saved document's embed is fetched when its URL is added (that is what
    ``add --fetch`` does): the live copy fills in what the embed lacked."""
    row = archive.get(url.strip())
    if row is None:
        try:
            found = registry.match_social(url)
        except ValueError:  # a malformed URL ("http://[::1"): fetching it says so
            found = None
        row = archive.get(found[1].key) if found else None
    if row is None or row.status != "archived" or row.record_json is None:
        return False
    if media:
        wanted = {item.url for item in Post.model_validate_json(row.record_json).media}
        if wanted - {item.url for item in archive.media(row.key) if item.sha256}:
            return False
    return any(capture.http_status is not None for capture in archive.captures(row.key))


def fetchable_urls(posts: Iterable[Post]) -> list[str]:
    """The URLs of ``posts`` that name them, for ``add --fetch``: posts found in flattened
    text without an id (their URL is the author's profile) and generic pages are left out."""
    urls = []
    for post in posts:
        try:
            found = registry.match_social(post.url)
        except ValueError:
            continue
        if found is not None and found[1].key == post.key:
            urls.append(post.url)
    return urls


async def _fetch_into(
    archive: Archive,
    settings: Settings,
    urls: Sequence[str],
    summary: Summary,
    *,
    media: bool,
    progress: Progress | None,
    batch_size: int,
) -> None:
    pending: list[Observation] = []

    def flush() -> None:
        batch = pending[:]
        pending.clear()
        summary.count_posts(archive.add(batch))

    with WarcWriter(archive.home) as warc:
        async with HttpClient(settings.http, warc=warc) as client:
            try:
                async for result in fetch_many(urls, client, settings.endpoints):
                    problems: list[str] = []
                    if media and result.post is not None and result.post.media:
                        result, problems = await _with_media(archive, client, settings, result)
                    observation = observation_of(result)
                    report = report_of(result)
                    if problems:
                        report = replace(report, message="; ".join(problems))
                    summary.count(report)
                    if progress:
                        progress(report)
                    if observation is not None:
                        pending.append(observation)
                    if len(pending) >= batch_size:
                        flush()
            finally:
                # Finished results are kept even when the run is interrupted (Ctrl-C).
                flush()


async def _with_media(
    archive: Archive, client: HttpClient, settings: Settings, result: FetchResult
) -> tuple[FetchResult, list[str]]:
    """``result`` with its post's media downloaded and recorded, and what could not be."""
    assert result.post is not None
    incoming = archive.blobs.incoming_dir()  # same file system: the blob is a rename away
    downloads = await download_media(client, result.post, settings.media, directory=incoming)
    problems = []
    for item in downloads:
        if item.download is not None:
            download = item.download
            if download.path is not None:
                archive.blobs.put_file(download.path, download.sha256)
            else:
                archive.blobs.put(download.read_bytes())
        elif item.error:
            problems.append(f"media not downloaded: {item.error}")
    post = with_media_evidence(result.post, downloads)
    return replace(result, post=post), problems


def add_urls(
    archive: Archive,
    settings: Settings,
    urls: Sequence[str],
    *,
    summary: Summary | None = None,
    refresh: bool = False,
    media: bool = False,
    progress: Progress | None = None,
    batch_size: int = 50,
) -> Summary:
    """Fetch every post URL live and store what each shows: the post, or why it is gone.

    URLs already archived are skipped unless ``refresh``; results are committed every
    ``batch_size`` URLs, so a killed run keeps what it had and a re-run finishes the rest.
    """
    summary = summary or Summary()
    todo: list[str] = []
    seen: set[str] = set()
    for url in urls:
        url = url.strip()
        if not url or url in seen:
            continue
        seen.add(url)
        if not refresh and already_archived(archive, url, media=media):
            report = ItemReport(url, "skipped", "already archived (use --refresh to fetch again)")
            summary.count(report)
            if progress:
                progress(report)
            continue
        todo.append(url)
    if todo:
        asyncio.run(
            _fetch_into(
                archive,
                settings,
                todo,
                summary,
                media=media,
                progress=progress,
                batch_size=batch_size,
            )
        )
    return summary
