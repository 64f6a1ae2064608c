"""Benchmark proof of when: the Merkle tree of a run, stamping it, and verifying a bundle.

1. The tree of N captures: every leaf hashed from its raw SHA-256 and content hash, the
   tree built, and every capture's inclusion path cut out (what a run's end computes).
   Best of 3, in memory, for 10,000, 100,000 and 1,000,000 captures.
2. A whole run's stamping, end to end, on an archive of 100,000 unstamped captures:
   the query for them, the tree, one request to a local TSA (the test suite's, on
   127.0.0.1, signing with a throwaway CA), the token checked, 100,000 paths written.
3. Verifying a 10,000-post bundle (one stamped capture each, the bag itself stamped):
   the time step alone (every capture's leaf against its raw bytes and catalogue entry,
   its path up to the root, each token checked once), and the whole ``verify``.

Needs the test extras (the local TSA builds its tokens with asn1crypto).

    .venv/bin/python bench/bench_timestamps.py            # print a Markdown section
    .venv/bin/python bench/bench_timestamps.py --write    # and update docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archiver.config import load_settings  # noqa: E402
from archiver.evidence.merkle import build_tree, leaf_hash  # noqa: E402
from archiver.evidence.stamping import stamp_captures  # noqa: E402
from archiver.evidence.tsa import Trust  # noqa: E402
from archiver.export.bundle import export_bundle  # noqa: E402
from archiver.export.selection import Selection  # noqa: E402
from archiver.export.timestamps import TagStamper  # noqa: E402
from archiver.export.verify import verify_bundle  # noqa: E402
from archiver.export.verify_time import check_timestamps  # noqa: E402
from archiver.record import Author, Capture, Post, sha256_hex  # noqa: E402
from archiver.store import Archive, Evidence, Observation  # noqa: E402
from bench.benchdoc import write_section  # noqa: E402
from tests.evidence.tsa_server import running_tsa, write_config  # noqa: E402

BATCH = 5_000


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def tree_row(size: int) -> str:
    raws = [hashlib.sha256(b"raw %d" % n).hexdigest() for n in range(size)]
    contents = ["sha256:" + hashlib.sha256(b"record %d" % n).hexdigest() for n in range(size)]

    def leaves() -> list[bytes]:
        return [leaf_hash(r, c) for r, c in zip(raws, contents, strict=True)]

    hashed = leaves()
    leaf_s = best_of(3, leaves)
    tree_s = best_of(3, lambda: build_tree(hashed))
    tree = build_tree(hashed)
    paths_s = best_of(3, lambda: sum(1 for _ in tree.paths()))
    total = leaf_s + tree_s + paths_s
    return (
        f"| {size:,} | {leaf_s:.3f} | {tree_s:.3f} | {paths_s:.3f} | **{total:.3f}** | "
        f"{total / size * 1e6:.1f} |"
    )


def post(n: int) -> tuple[Post, bytes]:
    raw = b'{"id":%d,"text":"Post number %d about the river"}' % (n, n)
    post_id = str(1_850_000_000_000_000_000 + n)
    return (
        Post(
            platform="twitter",
            post_id=post_id,
            url=f"https://x.com/bench{n % 97}/status/{post_id}",
            author=Author(name=f"Bench {n % 97}", handle=f"bench{n % 97}"),
            created_at="2026-01-07T10:00:00Z",
            text=f"Post number {n} about the river",
            capture=Capture(
                method="api",
                source=f"bench-{n}",
                captured_at="2026-01-07T10:00:00Z",
                raw_sha256=sha256_hex(raw),
            ),
        ),
        raw,
    )


def fill(home: Path, count: int) -> None:
    with Archive(home) as archive:
        for start in range(0, count, BATCH):
            observations = []
            for n in range(start, min(count, start + BATCH)):
                item, raw = post(n)
                observations.append(Observation.of_post(item, [Evidence(url="bench", body=raw)]))
            archive.add(observations)


def stamping_row(work: Path, url: str, config: Path, count: int) -> str:
    home = work / f"stamp-{count}"
    fill(home, count)
    settings = load_settings(config)
    with Archive(home) as archive:
        start = time.perf_counter()
        report = stamp_captures(archive, settings)
        wall = time.perf_counter() - start
    assert report.stamped and report.captures == count, report
    return f"| {count:,} | 1 | **{wall:.2f}** | {wall / count * 1e6:.1f} |"


def verify_row(work: Path, config: Path, root_pem: Path, posts: int) -> str:
    home = work / f"verify-{posts}"
    fill(home, posts)
    settings = load_settings(config)
    with Archive(home) as archive:
        assert stamp_captures(archive, settings).stamped
        bundle = work / f"bundle-{posts}"
        export_bundle(archive, Selection(everything=True), bundle, seal=TagStamper(settings))
    from archiver.evidence.tsa import load_certificates

    trust = Trust.of(load_certificates(root_pem.read_bytes(), "root"))
    problems: list[str] = []
    found: list[int] = []

    def time_step() -> None:
        findings = check_timestamps(bundle, trust, lambda p, m: problems.append(f"{p}: {m}"))
        found.append(sum(len(c) for c in findings.captures.values()))

    step = best_of(3, time_step)
    assert not problems and found[-1] == posts, (problems[:3], found[-1])
    start = time.perf_counter()
    report = verify_bundle(bundle, trust)
    whole = time.perf_counter() - start
    assert report.ok, report.problems[:3]
    return f"| {posts:,} | **{step:.2f}** | {step / posts * 1e6:.0f} | {whole:.2f} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    tree_sizes = [1_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000]
    stamp_count, verify_posts = (2_000, 1_000) if args.quick else (100_000, 10_000)

    trees = [tree_row(size) for size in tree_sizes]
    with tempfile.TemporaryDirectory(prefix="bench-ts-") as temp, running_tsa() as tsa:
        work = Path(temp)
        config = write_config(work, tsa.url, pki=tsa.pki)
        stamping = stamping_row(work, tsa.url, config, stamp_count)
        verifying = verify_row(work, config, work / "tsa-root.pem", verify_posts)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    body = "\n".join(
        [
            "## Timestamps (`bench/bench_timestamps.py`)",
            "",
            "The Merkle tree of a run, in memory, best of 3: leaf hashes (raw SHA-256 and "
            "content hash of each capture), the tree, then every capture's inclusion path.",
            "",
            "| captures | leaves s | tree s | all paths s | total s | µs per capture |",
            "|---:|---:|---:|---:|---:|---:|",
            *trees,
            "",
            "A run's stamping end to end, on an archive of unstamped captures: the query, "
            "the tree, one request to a TSA on 127.0.0.1 (the test suite's, signing with a "
            "throwaway CA), the token verified, every path written to SQLite.",
            "",
            "| captures | requests | wall s | µs per capture |",
            "|---:|---:|---:|---:|",
            stamping,
            "",
            "Verifying a bundle of N posts (one stamped capture each; the bag stamped too): "
            "`verify`'s time step alone, best of 3 (each capture's leaf against its raw "
            "bytes and catalogue entry, its path to the root, each token checked once), "
            "then the whole `verify` (BagIt manifests, content hashes, files, timestamps).",
            "",
            "| posts | time step s | µs per post | whole verify s |",
            "|---:|---:|---:|---:|",
            verifying,
            "",
            f"Peak RSS of the benchmark process: {peak:.0f} MB (the 1,000,000-capture tree "
            f"holds every level in memory). Load average when written: {load} (2 CPUs, "
            "shared).",
            "",
            "Reading: stamping costs one request per authority whatever the run's size; the "
            "tree for 100,000 captures stays under the 1 s aimed at, and most of a run's "
            "stamping is writing its paths (one row per capture). Verifying timestamps is "
            "linear in the bundle: about a third of a whole `verify`, most of it reading "
            "the catalogue and hashing each capture's raw bytes again, so that a changed "
            "capture is named, not only its file.",
        ]
    )
    print(body)
    if args.write and not args.quick:
        write_section("timestamps", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
