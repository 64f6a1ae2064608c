"""Text from outside is printed as data: it cannot colour, move, link, retitle or forge.

The archive is real: ``fixtures/articles/hostile-text.html`` (two X embeds whose authors
put escape sequences, bidi overrides and Rich markup in their text and name) is added
with ``archiver add``, and the commands run as a user runs them: in their own process
where the bytes a (colour) terminal receives are asserted, in this one (``run_cli``,
the same consoles, made 250 columns wide) for the rest. Hostile server answers come
from the replay server, hostile file names are made in ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.cli.common import out
from archiver.cli.terminal import data, json_text, plain
from tests.conftest import FIXTURES
from tests.e2e.posts import TOOT_ID, toot_key, toot_url
from tests.e2e.replay import Answer, Replay, fixture
from tests.e2e.stored import archiver_command, posts, run_cli

HOSTILE = FIXTURES / "articles" / "hostile-text.html"
MALLORY = "twitter:2008902691847762801"
FORGER = "twitter:2008902691847762802"

#: The first post's text as stored, and as it must be shown (written out by hand).
RAW_TEXT = (
    "Gauge \x1b[31mRED\x1b[0m at [/b] the bridge [link=https://evil.example/]click[/link] "
    ":thumbs_up: \x1b]8;;https://evil.example/\x07official notice\x1b]8;;\x07 "
    "\x1b]0;pwned\x07bell\x07 back\x08\x08ck \u202eevil\u202c done \x9b2J ends\\"
)
SHOWN_TEXT = (
    r"Gauge \x1b[31mRED\x1b[0m at [/b] the bridge [link=https://evil.example/]click[/link] "
    r":thumbs_up: \x1b]8;;https://evil.example/\x07official notice\x1b]8;;\x07 "
    r"\x1b]0;pwned\x07bell\x07 back\x08\x08ck \u202eevil\u202c done \x9b2J ends" + "\\"
)
SHOWN_NAME = r"Mal [bold red]Lory[/] \x1b[5m"

#: What a terminal acts on: C0 controls but tab and newline, DEL, C1 controls, bidi
#: controls, line/paragraph separators. (Independent of the module's own pattern.)
ACTING = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
#: Rich's own styling on a terminal: Select Graphic Rendition and nothing else.
SGR = re.compile("\x1b\\[[0-9;]*m")


def acting(text: str) -> list[str]:
    return ACTING.findall(text)


@pytest.fixture(autouse=True)
def wide_console() -> Iterator[None]:
    """Table rows on one line each, as on a wide terminal."""
    width = out.width
    out.width = 250
    yield
    out.width = width


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("hostile") / "archive"
    added = run_cli("add", HOSTILE, home=home)
    assert added.exit_code == 0, added.output
    assert posts(home)[MALLORY]["record"]["text"] == RAW_TEXT
    return home


def terminal(home: Path | None, *args: str, tty: bool = False) -> subprocess.CompletedProcess[str]:
    """``archiver ARGS [--home HOME]`` in its own process, 250 columns wide; ``tty`` makes
    Rich write for a colour terminal (its own escape sequences then appear)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARCHIVER_", "FORCE_"))}
    env.update(COLUMNS="250")
    env.pop("NO_COLOR", None)
    if tty:
        env.update(TTY_COMPATIBLE="1", FORCE_COLOR="1")
    command = [*archiver_command(), *args, *(["--home", str(home)] if home else [])]
    result = subprocess.run(command, capture_output=True, env=env, check=False)
    return subprocess.CompletedProcess(
        result.args,
        result.returncode,
        result.stdout.decode("utf-8"),
        result.stderr.decode("utf-8"),
    )


# -- the helper ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b", r"\x1b"),
        ("\x07", r"\x07"),
        ("\x08", r"\x08"),
        ("\r", r"\x0d"),
        ("\x0b\x0c", r"\x0b\x0c"),
        ("\x00", r"\x00"),
        ("\x7f", r"\x7f"),
        ("\x9b", r"\x9b"),
        ("\u202e", r"\u202e"),
        ("\u2067", r"\u2067"),
        ("\u200f", r"\u200f"),
        ("\u2028", r"\u2028"),
        ("\n", r"\x0a"),
        ("tab\tkept", "tab\tkept"),
        ("Côte 🌊 東京 [b]", "Côte 🌊 東京 [b]"),
    ],
)
def test_plain_shows_what_acts_on_a_terminal_as_an_escape(raw: str, shown: str) -> None:
    assert plain(raw) == shown


def test_plain_keeps_the_lines_of_a_block_of_text() -> None:
    assert plain("one\r\ntwo\nthree\r", lines=True) == "one\ntwo\nthree\\x0d"


def test_data_is_text_rich_never_reads_as_markup() -> None:
    shown = data("[/b] [link=https://evil.example/]x[/link] :thumbs_up: ends\\")
    assert shown.plain == "[/b] [link=https://evil.example/]x[/link] :thumbs_up: ends\\"
    assert not shown.spans


def test_json_text_escapes_what_json_leaves_raw_and_parses_back_the_same() -> None:
    document = json.dumps({"text": RAW_TEXT}, ensure_ascii=False)
    safe = json_text(document)
    assert acting(safe) == []
    assert json.loads(safe) == {"text": RAW_TEXT}


# -- the commands ----------------------------------------------------------------------------


def test_show_prints_text_and_names_as_data(home: Path) -> None:
    shown = terminal(home, "show", MALLORY)

    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert f"author: {SHOWN_NAME} @mallory_tips" in lines
    assert lines[lines.index("text:") + 1] == f"  {SHOWN_TEXT}"
    assert acting(shown.stdout + shown.stderr) == []


def test_on_a_colour_terminal_only_archivers_own_styles_are_escape_sequences(home: Path) -> None:
    for args in (("show", MALLORY), ("list",)):
        shown = terminal(home, *args, tty=True)
        assert shown.returncode == 0, shown.stderr
        assert SGR.search(shown.stdout), args  # Rich did write for a terminal
        assert acting(SGR.sub("", shown.stdout)) == [], args


def test_a_line_of_a_post_cannot_pass_for_archivers_own(home: Path) -> None:
    shown = run_cli("show", FORGER, home=home)
    listed = run_cli("list", home=home)

    assert "  failed /etc/passwd: forged line" in shown.stdout.splitlines()
    assert "  \\u202eend" in shown.stdout.splitlines()
    for output in (shown.stdout, listed.stdout):
        assert not [line for line in output.splitlines() if line.startswith("failed")]


def test_list_and_search_show_each_post_on_its_row_as_data(home: Path) -> None:
    for args in (("list",), ("search", "gauge")):
        shown = run_cli(*args, home=home)
        assert shown.exit_code == 0, shown.stderr
        [row] = [line for line in shown.stdout.splitlines() if MALLORY in line]
        assert r"Gauge \x1b[31mRED\x1b[0m at [/b] the bridge [link=https://evil.exa" in row
        assert "mallory_tips" in row
        assert acting(shown.stdout) == []


def test_a_search_for_markup_is_shown_as_typed(home: Path) -> None:
    shown = terminal(home, "search", "[/b] [link=x]", tty=True)  # piped output has no title

    assert shown.returncode == 0, shown.stderr
    assert "search: [/b] [link=x]" in SGR.sub("", shown.stdout)


@pytest.mark.parametrize("style", ["apa", "mla", "chicago", "wikipedia", "bibtex", "ris"])
def test_citations_print_as_data(home: Path, style: str) -> None:
    cited = run_cli("cite", MALLORY, "--style", style, home=home)

    assert cited.exit_code == 0, cited.stderr
    assert r"\x1b[31mRED" in cited.stdout.replace("&#91;", "[")  # shown, not acted on
    assert acting(cited.stdout) == []


def test_json_output_is_exact_and_safe(home: Path) -> None:
    for args in (("list", "--json"), ("show", MALLORY, "--json"), ("search", "gauge", "--json")):
        shown = run_cli(*args, home=home)
        assert shown.exit_code == 0, shown.stderr
        assert acting(shown.stdout) == [], args
        documents = [json.loads(line) for line in shown.stdout.splitlines()]
        texts = [d.get("text") or (d.get("record") or {}).get("text") for d in documents]
        assert RAW_TEXT in texts, args
    cited = json.loads(run_cli("cite", MALLORY, "--json", home=home).stdout)
    assert "\x1b[31mRED" in cited["citation"]
    extracted = run_cli("extract", HOSTILE)
    assert acting(extracted.stdout) == []
    assert json.loads(extracted.stdout.splitlines()[0])["text"] == RAW_TEXT


def test_an_error_message_shows_markup_and_escapes_as_typed(home: Path) -> None:
    missing = run_cli("show", "[/b][link=https://evil.example/]x", home=home)

    assert missing.exit_code == 2
    assert missing.stderr == (
        "error: no stored post '[/b][link=https://evil.example/]x'; "
        "`archiver list` shows what the archive holds\n"
    )
    escaped = run_cli("show", "\x1b]0;pwned\x07", home=home)
    assert escaped.exit_code == 2
    assert escaped.stderr.count("\n") == 1 and acting(escaped.stderr) == []


def test_a_file_name_with_a_newline_cannot_forge_a_line(tmp_path: Path) -> None:
    forged = tmp_path / "notes\nfailed secrets.html: forged \x1b[2J.html"
    forged.write_bytes(b"")
    missing = tmp_path / "gone\n[/b]\x1b[31m.html"

    added = run_cli("add", HOSTILE, forged, missing, home=tmp_path / "archive")

    assert added.exit_code == 1
    failed = [line for line in added.stderr.splitlines() if line.startswith("failed")]
    assert failed == [
        f"failed {tmp_path}/notes\\x0afailed secrets.html: forged \\x1b[2J.html: "
        "the file is empty; save the page again",
        f"failed {tmp_path}/gone\\x0a[/b]\\x1b[31m.html: no such file or directory; check the path",
    ]
    assert acting(added.stdout + added.stderr) == []


def test_an_unreadable_url_file_name_is_one_line_of_data(tmp_path: Path) -> None:
    name = tmp_path / "links\nerror: forged\x1b[2J.txt"

    added = run_cli("add", "--from", name, home=tmp_path / "archive")

    assert added.exit_code == 2
    assert added.stderr == (
        f"error: No such file or directory: {tmp_path}/links\\x0aerror: forged\\x1b[2J.txt\n"
    )


# -- what servers say ------------------------------------------------------------------------

HOSTILE_ERROR = "Record not found \x1b[2J\x1b]8;;https://evil.example/\x07[/b]\u202e"
SHOWN_ERROR = r"Record not found \x1b[2J\x1b]8;;https://evil.example/\x07[/b]\u202e"


def test_a_servers_words_in_adds_progress_are_data(
    replay: Replay, replay_config: Path, tmp_path: Path
) -> None:
    replay.mastodon(TOOT_ID, Answer.json({"error": HOSTILE_ERROR}, status=410))

    added = run_cli("add", toot_url(replay), home=tmp_path / "archive", config=replay_config)

    assert added.exit_code == 0, added.output  # unavailable is an outcome, not a failure
    assert added.lines("unavailable") == [f"unavailable {toot_url(replay)}: deleted: {SHOWN_ERROR}"]
    assert acting(added.output) == []


def test_a_servers_words_in_recheck_and_status_are_data(
    replay: Replay, replay_config: Path, tmp_path: Path
) -> None:
    home = tmp_path / "archive"
    replay.mastodon(TOOT_ID, fixture("mastodon", "status-ok.200.json"))
    assert run_cli("add", toot_url(replay), home=home, config=replay_config).exit_code == 0
    replay.mastodon(TOOT_ID, Answer.json({"error": HOSTILE_ERROR}, status=410))

    checked = run_cli("recheck", "--all", home=home, config=replay_config)
    status = run_cli("status", home=home, config=replay_config)

    assert checked.exit_code == 0, checked.output
    assert f"deleted (was available) {toot_key(replay)}: {SHOWN_ERROR}" in checked.stderr
    assert status.exit_code == 0
    assert acting(checked.output + status.output) == []
