"""The issue's "done when", tried as a new user would: add saved articles from the fixtures,
export them, check the bundle with ``bagit.py --validate`` and ``archiver verify``, then
flip one byte in every file of the bundle in turn and see verify fail and name it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from archiver.cli import app
from archiver.export.verify import BundleUnreadable, verify_bundle

BAGIT = Path(sys.executable).with_name("bagit.py")
runner = CliRunner()


def _bagit_validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BAGIT), "--validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bagit_and_archiver_both_accept_the_bundle(
    fixture_bundles: tuple[Path, Path], tmp_path: Path
) -> None:
    directory, zipped = fixture_bundles
    checked = _bagit_validate(directory)
    assert checked.returncode == 0 and "is valid" in checked.stderr
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(tmp_path)
    assert _bagit_validate(tmp_path / "bundle").returncode == 0
    for path in (directory, zipped):
        result = runner.invoke(app, ["verify", str(path)])
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(f"OK {path}: ")
    assert verify_bundle(directory).posts >= 20


def _failure_text(path: Path) -> str | None:
    """Everything verify says about a bundle, or None when it passes."""
    try:
        report = verify_bundle(path)
    except BundleUnreadable as exc:
        return str(exc)
    return None if report.ok else "\n".join(str(p) for p in report.problems)


def test_one_flipped_byte_anywhere_fails_and_is_named(fixture_bundles: tuple[Path, Path]) -> None:
    directory, _ = fixture_bundles
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    assert len(files) >= 10
    for path in files:
        original = path.read_bytes()
        relative = path.relative_to(directory).as_posix()
        for offset in sorted({0, len(original) // 2, len(original) - 1}):
            changed = bytearray(original)
            changed[offset] ^= 0x01
            path.write_bytes(bytes(changed))
            try:
                said = _failure_text(directory)
            finally:
                path.write_bytes(original)
            assert said is not None, f"flipping byte {offset} of {relative} went unnoticed"
            assert relative in said, f"{relative} (byte {offset}) not named in: {said}"
    assert verify_bundle(directory).ok
