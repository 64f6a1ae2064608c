"""What reading an article for the posts it cites costs, on the real-page corpus.

Run: ``.venv/bin/python bench/bench_article_links.py [--runs N] [--write]``

``add URL`` on an article and ``add --fetch FILE`` read each page twice: the embed walk
of :func:`archiver.documents.extract_bytes` (which builds only embed candidates) and
:func:`archiver.documents.articles.read_article_page` (the whole tree, for the page's own
record and the posts its body links to). Every page of ``fixtures/real-pages/`` is read
each way, in turn, best of N, beside a bare ``BeautifulSoup(text, "lxml")`` parse; the
fetches that follow cost far more than either (one request per cited post).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_extract import best_of_each  # noqa: E402
from benchdoc import markdown_table, write_section  # noqa: E402
from real_pages import CORPUS  # noqa: E402

from archiver.documents import decode_document, extract_bytes  # noqa: E402
from archiver.documents.articles import read_article_page  # noqa: E402


def measure(runs: int) -> list[tuple[str, str]]:
    pages = [(str(p), p.read_bytes()) for p in sorted(CORPUS.glob("*.html"))]
    texts = [decode_document(raw, source) for source, raw in pages]
    links = sum(len(read_article_page(raw, source).linked) for source, raw in pages)

    def bare() -> None:
        for text in texts:
            BeautifulSoup(text, "lxml")

    def embeds() -> None:
        for source, raw in pages:
            extract_bytes(raw, source)

    def article() -> None:
        for source, raw in pages:
            read_article_page(raw, source)

    bare_s, embeds_s, article_s = best_of_each(runs, bare, embeds, article)
    both = embeds_s + article_s
    return [
        ("corpus", f"{len(pages)} pages, {sum(len(r) for _, r in pages) / 1e6:.1f} MB"),
        ("post links found in bodies", str(links)),
        ("BeautifulSoup(…, 'lxml') alone", f"{bare_s * 1000:.0f} ms"),
        ("embeds (`extract_bytes`)", f"{embeds_s * 1000:.0f} ms"),
        ("page record and body links (`read_article_page`)", f"{article_s * 1000:.0f} ms"),
        ("an article read for its citations / bare parse", f"**{both / bare_s:.2f}x**"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions; the best is kept")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    table = markdown_table(measure(args.runs))
    print(table)
    if args.write:
        write_section("article-links", _INTRO.format(runs=args.runs) + table + _READING)


_INTRO = """## Reading an article for the posts it cites

`.venv/bin/python bench/bench_article_links.py --write`. What `add URL` (for a page that
is no post) and `add --fetch FILE` add to reading a page: the 42 pages of
`fixtures/real-pages/`, read by the embed walk and by the whole-tree reading of the page's
own record and body links, in turn with a bare parse, best of {runs} each.

"""
_READING = """

Reading: the body links need the page's whole tree (which element encloses a link), so an
article costs the embed walk plus about one full parse; `add FILE` without `--fetch` and
`extract` never pay the second. Either is tens of milliseconds per page, against the one request
each cited post then takes."""


if __name__ == "__main__":
    main()
