"""One status vocabulary and validated filters, through the real CLI on a real archive.

``list``, ``status``, ``show``, ``export`` and ``recheck`` must use the same words for
the same posts, and a filter value outside the vocabulary must fail with the allowed
values (and the nearest one), never print an empty table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from archiver.export.selection import anchor_of
from archiver.vocabulary import GONE_STATES, STATES
from tests.recheck.conftest import Cli, Replay, arguments_only
from tests.recheck.test_recheck import BLUESKY, PHOTO, VIDEO
from tests.recheck.test_recheck_cli import flip


def _keys(rows: list[dict[str, object]]) -> set[object]:
    return {row["key"] for row in rows}


def test_posts_only_added_are_unchecked_everywhere(cli: Cli) -> None:
    listed = cli.lines("list")
    assert listed and {row["status"] for row in listed} == {"unchecked"}
    status = cli.json("status")
    assert set(status["totals"]) == {"unchecked"}
    assert cli.json("show", f"twitter:{PHOTO}")["status"] == "unchecked"
    assert _keys(cli.lines("list", "--status", "unchecked")) == _keys(listed)
    assert cli.lines("list", "--status", "available") == []


def test_every_command_means_the_same_posts_by_a_word(cli: Cli, replay: Replay) -> None:
    flip(replay)
    code, _, err = cli("recheck", "--all")
    assert code == 1, err  # the bluesky outage

    shown = {row["key"]: row["status"] for row in cli.lines("list")}
    assert shown[f"twitter:{PHOTO}"] == "deleted" and shown[f"twitter:{VIDEO}"] == "private"
    assert shown[BLUESKY] == "unchecked"  # its only check failed
    totals = cli.json("status")["totals"]
    for word in (*STATES, "gone"):
        wanted = GONE_STATES if word == "gone" else (word,)
        members = {key for key, state in shown.items() if state in wanted}
        assert _keys(cli.lines("list", "--status", word)) == members, word
        assert totals.get(word, 0) == len(members) or word == "gone", word
        _, out, err = cli("export", "--status", word, "--format", "jsonl")
        exported = {json.loads(line)["key"] for line in out.splitlines()}
        assert exported == members, (word, err)
        for key in members:
            assert cli.json("show", key)["status"] == shown[key]
    assert _keys(cli.lines("list", "--status", "error")) == {BLUESKY}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("list", "--platform", "twiter"), "unknown platform 'twiter' (did you mean twitter?)"),
        (("list", "--status", "delted"), "unknown status 'delted' (did you mean deleted?)"),
        (("list", "--status", "archived"), "choose one of unchecked, available, changed"),
        (("list", "--since", "2026-13-01"), "--since takes a date like 2026-01-07"),
        (("list", "--since", "yesterday"), "got 'yesterday'"),
        (("list", "--until", "2026-02-30"), "--until takes a date"),
        (("export", "--status", "vanished", "--format", "csv"), "unknown status 'vanished'"),
        (("export", "--platform", "myspace", "--format", "csv"), "twitter (x), mastodon"),
        (("export", "--all", "--since", "soon", "--format", "csv"), "--since takes a date"),
        (("recheck", "--platform", "bsk"), "did you mean bluesky?"),
        (("recheck", "--status", "gonne"), "did you mean gone?"),
    ],
)
@arguments_only
def test_bad_filter_values_exit_2_with_the_allowed_values(
    cli: Cli, args: tuple[str, ...], message: str
) -> None:
    code, out, err = cli(*args)
    assert code == 2 and out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_platform_aliases_and_any_case_are_accepted(cli: Cli) -> None:
    twitter = _keys(cli.lines("list", "--platform", "twitter"))
    assert twitter and all(str(key).startswith("twitter:") for key in twitter)
    assert _keys(cli.lines("list", "--platform", "x")) == twitter
    assert _keys(cli.lines("list", "--platform", "X")) == twitter
    assert _keys(cli.lines("list", "--platform", "Twitter")) == twitter
    assert _keys(cli.lines("list", "--platform", "bsky")) == {BLUESKY}
    assert _keys(cli.lines("list", "--status", "UNCHECKED")) == _keys(cli.lines("list"))
    code, out, _ = cli("export", "--platform", "x", "--format", "jsonl")
    assert code == 0 and {json.loads(line)["key"] for line in out.splitlines()} == twitter


@arguments_only
def test_help_names_the_vocabulary(cli: Cli) -> None:
    for command in ("list", "export", "recheck"):
        code, out, _ = cli(command, "--help")
        flat = " ".join(out.replace("│", " ").split())
        assert code == 0 and "unchecked, available, changed" in flat, command
        assert "gone (any gone state)" in flat, command


def _bundle(cli: Cli, out: Path) -> tuple[BeautifulSoup, dict[str, dict[str, object]]]:
    code, _, err = cli("export", "--platform", "twitter", "--out", out)
    assert code == 0, err
    page = BeautifulSoup((out / "data" / "index.html").read_text("utf-8"), "html.parser")
    catalog = (out / "data" / "captures" / "captures.jsonl").read_text("utf-8")
    return page, {row["key"]: row for row in map(json.loads, catalog.splitlines())}


def test_the_bundle_says_never_checked_until_a_check(
    cli: Cli, replay: Replay, tmp_path: Path
) -> None:
    page, catalog = _bundle(cli, tmp_path / "before")
    card = page.find(id=anchor_of(f"twitter:{PHOTO}"))
    assert card is not None and "Last checked" not in card.get_text()
    assert "never: not rechecked since it was captured" in card.get_text()
    assert card.select_one(".status").get_text() == "unchecked"
    assert catalog[f"twitter:{PHOTO}"]["status"] == "unchecked"
    assert catalog[f"twitter:{PHOTO}"]["last_checked_at"] is None

    flip(replay)
    assert cli("recheck", "--platform", "x")[0] == 0
    page, catalog = _bundle(cli, tmp_path / "after")
    checked_at = cli.json("show", f"twitter:{PHOTO}")["checks"][0]["checked_at"]
    card = page.find(id=anchor_of(f"twitter:{PHOTO}"))
    assert card is not None and "Last checked" in card.get_text()
    assert card.select_one(".status").get_text().startswith("deleted (X: This Post was deleted")
    assert card.find("time", attrs={"datetime": checked_at}) is not None
    assert catalog[f"twitter:{PHOTO}"]["status"] == "deleted"
    assert catalog[f"twitter:{PHOTO}"]["last_checked_at"] == checked_at
