"""Saved documents before parsing: where they come from and how their bytes become text.

A researcher points archiver at a folder of thousands of saved pages and expects every
readable one to be read and every unreadable one to be named, in a stable order, without
memory growing with the folder. So sources are streamed (one file's bytes in memory at a
time), directories are walked sorted and lazily, and every problem (missing, empty,
binary, unreadable, too big) becomes a :class:`SourceFailure` with a one-line message
that says what to do, never a traceback. :mod:`archiver.documents` supplies the reader.

Pages saved by old tools come in old encodings, so bytes are decoded the way a browser
would: a BOM first (UTF-8, UTF-16, UTF-32; UTF-16 is also sniffed without one), then the
declared charset, then UTF-8, then windows-1252, with latin-1 labels read as
windows-1252 as the HTML standard says (that is where "smart quotes" live).
"""

from __future__ import annotations

import codecs
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import BinaryIO, Literal, TypeVar

from bs4 import UnicodeDammit

from archiver.errors import ArchiverError

#: File names read from a directory; extensionless files are read when they sniff as text.
DOCUMENT_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".txt", ".text", ".md"})
_SNIFF_BYTES = 1024
_CHUNK = 1024 * 1024
_SAMPLE = 8192
#: Share of control characters (or undecodable bytes) above which "text" is binary.
_BINARY_SHARE = 0.02
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\ufffd]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: A charset a page declares that cannot be its real one (browsers ignore these too).
_WIDE = ("utf-16", "utf-16le", "utf-16be", "utf-16-le", "utf-16-be", "utf-32", "utf-32le")
_LATIN1 = frozenset({"iso-8859-1", "latin-1", "latin1", "ascii", "us-ascii"})
_HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
    re.IGNORECASE | re.DOTALL,
)
_HTML_TAG = re.compile(
    r"<(?:p|div|a|br|span|blockquote|iframe|script|figure|img|meta|link|h[1-6]|ul|ol|li|"
    r"article|section|table|em|strong|head|body|title)\b[^<>]*>",
    re.IGNORECASE,
)
_HTML_TAGS_NEEDED = 3
_SUFFIX_LIST = ", ".join(sorted(DOCUMENT_SUFFIXES))

Kind = Literal["html", "text"]
Result = TypeVar("Result")
Reader = Callable[[bytes, str], Result]


class DocumentError(ArchiverError):
    """A document cannot be read at all; ``str(exc)`` says what and what to do, in one line."""


@dataclass(frozen=True)
class SourceFailure:
    """A source that yielded no document, and why (one line, for the user)."""

    source: str
    message: str


def iter_documents(
    sources: Sequence[str],
    *,
    stdin: BinaryIO | None = None,
    max_bytes: int,
    read: Reader[Result],
) -> Iterator[Result | SourceFailure]:
    """``read(raw, source)`` for every document in ``sources``, in order, or its failure."""
    for source in sources:
        if source == "-":
            yield _from_stdin(stdin, max_bytes, read)
            continue
        if not source.strip():
            yield SourceFailure(source, "an empty path was given; name a file or directory")
            continue
        path = Path(source)
        if path.is_dir():
            yield from _from_directory(source, path, max_bytes, read)
        else:
            yield _from_file(source, path, max_bytes, read)


def recorded_source(source: str, *, keep_path: bool = False) -> str:
    """What a capture records as a local document's source: its file name only.

    A local path can name a person, a project or a machine, and whatever a capture records
    travels on into bundles and citations; the name still tells the files apart, and the
    key of a capture does not change with the directory it was added from. ``keep_path``
    (asked for by the user) records the full absolute path instead.
    """
    if source == "-" or source.startswith(("http://", "https://")):
        return source  # stdin, or a page fetched live: its address is its name
    path = Path(source).expanduser()
    return str(path.absolute()) if keep_path else path.name


def read_capped(stream: BinaryIO, max_bytes: int, source: str) -> bytes:
    """All of ``stream``, read in chunks and given up as soon as it passes ``max_bytes``
    (a pipe or ``/dev/zero`` has no size to look at first); :class:`DocumentError` then."""
    chunks: list[bytes] = []
    total = 0
    while chunk := stream.read(min(_CHUNK, max_bytes + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise DocumentError(_too_big(source, f"more than {max_bytes:,} bytes", max_bytes))
    return b"".join(chunks)


def _from_stdin(
    stdin: BinaryIO | None, max_bytes: int, read: Reader[Result]
) -> Result | SourceFailure:
    stream = stdin if stdin is not None else sys.stdin.buffer
    try:
        raw = read_capped(stream, max_bytes, "-")
    except DocumentError as exc:
        return SourceFailure("-", str(exc))
    except OSError as exc:
        return SourceFailure("-", f"-: cannot read standard input ({exc.strerror or exc})")
    if not raw:
        return SourceFailure("-", "-: nothing was read from standard input; pipe a saved page in")
    return _read(raw, "-", read)


def _from_directory(
    source: str, path: Path, max_bytes: int, read: Reader[Result]
) -> Iterator[Result | SourceFailure]:
    found = 0
    for item in _walk(path):
        if isinstance(item, SourceFailure):
            yield item
            continue
        found += 1
        yield _from_file(str(item), item, max_bytes, read)
    if not found:
        yield SourceFailure(
            source,
            f"{source}: no documents in this directory (looked for {_SUFFIX_LIST} "
            "and extensionless text files, skipping hidden ones)",
        )


def _walk(directory: Path) -> Iterator[Path | SourceFailure]:
    """Document files under ``directory``, sorted by name at each level.

    Hidden names are skipped; symbolic links to files are read, links to directories
    are not followed (a link loop must not make a walk endless).
    """
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as exc:
        yield SourceFailure(str(directory), f"{directory}: cannot list ({exc.strerror or exc})")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(path)
            elif entry.is_file() and _looks_like_document(path):
                yield path
        except OSError as exc:
            yield SourceFailure(str(path), f"{path}: cannot read ({exc.strerror or exc})")


def _looks_like_document(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in DOCUMENT_SUFFIXES:
        return True
    if suffix:
        return False
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sniff window is still text.
        return exc.start >= len(head) - 3
    return True


def _from_file(
    source: str, path: Path, max_bytes: int, read: Reader[Result]
) -> Result | SourceFailure:
    try:
        size = path.stat().st_size
        if not path.is_file():
            return SourceFailure(
                source, f"{source}: not a regular file; give a saved .html or .txt"
            )
        if size > max_bytes:
            return SourceFailure(source, _too_big(source, f"{size:,} bytes", max_bytes))
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        return SourceFailure(source, f"{source}: no such file or directory; check the path")
    except PermissionError:
        return SourceFailure(source, f"{source}: permission denied; check the file's permissions")
    except OSError as exc:
        return SourceFailure(source, f"{source}: cannot read ({exc.strerror or exc})")
    if len(raw) > max_bytes:
        return SourceFailure(source, _too_big(source, f"more than {max_bytes:,} bytes", max_bytes))
    if not raw:
        return SourceFailure(source, f"{source}: the file is empty; save the page again")
    return _read(raw, source, read)


def _read(raw: bytes, source: str, read: Reader[Result]) -> Result | SourceFailure:
    try:
        return read(raw, source)
    except DocumentError as exc:
        return SourceFailure(source, str(exc))
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}".split("\n")[0]
        return SourceFailure(source, f"{source}: could not be read ({detail}); please report this")


def _too_big(source: str, size: str, max_bytes: int) -> str:
    return (
        f"{source}: {size} is over the documents.max_bytes limit of {max_bytes:,}; "
        "raise [documents] max_bytes in your config to read it"
    )


# --- bytes to text --------------------------------------------------------------------------


def decode_document(raw: bytes, source: str = "-") -> str:
    """The document's text, decoded as a browser would; :class:`DocumentError` if not text."""
    if not raw.strip():
        raise DocumentError(f"{source}: the document is empty; save the page again")
    wide = _wide_encoding(raw)
    if wide is None and b"\x00" in raw[: _SAMPLE * 4]:
        raise _binary(source)
    dammit = UnicodeDammit(
        raw,
        known_definite_encodings=[wide] if wide else [],
        is_html=True,
        exclude_encodings=[] if wide else list(_WIDE),
    )
    text = dammit.unicode_markup
    if text is None:
        raise DocumentError(f"{source}: the text encoding cannot be read; save it as UTF-8")
    if (dammit.original_encoding or "").lower() in _LATIN1:
        text = _windows_1252(dammit.markup) or text
    text = text.removeprefix("\ufeff")
    sample = text[:_SAMPLE]
    if len(_CONTROL.findall(sample)) > _BINARY_SHARE * len(sample):
        raise _binary(source)
    if not text.strip():
        raise DocumentError(f"{source}: the document is empty; save the page again")
    return text


def sniff_kind(text: str) -> Kind:
    """``html`` when the text starts like a page or holds several HTML tags, else ``text``."""
    head = text[:65536]
    if _HTML_START.match(head):
        return "html"
    tags = sum(1 for _ in islice(_HTML_TAG.finditer(head), _HTML_TAGS_NEEDED))
    return "html" if tags >= _HTML_TAGS_NEEDED else "text"


def _wide_encoding(raw: bytes) -> str | None:
    """UTF-16/32 announced by a BOM, or UTF-16 without one (ASCII markup with NUL halves)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return None if encoding == "utf-8" else encoding
    head = raw[:64]
    if len(head) >= 8:
        if not any(head[1::2]) and all(head[0::2]):
            return "utf-16-le"
        if not any(head[0::2]) and all(head[1::2]):
            return "utf-16-be"
    return None


def _windows_1252(raw: bytes) -> str | None:
    try:
        return raw.decode("windows-1252")
    except UnicodeDecodeError:
        return None


def _binary(source: str) -> DocumentError:
    return DocumentError(
        f"{source}: not a text or HTML document (binary content); give a saved .html or .txt"
    )
