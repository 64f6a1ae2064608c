"""Directory imports keep counts, not a report per file, unless asked (``add --json``)."""

from __future__ import annotations

from pathlib import Path

from archiver.ingest import Summary, add_documents
from archiver.store import Archive

TWEET = (
    '<blockquote class="twitter-tweet"><p lang="en">Gauge {n} reads low</p>&mdash; River Desk '
    '(@riverdesk) <a href="https://twitter.com/riverdesk/status/18765432109876543{n:02d}">'
    "January 7, 2026</a></blockquote>"
)


def folder_of_articles(root: Path, files: int) -> Path:
    folder = root / "saved"
    folder.mkdir()
    for n in range(files):
        (folder / f"article-{n:02d}.html").write_text(
            f"<html><body><article><p>Story {n}</p>{TWEET.format(n=n)}</article></body></html>"
        )
    (folder / "empty.html").write_text("<html><body><p>No embeds here.</p></body></html>")
    return folder


def test_a_summary_without_items_counts_the_same(tmp_path: Path) -> None:
    folder = folder_of_articles(tmp_path, 3)
    with Archive(tmp_path / "one") as archive:
        kept = add_documents(archive, [str(folder)], max_bytes=1_000_000)
    with Archive(tmp_path / "two") as archive:
        counted = add_documents(
            archive, [str(folder)], max_bytes=1_000_000, summary=Summary(keep_items=False)
        )

    assert (kept.new, kept.empty, kept.failed) == (3, 1, 0)
    reports = {Path(item.source).name: item for item in kept.items}
    assert sorted(reports) == [*(f"article-0{n}.html" for n in range(3)), "empty.html"]
    assert reports["empty.html"].status == "empty"
    assert reports["article-00.html"].keys == ("twitter:1876543210987654300",)
    assert (counted.new, counted.empty, counted.failed) == (3, 1, 0)
    assert counted.items == []
    assert counted.ok
