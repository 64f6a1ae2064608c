"""Benchmark the store on SQLite and PostgreSQL: rechecks and adds by one and three workers,
search.

Workers: each job by 1 worker on SQLite, and by 1 and 3 workers (each its own process,
sharing the job through claims) on a throwaway PostgreSQL cluster
(``scripts/pg_test_server.py``), against the local server of ``bench_recheck.py`` (its own
process, every answer after 50 ms). Recheck: that benchmark's archive of N posts (a post
row and an ``api`` capture each). Add: ``add_urls`` (what ``add --from`` runs) of a list of
N page URLs of the same server into an empty archive, each page stored as ``add`` stores
an article. What is measured is the sharing, so the runs are bound by the server's
latency, not by CPU: each worker keeps ``--concurrency`` requests in flight (by default 8
for a recheck and 1 for an add, a quarter of a core each here), the ideal wall time is
N × 50 ms / (concurrency × workers), efficiency is ideal / measured and speed-up is one
worker's wall time / three workers'; each worker's CPU share is printed beside them, to
show whether that held. The clock starts once every worker has started and imported, and
stops when the last one ends. After every run the benchmark asserts, and prints, that
each URL was asked for exactly once (the server's own tally) and each post checked (a
check row) or captured exactly once (the archive's rows).

Search: N posts of six words each from a vocabulary of 2,000 (Zipf-like: a few words
common, most rare), indexed by the store's own ``reindex_posts`` (on PostgreSQL the posts
come in by ``COPY`` and the store's GIN index is made after the load); then 200 one- and
two-word queries (the same on both engines), each timed from the query to its top 50 posts.

    .venv/bin/python bench/bench_store.py --quick   # 2,000 rechecked, 500 added, 20,000 searched
    .venv/bin/python bench/bench_store.py           # 100,000, 100,000 and 200,000
    .venv/bin/python bench/bench_store.py --recheck-posts 10000 --add-posts 0 --search-posts 0
    .venv/bin/python bench/bench_store.py --write   # and update docs/benchmarks.md
    .venv/bin/python bench/bench_store.py --search-only --search-posts 1000000 --write
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))

import pg_test_server  # noqa: E402
from bench_recheck import build, respond  # noqa: E402
from benchdoc import DOC, write_section  # noqa: E402
from local_server import (  # noqa: E402
    DELAY,
    BenchPlatform,
    item_id,
    item_url,
    request_counts,
    serve,
)

from archiver.config import load_settings  # noqa: E402
from archiver.ingest.urls import add_urls  # noqa: E402
from archiver.platforms.registry import Registry  # noqa: E402
from archiver.recheck import Selection, plan_recheck, run_recheck  # noqa: E402
from archiver.store import Archive, PostRow  # noqa: E402
from archiver.store.fts import ensure_fts, reindex_posts  # noqa: E402

# -- recheck and add, by one worker and by several -------------------------------------

#: Requests each worker keeps in flight (``--concurrency`` sets both), so that one worker
#: uses well under a third of a core and three of them (with the database server) fit on
#: this machine's 2 cores: the runs are bound by the server's 50 ms, and measure the
#: sharing. A recheck costs a worker about 2 ms of CPU a post (8 in flight: 160 posts a
#: second, a quarter of a core); an add about 12 ms a page (the page parsed, the record
#: built and indexed, response and blobs written), so one in flight is already a quarter.
WORKER_CONCURRENCY = {"recheck": 8, "add": 1}

#: What is timed: a recheck of a built archive, or an ``add`` of a list of page URLs.
Job = Literal["recheck", "add"]


def respond_store(path: str) -> tuple[int, bytes]:
    """The recheck benchmark's items; for ``/page/<n>``, a short article to add."""
    if not path.startswith("/page/"):
        return respond(path)
    number = item_id(path)
    return 200, (
        f"<html><head><title>Harbour notice {number}</title></head><body><article>"
        f"<h1>Harbour notice {number}</h1><p>Notice {number}: the ferry runs to the winter "
        "timetable from Monday; the slipway stays closed to cars.</p></article></body></html>"
    ).encode()


def page_url(port: int, number: int) -> str:
    return item_url(port, number).replace("/item/", "/page/")


@dataclass(frozen=True)
class Workers:
    """``workers`` processes doing one ``job`` of ``posts`` posts on one archive."""

    job: Job
    engine: str
    url: str | None
    workers: int
    posts: int
    concurrency: int


@dataclass
class Measured:
    run: Workers
    wall: float
    #: CPU seconds of each worker process.
    cpu: list[float]
    #: How the run was checked: every URL asked for once, every post done once.
    once: str

    @property
    def ideal(self) -> float:
        return self.run.posts * DELAY / (self.run.concurrency * self.run.workers)

    @property
    def core_share(self) -> float:
        """The mean worker's CPU over the wall time: the share of a core it used."""
        return statistics.mean(self.cpu) / self.wall


def _worker(
    run: Workers,
    home: str,
    port: int,
    ready: threading.Barrier,
    cpu_out: multiprocessing.Queue[float],
) -> None:
    settings = load_settings()
    settings.http.concurrency = settings.http.per_host_concurrency = run.concurrency
    settings.network.allow_private_addresses = True
    ready.wait()  # every worker imported and configured: the clock starts
    started = time.process_time()
    with Archive(Path(home), url=run.url) as archive:
        if run.job == "recheck":
            plan = plan_recheck(archive, Selection(all=True))
            run_recheck(archive, settings, plan, router=Registry([BenchPlatform()]))
        else:
            add_urls(archive, settings, [page_url(port, n) for n in range(run.posts)])
    cpu_out.put(time.process_time() - started)


def measure(run: Workers, port: int) -> Measured:
    """Wall time for ``run``'s processes on a fresh archive, from the moment all of them
    are started and ready (Python's start and imports are not what is measured) to the
    last one's end; then the check that every post was done exactly once (an
    ``AssertionError`` if not)."""
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as home:
        if run.job == "recheck":
            builder = context.Process(target=build, args=(home, port, run.posts, 5000, run.url))
            builder.start()
            builder.join()
        request_counts(port)  # from zero
        cpu_out: multiprocessing.Queue[float] = context.Queue()
        ready = context.Barrier(run.workers + 1)
        processes = [
            context.Process(target=_worker, args=(run, home, port, ready, cpu_out))
            for _ in range(run.workers)
        ]
        for process in processes:
            process.start()
        ready.wait(timeout=120)
        started = time.perf_counter()
        cpu = [cpu_out.get() for _ in processes]
        wall = time.perf_counter() - started
        for process in processes:
            process.join()
            assert process.exitcode == 0
        return Measured(run, wall, cpu, exactly_once(run, home, port))


def exactly_once(run: Workers, home: str, port: int) -> str:
    """Every URL was asked for once (the server's tally) and every post checked, or
    captured, once (the archive's rows); what was found, in words."""
    asked = request_counts(port)
    assert asked.requests == asked.paths == run.posts, f"asked for twice: {asked.repeated}"
    table = "checks" if run.job == "recheck" else "captures"
    with Archive(Path(home), url=run.url) as archive, archive.engine.connect() as connection:
        query = f"SELECT COUNT(*), COUNT(DISTINCT post_key) FROM {table}"
        rows, posts = connection.execute(text(query)).one()
    assert rows == posts == run.posts, f"{rows} {table} of {posts} posts, not {run.posts}"
    return f"{asked.requests:,} requests for {asked.paths:,} URLs; {rows:,} {table} of {posts:,}"


def workers_table(
    server: str, port: int, sizes: dict[Job, int], concurrency: int | None
) -> list[str]:
    """Each job by 1 worker on SQLite and by 1 and 3 on PostgreSQL, as table lines."""
    lines = [
        f"In flight = requests each worker keeps in flight; ideal = posts × "
        f"{DELAY * 1000:.0f} ms / (in flight × workers); efficiency = ideal / wall; speed-up "
        "= one worker's wall on the same engine / this one's; CPU = a worker's CPU time / "
        "wall (the share of a core it used).",
        "",
        "| job | engine | workers | in flight | posts | wall (s) | ideal (s) | efficiency "
        "| speed-up | CPU per worker | every post once |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for job, posts in sizes.items():
        in_flight = concurrency or WORKER_CONCURRENCY[job]
        walls: dict[str, float] = {}
        for engine, workers in (("SQLite", 1), ("PostgreSQL", 1), ("PostgreSQL", 3)):
            name = f"{job}{workers}" if engine == "PostgreSQL" else None
            url = _database(server, name) if name else None
            run = Workers(job, engine, url, workers, posts, in_flight)
            measured = measure(run, port)
            one = walls.setdefault(engine, measured.wall)
            line = (
                f"| {job} | {engine} | {workers} | {in_flight} | {posts:,} | {measured.wall:.1f} "
                f"| {measured.ideal:.1f} | {measured.ideal / measured.wall:.0%} "
                f"| {one / measured.wall:.2f}× | {measured.core_share:.0%} | {measured.once} |"
            )
            print(line, flush=True)
            lines.append(line)
    return lines


# -- search ----------------------------------------------------------------------------

_VOCABULARY = [f"w{n:04d}" for n in range(2000)]
_WEIGHTS = [1 / (rank + 1) for rank in range(len(_VOCABULARY))]


def fill_for_search(home: Path, url: str | None, count: int, batch: int = 20_000) -> None:
    """``count`` posts and their index entries, written by the store's own ``reindex_posts``
    in transactions of ``batch`` posts.

    On PostgreSQL the posts rows come in by ``COPY`` and the GIN index is dropped for the
    load and made again after it by the store's own DDL (``ensure_fts``), as any bulk load
    is done: the index searched is the one an archive has, built in one go.
    """
    chooser = random.Random(7)
    postgres = url is not None
    with Archive(home, url=url) as archive:
        if postgres:
            with archive.engine.begin() as connection:
                connection.execute(text("DROP INDEX ix_posts_fts_document"))
        for start in range(0, count, batch):
            rows = [
                _search_post(number, chooser) for number in range(start, min(count, start + batch))
            ]
            with archive.engine.begin() as connection:
                if postgres:
                    _copy_posts(connection, rows)
                else:
                    connection.execute(insert(PostRow), rows)
                reindex_posts(connection, rows)
        if postgres:
            with archive.engine.begin() as connection:
                ensure_fts(connection)
            with archive.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE posts, posts_fts")
                )


def _search_post(number: int, chooser: random.Random) -> dict[str, Any]:
    return {
        "key": f"web:{number}",
        "platform": "web",
        "post_id": str(number),
        "url": f"https://example.org/{number}",
        "text": " ".join(chooser.choices(_VOCABULARY, _WEIGHTS, k=6)),
        "status": "archived",
        "first_captured_at": "2026-01-05T10:00:00Z",
        "last_captured_at": "2026-01-05T10:00:00Z",
        "capture_count": 1,
    }


def _copy_posts(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """``rows`` into ``posts`` by PostgreSQL's ``COPY`` (columns left out take defaults)."""
    columns = list(rows[0])
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY posts ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def search_latency(home: Path, url: str | None) -> tuple[float, float, float]:
    """p50, p95 and the slowest of 200 searches, in milliseconds."""
    chooser = random.Random(11)
    queries = [
        " ".join(chooser.choices(_VOCABULARY[:500], k=chooser.choice((1, 2)))) for _ in range(200)
    ]
    timings = []
    with Archive(home, url=url) as archive:
        archive.search(queries[0])  # warm the cache
        for query in queries:
            started = time.perf_counter()
            archive.search(query, limit=50)
            timings.append(1000 * (time.perf_counter() - started))
    cuts = statistics.quantiles(timings, n=20)
    return statistics.median(timings), cuts[18], max(timings)


def search_table(server: str, count: int) -> str:
    """The search section: an archive of ``count`` posts built and searched on each engine."""
    lines = [
        f"### Search over {count:,} posts",
        "",
        "Posts of six words from a vocabulary of 2,000 (Zipf-like: the commonest word is in "
        "about half the posts), indexed by the store's own code; 200 queries of one or two "
        "words from the 500 commonest, each timed from `Archive.search` to its top 50 posts. "
        "Build: writing the posts and their index entries (PostgreSQL: `COPY`, GIN index made "
        "after the load). Load: the 1-minute load average when the engine's searches ended.",
        "",
        "| engine | build (s) | p50 (ms) | p95 (ms) | slowest (ms) | load |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for engine, name in (("SQLite", None), ("PostgreSQL", "s")):
        with tempfile.TemporaryDirectory() as home:
            url = _database(server, name) if name else None
            started = time.perf_counter()
            fill_for_search(Path(home), url, count)
            built = time.perf_counter() - started
            p50, p95, slowest = search_latency(Path(home), url)
            lines.append(
                f"| {engine} | {built:.0f} | {p50:.1f} | {p95:.1f} | {slowest:.0f} "
                f"| {os.getloadavg()[0]:.1f} |"
            )
    lines += ["", f"{os.cpu_count()} CPUs, shared with other jobs."]
    return "\n".join(lines)


def search_only(count: int, *, write: bool) -> None:
    folder = Path(tempfile.mkdtemp(prefix="archiver-pg-"))
    try:
        search = search_table(pg_test_server.start(folder), count)
    finally:
        pg_test_server.stop(folder)
    print(search)
    if write:
        write_section("store-search", search)


# -- the run ---------------------------------------------------------------------------


def _database(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--recheck-posts", type=int, help="0: no recheck runs")
    parser.add_argument("--add-posts", type=int, help="0: no add runs")
    parser.add_argument("--search-posts", type=int, help="0: no search runs")
    parser.add_argument("--search-only", action="store_true", help="skip the workers' runs")
    parser.add_argument(
        "--concurrency",
        type=int,
        help="requests in flight per worker (default: 8 for a recheck, 1 for an add)",
    )
    parser.add_argument("--write", action="store_true", help=f"update {DOC.relative_to(ROOT)}")
    args = parser.parse_args()
    sizes: dict[Job, int] = {
        "recheck": _size(args.recheck_posts, 2_000 if args.quick else 100_000),
        "add": _size(args.add_posts, 500 if args.quick else 100_000),
    }
    sizes = {job: posts for job, posts in sizes.items() if posts}
    searched = _size(args.search_posts, 20_000 if args.quick else 200_000)
    if args.search_only:
        search_only(searched, write=args.write)
        return

    started = _load()
    print(f"Machine load average at the start: {started}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="archiver-pg-"))
    server = pg_test_server.start(folder)
    try:
        with serve(respond_store) as port:
            lines = workers_table(server, port, sizes, args.concurrency)
        lines += [
            "",
            f"Machine load average when the runs started: {started}; when they ended: "
            f"{_load()} ({os.cpu_count()} CPUs).",
        ]
        search = search_table(server, searched) if searched else ""
    finally:
        pg_test_server.stop(folder)
    table = "\n".join(lines)
    print(table)
    print(search)
    if args.write:
        write_section("store", _INTRO + table)
        if search:
            write_section("store-search", search)


def _size(given: int | None, default: int) -> int:
    return default if given is None else given


def _load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


_INTRO = (
    "## Store engines and workers (`bench/bench_store.py`)\n\n"
    "Rechecks and adds (`add --from` a list of page URLs) by one worker on SQLite and by "
    "one and three workers (processes started together, sharing the job through claims) "
    "on a throwaway PostgreSQL cluster with durability off (`scripts/pg_test_server.py`), "
    "against the local server of the recheck benchmark, each worker with few requests in "
    "flight so that the runs are bound by the server's latency and measure the sharing; "
    "every run is checked for each URL asked for once and each post done once.\n\n"
)


if __name__ == "__main__":
    main()
