"""The one trick archiver plays on :mod:`zipfile`: a zip's central directory kept on disk.

A zip ends with a central directory, one entry per member, so a writer must remember
every member until it closes. ``zipfile`` keeps a :class:`~zipfile.ZipInfo` for each in
``ZipFile.filelist`` and ``ZipFile.NameToInfo``, about 440 bytes a member: a bundle of
100,000 posts (some 220,000 files) would hold about 100 MB for that alone, where the rest
of an export stays flat (``bench/bench_export.py``, docs/benchmarks.md). stream-zip keeps
its entries in memory too. So everything is written through zipfile's public API, and
this module only moves the entries of finished members from those two containers to a
file, then hands zipfile a list that reads them back when ``close()`` writes the central
directory. An entry is rebuilt from ZipInfo's documented attributes.

It relies on three facts of zipfile that are not its documented API, each checked by
``tests/export/test_zip_spill.py`` (which fails if zipfile changes under them):

- a member written with ``ZipFile.open(info, "w")`` or ``ZipFile.write`` is appended to
  ``ZipFile.filelist`` and stored in ``ZipFile.NameToInfo`` when it is closed;
- ``close()`` writes the central directory from ``len()`` and iteration of ``filelist``;
- nothing else reads those containers while a zip is written with ``allowZip64``
  (duplicate names are caught by the caller, which remembers them on disk).

If ``filelist`` or ``NameToInfo`` is ever not a list or a dict, the spill stays off and the
zip is written the ordinary way: correct, with memory that grows with the members.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

#: ZipInfo's documented attributes: everything its central-directory entry is made from.
_FIELDS = (
    "date_time",
    "compress_type",
    "comment",
    "extra",
    "create_system",
    "create_version",
    "extract_version",
    "reserved",
    "flag_bits",
    "volume",
    "internal_attr",
    "external_attr",
    "header_offset",
    "CRC",
    "compress_size",
    "file_size",
)
_BYTES = frozenset({"comment", "extra"})
#: Entries kept in memory before they are moved to disk.
BATCH = 512


class _SpilledEntries(list[zipfile.ZipInfo]):
    """What ``filelist`` becomes at close: empty itself, it reads the entries back in
    order from the spill file when zipfile counts and iterates it."""

    def __init__(self, path: Path, count: int) -> None:
        super().__init__()
        self._path, self._count = path, count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[zipfile.ZipInfo]:
        with self._path.open(encoding="utf-8") as spilled:
            for line in spilled:
                values = json.loads(line)
                info = zipfile.ZipInfo(values.pop("filename"), tuple(values.pop("date_time")))
                for name, value in values.items():
                    setattr(info, name, bytes.fromhex(value) if name in _BYTES else value)
                yield info


class CentralDirectorySpill:
    """Keeps the central directory of ``archive`` (a ZipFile open for writing) in ``path``.

    Call :meth:`spill` after writing members and :meth:`close` instead of the zip's own
    ``close()``.
    """

    def __init__(self, archive: zipfile.ZipFile, path: Path) -> None:
        self.archive, self._path = archive, path
        self.active = isinstance(getattr(archive, "filelist", None), list) and isinstance(
            getattr(archive, "NameToInfo", None), dict
        )
        self.count = 0
        self._out = path.open("w", encoding="utf-8") if self.active else None

    def spill(self, *, at_least: int = BATCH) -> None:
        """Move finished members' entries to disk once ``at_least`` of them are waiting."""
        if self._out is None or len(self.archive.filelist) < at_least:
            return
        for info in self.archive.filelist:
            values: dict[str, object] = {"filename": info.filename}
            for name in _FIELDS:
                value = getattr(info, name)
                values[name] = value.hex() if name in _BYTES else value
            self._out.write(json.dumps(values) + "\n")
            self.count += 1
        self.archive.filelist.clear()
        self.archive.NameToInfo.clear()

    def close(self) -> None:
        """Write the central directory from the spill file and close the zip."""
        if self._out is not None:
            self.spill(at_least=0)
            self._out.close()
            self._out = None
            self.archive.filelist = _SpilledEntries(self._path, self.count)
        self.archive.close()
