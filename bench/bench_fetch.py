"""Benchmark the fetch runner: throughput against the ideal, and memory as batches grow.

A local asyncio HTTP server (its own process) answers every request after 50 ms, so
the ideal wall time of a batch is URLs × 50 ms / concurrency; the client's efficiency
is ideal / measured. Every scenario runs in a fresh process, so peak RSS is its own.

    .venv/bin/python bench/bench_fetch.py            # print a Markdown table
    .venv/bin/python bench/bench_fetch.py --write    # and update docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from local_server import (  # noqa: E402
    DELAY,
    HOST,
    BenchPlatform,
    aiohttp_batch,
    item_id,
    item_url,
    serve,
)

from archiver.config import load_settings  # noqa: E402
from archiver.net.client import HttpClient  # noqa: E402
from archiver.net.fetch import fetch_many  # noqa: E402
from archiver.net.guard import AddressGuard  # noqa: E402
from archiver.net.warc import WarcWriter  # noqa: E402
from archiver.platforms.registry import Registry  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:fetch -->", "<!-- /bench:fetch -->"


# -- what the server answers ---------------------------------------------------------


def respond(path: str) -> tuple[int, bytes]:
    """Every item exists: a post whose text names its path."""
    return 200, json.dumps({"id": item_id(path), "text": f"Post at {path}"}).encode()


@dataclass
class Run:
    label: str
    concurrency: int
    urls: int
    wall: float
    cpu: float
    archived: int
    peak_rss_mb: float
    traced_peak_mb: float | None

    @property
    def ideal(self) -> float:
        return self.urls * DELAY / self.concurrency

    @property
    def efficiency(self) -> float:
        return self.ideal / self.wall


async def _batch(port: int, concurrency: int, count: int, home: Path | None) -> int:
    settings = load_settings()
    http = settings.http.model_copy(
        update={"concurrency": concurrency, "per_host_concurrency": concurrency}
    )
    urls = (item_url(port, n) for n in range(count))
    writer = WarcWriter(home) if home is not None else None
    archived = 0
    # The server stands in for an endpoint of [endpoints]: trusted as written.
    guard = AddressGuard(trusted=frozenset({(HOST, port)}))
    async with HttpClient(http, guard=guard, warc=writer) as client:
        stream = fetch_many(urls, client, settings.endpoints, router=Registry([BenchPlatform()]))
        async for result in stream:
            archived += result.status == "archived"
    if writer is not None:
        writer.close()
    return archived


async def _httpx_batch(port: int, concurrency: int, count: int, home: Path | None) -> int:
    """What keeping httpx's API costs at least: the aiohttp baseline's work through a bare
    ``httpx.AsyncClient`` over archiver's transport (its pools, the address guard, asyncio
    streams), without the rest of archiver's client (politeness, retries, body caps, WARC)
    or the platform and record work of ``fetch_many``."""
    import httpx

    from archiver.net.transport import ShardedTransport

    gate = asyncio.Semaphore(concurrency)
    guard = AddressGuard(trusted=frozenset({(HOST, port)}))
    transport = ShardedTransport(concurrency, concurrency, guard)

    async def one(client: httpx.AsyncClient, url: str) -> int:
        async with gate:
            response = await client.get(url)
            return int(response.status_code == 200 and "text" in json.loads(response.content))

    async with httpx.AsyncClient(transport=transport) as client:
        done = await asyncio.gather(*(one(client, item_url(port, n)) for n in range(count)))
    return sum(done)


BATCHES = {"archiver": _batch, "aiohttp": aiohttp_batch, "httpx": _httpx_batch}
HTTPX: dict[str, Any] = {
    "warc": False,
    "trace": False,
    "label": "bare httpx, archiver's transport",
    "client": "httpx",
}
AIOHTTP: dict[str, Any] = {
    "warc": False,
    "trace": False,
    "label": "bare aiohttp",
    "client": "aiohttp",
}
#: URLs at concurrency 256: twenty rounds (ideal 1 s), enough to reach a steady state.
WIDE_URLS = 5120


def _scenario(
    port: int,
    concurrency: int,
    count: int,
    *,
    warc: bool,
    trace: bool,
    label: str,
    client: str = "archiver",
) -> Run:
    """One batch in this (fresh) process, after a warm-up batch of ``concurrency`` URLs
    that pays the one-off costs (lazy imports, first connections' code paths)."""
    batch = BATCHES[client]
    with tempfile.TemporaryDirectory() as home:
        asyncio.run(batch(port, concurrency, concurrency, None))
        if trace:
            tracemalloc.start()
        started, cpu = time.perf_counter(), time.process_time()
        archived = asyncio.run(batch(port, concurrency, count, Path(home) if warc else None))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Run(label, concurrency, count, wall, cpu, archived, rss, traced)


def _in_fresh_process(port: int, concurrency: int, count: int, **kw: object) -> Run:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_scenario, port, concurrency, count, **kw).result()


def _best_of(repeat: int, port: int, concurrency: int, count: int, **kw: object) -> Run:
    """The fastest of ``repeat`` runs: other processes on the machine only ever slow a run."""
    runs = [_in_fresh_process(port, concurrency, count, **kw) for _ in range(repeat)]
    return min(runs, key=lambda run: run.wall)


async def _server_baseline(port: int, concurrency: int, count: int) -> float:
    """Efficiency of a bare keep-alive client, to show the server is not the bottleneck."""

    async def worker(share: int) -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        for n in range(share):
            writer.write(f"GET /item/{n} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(count // concurrency) for _ in range(concurrency)))
    return (count * DELAY / concurrency) / (time.perf_counter() - started)


def _table(runs: list[Run], baseline: float, repeat: int) -> str:
    lines = [
        "| scenario | concurrency | URLs | wall (s) | ideal (s) | efficiency | client CPU "
        "per URL (ms) | archived | peak RSS (MB) | traced peak (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        traced = f"{run.traced_peak_mb:.1f}" if run.traced_peak_mb is not None else "–"
        lines.append(
            f"| {run.label} | {run.concurrency} | {run.urls:,} | {run.wall:.2f} | "
            f"{run.ideal:.2f} | {run.efficiency:.0%} | {run.cpu / run.urls * 1000:.2f} | "
            f"{run.archived:,} | {run.peak_rss_mb:.0f} | {traced} |"
        )
    lines += [
        "",
        f"Throughput rows: best of {repeat} runs. Memory rows: one run each, under "
        "tracemalloc (so their wall times are not comparable); compare their peaks "
        "across batch sizes.",
        "",
        f"Server check: a bare keep-alive asyncio client reaches {baseline:.0%} of ideal "
        "at concurrency 64 (2,000 requests), so the server is not the bottleneck.",
    ]
    return "\n".join(lines)


READING = """\
Reading: the goal was a client within 1.5x of a bare aiohttp client's CPU per URL, and 80%
of ideal at concurrency 256. Neither is met: at concurrency 256 archiver's client costs
about 4x aiohttp's CPU per URL, and on this shared 2-CPU machine every client here is
CPU-bound (wall time follows CPU per URL and the load other jobs put on the machine, so
efficiency is far below what the same client reaches on a quiet one). What the client's
CPU goes to, from profiles of 3,000 URLs at concurrency 256:

- **httpx's own client layer** (building the request, merging headers, the response
  model, stream wrappers): about 0.13 ms a request even over a transport that does
  nothing, already 60% of aiohttp's whole request.
- **httpcore's pool and h11** (locks and cancel-shielding through anyio on every request
  and every release, the scan of connections, h11's event machine): the largest share,
  about half of the client's CPU. The bare httpx row, which does none of archiver's own
  work, is no cheaper than archiver's client within this machine's noise.
- **archiver's own work** (politeness slots, retries and deadlines, body caps, routing,
  the record and its content hash): about 0.2 ms a URL.
- **WARC**: 0.15-0.3 ms a URL, most of it warcio building each record (block and payload
  digests, header handling) and a gzip member per record at level 9; bodies over 256 KiB
  are already written in a worker thread, and a thread hand-off costs more than writing a
  small record in place.

This change moved the bytes from anyio's streams to asyncio's own transports below the
address guard (`AsyncioBackend` in archiver/net/transport.py): interleaved in one
process, 3,000 URLs at concurrency 256, 0.96 ms of CPU per URL against 1.26 ms (-24%).
Coming within 1.5x of aiohttp needs a transport that replaces httpcore (an
aiohttp-backed httpx transport, with the address guard as its resolver and a check of
each connected peer); even then httpx's layer and archiver's own work would stay, about
0.35 ms a URL, so the client would land near 2.5x aiohttp's CPU, not 1.5x."""


def _write_doc(table: str) -> None:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    section = (
        f"{START}\n## Fetch runner (`bench/bench_fetch.py`)\n\n"
        "A local asyncio server (its own process, 127.0.0.1) answers each request after "
        "50 ms; ideal = URLs × 50 ms / concurrency; efficiency = ideal / wall. Each "
        "scenario runs in a fresh process (so peak RSS is its own) after a warm-up batch; "
        "the client is a simple JSON platform through `fetch_many` (routing, one request, "
        f"a `Post` with its content hash). Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs. In the same run, two baselines GET the same URLs and read "
        "each JSON answer, nothing more: a bare aiohttp client, and a bare `httpx.AsyncClient` "
        "over archiver's own transport (its sharded pools, the address guard, asyncio "
        "streams), which is what keeping httpx's API costs at least."
        f"\n\n{table}\n\nMachine load average when the runs ended: "
        f"{load} ({os.cpu_count()} CPUs, shared with other jobs).\n\n{READING}\n{END}"
    )
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"update {DOC.relative_to(ROOT)}")
    parser.add_argument("--urls", type=int, default=2000, help="URLs at concurrency 16 and 64")
    parser.add_argument("--repeat", type=int, default=3, help="runs per throughput row")
    parser.add_argument("--json", action="store_true", help="also print the runs as JSON")
    parser.add_argument(
        "--wide-only", action="store_true", help="only the concurrency-256 rows, side by side"
    )
    args = parser.parse_args()

    with serve(respond) as port:
        baseline = asyncio.run(_server_baseline(port, 64, 2000))
        best = args.repeat
        runs: list[Run] = []
        if not args.wide_only:
            runs += [
                _best_of(best, port, 1, 200, warc=False, trace=False, label="throughput"),
                _best_of(best, port, 16, args.urls, warc=False, trace=False, label="throughput"),
                _best_of(best, port, 64, args.urls, warc=False, trace=False, label="throughput"),
                _best_of(best, port, 64, args.urls, warc=True, trace=False, label="with WARC"),
                _best_of(best, port, 64, args.urls, **AIOHTTP),
            ]
        runs += [
            _best_of(best, port, 256, WIDE_URLS, warc=False, trace=False, label="throughput"),
            _best_of(best, port, 256, WIDE_URLS, warc=True, trace=False, label="with WARC"),
            _best_of(best, port, 256, WIDE_URLS, **HTTPX),
            _best_of(best, port, 256, WIDE_URLS, **AIOHTTP),
        ]
        if not args.wide_only:
            runs += [
                _in_fresh_process(port, 64, 1000, warc=False, trace=True, label="memory"),
                _in_fresh_process(port, 64, 4000, warc=False, trace=True, label="memory"),
            ]
    table = _table(runs, baseline, args.repeat)
    print(table)
    if args.json:
        print(json.dumps([asdict(run) | {"efficiency": run.efficiency} for run in runs]))
    if args.write:
        _write_doc(table)
        print(f"\nupdated {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
