"""What ``verify`` finds: problems named by file, and the error for what is no bundle at all.

Two outcomes, two exit codes. A :class:`Problem` is damage or alteration found in a
bundle that could be read (exit 1): a file that fails its manifest, a record whose hash
does not match, evidence the bundle should hold and does not. :class:`BundleUnreadable`
is input that ``verify`` refuses to go on with (exit 2): not a bag, an unsafe or absurd
zip, a special file, a line no archiver writes; its message is one line that names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.export.selection import ExportError
from archiver.export.verify_time import TimeFindings


class BundleUnreadable(ExportError):
    """The path is not a bundle archiver can open (not a bag, a broken or unsafe zip)."""


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class VerifyReport:
    bundle: Path
    posts: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: What the bundle's timestamps prove (see :mod:`archiver.export.verify_time`).
    time: TimeFindings | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle": str(self.bundle),
            "ok": self.ok,
            "posts": self.posts,
            "files": self.files,
            "problems": [{"path": p.path, "message": p.message} for p in self.problems],
            "timestamps": self.time.to_json() if self.time is not None else None,
        }
