"""Standard input and ``--from`` files: read within the documents' size cap, and stdin
told apart as a URL list or a document by the rule in :mod:`archiver.ingest.sources`."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from archiver.documents import DocumentError
from archiver.ingest.sources import read_url_file, split_sources, url_list
from tests.conftest import FIXTURES
from tests.e2e.posts import X_ID, X_KEY, X_URL
from tests.e2e.replay import Replay, fixture, write_config
from tests.e2e.stored import archiver_command, count, posts, run_cli
from tests.store.damage import build, digest

URLS = [
    "https://x.com/riverwatch/status/1000000000000000001",
    "https://bsky.app/profile/ilse.bsky.social/post/3lp3gy6ehhc4g",
    "https://mastodon.example/@alice/114103637122945249",
]


# -- the rule ----------------------------------------------------------------------------------


def test_only_urls_is_a_list_with_blank_lines_and_comments_left_out() -> None:
    text = f"# cited in the flood story\n\n{URLS[0]}\n  {URLS[1]}  \n\n{URLS[2]}\n"
    assert url_list(text.encode()) == URLS


def test_mostly_urls_is_a_list_and_every_other_line_is_kept_to_fail_on_its_own() -> None:
    text = f"{URLS[0]}\nsee also the council page\n{URLS[1]}\nftp://files.example/r.pdf\n"
    assert url_list(text.encode()) == [
        URLS[0],
        "see also the council page",
        URLS[1],
        "ftp://files.example/r.pdf",
    ]


@pytest.mark.parametrize(
    "document",
    [
        # A plain-text article: prose paragraphs, one post URL on a line of its own.
        f"Rivers rise across the north\n\nGauges passed their records.\n\n{URLS[0]}\n\n"
        "The council met on Thursday.\n\nVolunteers arrived on Saturday.\n",
        # A saved page: HTML, even when its lines are links.
        f"<!DOCTYPE html>\n<html><body>\n{URLS[0]}\n{URLS[1]}\n</body></html>\n",
        "no addresses at all\n",
        "",
    ],
)
def test_a_document_that_mentions_urls_stays_a_document(document: str) -> None:
    assert url_list(document.encode()) is None


@pytest.mark.parametrize(
    "name",
    ["articles/news-x-embeds.txt", "flattened/article-mixed.txt", "articles/all-embeds.html"],
)
def test_the_saved_articles_in_the_fixtures_are_documents(name: str) -> None:
    assert url_list((FIXTURES / name).read_bytes()) is None


def test_bytes_that_are_not_utf8_are_a_document() -> None:
    assert url_list(URLS[0].encode() + b"\n\xff\xfe\n") is None


# -- the cap -----------------------------------------------------------------------------------


def test_stdin_over_the_cap_is_refused_without_reading_it_all() -> None:
    with (
        Path("/dev/zero").open("rb") as endless,  # a stream with no end
        pytest.raises(DocumentError, match="standard input: more than 1,000 bytes"),
    ):
        split_sources(["-"], stdin=endless, max_bytes=1000)
    exact = split_sources(["-"], stdin=io.BytesIO(b"x" * 1000), max_bytes=1000)
    assert exact.stdin_document == b"x" * 1000


def test_a_url_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    listed = tmp_path / "links.txt"
    listed.write_text("\n".join(URLS) + "\n")

    assert read_url_file(listed, max_bytes=listed.stat().st_size) == URLS
    with pytest.raises(DocumentError, match=r"links.txt: more than 10 bytes .* max_bytes"):
        read_url_file(listed, max_bytes=10)
    with pytest.raises(DocumentError, match="more than 10 bytes"):
        read_url_file(Path("/dev/zero"), max_bytes=10)


def test_a_url_file_that_is_not_text_is_one_clear_error(tmp_path: Path) -> None:
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0" + bytes(64))

    with pytest.raises(DocumentError, match=r"photo\.jpg: not UTF-8 text"):
        read_url_file(binary, max_bytes=1000)


def test_over_the_cap_is_one_line_exit_2_and_nothing_stored(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    db_path = build(home)
    before = digest(db_path)
    cap = {"max_bytes": 4096}
    config = write_config(tmp_path / "small.toml", "http://127.0.0.1:9", documents=cap)
    endless = f"yes {URLS[0]} | {' '.join(archiver_command())} add - "
    command = f'{endless} --home "{home}" --config "{config}"'

    piped = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
    from_zero = run_cli("add", "--from", "/dev/zero", home=home, config=config)

    assert piped.returncode == 2
    assert piped.stderr == (
        "error: standard input: more than 4,096 bytes is over the documents.max_bytes limit "
        "of 4,096; raise [documents] max_bytes in your config to read it\n"
    )
    assert from_zero.exit_code == 2
    assert from_zero.stderr.startswith("error: /dev/zero: more than 4,096 bytes")
    assert digest(db_path) == before


# -- stdin, end to end -------------------------------------------------------------------------


def test_piped_urls_with_other_lines_fetch_the_urls_and_fail_each_other_line(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))
    piped = f"{X_URL}\nfrom the council's press release:\n\n{X_URL}?s=20\nnot-a-url\n{X_URL}\n"

    run = run_cli("add", "-", "--json", home=home, config=replay_config, stdin=piped)

    assert run.exit_code == 1
    assert set(posts(home)) == {X_KEY}
    failed = {item["source"]: item["message"] for item in run.summary()["items"]}
    assert failed.pop(X_URL) is None
    assert failed.pop(f"{X_URL}?s=20") is None
    assert failed == {
        "from the council's press release:": (
            'not a web address: "from the council\'s press release:"'
        ),
        "not-a-url": "not a web address: 'not-a-url'",
    }


def test_a_piped_article_that_mentions_a_post_url_is_read_as_a_document(
    replay: Replay, replay_config: Path, home: Path
) -> None:
    article = (FIXTURES / "articles" / "news-x-embeds.txt").read_text(encoding="utf-8")
    article += f"\nMore: {X_URL}\n\n{X_URL}\n"

    run = run_cli("add", "-", "--json", home=home, config=replay_config, stdin=article)

    assert run.exit_code == 0, run.output
    assert replay.seen == []  # nothing fetched: the URLs were read from the document
    assert count(home, "posts") == 6  # the article's five posts, and the bare URL line
    assert [item["source"] for item in run.summary()["items"]] == ["-"]
