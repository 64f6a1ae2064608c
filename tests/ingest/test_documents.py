"""Directory imports keep counts, not a report per file, unless asked (``add --json``);
an embed with nothing in it is reported, not stored."""

from __future__ import annotations

from pathlib import Path

from archiver.ingest import Summary, add_documents
from archiver.store import Archive
from tests.e2e.stored import count, posts, run_cli

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


def test_a_saved_embed_with_nothing_in_it_is_not_stored(tmp_path: Path, home: Path) -> None:
    tweet = (
        '<blockquote class="twitter-tweet"><p lang="en">Gauge reads 3.1 m</p>&mdash; River Desk '
        '(@riverdesk) <a href="https://twitter.com/riverdesk/status/1876543210987654301">'
        "January 7, 2026</a></blockquote>"
    )
    player = '<iframe src="https://www.youtube.com/embed/Qx3vT9kLm2A"></iframe>'
    article = tmp_path / "article.html"
    article.write_text(f"<html><body><p>Story</p>{tweet}{player}</body></html>")
    only_player = tmp_path / "video.html"
    only_player.write_text(f"<html><body><p>Watch</p>{player}</body></html>")

    run = run_cli("add", article, only_player, "--json", home=home)

    assert run.exit_code == 0, run.output  # an empty document among others is not a failure
    assert set(posts(home)) == {"twitter:1876543210987654301"}
    assert count(home, "captures") == 1
    items = {Path(item["source"]).name: item for item in run.summary()["items"]}
    why = (
        "youtube:Qx3vT9kLm2A: the embed holds no text, author or media to archive; "
        "`add --fetch` fetches the post live"
    )
    assert (items["article.html"]["status"], items["article.html"]["message"]) == ("ok", why)
    assert (items["video.html"]["status"], items["video.html"]["message"]) == ("empty", why)
