"""Content-addressed files: the raw bytes every record was parsed from, and media.

A file's name is its SHA-256, so the same bytes are stored once however often they
are captured, a stored file can be checked against its name at any time, and an
interrupted write never leaves a half file under a valid name (write, then rename).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256

    def relative_path(self, sha256: str) -> str:
        """Where a blob lives relative to the archive home (for manifests and exports)."""
        return f"blobs/sha256/{sha256[:2]}/{sha256}"

    def put(self, data: bytes) -> str:
        """Store ``data``; return its hex SHA-256. Storing the same bytes twice is a no-op."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_for(digest)
        if target.exists():
            return digest
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
        target = self.path_for(sha256)
        if target.exists():
            source.unlink(missing_ok=True)
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), target)
        return sha256

    def incoming_dir(self) -> Path:
        """Where streamed downloads are written before they are named by their hash."""
        path = self.root / "incoming"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def size(self, sha256: str) -> int | None:
        path = self.path_for(sha256)
        return path.stat().st_size if path.exists() else None

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()
