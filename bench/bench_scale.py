"""Benchmark how archiver's reading commands grow with the archive, next to raw sqlite3.

Archives of 10,000, 100,000 and 1,000,000 posts are generated through the store's own
write path (``Archive.add`` in batches, then a recheck run's checks through
``write_checks``). Then each command runs as a whole process (``archiver list …``), in
turn with ``bench/scale_raw.py`` doing the same query with Python's bare ``sqlite3``
module, best of ``--repeat`` each, peak RSS read from the process's own rusage:

    list --limit 20, list --json (everything), search (a common and a rare word), status,
    export of 10% of the archive (JSON Lines, and a zipped BagIt bundle).

    .venv/bin/python bench/bench_scale.py                          # 10,000 and 100,000
    .venv/bin/python bench/bench_scale.py --sizes 10000,100000,1000000 --write
    .venv/bin/python bench/bench_scale.py --keep /tmp/scale ...    # keep (and reuse) archives

Generated posts: ten platforms, 10% each (``--platform mastodon`` selects 10%); a date
spread over six years in no particular order (1% undated, 5% a date only); "river" in
half the posts, "zeppelin" in one in 100,003; a photo in one in five; every hundred posts
share one saved article (one blob); one in ten also has a live API capture, whose record
becomes the post's view; one recheck run checked every post (1% deleted, 1% errors,
0.5% edited).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchdoc import write_section  # noqa: E402
from scale_report import Row, Timing, body  # noqa: E402

if TYPE_CHECKING:
    from archiver.record import Post

PLATFORMS = (
    "twitter", "mastodon", "bluesky", "reddit", "telegram",
    "youtube", "tiktok", "instagram", "facebook", "threads",
)  # fmt: skip
WORDS = (
    "barrier", "flood", "quay", "sandbags", "council", "warning", "levels", "night", "bridge",
    "volunteers", "ferry", "harbour", "storm", "rain", "closure", "shelter", "road", "school",
    "power", "water", "rescue", "update", "photo",
)  # fmt: skip
RAW = ROOT / "bench" / "scale_raw.py"
BUILD_BATCH = 2000


# -- building an archive (in its own process) ------------------------------------------------


def _post(n: int) -> Post:
    from archiver.record import Author, Capture, Media, Post, sha256_hex

    words = [WORDS[(n * 7 + i * 13) % len(WORDS)] for i in range(8 + n % 17)]
    if n % 2 == 0:
        words.insert(n % 5, "river")
    if n % 100_003 == 17:
        words.append("zeppelin")
    seconds = (n * 7919) % 189_000_000  # six years, in no particular order
    day, rest = divmod(seconds, 86_400)
    date = time.strftime("%Y-%m-%d", time.gmtime(1_577_836_800 + day * 86_400))
    created = None if n % 100 == 3 else date if n % 20 == 4 else (
        f"{date}T{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}Z"
    )  # fmt: skip
    platform = PLATFORMS[n % len(PLATFORMS)]
    return Post(
        platform=platform,  # type: ignore[arg-type]
        post_id=str(10**15 + n),
        url=f"https://{platform}.example/u{n % 5000}/{10**15 + n}",
        author=Author(name=f"Reporter {n % 5000}", handle=f"user{n % 5000}"),
        created_at=created,
        text=" ".join(words).capitalize() + f". Post {n}.",
        media=[Media(kind="photo", url=f"https://media.example/{n}.jpg")] if n % 5 == 0 else [],
        capture=Capture(
            method="embed-html",
            source=f"file:///articles/{n // 100}.html",
            captured_at="2026-01-05T10:00:00Z",
            raw_sha256=sha256_hex(_article(n // 100)),
        ),
    )


def _article(number: int) -> bytes:
    return (f"<html><body><h1>Article {number}</h1>" + "<p>Saved text.</p>" * 200).encode()


def build(home: str, count: int) -> float:
    """``count`` posts through ``Archive.add``, then one recheck run's checks of every post."""
    from archiver.record import Capture, sha256_hex
    from archiver.store import Archive, Evidence, Observation
    from archiver.store.checks import NewCheck, StatusChange, end_run, start_run, write_checks

    started = time.perf_counter()
    with Archive(Path(home)) as archive:
        batch: list[Observation] = []
        for n in range(count):
            post = _post(n)
            article = _article(n // 100)
            batch.append(Observation.of_post(post, [Evidence(url="file:a.html", body=article)]))
            if n % 10 == 1:
                body = f'{{"id": "{n}", "likes": {n % 97}}}'.encode()
                api = post.with_changes(
                    metrics={"likes": n % 97},
                    capture=Capture(
                        method="api",
                        source=f"https://api.example/{n}",
                        captured_at="2026-01-06T10:00:00Z",
                        raw_sha256=sha256_hex(body),
                    ),
                )
                live = Evidence(url=f"https://api.example/{n}", body=body, http_status=200)
                batch.append(Observation.of_post(api, [live], http_status=200, live=True))
            if len(batch) >= BUILD_BATCH:
                archive.add(batch)
                batch = []
        archive.add(batch)
        run = start_run(archive, '{"all": true}')
        assert run.id is not None
        checks: list[NewCheck] = []
        gone: list[StatusChange] = []
        for n in range(count):
            key = f"{PLATFORMS[n % len(PLATFORMS)]}:{10**15 + n}"
            outcome = {0: "deleted", 1: "error"}.get(
                n % 100, "changed" if n % 200 == 2 else "available"
            )
            checks.append(NewCheck(key, run.id, "2026-02-01T00:00:00Z", outcome, "available"))
            if outcome == "deleted":
                gone.append(StatusChange(key, "not_found", "HTTP 404"))
            if len(checks) >= 10_000:
                write_checks(archive, checks, gone)
                checks, gone = [], []
        write_checks(archive, checks, gone)
        end_run(archive, run.id)
    return time.perf_counter() - started


def _fresh_build(home: Path, count: int) -> float:
    """Build in a process of its own (the measured processes find a cold interpreter)."""
    code = f"import sys; sys.path[:0] = {[str(ROOT), str(ROOT / 'bench')]!r}; "
    code += f"import bench_scale; print(bench_scale.build({str(home)!r}, {count}))"
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def archive_for(count: int, keep: Path | None, scratch: Path) -> tuple[Path, float | None]:
    home = (keep or scratch) / f"posts-{count}"
    if keep is not None and (home / "BUILT").exists():
        return home, None
    shutil.rmtree(home, ignore_errors=True)
    seconds = _fresh_build(home, count)
    (home / "BUILT").write_text(f"{count}\n")
    return home, seconds


# -- measuring whole processes -----------------------------------------------------------------


def run_once(command: list[str]) -> Timing:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVER_")}
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"{command} exited {process.returncode}: {errors.read()[-2000:]!r}")
    return Timing(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def best_of(command: list[str], raw: list[str], repeat: int) -> tuple[Timing, Timing]:
    """Both commands ``repeat`` times, taking turns: the fastest wall and CPU time of each,
    and the largest peak RSS."""
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(run_once(command))
        theirs.append(run_once(raw))
    return _best(ours), _best(theirs)


def _best(runs: list[Timing]) -> Timing:
    return Timing(min(r.wall for r in runs), min(r.cpu for r in runs), max(r.rss_mb for r in runs))


def archiver_command() -> list[str]:
    script = Path(sys.executable).parent / "archiver"
    return [str(script)] if script.exists() else [sys.executable, "-m", "archiver"]


def operations(home: Path, out: Path) -> list[tuple[str, list[str], list[str]]]:
    """(name, archiver's arguments, scale_raw.py's arguments) of each measured command."""
    db = str(home / "archive.db")
    export = ["export", "--platform", "mastodon", "--force"]
    return [
        ("start-up (`--help` / `import sqlite3`)", ["--help"], []),
        ("list --limit 20", ["list", "--limit", "20"], ["list-limit", db, "20"]),
        ("list --json (all)", ["list", "--json"], ["list-json", db]),
        ("search, common word", ["search", "river"], ["search", db, "river"]),
        ("search, rare word", ["search", "zeppelin"], ["search", db, "zeppelin"]),
        ("status", ["status"], ["status", db]),
        ("export 10%, JSON Lines", [*export, "--format", "jsonl", "--out", str(out / "x.jsonl")],
         ["export", db, "mastodon"]),
        ("export 10%, bundle (zip)", [*export, "--out", str(out / "x.zip")],
         ["export", db, "mastodon"]),
    ]  # fmt: skip


def measure(home: Path, count: int, repeat: int, out: Path) -> list[Row]:
    rows = []
    for name, ours, raw in operations(home, out):
        command = [*archiver_command(), *ours]
        if ours != ["--help"]:
            command += ["--home", str(home)]
        baseline = (
            [sys.executable, str(RAW), *raw] if raw else [sys.executable, "-c", "import sqlite3"]
        )
        first, second = best_of(command, baseline, repeat)
        rows.append(Row(name, count, first, second))
        print(f"{count:>9,} {name:<40} {first.wall:8.3f}s {second.wall:8.3f}s "
              f"cpu {first.cpu:8.3f}s {second.cpu:8.3f}s "
              f"{first.rss_mb:6.0f} MB {second.rss_mb:6.0f} MB", flush=True)  # fmt: skip
    return rows


def profile(home: Path, arguments: list[str], top: int = 8) -> str:
    """The functions ``archiver ARGUMENTS`` spends most of its own time in (cProfile)."""
    import pstats

    with tempfile.TemporaryDirectory() as scratch:
        stats_file = Path(scratch) / "stats"
        command = [sys.executable, "-m", "cProfile", "-o", str(stats_file), "-m", "archiver"]
        run_once([*command, *arguments, "--home", str(home)])
        stats = pstats.Stats(str(stats_file))
    total = stats.total_tt  # type: ignore[attr-defined]
    entries = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # type: ignore[attr-defined]
    lines = []
    for (path, line, function), (_, calls, own, _cumulative, _) in entries[:top]:
        where = Path(path).name if path != "~" else "built-in"
        lines.append(f"{own / total:.0%} {function} ({where}:{line}, {calls:,} calls)")
    return "; ".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated post counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command")
    parser.add_argument("--keep", type=Path, help="keep archives here, and reuse those built")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile runs")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    rows: list[Row] = []
    builds: dict[int, float | None] = {}
    profiles: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        out = Path(scratch) / "out"
        out.mkdir()
        for size in sizes:
            home, builds[size] = archive_for(size, args.keep, Path(scratch))
            print(f"archive of {size:,} posts at {home} (built in {builds[size] or 0:.0f} s)")
            rows += measure(home, size, args.repeat, out)
            if size == max(sizes) and not args.no_profile:
                for arguments in (
                    ["list", "--json"],
                    ["list", "--limit", "20"],
                    ["search", "river"],
                ):
                    profiles[" ".join(arguments)] = profile(home, arguments)
            if args.keep is None:
                shutil.rmtree(home, ignore_errors=True)
    about = (__doc__ or "").split("\n\n", 1)[1].split("\n\n    .venv")[0].strip()
    text = body(about, rows, builds, profiles)
    print(text)
    if args.write:
        write_section("scale", text)


if __name__ == "__main__":
    main()
