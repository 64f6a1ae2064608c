"""Telling post URLs from saved documents among the sources a user names.

Standard input and ``--from`` files are read within ``[documents] max_bytes``, the cap
documents have, given up as soon as they pass it (a pipe has no size to check first).

Standard input is a list of URLs when it reads as one: not HTML, at least one line a
bare ``http(s)://`` URL, and bare URLs at least half of its lines (blank lines and
``#`` comments aside). Then every other line is tried as a URL too and fails on its own
line, as in a ``--from`` file, instead of the whole input being read as a document. A
plain-text article mentions URLs as well, but between paragraphs of prose, so its
URL lines are the few; it stays a document, whose bare post-URL lines
:mod:`archiver.documents` reads as posts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from archiver.documents.sources import DocumentError, read_capped, sniff_kind

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
    sources: Sequence[str],
    *,
    max_bytes: int,
    stdin: BinaryIO | None = None,
    url_file: Path | None = None,
) -> SplitSources:
    """Separate post URLs from documents; stdin (``-``) is a URL list when it reads as one.

    Raises :class:`~archiver.documents.DocumentError` when stdin or ``url_file`` holds
    more than ``max_bytes``.
    """
    documents: list[str] = []
    urls: list[str] = []
    stdin_document: bytes | None = None
    for source in sources:
        if source == "-":
            data = read_capped(stdin, max_bytes, "standard input") if stdin else b""
            listed = url_list(data)
            if listed is not None:
                urls.extend(listed)
            else:
                documents.append("-")
                stdin_document = data
        elif is_url(source) or (_SCHEME.match(source.strip()) and not Path(source).exists()):
            urls.append(source.strip())
        else:
            documents.append(source)
    if url_file is not None:
        urls.extend(read_url_file(url_file, max_bytes=max_bytes))
    return SplitSources(documents, urls, stdin_document)


def url_list(data: bytes) -> list[str] | None:
    """The lines of ``data`` to fetch, when it reads as a list of URLs; else None."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if sniff_kind(text) == "html":
        return None
    lines = _listed(text)
    bare = sum(1 for line in lines if is_url(line))
    return lines if bare and 2 * bare >= len(lines) else None


def read_url_file(path: Path, *, max_bytes: int) -> list[str]:
    """URLs from a file, one per line; blank lines and ``#`` comments ignored."""
    with path.open("rb") as handle:
        data = read_capped(handle, max_bytes, str(path))
    try:
        return _listed(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DocumentError(
            f"{path}: not UTF-8 text; give a file of post URLs, one per line"
        ) from None


def _listed(text: str) -> list[str]:
    return [s for line in text.splitlines() if (s := line.strip()) and not s.startswith("#")]
