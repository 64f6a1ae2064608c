"""Benchmark the store on SQLite and PostgreSQL: rechecks by one and three workers, search.

Recheck: the archive of ``bench_recheck.py`` (N posts, each a post row and an ``api``
capture), rechecked against the same local server (its own process, every answer after
50 ms) by 1 worker on SQLite, and by 1 and 3 workers (each its own process, started
together) on a throwaway PostgreSQL cluster (``scripts/pg_test_server.py``). Each worker
keeps up to 64 requests in flight, so the ideal wall time is N × 50 ms / (64 × workers);
efficiency is ideal / measured, speed-up is one worker's wall time / three workers'.

Search: N posts of six words each from a vocabulary of 2,000 (Zipf-like: a few words
common, most rare), indexed by the store's own ``reindex_posts`` (on PostgreSQL the posts
come in by ``COPY`` and the store's GIN index is made after the load); then 200 one- and
two-word queries (the same on both engines), each timed from the query to its top 50 posts.

    .venv/bin/python bench/bench_store.py --quick         # 2,000-post rechecks, 20,000 searched
    .venv/bin/python bench/bench_store.py                 # 20,000 and 200,000
    .venv/bin/python bench/bench_store.py --write         # and update docs/benchmarks.md
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
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))

import pg_test_server  # noqa: E402
from bench_recheck import CONCURRENCY, build, respond  # noqa: E402
from benchdoc import DOC, write_section  # noqa: E402
from local_server import DELAY, BenchPlatform, serve  # noqa: E402

from archiver.config import load_settings  # noqa: E402
from archiver.platforms.registry import Registry  # noqa: E402
from archiver.recheck import Selection, plan_recheck, run_recheck  # noqa: E402
from archiver.store import Archive, PostRow  # noqa: E402
from archiver.store.fts import ensure_fts, reindex_posts  # noqa: E402

# -- recheck ---------------------------------------------------------------------------


def _worker(home: str, url: str | None) -> None:
    settings = load_settings()
    settings.http.concurrency = settings.http.per_host_concurrency = CONCURRENCY
    settings.network.allow_private_addresses = True
    with Archive(Path(home), url=url) as archive:
        plan = plan_recheck(archive, Selection(all=True))
        run_recheck(archive, settings, plan, router=Registry([BenchPlatform()]))


def recheck(port: int, count: int, url: str | None, workers: int) -> float:
    """Wall seconds for ``workers`` processes to recheck a fresh ``count``-post archive."""
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as home:
        builder = context.Process(target=build, args=(home, port, count, 5000, url))
        builder.start()
        builder.join()
        started = time.perf_counter()
        processes = [context.Process(target=_worker, args=(home, url)) for _ in range(workers)]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
            assert process.exitcode == 0
        return time.perf_counter() - started


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
    parser.add_argument("--recheck-posts", type=int)
    parser.add_argument("--search-posts", type=int)
    parser.add_argument("--search-only", action="store_true", help="skip the rechecks")
    parser.add_argument("--write", action="store_true", help=f"update {DOC.relative_to(ROOT)}")
    args = parser.parse_args()
    rechecked = args.recheck_posts or (2_000 if args.quick else 20_000)
    searched = args.search_posts or (20_000 if args.quick else 200_000)
    if args.search_only:
        search_only(searched, write=args.write)
        return

    folder = Path(tempfile.mkdtemp(prefix="archiver-pg-"))
    server = pg_test_server.start(folder)
    lines = [
        f"Recheck of {rechecked:,} posts (ideal = posts × {DELAY * 1000:.0f} ms / "
        f"({CONCURRENCY} × workers)):",
        "",
        "| engine | workers | wall (s) | ideal (s) | efficiency | speed-up |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    try:
        with serve(respond) as port:
            runs = [("SQLite", None, 1), ("PostgreSQL", "r1", 1), ("PostgreSQL", "r3", 3)]
            walls: dict[str, float] = {}
            for engine, name, workers in runs:
                url = _database(server, name) if name else None
                wall = walls[f"{engine}{workers}"] = recheck(port, rechecked, url, workers)
                ideal = rechecked * DELAY / (CONCURRENCY * workers)
                one = walls.get(f"{engine}1", wall)
                lines.append(
                    f"| {engine} | {workers} | {wall:.1f} | {ideal:.1f} | {ideal / wall:.0%} "
                    f"| {one / wall:.2f}× |"
                )
        search = search_table(server, searched)
    finally:
        pg_test_server.stop(folder)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines += ["", f"Machine load average when the runs ended: {load} ({os.cpu_count()} CPUs)."]
    table = "\n".join(lines)
    print(table)
    print(search)
    if args.write:
        write_section("store", _INTRO + table)
        write_section("store-search", search)


_INTRO = (
    "## Store engines and workers (`bench/bench_store.py`)\n\n"
    "Rechecks by one worker on SQLite and by one and three workers (processes started "
    "together, sharing the run through claims) on a throwaway PostgreSQL cluster with "
    "durability off (`scripts/pg_test_server.py`), against the local server of the "
    "recheck benchmark.\n\n"
)


if __name__ == "__main__":
    main()
