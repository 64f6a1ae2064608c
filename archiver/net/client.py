"""The one HTTP client: retries, politeness, size caps and WARC capture in one place.

Platform modules only describe requests (sans-I/O); this module performs them. It
keeps a run polite (see :mod:`archiver.net.politeness`) and honest: every response handed
to a parser is written to WARC, and bodies are checked against their declared length
(see :mod:`archiver.net.body`). Only failures that can heal are retried, within a
deadline per request and a time budget per URL (see :mod:`archiver.net.retries`). It is
safe by default: every connection passes the address guard (:mod:`archiver.net.guard`),
and credentials in a URL are dropped before anything is sent.

Requests carry no cookies from one another: every capture is a fresh, reproducible
visit, and a 100,000-URL run keeps no cookie jar growing in memory.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

from archiver.config import HttpSettings, Settings
from archiver.net.answers import AnswerReader, Hop, meta_refresh_target
from archiver.net.body import (
    ACCEPT_ENCODING,
    Download,
    FetchError,
    MediaPolicy,
    RetriesExhausted,
    TransientError,
)
from archiver.net.guard import AddressGuard, AddressRefused
from archiver.net.politeness import HostGate, Sleep
from archiver.net.retries import RetryPolicy, TimeBudget
from archiver.net.transport import ShardedTransport, StatelessClient
from archiver.net.warc import WarcRef, WarcWriter
from archiver.platforms.base import Request, Response
from archiver.record import sha256_hex, without_userinfo

__all__ = [
    "Download",
    "FetchError",
    "HttpClient",
    "ResponseEvidence",
    "RetriesExhausted",
    "TimeBudget",
]

log = logging.getLogger(__name__)

_INLINE_WARC_BYTES = 256 * 1024
_BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True)
class ResponseEvidence:
    """One response as evidence: its bytes, their hash, and its WARC record (if any)."""

    purpose: str
    request_url: str
    final_url: str
    status: int
    content_type: str | None
    body: bytes
    sha256: str
    received_at: str
    warc: WarcRef | None


class HttpClient:
    """One ``httpx.AsyncClient`` per run: ``async with HttpClient.for_settings(s) as client``.

    ``guard`` decides which addresses may be connected to (by default only public
    ones); ``warc`` records every response handed to a parser; ``sleep`` is injectable
    so tests can see (and skip) every wait; ``transport`` lets tests mock the network.
    """

    def __init__(
        self,
        settings: HttpSettings,
        *,
        guard: AddressGuard | None = None,
        warc: WarcWriter | None = None,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.guard = guard or AddressGuard()
        self.warc = warc
        self.gate = HostGate(
            concurrency=settings.concurrency,
            per_host_concurrency=settings.per_host_concurrency,
            interval_seconds=settings.per_host_interval_seconds,
            sleep=sleep,
        )
        self.retries = RetryPolicy(settings, self.gate, sleep)
        self._answers = AnswerReader(
            settings, self.gate, self.retries, keep_exchange=warc is not None
        )
        self._client = StatelessClient(
            timeout=httpx.Timeout(
                settings.timeout_seconds, connect=settings.connect_timeout_seconds, pool=None
            ),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            follow_redirects=False,
            trust_env=False,  # no proxy or credentials from the environment around the guard
            transport=transport
            or ShardedTransport(settings.concurrency, settings.per_host_concurrency, self.guard),
        )

    @classmethod
    def for_settings(cls, settings: Settings, *, warc: WarcWriter | None = None) -> HttpClient:
        """The client a command uses: ``[http]``, and the guard ``[endpoints]`` and
        ``[network]`` open."""
        return cls(settings.http, guard=AddressGuard.from_settings(settings), warc=warc)

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- public API ------------------------------------------------------------------

    def budget(self) -> TimeBudget:
        """A fresh time budget for one URL (``http.url_budget_seconds``), to share between
        the requests that fetching it takes."""
        return TimeBudget(self.settings.url_budget_seconds)

    async def get(self, request: Request, *, budget: TimeBudget | None = None) -> Response:
        response, _ = await self.get_with_evidence(request, budget=budget)
        return response

    async def get_with_evidence(
        self, request: Request, *, budget: TimeBudget | None = None
    ) -> tuple[Response, ResponseEvidence]:
        """Perform ``request``, following redirects; write it to WARC when enabled.

        Any final status comes back as a response except 429 and 5xx, which are retried
        and, once retries are exhausted, raise :class:`RetriesExhausted`.
        """
        url = without_userinfo(request.url)
        if url != request.url:
            request = dataclasses.replace(request, url=url)
        headers = self._headers(request.browser, request.headers)
        hops = await self._follow(url, headers, budget or self.budget())
        ref = await self._record(hops)
        final = hops[-1]
        response = Response(
            request=request,
            status=final.status,
            url=final.url,
            headers=final.headers,
            body=final.body,
            received_at=final.received_at,
        )
        evidence = ResponseEvidence(
            purpose=request.purpose,
            request_url=request.url,
            final_url=final.url,
            status=final.status,
            content_type=final.headers.get("content-type"),
            body=final.body,
            sha256=sha256_hex(final.body),
            received_at=final.received_at,
            warc=ref,
        )
        return response, evidence

    async def resolve(
        self,
        url: str,
        *,
        stop_at: Callable[[str], bool] | None = None,
        budget: TimeBudget | None = None,
    ) -> str:
        """Where a short link leads: its redirects (and a meta refresh) followed.

        ``stop_at(location)`` true ends the walk at that location without fetching it
        (the runner stops at the first URL that is no longer a short link).
        """
        url = without_userinfo(url)
        hops = await self._follow(
            url,
            self._headers(False, ()),
            budget or self.budget(),
            meta_refresh=True,
            stop_at=stop_at,
        )
        await self._record(hops)
        last = hops[-1]
        if len(hops) == 1 and last.location is None and last.status >= 400:
            raise FetchError(
                f"short link {url} answered HTTP {last.status} without redirecting; "
                "it may be dead — try the full URL instead",
                url=url,
                status=last.status,
            )
        return last.location or last.url

    async def download(
        self,
        url: str,
        *,
        max_bytes: int,
        allowed_types: Sequence[str],
        directory: Path | None = None,
        budget: TimeBudget | None = None,
    ) -> Download:
        """Fetch a media file: type and size checked, SHA-256 computed while it streams.

        Kept in memory, or in a temporary file in ``directory`` when one is given.
        """
        policy = MediaPolicy(max_bytes, tuple(t.lower() for t in allowed_types), directory)
        url = without_userinfo(url)
        hops = await self._follow(
            url, self._headers(False, ()), budget or self.budget(), media=policy
        )
        download = hops[-1].download
        assert download is not None
        return download

    async def post(self, url: str, body: bytes, *, content_type: str, accept: str) -> Response:
        """POST ``body`` to a service (an RFC 3161 time-stamp query) and return its answer.

        Same limits, retries and politeness as a GET; never redirected (a redirect comes
        back as the response) and not written to WARC: what archiver asks a service is
        its own question, not evidence of a post.
        """
        headers = self._headers(False, (("Content-Type", content_type), ("Accept", accept)))
        hop = await self._fetch(url, headers, None, self.budget(), content=body)
        return Response(
            request=Request(url, purpose="post"),
            status=hop.status,
            url=hop.url,
            headers=hop.headers,
            body=hop.body,
            received_at=hop.received_at,
        )

    # -- redirects and retries -------------------------------------------------------

    def _headers(self, browser: bool, extra: Sequence[tuple[str, str]]) -> dict[str, str]:
        headers: dict[str, str] = {}
        if browser:
            headers = {"User-Agent": self.settings.browser_user_agent, "Accept": _BROWSER_ACCEPT}
        headers.update(extra)
        headers["Accept-Encoding"] = ACCEPT_ENCODING
        return headers

    async def _follow(
        self,
        url: str,
        headers: dict[str, str],
        budget: TimeBudget,
        *,
        media: MediaPolicy | None = None,
        meta_refresh: bool = False,
        stop_at: Callable[[str], bool] | None = None,
    ) -> list[Hop]:
        hops: list[Hop] = []
        current = url
        while True:
            hop = await self._fetch(current, headers, media, budget)
            if hop.location is None and meta_refresh:
                hop.location = meta_refresh_target(hop)
            if hop.location is not None:
                hop.location = without_userinfo(hop.location)
            hops.append(hop)
            if hop.location is None or (stop_at is not None and stop_at(hop.location)):
                return hops
            if len(hops) > self.settings.max_redirects:
                looped = len({h.url for h in hops}) < len(hops)
                raise FetchError(
                    f"too many redirects (over {self.settings.max_redirects}) from {url}, "
                    f"last to {hop.location}{' (a redirect loop)' if looped else ''}; "
                    "open it in a browser to check",
                    url=url,
                    status=hop.status,
                )
            current = hop.location

    async def _fetch(
        self,
        url: str,
        headers: dict[str, str],
        media: MediaPolicy | None,
        budget: TimeBudget,
        *,
        content: bytes | None = None,
    ) -> Hop:
        """One hop (a POST of ``content`` when given), every attempt in one loop (see
        :mod:`archiver.net.retries`)."""
        method = "GET" if content is None else "POST"
        try:
            self.guard.check_url(url)
            return await self.retries.run(
                url,
                budget,
                lambda number: self._attempt(url, headers, media, number, budget, content),
                method=method,
            )
        except AddressRefused as refused:
            raise FetchError(f"refused {url}: {refused}", url=url) from refused

    # -- one attempt -----------------------------------------------------------------

    async def _attempt(
        self,
        url: str,
        headers: dict[str, str],
        media: MediaPolicy | None,
        attempt: int,
        budget: TimeBudget,
        content: bytes | None = None,
    ) -> Hop:
        method = "GET" if content is None else "POST"
        async with self.gate.slot(url):
            budget.start()
            seconds = self.retries.deadline(budget)
            if seconds <= 0:  # nothing left: not one byte is sent
                raise self.retries.overran(seconds)
            deadline = asyncio.timeout(seconds)
            try:
                async with (
                    deadline,
                    self._client.stream(method, url, headers=headers, content=content) as response,
                ):
                    return await self._answers.read(url, response, media, attempt)
            except TimeoutError as exc:
                if not deadline.expired():
                    raise
                raise self.retries.overran(seconds) from exc
            except httpx.TimeoutException as exc:
                advice = "try again later or raise http.timeout_seconds"
                raise TransientError(f"timed out ({type(exc).__name__})", advice=advice) from exc
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                raise TransientError(f"connection failed ({exc or type(exc).__name__})") from exc
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise FetchError(f"cannot fetch {url!r}: {exc}; check the URL", url=url) from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"GET {url} failed: {exc}", url=url) from exc

    async def _record(self, hops: list[Hop]) -> WarcRef | None:
        """Write every hop (redirects too) to WARC and return the final one's reference.

        Small bodies are written in place (~0.2 ms; a thread hand-off would cost more);
        large ones in a worker thread, so compressing them does not stall other requests.
        """
        warc = self.warc
        exchanges = [hop.exchange for hop in hops if hop.exchange is not None]
        if warc is None or not exchanges:
            return None
        if sum(len(e.payload) for e in exchanges) < _INLINE_WARC_BYTES:
            return [warc.write_exchange(e) for e in exchanges][-1]
        refs = await asyncio.to_thread(lambda: [warc.write_exchange(e) for e in exchanges])
        return refs[-1]
