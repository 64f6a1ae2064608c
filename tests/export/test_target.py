"""Where a bundle may go: the refusals of ``export/target.py``, without building a bundle
(the same refusals through a whole export are in ``test_bundle.py`` and ``test_export_cli.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.export.selection import ExportError
from archiver.export.target import check_out_name, check_target


def test_a_new_path_and_an_empty_folder_under_force_are_accepted(tmp_path: Path) -> None:
    check_target(tmp_path / "new", force=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    check_target(empty, force=True)
    with pytest.raises(ExportError, match="already exists"):
        check_target(empty, force=False)


def test_a_symbolic_link_is_never_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "bagit.txt").write_text("BagIt-Version: 1.0\n", "utf-8")
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(ExportError, match="is a symbolic link; refusing to replace it"):
        check_target(link, force=True)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(ExportError, match="symbolic link"):
        check_target(dangling, force=True)


def test_a_previous_bundle_is_replaced_only_under_force(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "bagit.txt").write_text("BagIt-Version: 1.0\n", "utf-8")
    check_target(bundle, force=True)
    zipped = tmp_path / "bundle.ZIP"
    zipped.write_bytes(b"PK")
    check_target(zipped, force=True)


@pytest.mark.parametrize(
    ("name", "fmt", "advice"),
    [
        ("out.tar.gz", None, "give a directory (--out out) or a zip (--out out.zip)"),
        ("OUT.TGZ", None, "archiver does not write .tgz bundles"),
        (".7z", None, "(--out bundle)"),
        ("refs.tar.bz2", "csl-json", "name it like refs.json"),
        ("notes.xz", "markdown", "name it like notes.md"),
    ],
)
def test_names_of_formats_not_written_are_refused_with_a_name_to_use(
    tmp_path: Path, name: str, fmt: str | None, advice: str
) -> None:
    with pytest.raises(ExportError) as refusal:
        check_out_name(tmp_path / name, fmt)
    assert advice in str(refusal.value)
    check_out_name(tmp_path / name.split(".")[0], fmt)
