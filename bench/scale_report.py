"""The report of ``bench_scale.py``: its tables, the issue's goals met or missed, and a
reading of the figures, as the section of docs/benchmarks.md."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass
class Timing:
    wall: float
    cpu: float
    rss_mb: float


@dataclass
class Row:
    name: str
    posts: int
    ours: Timing
    raw: Timing


def _seconds(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def results_table(rows: list[Row]) -> str:
    lines = [
        "| command | posts | archiver s | raw sqlite3 s | ratio | archiver CPU s | raw CPU s "
        "| CPU ratio | archiver peak RSS MB | raw peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ours, raw = row.ours, row.raw
        lines.append(
            f"| {row.name} | {row.posts:,} | {_seconds(ours.wall)} | {_seconds(raw.wall)} "
            f"| {ours.wall / raw.wall:.1f}x | {_seconds(ours.cpu)} | {_seconds(raw.cpu)} "
            f"| {ours.cpu / max(raw.cpu, 0.001):.1f}x | {ours.rss_mb:.0f} | {raw.rss_mb:.0f} |"
        )
    return "\n".join(lines)


def growth_table(rows: list[Row]) -> str:
    sizes = sorted({row.posts for row in rows})
    by = {(row.name, row.posts): row for row in rows}
    names = list(dict.fromkeys(row.name for row in rows))
    head = " | ".join(f"{size:,}" for size in sizes)
    lines = [
        f"| command (wall s / CPU s) | {head} | growth {sizes[0]:,} → {sizes[-1]:,} (wall / CPU) "
        "| peak RSS growth |",
        "|---|" + "---:|" * (len(sizes) + 2),
    ]
    for name in names:
        cells = [by.get((name, size)) for size in sizes]
        times = " | ".join(
            f"{_seconds(c.ours.wall)} / {_seconds(c.ours.cpu)}" if c else "–" for c in cells
        )
        first, last = cells[0], cells[-1]
        growth = rss = "–"
        if first and last:
            growth = (
                f"{last.ours.wall / first.ours.wall:.1f}x / {last.ours.cpu / first.ours.cpu:.1f}x"
            )
            rss = f"{last.ours.rss_mb - first.ours.rss_mb:+.0f} MB"
        lines.append(f"| {name} | {times} | {growth} | {rss} |")
    return "\n".join(lines)


def goals(rows: list[Row]) -> list[str]:
    """Each goal of the issue, met or missed, judged on wall time (CPU time beside it: on a
    machine shared with other work, wall time is mostly waiting for a core)."""
    biggest = max(row.posts for row in rows)
    by = {(row.name, row.posts): row for row in rows}

    def verdict(ok: bool) -> str:
        return "met" if ok else "missed"

    listed = by[("list --json (all)", biggest)].ours
    rate, cpu_rate = biggest / listed.wall, biggest / listed.cpu
    said = [
        f"`list --json` of {biggest:,} posts: {rate:,.0f} rows/s by wall time, {cpu_rate:,.0f} "
        f"by CPU time (goal ≥ 100,000: {verdict(rate >= 100_000)}); peak RSS "
        f"{listed.rss_mb:.0f} MB (goal < 100 MB, flat: {verdict(listed.rss_mb < 100)})."
    ]
    for name in ("search, common word", "search, rare word", "list --limit 20"):
        row = by[(name, biggest)].ours
        said.append(
            f"`{name}` at {biggest:,} posts: {row.wall:.2f} s wall, {row.cpu:.2f} s CPU "
            f"(goal < 0.3 s: {verdict(row.wall < 0.3)})."
        )
    for name in ("export 10%, JSON Lines", "export 10%, bundle (zip)"):
        small, large = by.get((name, biggest // 10)), by.get((name, biggest))
        if small and large:
            ratio = large.ours.wall / small.ours.wall
            cpu = large.ours.cpu / small.ours.cpu
            said.append(
                f"{name}: {biggest // 10:,} posts in {_seconds(large.ours.wall)} s against "
                f"{biggest // 100:,} in {_seconds(small.ours.wall)} s, {ratio:.1f}x the wall "
                f"time and {cpu:.1f}x the CPU time for 10x the posts "
                f"(goal ≤ 11x: {verdict(ratio <= 11)})."
            )
    return said


READING = (
    "Reading: listings and exports walk an index in keyset pages, so a page costs the same "
    "wherever it is in the walk and peak RSS does not grow. Time per post still rises "
    "between 100,000 and 1,000,000 posts, for raw sqlite3 as much as for archiver: rows "
    "are read in date order, not in the order they sit in the file, and at 1,000,000 "
    "posts half of `list --json` is SQLite fetching them (see the profile below). "
    "`list --limit 20`, a rare word's `search` and `--help` are a few milliseconds of "
    "SQLite after archiver's start-up (importing its modules), which is what they measure "
    "and why they miss 0.3 s at every size (the fast-start work of the issue). A common "
    "word's `search` ranks every matching post by bm25 before taking the best 50, inside "
    "SQLite's FTS5, so it grows with the number of matches in raw sqlite3 too. `status` "
    "looks at every post (two index look-ups each) and grows linearly in both. A bundle's "
    "time is per-post work: reading and zipping the raw files, citations in four formats, "
    "the page."
)


def body(
    about: str, rows: list[Row], builds: dict[int, float | None], profiles: dict[str, str]
) -> str:
    """The section of docs/benchmarks.md: ``about`` (the bench's description), the tables,
    the goals, and where the time goes."""
    built = ", ".join(
        f"{size:,} posts in {seconds:,.0f} s" for size, seconds in builds.items() if seconds
    )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    parts = [
        "## Scale (`bench/bench_scale.py`)",
        "",
        about,
        "",
        "Run: `.venv/bin/python bench/bench_scale.py --sizes 10000,100000,1000000 --write`. "
        "Times are the best of three runs; peak RSS is the largest of the runs.",
        "",
        results_table(rows),
        "",
        "Growth of archiver's whole-process time with the archive:",
        "",
        growth_table(rows),
        "",
        "Goals:",
        "",
        *[f"- {line}" for line in goals(rows)],
    ]
    parts += ["", READING]
    if profiles:
        parts += ["", "Where the time goes at the largest size (own time, cProfile):", ""]
        parts += [f"- `{name}`: {found}" for name, found in profiles.items()]
    if built:
        parts += ["", f"Archives built through the store's write path: {built}."]
    parts += ["", f"Machine load average when the runs ended: {load} ({os.cpu_count()} CPUs)."]
    return "\n".join(parts)
