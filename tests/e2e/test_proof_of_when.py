"""Proof of when, tried as a new user would: with a time-stamping authority running, add the
README's article, export it, verify it, check it with openssl, then alter it."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from tests.conftest import FIXTURES
from tests.e2e.stored import run_cli
from tests.evidence.stamped import openssl_verify
from tests.evidence.tsa_server import running_tsa, write_config

ARTICLE = FIXTURES / "articles" / "news-x-embeds.html"
EXISTED = re.compile(
    r"^(?P<key>twitter:\d+) captured (?P<captured>\S+Z) existed by (?P<time>\S+Z) \(Test TSA\)$"
)


def test_add_export_verify_and_openssl(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    with running_tsa() as tsa:
        config = write_config(tmp_path, tsa.url, pki=tsa.pki)
        added = run_cli("add", ARTICLE, home=home, config=config)
        assert added.exit_code == 0, added.output
        exported = run_cli("export", "--all", "--out", tmp_path / "b.zip", home=home, config=config)
        assert exported.exit_code == 0, exported.output
        assert "5 capture(s) ship with their timestamps" in exported.stdout
        assert "bundle timestamped by 127.0.0.1:" in exported.stdout
        verified = run_cli("verify", tmp_path / "b.zip", "--config", config)

    assert verified.exit_code == 0, verified.output
    lines = verified.stdout.splitlines()
    existed = [m for m in map(EXISTED.match, lines) if m]
    assert len(existed) == 5, verified.stdout
    assert all(m["time"] >= m["captured"][:-1] for m in existed)
    assert any(line.startswith("bundle existed by ") for line in lines)
    assert lines[-1].startswith(f"OK {tmp_path / 'b.zip'}: 5 record(s)")

    with zipfile.ZipFile(tmp_path / "b.zip") as bundle:
        bundle.extractall(tmp_path)
    folder = tmp_path / "b"
    catalog = folder / "data" / "captures" / "captures.jsonl"
    first = json.loads(catalog.read_text(encoding="utf-8").splitlines()[0])
    data = bytearray(catalog.read_bytes())
    where = data.index(first["captures"][0]["record"]["text"][:12].encode())
    data[where] ^= 0x20  # one letter's case, in one capture's record
    catalog.write_bytes(bytes(data))
    altered = run_cli("verify", folder, "--config", config)
    assert altered.exit_code == 1
    named = [line for line in altered.lines("FAILED") if first["key"] in line]
    assert named, altered.stderr

    # openssl dates the tag manifest, which did not change (the manifests caught the edit)
    (token,) = (folder / "timestamps").glob("tagmanifest-sha256.txt.*.tsr")
    said = openssl_verify(
        folder, "tagmanifest-sha256.txt", f"timestamps/{token.name}", "timestamps/certificates.pem"
    )
    assert "Verification: OK" in said, said
