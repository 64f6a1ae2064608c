"""``archiver cite``, ``export`` and ``verify`` as a new user runs them."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archiver.cli import app
from tests.export.conftest import Built

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_cite_every_style(built: Built) -> None:
    code, out, _ = run("cite", built.keys[0], "--home", built.home)
    assert code == 0
    assert out.startswith("River Watch [@riverwatch]. (2026, January 7). Barrier holds <script>")
    assert "Archived January 7, 2026, in archiver (content hash sha256:" in out
    code, out, _ = run(
        "cite",
        "https://twitter.com/riverwatch/status/1000000000000000002",
        "--style",
        "wikipedia",
        "--archive-url",
        "https://archive.example.org/c/2",
        "--home",
        built.home,
    )
    assert code == 0 and out.startswith("{{cite tweet |number=1000000000000000002 |user=riverwatch")
    assert "|archive-url=https://archive.example.org/c/2 |archive-date=2026-01-09" in out
    for style in ("mla", "chicago", "chicago-note", "bibtex", "ris"):
        code, out, _ = run("cite", built.keys[1], "-s", style, "--home", built.home)
        assert code == 0 and "Ана Сергеевна" in out, style
    code, out, _ = run(
        "cite", built.keys[1], "-s", "csl-json", "--no-archive", "--home", built.home
    )
    item = json.loads(out)[0]
    assert item["type"] == "post" and "accessed" not in item
    code, out, _ = run("cite", built.keys[0], "--json", "--home", built.home)
    assert json.loads(out)["style"] == "apa"


def test_cite_bad_input_exits_2(built: Built) -> None:
    code, _, err = run("cite", "twitter:42", "--home", built.home)
    assert code == 2 and "no stored post 'twitter:42'" in err
    code, _, err = run("cite", built.keys[0], "--style", "harvard", "--home", built.home)
    assert code == 2 and "unknown style 'harvard'" in err
    code, _, err = run("cite", built.deleted_key, "--home", built.home)
    assert code == 2 and "has no captured copy to cite (status: deleted)" in err


def test_export_verify_tamper_cycle(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "bundle.zip"
    code, stdout, _ = run(
        "export",
        "--all",
        "--out",
        out,
        "--home",
        built.home,
        "--source-organization",
        "Esk Valley Gazette",
        "--contact-email",
        "desk@gazette.example",
    )
    assert code == 0 and "3 post(s), 1 without a copy" in stdout
    code, stdout, _ = run("verify", out)
    assert code == 0 and stdout.startswith(f"OK {out}: 3 record(s)")
    with zipfile.ZipFile(out) as archive:
        info = archive.read("bundle/bag-info.txt").decode()
    assert "Source-Organization: Esk Valley Gazette" in info
    assert "External-Description: Posts preserved with archiver" in info  # from config/default.toml
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(unpacked)
    posts = unpacked / "bundle/data/posts.jsonl"
    data = bytearray(posts.read_bytes())
    data[40] ^= 0x01
    posts.write_bytes(bytes(data))
    code, _, err = run("verify", unpacked / "bundle")
    assert code == 1
    assert "FAILED data/posts.jsonl: sha256 does not match manifest-sha256.txt" in err
    code, stdout, _ = run("verify", unpacked / "bundle", "--json")
    report = json.loads(stdout)
    assert code == 1 and report["ok"] is False
    assert {p["path"] for p in report["problems"]} >= {"data/posts.jsonl"}


def test_export_refusals_exit_2(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    code, _, err = run("export", "--platform", "reddit", "--out", out, "--home", built.home)
    assert code == 2 and "the selection is empty" in err and not out.exists()
    code, _, err = run("export", "--out", out, "--home", built.home)
    assert code == 2 and "nothing selected" in err
    code, _, err = run("export", "--all", "--home", built.home)
    assert code == 2 and "--out PATH is required" in err
    assert run("export", "--all", "--out", out, "--home", built.home)[0] == 0
    code, _, err = run("export", "--all", "--out", out, "--home", built.home)
    assert code == 2 and "already exists" in err and "--force" in err
    assert run("export", "--all", "--out", out, "--force", "--home", built.home)[0] == 0
    code, _, err = run("export", "--all", "--out", out, "--format", "yaml", "--home", built.home)
    assert code == 2 and "unknown --format 'yaml'" in err
    code, _, err = run(
        "export", "--all", "--out", tmp_path / "b2", "--bagging-date", "1 May", "--home", built.home
    )
    assert code == 2 and "--bagging-date must be YYYY-MM-DD" in err


def test_verify_refuses_zip_slip_and_corrupt_bundles(tmp_path: Path) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("bag/bagit.txt", "BagIt-Version: 1.0\n")
        archive.writestr("../../outside.txt", "owned")
    code, _, err = run("verify", evil)
    assert code == 2 and "'../../outside.txt' climbs out of the bundle" in err and "zip-slip" in err
    (tmp_path / "junk").mkdir()
    code, _, err = run("verify", tmp_path / "junk")
    assert code == 2 and "not a bundle: no bagit.txt found" in err


def test_single_file_formats(built: Built, tmp_path: Path) -> None:
    code, out, _ = run("export", "--all", "--format", "jsonl", "--home", built.home)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 and json.loads(lines[0])["key"] == built.keys[1]
    code, out, _ = run("export", built.keys[0], "--format", "csv", "--home", built.home)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["key"] == built.keys[0] and rows[0]["text"].startswith("Barrier holds <script>")
    target = tmp_path / "refs.bib"
    code, out, _ = run(
        "export", "--all", "--format", "bibtex", "--out", target, "--home", built.home
    )
    assert code == 0 and target.read_text("utf-8").count("@online{") == 3
    code, _, err = run(
        "export", "--all", "--format", "bibtex", "--out", target, "--home", built.home
    )
    assert code == 2 and "already exists" in err
    for fmt, marker in (
        ("csl-json", '"type": "post"'),
        ("ris", "TY  - ELEC"),
        ("markdown", "# Archived posts"),
    ):
        code, out, _ = run("export", "--all", "--format", fmt, "--home", built.home)
        assert code == 0 and marker in out, fmt


def test_csv_neutralises_spreadsheet_formulas(built: Built, tmp_path: Path) -> None:
    from archiver.store import Archive
    from tests.conftest import make_post
    from tests.export.conftest import Evidence, Observation

    post = make_post("1000000000000000077", text='=HYPERLINK("http://evil.example")')
    with Archive(built.home) as archive:
        archive.add([Observation.of_post(post, [Evidence(url="a.html", body=b"x")])])
    code, out, _ = run("export", post.key, "--format", "csv", "--home", built.home)
    assert code == 0 and next(iter(csv.DictReader(io.StringIO(out))))["text"].startswith(
        "'=HYPERLINK"
    )


def _without_root_powers(command: list[str]) -> list[str]:
    """Run ``command`` so that directory permissions apply even to root (capsh drops
    CAP_DAC_OVERRIDE); unchanged for other users."""
    if os.geteuid() != 0:
        return command
    capsh = shutil.which("capsh")
    if capsh is None:
        pytest.skip("running as root without capsh: cannot make a directory read-only")
    return [capsh, "--drop=cap_dac_override,cap_dac_read_search", "--", "-c", shlex.join(command)]


@pytest.mark.parametrize("name", ["bundle", "bundle.zip"])
def test_read_only_target_is_a_clear_error(built: Built, tmp_path: Path, name: str) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        command = [
            sys.executable,
            "-m",
            "archiver",
            "export",
            "--all",
            "--out",
            str(locked / name),
            "--home",
            str(built.home),
        ]
        result = subprocess.run(
            _without_root_powers(command), capture_output=True, text=True, timeout=120, check=False
        )
    finally:
        locked.chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert f"cannot write the bundle to {locked / name}: Permission denied" in result.stderr
    assert list(locked.iterdir()) == []


def test_missing_evidence_warns_and_exits_1(built: Built, tmp_path: Path) -> None:
    (built.home / built.warc.file).unlink()
    code, _, err = run("export", "--all", "--out", tmp_path / "b", "--home", built.home)
    assert code == 1
    assert f"warning: WARC record {built.warc.file}: no such WARC file in the archive home" in err
    code, _, err = run("verify", tmp_path / "b")
    assert code == 1
    assert (
        f"FAILED data/captures/captures.jsonl: line 4 ({built.keys[2]}): WARC record "
        f"{built.warc.record_id} is not in the bundle; the archive could not supply it"
    ) in err


@pytest.fixture
def umask_027() -> object:
    previous = os.umask(0o027)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("umask_027")
def test_exported_files_follow_the_users_umask(built: Built, tmp_path: Path) -> None:
    for fmt, name in (("csv", "posts.csv"), ("bibtex", "refs.bib")):
        code, _, err = run(
            "export", "--all", "--format", fmt, "--out", tmp_path / name, "--home", built.home
        )
        assert code == 0, err
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o640, fmt
    code, _, err = run("export", "--all", "--out", tmp_path / "b.zip", "--home", built.home)
    assert code == 0, err
    assert (tmp_path / "b.zip").stat().st_mode & 0o777 == 0o640
    code, _, err = run("export", "--all", "--out", tmp_path / "b", "--home", built.home)
    assert code == 0, err
    assert (tmp_path / "b").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "b" / "data" / "index.html").stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "archiver does not write .tar.gz bundles; give a directory (--out bundle)"),
        (("--format", "csv"), "--format csv writes one plain file, not a .tar.gz archive"),
    ],
)
@pytest.mark.parametrize("name", ["bundle.tar.gz", "bundle.tgz", "bundle.tar.xz", "bundle.7z"])
def test_unsupported_archive_names_are_refused(
    built: Built, tmp_path: Path, args: tuple[str, ...], message: str, name: str
) -> None:
    code, out, err = run("export", "--all", *args, "--out", tmp_path / name, "--home", built.home)
    assert code == 2 and out == ""
    suffix = name.removeprefix("bundle")
    assert message.replace(".tar.gz", suffix) in err
    assert "or a zip (--out bundle.zip)" in err or "name it like bundle.csv" in err
    assert not (tmp_path / name).exists()
    assert [p for p in tmp_path.iterdir() if p != built.home] == []  # no partial bundle


def test_style_and_format_take_any_case(built: Built) -> None:
    code, lower, _ = run("cite", built.keys[0], "--style", "apa", "--home", built.home)
    assert code == 0
    assert run("cite", built.keys[0], "--style", "APA", "--home", built.home) == (0, lower, "")
    code, out, _ = run("export", "--all", "--format", "CSV", "--home", built.home)
    assert code == 0 and out.startswith("key,platform")
    code, _, err = run("cite", built.keys[0], "--style", "ap", "--home", built.home)
    assert code == 2 and "unknown style 'ap' (did you mean apa?)" in err


def test_cite_json_nests_csl_json_as_an_object(built: Built) -> None:
    code, out, _ = run("cite", built.keys[0], "--style", "csl-json", "--json", "--home", built.home)
    assert code == 0
    cited = json.loads(out)
    assert isinstance(cited["citation"], list)  # CSL-JSON data is an array of items
    assert cited["citation"][0]["type"] == "post"
    code, out, _ = run("cite", built.keys[0], "--json", "--home", built.home)
    assert code == 0 and isinstance(json.loads(out)["citation"], str)


def test_json_authors_are_always_objects(built: Built) -> None:
    code, out, _ = run("list", "--json", "--home", built.home)
    assert code == 0
    listed = [json.loads(line) for line in out.splitlines()]
    code, out, _ = run("show", built.keys[0], "--json", "--home", built.home)
    shown = json.loads(out)["record"]["author"]
    first = next(row for row in listed if row["key"] == built.keys[0])
    assert first["author"] == {"name": shown["name"], "handle": shown["handle"]}
    assert all(isinstance(row["author"], dict) for row in listed)
def test_a_missing_blob_is_a_warning_in_show_and_export_and_fails_verify(
    built: Built, tmp_path: Path
) -> None:
    from archiver.store import Archive

    with Archive(built.home) as archive:
        raw = archive.captures(built.keys[0])[0].raw_sha256
        archive.blobs.path_for(built.png_sha256).unlink()
        archive.blobs.path_for(raw).unlink()
    code, out, err = run("show", built.keys[0], "--home", built.home)
    assert code == 0 and "Barrier holds" in out
    assert err.splitlines() == [
        f"warning: blob {built.png_sha256} (media https://pic.twitter.com/AbC123) is missing "
        "from the archive",
        f"warning: blob {raw} (raw bytes of capture 1) is missing from the archive",
    ]
    code, out, err = run("export", built.keys[0], "--out", tmp_path / "b.zip", "--home", built.home)
    assert code == 1 and "wrote" in out
    assert err.splitlines() == [
        f"warning: blob {built.png_sha256} (media/{built.png_sha256}.png) is missing from the "
        "archive",
        f"warning: blob {raw} (captures/raw/{raw}) is missing from the archive",
    ]
    code, _, err = run("verify", tmp_path / "b.zip")
    assert code == 1
    assert f"raw bytes of capture 1 (blob {raw}) is not in the bundle" in err
    assert f"media https://pic.twitter.com/AbC123 (blob {built.png_sha256}) is not in" in err
