"""Post URLs fetched live: each URL's post, or why it is gone, stored with its evidence.

Split from :mod:`archiver.ingest` (which owns the batch bookkeeping and saved
documents) so each stays short. A URL run shares the same promises: every URL is
reported and the run carries on, results are committed in batches (and on Ctrl-C), and
URLs already archived are skipped, so a re-run finishes what a killed one left.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import replace

from archiver.config import Settings
from archiver.ingest.batch import ItemReport, Progress, Summary, is_empty
from archiver.net.client import HttpClient
from archiver.net.fetch import FetchResult, download_media, fetch_many, with_media_evidence
from archiver.net.warc import WarcWriter
from archiver.platforms.base import Reason
from archiver.platforms.registry import REGISTRY
from archiver.record import Post, utc_now, without_userinfo
from archiver.store import Archive, Evidence, Observation


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


def _blocked(result: FetchResult) -> bool:
    """archiver itself was refused (a challenge page, a bot check): nothing was seen."""
    return result.gone is not None and result.gone.reason is Reason.BLOCKED


def observation_of(result: FetchResult) -> Observation | None:
    """What a fetch saw, ready for the store; ``None`` for a failure or a block (nothing
    was seen of the post, so nothing is stored and its status stays as it was)."""
    aliases = [u for u in (without_userinfo(result.url.strip()), result.resolved_url) if u]
    last_status = result.evidence[-1].status if result.evidence else None
    if result.status == "archived" and result.post is not None:
        return Observation.of_post(
            result.post, evidence_of(result), aliases=aliases, http_status=last_status, live=True
        )
    if _blocked(result):
        return None
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


def refuse_empty(result: FetchResult) -> FetchResult:
    """``result`` failed when the post it read is empty (:func:`is_empty`), unless the
    answer was itself the document (a PDF, an image: its bytes are what is cited)."""
    if result.post is None or not is_empty(result.post) or _is_document_body(result):
        return result
    error = (
        "the answer held no text, no author and no media (a login wall or an empty page?); "
        "nothing was archived"
    )
    return replace(result, status="failed", post=None, error=error)


def _is_document_body(result: FetchResult) -> bool:
    kind = (result.evidence[-1].content_type or "") if result.evidence else ""
    kind = kind.split(";")[0].strip().lower()
    return bool(kind) and not any(part in kind for part in ("text/", "html", "xml", "json"))


def report_of(result: FetchResult) -> ItemReport:
    keys = tuple(
        k
        for k in (result.post.key if result.post else None, result.ref.key if result.ref else None)
        if k
    )[:1]
    if result.status == "archived":
        return ItemReport(result.url, "archived", None, keys)
    if _blocked(result):  # temporary: the URL failed, and a later run may get through
        assert result.gone is not None
        message = (
            f"blocked: {result.gone.detail} (this says nothing about the post; try again later)"
        )
        return ItemReport(result.url, "failed", message, keys)
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
    row = archive.get(without_userinfo(url.strip()))
    if row is None:
        key = REGISTRY.key_of(url)
        row = archive.get(key) if key else None
    if row is None or row.status != "archived" or row.record_json is None:
        return False
    if media:
        wanted = {item.url for item in Post.model_validate_json(row.record_json).media}
        if wanted - {item.url for item in archive.media(row.key) if item.sha256}:
            return False
    return archive.has_live_capture(row.key)


def fetchable_urls(posts: Iterable[Post]) -> list[str]:
    """The URLs of ``posts`` that name them, for ``add --fetch``: posts found in flattened
    text without an id (their URL is the author's profile) and generic pages are left out."""
    urls = []
    for post in posts:
        found = REGISTRY.match_social(post.url)
        if found is not None and found.ref.key == post.key:
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
        async with HttpClient.for_settings(settings, warc=warc) as client:
            try:
                async for fetched in fetch_many(urls, client, settings.endpoints):
                    result = refuse_empty(fetched)
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
