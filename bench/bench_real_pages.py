"""Extraction of the real-page corpus against a bare BeautifulSoup parse, and its score.

Run: ``.venv/bin/python bench/bench_real_pages.py [--runs N] [--write]``

Every page of ``fixtures/real-pages/`` (real article pages from other projects' test
fixtures, see docs/real-pages.md) is read two ways, in turn, best of N each:
``BeautifulSoup(text, "lxml")`` on the decoded text, and archiver's extraction of the
same bytes (decoding, parsing, every record built and hashed). The same is then timed as
a whole process (a fresh interpreter that imports what it needs and reads every page),
so import and start-up costs count too. Target (issue 9): extraction within 2x the bare
parse. The score (posts found, fields right) is printed beside it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_extract import best_of_each  # noqa: E402
from benchdoc import write_section  # noqa: E402
from real_pages import CORPUS, archiver_extract, score_corpus  # noqa: E402

from archiver.documents import decode_document  # noqa: E402

_BARE = (
    "import sys, pathlib\nfrom bs4 import BeautifulSoup\n"
    "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.html')):\n"
    "    BeautifulSoup(p.read_bytes().decode('utf-8', 'replace'), 'lxml')\n"
)
_ARCHIVER = (
    "import sys, pathlib\nfrom archiver.documents import extract_bytes\n"
    "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.html')):\n"
    "    extract_bytes(p.read_bytes(), str(p))\n"
)


def whole_process(script: str, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", script, str(CORPUS)], check=True, cwd=ROOT)
        best = min(best, time.perf_counter() - start)
    return best


def measure(runs: int) -> list[tuple[str, str]]:
    pages = [(str(p), p.read_bytes()) for p in sorted(CORPUS.glob("*.html"))]
    texts = [decode_document(raw, source) for source, raw in pages]
    size = sum(len(raw) for _, raw in pages)
    posts = sum(len(archiver_extract(raw, source)) for source, raw in pages)

    def bare() -> None:
        for text in texts:
            BeautifulSoup(text, "lxml")

    def extract() -> None:
        for source, raw in pages:
            archiver_extract(raw, source)

    bare_s, extract_s = best_of_each(runs, bare, extract)
    bare_p = whole_process(_BARE, max(1, runs // 3))
    extract_p = whole_process(_ARCHIVER, max(1, runs // 3))
    score = score_corpus()
    return [
        ("corpus", f"{len(pages)} pages, {size / 1e6:.1f} MB, {posts} records made"),
        ("BeautifulSoup(…, 'lxml') alone, in process", f"{bare_s * 1000:.0f} ms"),
        ("archiver extraction, in process", f"{extract_s * 1000:.0f} ms"),
        ("extraction / bare parse, in process", f"**{extract_s / bare_s:.2f}x** (target ≤ 2x)"),
        ("bare parse, whole process", f"{bare_p * 1000:.0f} ms"),
        ("archiver extraction, whole process", f"{extract_p * 1000:.0f} ms"),
        ("extraction / bare parse, whole process", f"**{extract_p / bare_p:.2f}x**"),
        ("score", score.summary()),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6, help="repetitions; the best is kept")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    rows = measure(args.runs)
    table = "\n".join(["| measure | result |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)])
    print(table)
    if args.write:
        write_section("real-pages", _INTRO.format(runs=args.runs) + table + _READING)


_INTRO = """## Extraction of the real-page corpus

`.venv/bin/python bench/bench_real_pages.py --write`. The 42 real article pages of
`fixtures/real-pages/` (docs/real-pages.md): `BeautifulSoup(text, "lxml")` on each decoded
page and archiver's extraction of the same bytes, in turn, best of {runs} each; then both
as a whole process (a fresh interpreter importing what it needs and reading every page).

"""
_READING = """

Reading: when the embed walk finds nothing (most of these pages today, see the score
row), extraction parses the whole page a second time for its metadata and flattened
text, so those pages cost about two parses; the whole-process figure adds each side's
start-up and imports."""


if __name__ == "__main__":
    main()
