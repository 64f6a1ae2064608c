"""Running a recheck: posts streamed from the store, fetched through the one HTTP client,
read as verdicts, and written back as check rows in batches.

A run is recorded before it starts, every batch is committed as it fills, and a batch
in flight is committed even on Ctrl-C; so an interrupted run keeps what it checked and
the same command run again continues it (posts already checked in the run are skipped).
Memory stays flat: the selection is paged, ``fetch_many`` keeps a bounded number of
fetches in flight, and each batch is written and dropped.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import aclosing, nullcontext
from dataclasses import dataclass, field
from functools import partial

from archiver.config import Settings
from archiver.ingest.urls import observation_of
from archiver.net.client import HttpClient
from archiver.net.fetch import FetchResult, fetch_many
from archiver.net.warc import WarcWriter
from archiver.platforms.registry import REGISTRY, Registry
from archiver.recheck.copies import CopiesSummary, find_copies_for_run
from archiver.recheck.outcomes import (
    UNFETCHABLE_PREFIX,
    UNFETCHABLE_REASON,
    Verdict,
    classify,
    previous_outcome,
)
from archiver.recheck.selection import Selection, resolve_targets
from archiver.record import utc_now
from archiver.store import Archive, Observation, claims
from archiver.store.check_queries import (
    PostFilter,
    Target,
    claimed_targets,
    count_newly_gone,
    count_selected,
    iter_targets,
)
from archiver.store.checks import (
    NewCheck,
    StatusChange,
    capture_ids,
    end_run,
    run_counts,
    selection_key,
    start_run,
    unfinished_run,
    write_checks,
)
from archiver.store.tables import RecheckRun


@dataclass(frozen=True)
class CheckReport:
    """One post's check as it completes (``outcome`` ``skipped`` for posts not fetchable)."""

    key: str
    url: str
    outcome: str
    previous: str | None
    detail: str | None = None


Progress = Callable[[CheckReport], None]


@dataclass(frozen=True)
class RecheckPlan:
    """A run about to start or continue, and how many posts it still has to check."""

    run: RecheckRun
    resumed: bool
    selection: Selection
    post_filter: PostFilter
    total: int
    already_checked: int

    @property
    def run_id(self) -> int:
        assert self.run.id is not None
        return self.run.id


@dataclass
class RecheckSummary:
    run_id: int
    resumed: bool
    #: Outcomes of this invocation's checks (plus ``skipped``).
    counts: dict[str, int] = field(default_factory=dict)
    #: Outcomes of every check of the run, including a resumed run's earlier part.
    run_counts: dict[str, int] = field(default_factory=dict)
    newly_gone: int = 0
    finished: bool = False
    copies: CopiesSummary | None = None

    @property
    def errors(self) -> int:
        return self.run_counts.get("error", 0)

    def count(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1


def plan_recheck(archive: Archive, selection: Selection, *, restart: bool = False) -> RecheckPlan:
    """Start a run of ``selection``, or continue its unfinished one (unless ``restart``)."""
    selection.validate()
    keys = resolve_targets(archive, selection.targets)
    identity = selection.identity(keys)
    # Workers started together on a shared archive make one run and join it.
    with claims.exclusive(archive.engine, f"recheck {selection_key(identity)}"):
        run = unfinished_run(archive, identity)
        if run is not None and restart:
            assert run.id is not None
            end_run(archive, run.id, "abandoned")
            run = None
        resumed = run is not None
        if run is None:
            run = start_run(archive, identity)
    assert run.id is not None
    base = selection.post_filter(keys)
    remaining = dataclasses.replace(base, not_in_run=run.id)
    done = sum(run_counts(archive, run.id).values()) if resumed else 0
    return RecheckPlan(run, resumed, selection, remaining, count_selected(archive, remaining), done)


def run_recheck(
    archive: Archive,
    settings: Settings,
    plan: RecheckPlan,
    *,
    progress: Progress | None = None,
    find_copies: bool = False,
    router: Registry = REGISTRY,
    batch_size: int = 200,
    warc: bool = True,
) -> RecheckSummary:
    """Check every post of ``plan``; on KeyboardInterrupt the batch in flight is kept."""
    summary = RecheckSummary(plan.run_id, plan.resumed)
    asyncio.run(
        _run(archive, settings, plan, summary, progress, find_copies, router, batch_size, warc)
    )
    end_run(archive, plan.run_id)
    summary.finished = True
    summary.run_counts = run_counts(archive, plan.run_id)
    summary.newly_gone = count_newly_gone(archive, plan.run_id)
    return summary


def recheck(
    archive: Archive,
    settings: Settings,
    selection: Selection,
    *,
    restart: bool = False,
    progress: Progress | None = None,
    find_copies: bool = False,
    router: Registry = REGISTRY,
    batch_size: int = 200,
) -> RecheckSummary:
    """Plan and run in one call (see :func:`plan_recheck` and :func:`run_recheck`)."""
    plan = plan_recheck(archive, selection, restart=restart)
    return run_recheck(
        archive,
        settings,
        plan,
        progress=progress,
        find_copies=find_copies,
        router=router,
        batch_size=batch_size,
    )


async def _run(
    archive: Archive,
    settings: Settings,
    plan: RecheckPlan,
    summary: RecheckSummary,
    progress: Progress | None,
    find_copies: bool,
    router: Registry,
    batch_size: int,
    warc: bool,
) -> None:
    writer = WarcWriter(archive.home, folder=archive.warc_dir) if warc else None
    shared = None
    if archive.postgres:  # claimed a write batch at a time, among other workers
        shared = claims.Share(f"recheck:{plan.run_id}", settings.store.lease_seconds, batch_size)
    batch = _Batch(archive, plan.run_id, batch_size, shared)
    in_flight: dict[str, deque[Target]] = {}

    def report(item: CheckReport) -> None:
        summary.count(item.outcome)
        if progress is not None:
            progress(item)

    claimed = [0]

    def urls() -> Iterator[str]:
        if shared is None:
            targets = iter_targets(archive, plan.post_filter, plan.run.baseline_capture_id)
        else:
            targets = claimed_targets(
                archive, plan.post_filter, plan.run.baseline_capture_id, shared
            )
        for target in targets:
            claimed[0] += 1
            if target.post_id.startswith(UNFETCHABLE_PREFIX):
                previous = previous_outcome(target)
                report(CheckReport(target.key, target.url, "skipped", previous, UNFETCHABLE_REASON))
                if shared is not None:
                    shared.finish(archive.engine, [target.key])
                continue
            in_flight.setdefault(target.url, deque()).append(target)
            yield target.url

    renewing = nullcontext() if shared is None else shared.renewing(archive.engine)
    try:
        async with HttpClient.for_settings(settings, warc=writer) as client:
            with renewing:  # a live worker keeps its claims, however long a batch takes
                while True:  # one pass; more while other workers hold batches that may free
                    claimed[0] = 0
                    await _pass(urls(), client, settings, router, batch, in_flight, report)
                    if shared is None:
                        break
                    if not shared.keep_going(archive.engine, claimed[0]):
                        shared.close(archive.engine)
                        break
                    if not claimed[0]:  # others' claims are live: ask again in a moment
                        await asyncio.sleep(claims.POLL_SECONDS)
            if find_copies:
                summary.copies = await find_copies_for_run(
                    archive, client, settings.endpoints, plan.run_id
                )
    finally:
        if writer is not None:
            writer.close()


async def _pass(
    urls: Iterator[str],
    client: HttpClient,
    settings: Settings,
    router: Registry,
    batch: _Batch,
    in_flight: dict[str, deque[Target]],
    report: Callable[[CheckReport], None],
) -> None:
    try:
        stream = fetch_many(urls, client, settings.endpoints, router=router)
        async with aclosing(stream):  # on an interrupt, fetches in flight are cancelled
            async for result in stream:
                target = _take(in_flight, result.url)
                verdict = classify(target, result)
                batch.add(target, result, verdict)
                report(
                    CheckReport(
                        target.key, target.url, verdict.outcome, verdict.previous, verdict.detail
                    )
                )
                if batch.full:
                    batch.flush()
    finally:
        batch.flush()  # also on Ctrl-C: what was checked is kept


def _take(in_flight: dict[str, deque[Target]], url: str) -> Target:
    waiting = in_flight[url]
    target = waiting.popleft()
    if not waiting:
        del in_flight[url]
    return target


@dataclass
class _Pending:
    target: Target
    verdict: Verdict
    check: NewCheck
    observation: Observation | None


class _Batch:
    """Checks waiting to be written; one flush = captures, then checks and statuses."""

    def __init__(
        self, archive: Archive, run_id: int, size: int, shared: claims.Share | None = None
    ) -> None:
        #: On a shared archive, the claims the batch's posts are marked done in.
        self.shared = shared
        self.archive = archive
        self.run_id = run_id
        self.size = size
        self.items: list[_Pending] = []

    @property
    def full(self) -> bool:
        return len(self.items) >= self.size

    def add(self, target: Target, result: FetchResult, verdict: Verdict) -> None:
        last = result.evidence[-1] if result.evidence else None
        observation = _observation(target, result) if verdict.store else None
        check = NewCheck(
            post_key=target.key,
            run_id=self.run_id,
            checked_at=last.received_at if last else utc_now(),
            outcome=verdict.outcome,
            previous_outcome=verdict.previous,
            http_status=verdict.http_status,
            reason=verdict.reason,
            detail=verdict.detail,
            method=verdict.method,
            source=last.final_url if last else None,
            content_hash=verdict.content_hash,
            raw_sha256=last.sha256 if last else None,
            warc_file=last.warc.file if last and last.warc else None,
            warc_offset=last.warc.offset if last and last.warc else None,
        )
        self.items.append(_Pending(target, verdict, check, observation))

    def flush(self) -> None:
        items, self.items = self.items, []
        if not items:
            return
        observations = [item.observation for item in items if item.observation is not None]
        ids = {}
        if observations:
            self.archive.add(observations)
            ids = capture_ids(self.archive, sorted({obs.key for obs in observations}))
        checks: list[NewCheck] = []
        statuses: list[StatusChange] = []
        for item in items:
            check = item.check
            obs = item.observation
            if obs is not None:
                capture_id = ids.get((obs.key, obs.method, obs.source, obs.raw_sha256))
                check = dataclasses.replace(check, capture_id=capture_id)
            checks.append(check)
            verdict = item.verdict
            if verdict.definitive and verdict.previous != _outcome_class(verdict):
                statuses.append(StatusChange(item.target.key, verdict.status, _detail(verdict)))
        done = None
        if self.shared is not None:  # done in the checks' own transaction: both or neither
            keys = [item.target.key for item in items]
            done = partial(self.shared.finish, items=keys)
        write_checks(self.archive, checks, statuses, then=done)


def _outcome_class(verdict: Verdict) -> str:
    return "available" if verdict.outcome == "changed" else verdict.outcome


def _detail(verdict: Verdict) -> str | None:
    return None if verdict.status == "archived" else verdict.detail


def _observation(target: Target, result: FetchResult) -> Observation | None:
    """The fetch as a capture of the *stored* post (never a new post under another key)."""
    observation = observation_of(result)
    if observation is None:
        return None
    if observation.post is not None:
        return observation if observation.key == target.key else None
    return dataclasses.replace(
        observation,
        key=target.key,
        platform=target.platform,
        post_id=target.post_id,
        url=target.url,
    )
