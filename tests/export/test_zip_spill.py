"""The central-directory spill's three assumptions about zipfile (see zip_spill's docstring).
These fail if a Python release changes zipfile under the trick."""

from __future__ import annotations

import zipfile
from pathlib import Path

from archiver.export.zip_spill import BATCH, CentralDirectorySpill

STAMP = (2026, 2, 1, 12, 30, 0)


def members(count: int) -> list[tuple[zipfile.ZipInfo, bytes, bool]]:
    """Deflated and stored members, one forced to Zip64 (so its entry has extra bytes)."""
    made = []
    for n in range(count):
        info = zipfile.ZipInfo(f"bag/data/file-{n:05d}.txt", date_time=STAMP)
        info.compress_type = zipfile.ZIP_STORED if n % 3 == 0 else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        made.append((info, f"member {n} ".encode() * (n % 50 + 1), n == 7))
    return made


def write(archive: zipfile.ZipFile, member: tuple[zipfile.ZipInfo, bytes, bool]) -> None:
    info, data, zip64 = member
    with archive.open(info, "w", force_zip64=zip64) as out:
        out.write(data)


def test_a_spilled_zip_is_byte_for_byte_the_ordinary_zip(tmp_path: Path) -> None:
    count = 2 * BATCH + 37
    with zipfile.ZipFile(tmp_path / "plain.zip", "w", allowZip64=True) as plain:
        for member in members(count):
            write(plain, member)
    spill = CentralDirectorySpill(
        zipfile.ZipFile(tmp_path / "spilled.zip", "w", allowZip64=True), tmp_path / "cd"
    )
    assert spill.active  # zipfile still has a list filelist and a dict NameToInfo
    for member in members(count):
        write(spill.archive, member)
        spill.spill()
    spill.close()
    assert spill.count == count
    assert (tmp_path / "spilled.zip").read_bytes() == (tmp_path / "plain.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "spilled.zip") as archive:
        assert archive.testzip() is None and len(archive.infolist()) == count


def test_zipfile_records_each_written_member_where_the_spill_takes_it(tmp_path: Path) -> None:
    spill = CentralDirectorySpill(
        zipfile.ZipFile(tmp_path / "a.zip", "w", allowZip64=True), tmp_path / "cd"
    )
    made = members(BATCH)
    for member in made[:-1]:
        write(spill.archive, member)
        spill.spill()
    # Until a batch is full, every finished member waits in zipfile's own containers.
    assert len(spill.archive.filelist) == len(spill.archive.NameToInfo) == BATCH - 1
    assert spill.archive.filelist[0].filename == made[0][0].filename
    write(spill.archive, made[-1])
    spill.spill()
    # Then none is left in memory: zipfile holds nothing per member.
    assert spill.archive.filelist == [] and spill.archive.NameToInfo == {}
    assert spill.count == BATCH
    spill.close()
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert [i.filename for i in archive.infolist()] == [m[0].filename for m in made]
