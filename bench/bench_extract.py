"""Extraction throughput against the bare BeautifulSoup parse, and directory-import memory.

Run: ``.venv/bin/python bench/bench_extract.py [--write]``

1. A generated article with 1,000 embeds (mostly X, with Bluesky, Mastodon, TikTok,
   Instagram, Reddit, Telegram and YouTube mixed in) is parsed by BeautifulSoup alone,
   extracted by archiver, and extracted and stored into a fresh SQLite archive. The
   ratio extraction / bare parse is the figure to watch (target: within 1.5x).
2. Directories of 200 and 1,000 small articles are imported with ``add_documents``;
   peak traced memory must not grow with the number of files.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from archiver.documents import extract_bytes  # noqa: E402
from archiver.ingest import add_documents, document_observations  # noqa: E402
from archiver.store import Archive  # noqa: E402
from benchdoc import write_section  # noqa: E402

SNOWFLAKE_BASE = 1_876_543_210_987_654_321


def _x(i: int) -> str:
    status = SNOWFLAKE_BASE + i * 4_194_304_000
    return (
        f'<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Update {i} from the river '
        f'gauge: levels at <a href="https://twitter.com/hashtag/Esk?src=hash">#Esk</a> are '
        f'{i % 7}.{i % 10} m, says <a href="https://twitter.com/gauge_ops">@gauge_ops</a> '
        f'<a href="https://t.co/Ab{i:05d}">pic.twitter.com/Ab{i:05d}</a></p>&mdash; River Desk '
        f'(@riverdesk) <a href="https://twitter.com/riverdesk/status/{status}?ref_src=twsrc%5Etfw">'
        f"January 7, 2026</a></blockquote>"
    )


def _bluesky(i: int) -> str:
    uri = f"at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3lbench{i:06d}"
    link = f"https://bsky.app/profile/did:plc:abcdefghijklmnopqrstuvwx/post/3lbench{i:06d}"
    return (
        f'<blockquote class="bluesky-embed" data-bluesky-uri="{uri}" data-bluesky-cid="bafy{i}">'
        f'<p lang="en">Ferry timetable {i} changes tonight</p>&mdash; Harbour Notes '
        f'(<a href="https://bsky.app/profile/did:plc:abcdefghijklmnopqrstuvwx">'
        f'@harbour.bsky.social</a>) <a href="{link}">May 13, 2025 at 11:37 PM</a></blockquote>'
    )


def _mastodon(i: int) -> str:
    url = f"https://social.example/@ana/{113000000000000000 + i}"
    return (
        f'<blockquote class="mastodon-embed" data-embed-url="{url}/embed" style="x">'
        f'<a href="{url}" target="_blank"><div>Post by @ana@social.example</div>'
        f"<div>View on Mastodon</div></a></blockquote>"
    )


def _youtube(i: int) -> str:
    return f'<iframe src="https://www.youtube.com/embed/vid{i:08d}" title="YouTube"></iframe>'


def _telegram(i: int) -> str:
    return (
        f'<script async src="https://telegram.org/js/telegram-widget.js?22" '
        f'data-telegram-post="harbournews/{i + 1}" data-width="100%"></script>'
    )


_KINDS: list[Callable[[int], str]] = [_x] * 5 + [_bluesky, _mastodon, _youtube, _telegram]


def article(embeds: int) -> bytes:
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Flood night</title>"
        "<script>window.analytics = {};</script><style>p{margin:0}</style></head><body>"
        "<header><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></header><article>"
    ]
    for i in range(embeds):
        parts.append(
            f"<p>Paragraph {i}: residents near the quay described the evening in detail, "
            "and officials promised a review of the barrier's maintenance schedule.</p>"
        )
        parts.append(_KINDS[i % len(_KINDS)](i))
    parts.append("</article><footer>© Example News</footer></body></html>")
    return "".join(parts).encode("utf-8")


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def single_article(runs: int) -> list[tuple[str, str]]:
    raw = article(1000)
    text = raw.decode("utf-8")
    posts = len(extract_bytes(raw, "bench.html").posts)
    bare = best_of(runs, lambda: BeautifulSoup(text, "lxml"))
    extract = best_of(runs, lambda: extract_bytes(raw, "bench.html"))

    def store() -> None:
        with tempfile.TemporaryDirectory() as home, Archive(Path(home)) as archive:
            archive.add(document_observations(extract_bytes(raw, "bench.html")))

    end_to_end = best_of(max(1, runs // 2), store)
    return [
        ("article size", f"{len(raw) / 1e6:.2f} MB, 1,000 embeds, {posts} posts found"),
        ("BeautifulSoup(…, 'lxml') alone", f"{bare * 1000:.0f} ms"),
        ("archiver extraction", f"{extract * 1000:.0f} ms ({posts / extract:,.0f} posts/s)"),
        ("extraction / bare parse", f"**{extract / bare:.2f}x** (target ≤ 1.5x)"),
        ("extract + store into SQLite", f"{end_to_end * 1000:.0f} ms ({posts / end_to_end:,.0f} posts/s)"),
    ]


def directory_memory(files: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        for n in range(files):
            body = article(10).replace(b"Update ", f"File {n} update ".encode())
            (folder / f"article-{n:05d}.html").write_bytes(body)
        with Archive(Path(tmp) / "home") as archive:
            gc.collect()
            tracemalloc.start()
            start = time.perf_counter()
            summary = add_documents(archive, [str(folder)], max_bytes=10_000_000, batch_posts=500)
            elapsed = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    return peak / 1e6, elapsed, summary.new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions; the best is kept")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    rows = single_article(args.runs)
    lines = ["| measure | result |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]
    lines += ["", "| directory import | posts stored | time | peak traced memory |", "|---|---|---|---|"]
    for files in (200, 1000):
        peak, elapsed, new = directory_memory(files)
        lines.append(f"| {files:,} files × 10 embeds | {new:,} | {elapsed:.1f} s | {peak:.1f} MB |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_section(
            "extract",
            "## Extraction from saved documents\n\n"
            "`.venv/bin/python bench/bench_extract.py --write` — a generated 1,000-embed article "
            "(best of several runs), and directory imports of growing size.\n\n" + table,
        )


if __name__ == "__main__":
    main()
