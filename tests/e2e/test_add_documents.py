"""Acceptance of adding saved documents, as a new user meets it: the README's demo, re-runs,
search, and every kind of bad input answered in one line without harming the archive."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.replay import Replay
from tests.e2e.stored import archiver_command, captures, count, posts, run_cli

REPO = Path(__file__).resolve().parents[2]
ARTICLE = REPO / "fixtures" / "articles" / "news-x-embeds.html"
EXPECTED = json.loads(ARTICLE.with_name(ARTICLE.name + ".expected.json").read_text())


def expected_posts() -> dict[str, dict[str, Any]]:
    return {post["key"]: post for post in EXPECTED["posts"]}


def assert_matches_expected(record: dict[str, Any], expected: dict[str, Any]) -> None:
    """Each field the expected file lists is equal (author and media: the listed sub-fields)."""
    for name, value in expected.items():
        if name == "author":
            assert {k: record["author"][k] for k in value} == value
        elif name == "media":
            assert len(record["media"]) == len(value)
            shown = [
                {k: m[k] for k in want} for m, want in zip(record["media"], value, strict=True)
            ]
            assert shown == value
        else:
            assert record[name] == value, name


def test_the_readme_demo_archives_the_articles_posts(tmp_path: Path) -> None:
    """``archiver add fixtures/articles/news-x-embeds.html && archiver list``, in a fresh
    directory, with the installed console script and no options (but the test setting
    that names no public time-stamping authority, see tests/conftest.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVER_")}
    env["ARCHIVER_CONFIG"] = os.environ["ARCHIVER_CONFIG"]

    def archiver(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*archiver_command(), *args]
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)

    added = archiver("add", str(ARTICLE))
    listed = archiver("list", "--json")

    assert added.returncode == 0, added.stderr
    assert "Traceback" not in added.stderr + listed.stderr
    assert added.stdout.startswith("new\tupdated\tunchanged")  # the summary, piped
    home = tmp_path / "archive"  # the default home
    stored = posts(home)
    assert set(stored) == set(expected_posts())
    for key, expected in expected_posts().items():
        assert_matches_expected(stored[key]["record"], expected)
        [capture] = captures(home, key)
        assert (capture["method"], capture["source"]) == ("embed-html", ARTICLE.name)
    assert listed.returncode == 0
    assert sorted(json.loads(line)["key"] for line in listed.stdout.splitlines()) == sorted(
        expected_posts()
    )


def archive_state(home: Path) -> tuple[Any, ...]:
    """Everything a run could change: posts (with their hashes), captures, blob files."""
    blobs = sorted(p.name for p in (home / "blobs").rglob("*") if p.is_file())
    rows = {key: (row["content_hash"], row["capture_count"]) for key, row in posts(home).items()}
    return rows, [c["id"] for c in captures(home)], blobs


def test_adding_the_same_article_twice_stores_nothing_twice(home: Path) -> None:
    first = run_cli("add", ARTICLE, "--json", home=home)
    before = archive_state(home)

    second = run_cli("add", ARTICLE, "--json", home=home)

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert (first.summary()["new"], second.summary()["new"]) == (5, 0)
    assert second.summary()["unchanged"] == 5
    assert archive_state(home) == before
    assert count(home, "captures") == 5


# -- local paths stay local -------------------------------------------------------------------

TELLING = "Sources-Jane-Roe"  # a directory name that says more than the archive should


def _saved_under_a_telling_path(tmp: Path) -> Path:
    folder = tmp / TELLING / "flood-leak"
    folder.mkdir(parents=True)
    saved = folder / ARTICLE.name
    saved.write_bytes(ARTICLE.read_bytes())
    return saved


def _files_holding(root: Path, text: str) -> list[str]:
    """Every file under ``root`` (archive.db and its WAL, blobs, a bundle) holding ``text``."""
    needle = text.encode()
    return sorted(str(f) for f in root.rglob("*") if f.is_file() and needle in f.read_bytes())


def test_a_saved_file_is_recorded_by_its_name_not_its_local_path(
    tmp_path: Path, home: Path
) -> None:
    saved = _saved_under_a_telling_path(tmp_path)
    bundle = tmp_path / "bundle"

    added = run_cli("add", saved, home=home)
    exported = run_cli("export", "--all", "--out", bundle, home=home)

    assert (added.exit_code, exported.exit_code) == (0, 0), added.output + exported.output
    stored = captures(home)
    assert len(stored) == 5
    for capture in stored:
        assert capture["source"] == capture["record"]["capture"]["source"] == ARTICLE.name
        assert [item["url"] for item in capture["evidence"]] == [ARTICLE.name]
    records = [json.loads(line) for line in (bundle / "data" / "posts.jsonl").open()]
    assert [r["capture"]["source"] for r in records] == [ARTICLE.name] * 5
    assert _files_holding(home, TELLING) == []
    assert _files_holding(bundle, TELLING) == []


def test_the_same_file_added_from_another_directory_is_stored_once(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = _saved_under_a_telling_path(tmp_path)
    run_cli("add", saved, home=home)
    monkeypatch.chdir(saved.parent)

    again = run_cli("add", saved.name, "--json", home=home)

    assert again.exit_code == 0
    assert (again.summary()["new"], again.summary()["unchanged"]) == (0, 5)
    assert count(home, "captures") == 5


@pytest.mark.parametrize("asked", ["option", "config"])
def test_the_full_path_is_recorded_only_when_asked(tmp_path: Path, home: Path, asked: str) -> None:
    saved = _saved_under_a_telling_path(tmp_path)
    config = tmp_path / "keep.toml"
    config.write_text("[documents]\nkeep_path = true\n")

    if asked == "option":
        added = run_cli("add", saved, "--keep-path", home=home)
    else:
        added = run_cli("add", saved, home=home, config=config)

    assert added.exit_code == 0, added.output
    assert {c["source"] for c in captures(home)} == {str(saved)}
    assert {item["url"] for c in captures(home) for item in c["evidence"]} == {str(saved)}
    assert _files_holding(home, TELLING) != []


def test_search_finds_a_post_by_a_word_of_its_text(home: Path) -> None:
    run_cli("add", ARTICLE, home=home)

    found = run_cli("search", "sandbags", "--json", home=home)
    accents = run_cli("search", "depassera", "--json", home=home)  # "dépassera", unaccented
    nothing = run_cli("search", "volcano", home=home)

    assert [json.loads(line)["key"] for line in found.stdout.splitlines()] == [
        "twitter:2008902691847762778"
    ]
    assert [json.loads(line)["key"] for line in accents.stdout.splitlines()] == [
        "twitter:2008652291897511686"
    ]
    assert nothing.exit_code == 0
    assert "no matching posts" in nothing.stderr


# -- bad input -------------------------------------------------------------------------------


def _no_posts_dir(tmp: Path) -> Path:
    folder = tmp / "no-posts"
    folder.mkdir()
    (folder / "about.html").write_text("<html><body><p>About us.</p></body></html>")
    (folder / ".hidden.html").write_text("<blockquote class='twitter-tweet'>x</blockquote>")
    return folder


def _empty_dir(tmp: Path) -> Path:
    folder = tmp / "empty-folder"
    folder.mkdir()
    return folder


def _binary(tmp: Path) -> Path:
    path = tmp / "photo.html"
    path.write_bytes(bytes(range(256)) * 40)
    return path


def _empty_file(tmp: Path) -> Path:
    path = tmp / "saved.html"
    path.write_bytes(b"")
    return path


def _huge(tmp: Path) -> Path:
    path = tmp / "huge.html"
    with path.open("wb") as handle:
        handle.write(b"<html><body>")
        handle.truncate(50 * 1024 * 1024)  # 50 MB (sparse: nothing is really written)
    return path


BAD_INPUTS = {
    "missing file": (lambda tmp: tmp / "nowhere.html", "failed", "no such file or directory"),
    "directory with no posts": (_no_posts_dir, "empty", "no embedded posts found"),
    "empty directory": (_empty_dir, "failed", "no documents in this directory"),
    "binary file": (_binary, "failed", "not a text or HTML document (binary content)"),
    "empty file": (_empty_file, "failed", "the file is empty"),
    "page over documents.max_bytes": (
        _huge,
        "failed",
        "52,428,800 bytes is over the documents.max_bytes limit of 33,554,432; "
        "raise [documents] max_bytes in your config",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_one_line_and_leaves_the_archive_intact(
    case: str, home: Path, tmp_path: Path
) -> None:
    make, kind, message = BAD_INPUTS[case]
    source = make(tmp_path)
    run_cli("add", ARTICLE, home=home)
    before = archive_state(home)

    run = run_cli("add", source, home=home)

    assert run.exit_code == 1
    [line] = run.stderr.splitlines()
    assert line.startswith(f"{kind} {source}") and message in line
    assert archive_state(home) == before


def test_a_truncated_page_keeps_the_posts_before_the_cut_with_a_warning(home: Path) -> None:
    truncated = REPO / "fixtures" / "articles" / "truncated.html"

    run = run_cli("add", truncated, "--json", home=home)

    assert run.exit_code == 0
    [line] = run.stderr.splitlines()
    assert line.startswith(f"warning {truncated}") and "looks cut short" in line
    assert set(posts(home)) == {"twitter:2008652291897511686", "twitter:2008902691847762778"}


def test_bad_and_unknown_urls_are_one_line_each_and_leave_the_archive_intact(
    replay: Replay, replay_config: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def no_such_host(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host).endswith(".invalid"):  # RFC 2606: never resolves; answer at once
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    run_cli("add", ARTICLE, home=home)
    before = archive_state(home)
    bad = ["http://[::1", "https://", "https://unknown-platform.invalid/posts/12345"]

    run = run_cli("add", *bad, home=home, config=replay_config)

    assert run.exit_code == 1
    lines = run.stderr.splitlines()
    assert len(lines) == len(bad)
    for url, line in zip(sorted(bad), sorted(lines), strict=True):
        assert line.startswith(f"failed {url}: ")
    assert "not a web address" in run.stderr
    assert "Name or service not known" in run.stderr or "connection failed" in run.stderr
    assert archive_state(home) == before
