"""Post URLs fetched live: each URL's post, or why it is gone, stored with its evidence.

Split from :mod:`archiver.ingest` (which owns the batch bookkeeping and saved
documents) so each stays short. A URL run shares the same promises: every URL is
reported and the run carries on, results are committed in batches (and on Ctrl-C), and
URLs already archived are skipped, so a re-run finishes what a killed one left.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import partial

from archiver.config import Settings
from archiver.ingest.articles import Articles, response_evidence
from archiver.ingest.batch import ItemReport, Progress, Summary, is_empty
from archiver.net.client import HttpClient
from archiver.net.fetch import FetchResult, download_media, fetch_many, with_media_evidence
from archiver.net.warc import WarcWriter
from archiver.platforms.base import Reason
from archiver.platforms.registry import REGISTRY
from archiver.record import Post, sha256_hex, utc_now, without_userinfo
from archiver.store import Archive, Evidence, Observation, StoredPost, claims


def evidence_of(result: FetchResult) -> list[Evidence]:
    """Every response behind a fetch, as store evidence (bytes kept, WARC referenced)."""
    return [response_evidence(item) for item in result.evidence]


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
        fell_back = "; ".join(result.fell_back)
        note = f"{fell_back}; the fallback endpoint answered" if fell_back else None
        return ItemReport(result.url, "archived", note, keys)
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


#: URLs checked against the archive at a time: few enough that the first fetch starts at
#: once, enough that a long list costs a few queries per few hundred URLs, not per URL.
CHECK_BATCH = 256


def archived_among(archive: Archive, urls: Sequence[str], *, media: bool = False) -> set[str]:
    """Those of ``urls`` (or the posts they name) that were fetched live and were available
    when last seen (and, with ``media``, whose every media file was downloaded), in a few
    queries for all of them. A post known only from a saved document's embed is fetched
    when its URL is added (that is what ``add --fetch`` does): the live copy fills in what
    the embed lacked. User info in a URL is ignored: the archive never stores it."""
    spelled = {url: without_userinfo(url) for url in urls}
    recognised = {url: REGISTRY.key_of(url) for url in urls}
    found = archive.get_many([*spelled.values(), *filter(None, recognised.values())])
    named: dict[str, StoredPost] = {}
    for url in urls:
        key = recognised[url]
        row = found.get(spelled[url]) or (found.get(key) if key else None)
        if row is not None and row.status == "archived" and row.record_json is not None:
            named[url] = row
    keys = sorted({row.key for row in named.values()})
    live = archive.live_captured(keys)
    downloaded = archive.media_for(keys) if media and keys else {}
    done = set()
    for url, row in named.items():
        if row.key not in live:
            continue
        if media and row.record_json is not None:
            wanted = {item.url for item in Post.model_validate_json(row.record_json).media}
            if wanted - {item.url for item in downloaded.get(row.key, []) if item.sha256}:
                continue
        done.add(url)
    return done


async def _fetch_into(
    archive: Archive,
    settings: Settings,
    urls: Iterable[str],
    summary: Summary,
    *,
    media: bool,
    progress: Progress | None,
    batch_size: int,
    articles: Articles | None = None,
    cited_in: Mapping[str, str] | None = None,
    share: claims.Share | None = None,
) -> None:
    """Fetch ``urls`` and store what each shows. With ``articles``, a page archived is an
    article: its embeds are stored with it and what it cites is noted there. ``cited_in``
    names the article citing each URL, for its failure message."""
    pending: list[Observation] = []
    fetched: list[str] = []

    def flush() -> None:
        batch = pending[:]
        pending.clear()
        summary.count_posts(archive.add(batch))
        if articles is not None:
            articles.store(archive)  # the articles are stored: now their citations
        if share is not None:  # stored: no other worker fetches them again
            share.finish(archive.engine, fetched[:])
        fetched.clear()

    with WarcWriter(archive.home, folder=archive.warc_dir) as warc:
        async with HttpClient.for_settings(settings, warc=warc) as client:
            try:
                async for fetched_url in fetch_many(urls, client, settings.endpoints):
                    result = refuse_empty(fetched_url)
                    problems: list[str] = []
                    if media and result.post is not None and result.post.media:
                        result, problems = await _with_media(archive, client, settings, result)
                    fetched.append(fetched_url.url)
                    observation = observation_of(result)
                    report = report_of(result)
                    if problems:
                        report = replace(report, message="; ".join(problems))
                    if cited_in and report.status != "archived" and result.url in cited_in:
                        where = f"cited in {cited_in[result.url]}"
                        report = replace(report, message=f"{report.message} ({where})")
                    summary.count(report)
                    if progress:
                        progress(report)
                    if observation is not None:
                        pending.append(observation)
                        if articles is not None and result.post is not None:
                            pending += articles.fetched_page(
                                result.post, result.evidence, result.page
                            )
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
    articles: Articles | None = None,
) -> Summary:
    """Fetch every post URL live and store what each shows: the post, or why it is gone.

    URLs already archived are skipped unless ``refresh``; results are committed every
    ``batch_size`` URLs, so a killed run keeps what it had and a re-run finishes the rest.
    A URL that is no post but a page is an article: archived as the page, and every post
    it embeds or links to in its body is fetched after ``urls`` and linked to it
    (:mod:`archiver.ingest.articles`), as are the posts ``articles`` already holds (a
    saved article's, with ``add --fetch``).
    """
    summary = summary or Summary()
    articles = articles if articles is not None else Articles()
    skipped: list[str] = []
    fetch = partial(
        _fetch_urls,
        archive,
        settings,
        summary,
        refresh=refresh,
        media=media,
        progress=progress,
        batch_size=batch_size,
    )
    fetch(urls, articles=articles, skipped=skipped)
    articles.resume(archive, [key for url in skipped if (key := _page_key(url)) is not None])
    cited = dict(articles.to_fetch)
    if cited:  # the posts the articles cite; none of them is an article itself
        fetch(list(cited), cited_in=cited)
    return summary


def _page_key(url: str) -> str | None:
    key = REGISTRY.key_of(url)
    return key if key is not None and key.startswith("web:") else None


def _fetch_urls(
    archive: Archive,
    settings: Settings,
    summary: Summary,
    urls: Sequence[str],
    *,
    refresh: bool,
    media: bool,
    progress: Progress | None,
    batch_size: int,
    articles: Articles | None = None,
    cited_in: Mapping[str, str] | None = None,
    skipped: list[str] | None = None,
) -> None:
    fetch = partial(_fetch_all, archive, settings, summary=summary, media=media)
    fetch = partial(fetch, progress=progress, batch_size=batch_size, articles=articles)
    if not archive.postgres:
        todo = _to_fetch(
            archive, urls, summary, progress, refresh=refresh, media=media, skipped=skipped
        )
        fetch(todo, cited_in=cited_in)
        return
    listed = list(_unique(urls))  # every worker reads the same list
    kind = "add:" + sha256_hex("\n".join(listed).encode())
    share = claims.Share(kind, settings.store.lease_seconds, batch_size)
    share.begin(archive.engine)
    with share.renewing(archive.engine):  # a live worker keeps its claims
        while True:  # one pass; more while other workers hold URLs that may come free
            claimed = [0]
            todo = _claimed(
                archive, share, listed, claimed, summary, progress, refresh, media, skipped
            )
            fetch(todo, cited_in=cited_in, share=share)
            if not share.keep_going(archive.engine, claimed[0]):
                return
            if not claimed[0]:  # others' claims are live: ask again in a moment
                time.sleep(claims.POLL_SECONDS)


def _fetch_all(
    archive: Archive,
    settings: Settings,
    todo: Iterator[str],
    summary: Summary,
    media: bool,
    progress: Progress | None,
    batch_size: int,
    articles: Articles | None,
    cited_in: Mapping[str, str] | None,
    share: claims.Share | None = None,
) -> None:
    first = next(todo, None)  # nothing to fetch: no client, no event loop
    if first is not None:
        asyncio.run(
            _fetch_into(
                archive,
                settings,
                itertools.chain([first], todo),
                summary,
                media=media,
                progress=progress,
                batch_size=batch_size,
                articles=articles,
                cited_in=cited_in,
                share=share,
            )
        )


def _claimed(
    archive: Archive,
    share: claims.Share,
    urls: list[str],
    claimed: list[int],
    summary: Summary,
    progress: Progress | None,
    refresh: bool,
    media: bool,
    skipped: list[str] | None,
) -> Iterator[str]:
    """The URLs of ``urls`` this worker claims among others on one PostgreSQL archive
    (:mod:`archiver.store.claims`), a batch at a time, less those already archived (which
    are reported as skipped and done at once)."""
    for start in range(0, len(urls), CHECK_BATCH):
        chunk = json.dumps(urls[start : start + CHECK_BATCH])
        while keys := share.claim(archive.engine, _LISTED, {"listed": chunk}):
            claimed[0] += len(keys)
            todo = list(
                _to_fetch(
                    archive, keys, summary, progress, refresh=refresh, media=media, skipped=skipped
                )
            )
            share.finish(archive.engine, sorted(set(keys) - set(todo)))
            yield from todo


#: The URLs of one chunk of the list, as claim candidates.
_LISTED = "SELECT value FROM json_each(:listed)"


def _to_fetch(
    archive: Archive,
    urls: Iterable[str],
    summary: Summary,
    progress: Progress | None,
    *,
    refresh: bool,
    media: bool,
    skipped: list[str] | None = None,
) -> Iterator[str]:
    """``urls`` without blanks, repeats and (unless ``refresh``) those already archived,
    which are reported as skipped. URLs are checked :data:`CHECK_BATCH` at a time as the
    fetcher asks for more, so checking a long list never delays the first fetch."""
    unique = _unique(urls)
    while batch := list(itertools.islice(unique, CHECK_BATCH)):
        done = set() if refresh else archived_among(archive, batch, media=media)
        for url in batch:
            if url not in done:
                yield url
                continue
            if skipped is not None:
                skipped.append(url)
            report = ItemReport(url, "skipped", "already archived (use --refresh to fetch again)")
            summary.count(report)
            if progress:
                progress(report)


def _unique(urls: Iterable[str]) -> Iterator[str]:
    seen: set[str] = set()
    for url in urls:
        url = url.strip()
        if url and url not in seen:
            seen.add(url)
            yield url
