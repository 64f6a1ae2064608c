"""``archiver verify`` on hostile zips: members that inflate absurdly (a 3 MB zip holding
3 GB), and members that are links, FIFOs or devices. Each is refused in one line, exit 2,
with nothing extracted."""

from __future__ import annotations

import stat
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from archiver.export.verify_zip import MAX_RATIO, RATIO_FLOOR
from tests.export.conftest import refused, verify_cli

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
MIB = 1 << 20


def zeros_member(mebibytes: int) -> tuple[bytes, int]:
    """Raw deflate of ``mebibytes`` MiB of zero bytes, and its CRC-32, made without
    compressing gigabytes: after a full flush the compressor starts afresh, so the same
    1 MiB of input gives the same block, which is repeated."""
    zero = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(zero) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(zero, crc)
    return block * mebibytes + compressor.flush(), crc


def write_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip of already-deflated members ``(name, data, crc, size)``, laid out as APPNOTE
    says: local headers and data, the central directory, its end record."""
    local, central = bytearray(), bytearray()
    for name, data, crc, size in members:
        encoded = name.encode()
        fields = (20, 0, 8, 0, 0x21, crc, len(data), size, len(encoded), 0)
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0o644 << 16, len(local)
        )
        central += encoded
        local += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", *fields) + encoded + data
    end = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(local), 0
    )
    path.write_bytes(bytes(local + central + end))
    return path


def bagit_member() -> tuple[str, bytes, int, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = compressor.compress(BAGIT_TXT) + compressor.flush()
    return "bundle/bagit.txt", data, zlib.crc32(BAGIT_TXT), len(BAGIT_TXT)


def test_a_3_mb_zip_holding_3_gb_is_refused(tmp_path: Path) -> None:
    data, crc = zeros_member(3 * 1024)
    bomb = write_zip(
        tmp_path / "bomb.zip", [bagit_member(), ("bundle/data/posts.jsonl", data, crc, 3 << 30)]
    )
    assert bomb.stat().st_size < 4 * MIB
    with zipfile.ZipFile(bomb) as archive:  # a real zip, as zipfile reads it
        assert archive.getinfo("bundle/data/posts.jsonl").file_size == 3 << 30
    line = refused(verify_cli(bomb, own_process=True))
    assert line.startswith(f"error: refusing {bomb}: member 'bundle/data/posts.jsonl' would ")
    assert f"to {3 << 30:,} (more than {MAX_RATIO}:1; a zip bomb?); nothing was extracted" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.zip"]


def test_many_small_members_adding_up_to_a_bomb_are_refused(tmp_path: Path) -> None:
    data, crc = zeros_member(1)  # each member alone stays under the floor
    members = [(f"bundle/data/media/{n:04d}.bin", data, crc, MIB) for n in range(300)]
    bomb = write_zip(tmp_path / "bomb.zip", [bagit_member(), *members])
    assert len(data) * MAX_RATIO < MIB <= RATIO_FLOOR
    line = refused(verify_cli(bomb, own_process=True))
    assert f"its members would inflate to {300 * MIB + len(BAGIT_TXT):,} bytes" in line


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        (stat.S_IFIFO | 0o644, "is a device, FIFO or socket, not a file"),
        (stat.S_IFCHR | 0o644, "is a device, FIFO or socket, not a file"),
        (stat.S_IFLNK | 0o777, "is a symbolic link (zip-slip)"),
    ],
)
def test_members_that_are_not_files_are_refused(tmp_path: Path, mode: int, said: str) -> None:
    path = tmp_path / "odd.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("bundle/bagit.txt", BAGIT_TXT)
        info = zipfile.ZipInfo("bundle/data/odd")
        info.external_attr = mode << 16
        archive.writestr(info, "/dev/zero")
    line = refused(verify_cli(path))
    assert line == f"error: refusing {path}: member 'bundle/data/odd' {said}; nothing was extracted"


def test_a_zip_of_archivers_own_bundle_is_far_below_the_limits(
    exported: Path, tmp_path: Path
) -> None:
    """The limits leave room: a real bundle, deflated, stays far from MAX_RATIO."""
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(exported.rglob("*")):
            archive.write(file, f"bundle/{file.relative_to(exported).as_posix()}")
    with zipfile.ZipFile(path) as archive:
        ratios = [i.file_size / max(i.compress_size, 1) for i in archive.infolist() if i.file_size]
    assert max(ratios) < MAX_RATIO / 4
    assert verify_cli(path).returncode == 0


def test_names_with_markup_and_line_breaks_stay_one_plain_line(tmp_path: Path) -> None:
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("bundle/bagit.txt", BAGIT_TXT)
        archive.writestr("../[/b]\nOK all verified", "owned")
    line = refused(verify_cli(path))
    assert "member '../[/b]\\nOK all verified' climbs out of the bundle" in line
