"""Printing what came from outside as data: post text, names, keys, URLs, file names.

Everything archiver shows was written by someone else: a post's author, whoever named a
saved file, a server's error page. On a terminal such text can act instead of being
read: ESC and CSI sequences recolour or clear the screen, move the cursor or set the
window title, OSC 8 makes a hyperlink whose target is not what it shows, a carriage
return or backspace overwrites what was printed, bidi overrides reorder a line, and a
newline in a file name forges a line of archiver's own output ("failed …"). Rich adds
its own layer: ``[/b]`` in a post is markup (an error, or styling the rest of the line)
and ``:emoji:`` codes are replaced. So every value from outside passes through one of
these two functions on its way to the terminal; ``--json`` output does not (JSON
escaping keeps it exact, and it is a machine's to read).

- :func:`data` for Rich output: a :class:`~rich.text.Text`, which Rich never reads as
  markup or emoji codes, for table cells and titles and as a part of a printed line
  (``console.print("[red]failed[/]", data(name))`` or ``Text.assemble``). Archiver's
  own words keep their markup; the value never meets the markup parser, so it prints
  exactly (escaping it into the markup instead cannot be exact: a value ending in a
  backslash would print two).
- :func:`plain` for text written as is (``sys.stdout.write``).
- :func:`json_text` for JSON on stdout (``--json``, ``extract``): JSON already escapes
  C0 controls, but written with ``ensure_ascii=False`` it leaves DEL, C1 controls and
  bidi controls raw; they are written as ``\\uXXXX`` escapes, which parse back to the
  very same strings, so the output stays exact.

Neutralised means shown as an escape a reader can see: ESC as ``\\x1b``, U+202E as
``\\u202e``. Newlines are kept only where the value is a block of text (``lines=True``,
a post's text in ``show``); in a one-line value (a name, a key, a URL, a file name, an
error message) they are shown as ``\\n``.
"""

from __future__ import annotations

import re

from rich.text import Text

#: C0 controls but tab and newline, DEL, C1 controls (0x9b is CSI on 8-bit terminals),
#: the Arabic letter mark and bidi marks/embeddings/overrides/isolates, and the Unicode
#: line and paragraph separators.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)
_UNSAFE_OR_NEWLINE = re.compile(f"\n|{_UNSAFE.pattern}")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(value: object, *, lines: bool = False) -> str:
    """``value`` as text that cannot act on a terminal (see the module's docstring)."""
    text = "" if value is None else str(value)
    if lines:
        return _UNSAFE.sub(_shown, text.replace("\r\n", "\n"))
    return _UNSAFE_OR_NEWLINE.sub(_shown, text)


def data(value: object, *, lines: bool = False, style: str = "") -> Text:
    """:func:`plain` as Rich text that is never read as markup."""
    return Text(plain(value, lines=lines), style=style)


def json_text(document: str) -> str:
    """A JSON document with the characters JSON leaves raw but terminals act on escaped."""
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", document)
