"""The fetch runner: drives a platform module's sans-I/O steps through the one HTTP client.

A platform module only says which request to make and how to read the answer; this
module performs the steps (short link → route → first request → follow-ups) and turns
every way a fetch can end into one typed :class:`FetchResult`, so a batch of 100,000
URLs never stops on one bad URL. :func:`fetch_many` keeps a bounded number of fetches
in flight, so memory stays flat however long the list is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from archiver.config import Endpoints, MediaSettings
from archiver.net.body import Download
from archiver.net.client import FetchError, HttpClient, ResponseEvidence, RetriesExhausted
from archiver.platforms.base import FollowUp, Found, Gone, ParseError, PostRef
from archiver.platforms.page_meta import ParsedPage
from archiver.platforms.registry import REGISTRY, Registry, not_a_post
from archiver.platforms.urls import web_address
from archiver.record import CaptureMethod, Media, Post, without_userinfo

log = logging.getLogger(__name__)

FetchStatus = Literal["archived", "unavailable", "failed"]

#: Requests one fetch may take (first request plus follow-ups) before it is a failure.
MAX_STEPS = 6


@dataclass(frozen=True)
class FetchResult:
    """How fetching one URL ended, with every response read on the way as evidence."""

    url: str
    status: FetchStatus
    ref: PostRef | None = None
    post: Post | None = None
    gone: Gone | None = None
    error: str | None = None
    evidence: list[ResponseEvidence] = field(default_factory=list)
    #: The URL routed, when it differs from ``url`` (a short link resolved, ``https://``
    #: added, user info removed).
    resolved_url: str | None = None
    #: How the last answer was read (``api``, ``widget``, ...), when one was read.
    method: CaptureMethod | None = None
    #: Each endpoint that kept failing before another answered (one line each).
    fell_back: tuple[str, ...] = ()
    #: The page the post was read from, already parsed (a web page's), so what reads it
    #: next (an article's embeds and links) does not parse it again.
    page: ParsedPage | None = None


@dataclass(frozen=True)
class MediaResult:
    """One media item of a post: downloaded, or why not."""

    media: Media
    download: Download | None = None
    error: str | None = None


async def fetch_url(
    client: HttpClient,
    url: str,
    endpoints: Endpoints,
    *,
    router: Registry = REGISTRY,
    max_steps: int = MAX_STEPS,
) -> FetchResult:
    """Fetch the post at ``url``. Never raises (except on cancellation).

    ``router`` replaces the registry of every platform (tests and benchmarks bring their
    own). User info in ``url`` is dropped before anything is requested or recorded.
    Every request made for ``url`` shares one time budget (``http.url_budget_seconds``),
    except a fallback: when a request keeps failing after every retry and the platform
    names another endpoint for it (``Request.fallback``), that endpoint is asked, with a
    budget of its own, and ``fell_back`` says what failed first. This is the one place
    fallbacks happen, for every platform.
    """
    target = web_address(url)
    if target is None:
        return FetchResult(url, "failed", error=f"not a web address: {url.strip()!r}")
    evidence: list[ResponseEvidence] = []
    fell_back: list[str] = []
    ref: PostRef | None = None
    page: ParsedPage | None = None
    budget = client.budget()

    def done(status: FetchStatus, **ending: Any) -> FetchResult:
        resolved = target if target != url.strip() else None
        if ending.get("error") and fell_back:
            ending["error"] = "; then ".join([*fell_back, ending["error"]])
        return FetchResult(
            url,
            status,
            ref,
            evidence=evidence,
            resolved_url=resolved,
            fell_back=tuple(fell_back),
            **ending,
        )

    try:
        if router.is_short_link(target):
            location = await client.resolve(
                target, stop_at=lambda location: not router.is_short_link(location), budget=budget
            )
            target = without_userinfo(location)
        routed = router.match(target)
        if routed is None:
            return done("failed", error=not_a_post(target))
        platform, ref = routed
        request = platform.first_request(ref, endpoints)
        for _ in range(max_steps):
            try:
                response, item = await client.get_with_evidence(request, budget=budget)
            except RetriesExhausted as exc:
                if request.fallback is None:
                    raise
                # The platform's other endpoint, with time of its own: the first one's
                # retries may have spent the URL's whole budget.
                fell_back.append(f"{request.purpose}: {exc}")
                request, budget = request.fallback, client.budget()
                continue
            evidence.append(item)
            method = request.method
            outcome = platform.read(ref, response, endpoints)
            if not isinstance(outcome, Gone):
                page = outcome.page or page
            if isinstance(outcome, Found):
                post = outcome.post
                return done("archived", post=post, method=method, page=page)
            if isinstance(outcome, Gone):
                gone = outcome
                return done("unavailable", gone=gone, method=method)
            assert isinstance(outcome, FollowUp)
            request = outcome.request
        error = f"{ref.platform} took more than {max_steps} requests for {target}; gave up"
    except (FetchError, ParseError) as exc:
        error = str(exc)
    except Exception as exc:  # a bug in one parser must not end a 100,000-URL batch
        log.exception("unexpected error while fetching %s", url)
        error = f"internal error while fetching {target}: {type(exc).__name__}: {exc}"
    return done("failed", error=error)


async def fetch_many(
    urls: Iterable[str],
    client: HttpClient,
    endpoints: Endpoints,
    *,
    on_result: Callable[[FetchResult], None] | None = None,
    router: Registry = REGISTRY,
    in_flight: int | None = None,
) -> AsyncGenerator[FetchResult, None]:
    """Fetch every URL, yielding results as they complete (not in input order).

    ``urls`` is consumed lazily and at most ``in_flight`` fetches (default: twice the
    client's concurrency, so the HTTP slots never idle) exist at once.
    """
    limit = max(1, in_flight or 2 * client.settings.concurrency)
    pending: dict[asyncio.Task[FetchResult], str] = {}
    finished: asyncio.Queue[asyncio.Task[FetchResult]] = asyncio.Queue()
    source = iter(urls)
    try:
        while True:
            while len(pending) < limit and (url := next(source, None)) is not None:
                task = asyncio.create_task(fetch_url(client, url, endpoints, router=router))
                task.add_done_callback(finished.put_nowait)
                pending[task] = url
            if not pending:
                return
            task = await finished.get()  # O(1) per result, unlike asyncio.wait over all
            result = _task_result(task, pending.pop(task))
            if on_result is not None:
                on_result(result)
            yield result
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


def _task_result(task: asyncio.Task[FetchResult], url: str) -> FetchResult:
    if task.cancelled():
        return FetchResult(url, "failed", error="cancelled")
    error = task.exception()
    if error is None:
        return task.result()
    return FetchResult(url, "failed", error=f"internal error: {type(error).__name__}: {error}")


async def download_media(
    client: HttpClient,
    post: Post,
    settings: MediaSettings,
    *,
    directory: Path | None = None,
) -> list[MediaResult]:
    """Download each of ``post``'s media files (``add --media``), in the post's order.

    A file that fails (wrong type, too large, gone) is reported, never raised.
    """

    async def one(media: Media) -> MediaResult:
        try:
            download = await client.download(
                media.url,
                max_bytes=settings.max_bytes,
                allowed_types=settings.allowed_types,
                directory=directory,
            )
        except FetchError as exc:
            return MediaResult(media, error=str(exc))
        return MediaResult(media, download=download)

    return list(await asyncio.gather(*(one(media) for media in post.media)))


def with_media_evidence(post: Post, results: Sequence[MediaResult]) -> Post:
    """``post`` with each downloaded file's sha256 and content type filled in."""
    by_url = {r.media.url: r.download for r in results if r.download is not None}
    media = [
        m.model_copy(update={"sha256": d.sha256, "content_type": d.content_type})
        if (d := by_url.get(m.url))
        else m
        for m in post.media
    ]
    return post.with_changes(media=media)
