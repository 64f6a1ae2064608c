"""Telling post URLs from saved documents among the sources a user names.

Stdin holding only URL lines is a URL list; anything else on stdin is a document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
#: Anything that starts like a URL (``ftp://…``, a bare ``https://``): fetching it says why
#: it cannot be fetched, which helps more than "no such file".
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def is_url(source: str) -> bool:
    return bool(_URL.match(source.strip()))


@dataclass(frozen=True)
class SplitSources:
    documents: list[str]
    urls: list[str]
    stdin_document: bytes | None = None


def split_sources(
    sources: Sequence[str], *, stdin: BinaryIO | None = None, url_file: Path | None = None
) -> SplitSources:
    """Separate post URLs from documents. Stdin (``-``) holding only URL lines is a URL
    list; anything else on stdin is a saved document."""
    documents: list[str] = []
    urls: list[str] = []
    stdin_document: bytes | None = None
    for source in sources:
        if source == "-":
            data = stdin.read() if stdin is not None else b""
            listed = _url_lines(data)
            if listed:
                urls.extend(listed)
            else:
                documents.append("-")
                stdin_document = data
        elif is_url(source) or (_SCHEME.match(source.strip()) and not Path(source).exists()):
            urls.append(source.strip())
        else:
            documents.append(source)
    if url_file is not None:
        urls.extend(read_url_file(url_file))
    return SplitSources(documents, urls, stdin_document)


def _url_lines(data: bytes) -> list[str]:
    try:
        lines = [line.strip() for line in data.decode("utf-8-sig").splitlines()]
    except UnicodeDecodeError:
        return []
    lines = [line for line in lines if line and not line.startswith("#")]
    return lines if lines and all(is_url(line) for line in lines) else []


def read_url_file(path: Path) -> list[str]:
    """URLs from a file, one per line; blank lines and ``#`` comments ignored."""
    text = path.read_text(encoding="utf-8-sig")
    return [s for line in text.splitlines() if (s := line.strip()) and not s.startswith("#")]
