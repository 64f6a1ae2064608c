"""Content-addressed files: the raw bytes every record was parsed from, and media.

A file's name is its SHA-256, so the same bytes are stored once however often they
are captured, a stored file can be checked against its name at any time, and an
interrupted write never leaves a half file under a valid name (write, then rename).

Files live two folder levels deep, ``sha256/ab/cd/abcd…``: 65,536 folders, so ten
million files put about 150 in each (one level, as archives were first written, put
40,000 and more in each, which file systems, backups and ``ls`` handle badly). An
archive written with one level (``sha256/ab/abcd…``) is moved over when it is opened,
one rename per file: each file is always in exactly one of the two places, and until
the move is complete (the ``LAYOUT`` file says so) every look-up tries both, so an
interrupted move loses nothing and the next open finishes it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

#: Written once every file is in the two-level layout; its text describes the layout.
LAYOUT_FILE = "LAYOUT"
LAYOUT = "sha256/ab/cd/<sha256>\n"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FOLDER = re.compile(r"[0-9a-f]{2}")


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        #: Some files may still be in the one-level layout: look there too.
        self._mixed = not (root / LAYOUT_FILE).exists()

    def path_for(self, sha256: str) -> Path:
        """Where the blob ``sha256`` is written."""
        return self.root / "sha256" / sha256[:2] / sha256[2:4] / sha256

    def _one_level(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256

    def locate(self, sha256: str) -> Path:
        """Where the blob ``sha256`` is (where it would be written, if it is nowhere)."""
        path = self.path_for(sha256)
        if self._mixed and not path.exists():
            old = self._one_level(sha256)
            if old.exists():
                return old
        return path

    def relative_path(self, sha256: str) -> str:
        """Where a blob lives relative to the archive home (for manifests and exports).

        Plain strings: pathlib interns every path part, which adds up over an export."""
        folder = f"{self.root.name}/sha256/{sha256[:2]}"
        path = f"{folder}/{sha256[2:4]}/{sha256}"
        if self._mixed and not os.path.exists(os.path.join(self.root.parent, path)):
            old = f"{folder}/{sha256}"
            if os.path.exists(os.path.join(self.root.parent, old)):
                return old
        return path

    def put(self, data: bytes) -> str:
        """Store ``data``; return its hex SHA-256. Storing the same bytes twice is a no-op."""
        digest = hashlib.sha256(data).hexdigest()
        if self.exists(digest):
            return digest
        target = self.path_for(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return digest

    def put_file(self, source: Path, sha256: str) -> str:
        """Move an already-hashed file (a streamed download) into the store."""
        if self.exists(sha256):
            source.unlink(missing_ok=True)
            return sha256
        target = self.path_for(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), target)
        return sha256

    def incoming_dir(self) -> Path:
        """Where streamed downloads are written before they are named by their hash."""
        path = self.root / "incoming"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def get(self, sha256: str) -> bytes:
        return self.locate(sha256).read_bytes()

    def size(self, sha256: str) -> int | None:
        path = self.locate(sha256)
        return path.stat().st_size if path.exists() else None

    def exists(self, sha256: str) -> bool:
        return self.locate(sha256).exists()

    def upgrade_layout(self) -> bool:
        """Move every one-level file to its two-level place; True once none is left.

        Safe to interrupt and to run from two processes at once (each move is one rename;
        a file already moved is skipped). A home that cannot be written is left as it is
        and read in both layouts.
        """
        if not self._mixed:
            return True
        base = self.root / "sha256"
        try:
            if base.is_dir():
                for folder in sorted(os.listdir(base)):
                    if _FOLDER.fullmatch(folder):
                        _move_folder(base / folder)
            self.root.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(dir=self.root, prefix=".layout-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(LAYOUT)
            os.replace(temp_name, self.root / LAYOUT_FILE)
        except OSError:
            return False
        self._mixed = False
        return True


def _move_folder(folder: Path) -> None:
    """Move the one-level files of ``sha256/ab`` into ``sha256/ab/cd``."""
    with os.scandir(folder) as entries:
        names = [entry.name for entry in entries if entry.is_file()]
    made: set[str] = set()
    for name in names:
        if not _SHA256.fullmatch(name):
            continue  # a temporary file of an interrupted write: never a valid name
        sub = folder / name[2:4]
        if name[2:4] not in made:
            sub.mkdir(exist_ok=True)
            made.add(name[2:4])
        target = sub / name
        try:
            if target.exists():  # written again meanwhile: the same bytes, by their name
                os.unlink(folder / name)
            else:
                os.rename(folder / name, target)
        except FileNotFoundError:
            continue  # another process moved it first
