"""Where a bundle goes: refuse an ``--out`` that would mislead or destroy.

A bundle named ``x.tar.gz`` that is really a directory misleads whoever receives it, and
``--force`` over a folder of someone's own files would delete them; both are refused
before a byte of the bundle is written, with a line saying what to give instead.
"""

from __future__ import annotations

from pathlib import Path

from archiver.export.selection import ExportError

#: Names of archive formats archiver does not write: a bundle named so would be a
#: directory (or a zip) under a misleading name.
UNSUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".tar.gz",
    ".tgz",
    ".tar",
    ".gz",
    ".tar.bz2",
    ".tbz2",
    ".bz2",
    ".tar.xz",
    ".txz",
    ".xz",
    ".zst",
    ".7z",
    ".rar",
)


def check_out_name(out: Path, fmt: str | None = None) -> None:
    """Refuse an ``--out`` named like an archive format archiver does not write."""
    name = out.name.lower()
    suffix = next((s for s in UNSUPPORTED_SUFFIXES if name.endswith(s)), None)
    if suffix is None:
        return
    stem = out.name[: -len(suffix)] or "bundle"
    if fmt is not None:
        raise ExportError(
            f"--format {fmt} writes one plain file, not a {suffix} archive; "
            f"name it like {stem}.{fmt.replace('markdown', 'md').replace('csl-json', 'json')}"
        )
    raise ExportError(
        f"archiver does not write {suffix} bundles; give a directory (--out {stem}) "
        f"or a zip (--out {stem}.zip)"
    )


def check_target(out: Path, *, force: bool) -> None:
    """Refuse an existing target unless ``force``, and never replace what is not a bundle."""
    check_out_name(out)
    if not out.exists() and not out.is_symlink():
        return
    if not force:
        raise ExportError(
            f"{out} already exists; choose another --out or add --force to replace it"
        )
    if out.is_symlink():
        raise ExportError(f"{out} is a symbolic link; refusing to replace it")
    if out.is_dir() and any(out.iterdir()) and not (out / "bagit.txt").is_file():
        raise ExportError(f"{out} is a directory that is not a bundle; refusing to replace it")
    if out.is_file() and out.suffix.lower() != ".zip":
        raise ExportError(f"{out} is a file that is not a .zip bundle; refusing to replace it")
