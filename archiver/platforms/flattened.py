"""Posts left in articles saved as plain text, where only a signature line survives.

An embed flattened to text ("…text pic.twitter.com/AbC— Name (@handle) January 7, 2026")
loses every tag: what remains is the post text run together with the article prose
around it, then a signature. Where the post *ends* is certain (the signature); where it
*begins* is not. This module applies one documented rule (docs/flattened-text.md) for
every platform whose embed leaves an em-dash signature (X, Bluesky), so an article is
read the same way whichever platform it quotes, and so one platform's signature bounds
the next post of another.

The rule, for a signature starting at offset ``s`` whose previous em-dash signature
(X or Bluesky) ends at ``f`` (or ``f = 0``; other platforms may pass their own floor to
:func:`post_text_before`):

1. The *window* is ``text[f:s]`` without trailing whitespace. A trailing
   ``[image or embed]`` marker line (Bluesky) is removed and reported.
2. The *block* is the part of the window after its last blank line (a line holding
   only whitespace); the whole window when it has none. When that part holds nothing
   but hashtags, mentions and links (a post's tail line), the paragraph before it is
   part of the block too, if the two together fit in ``limit``.
3. If the block's visible length (see :func:`visible_length`) is at most ``limit``
   (default :data:`POST_LIMIT`), the block is the post text.
4. Otherwise the block also holds article prose: whole lines are dropped from its
   front while it is longer than ``limit`` and more than one line remains.
5. If the single line left is still too long, it is cut at the earliest sentence
   boundary after which at most ``limit`` visible characters remain. A sentence
   boundary is ``.``, ``!``, ``?`` or ``…``, optional closing quotes or brackets, then
   whitespace or directly a capital letter (Latin, Greek or Cyrillic).
6. If no sentence boundary fits, it is cut at the earliest whitespace after which at
   most ``limit`` visible characters remain, and the excerpt is flagged ``cut`` (the
   post's beginning may be missing), which platforms record as ``text_truncated``.

The text is then normalised to NFC with each line's trailing whitespace removed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from archiver.platforms.locales import DATE_PATTERN

#: Longest post text accepted before a signature, in visible characters: X allows
#: 280 weighted characters plus a 26-character ``pic.twitter.com/…`` media link and
#: link labels a few characters longer than the 23 they count for; Bluesky allows
#: 300 graphemes. 320 covers both with a small margin.
POST_LIMIT = 320

#: Lines an embed adds after the post text that are not part of it.
TRAILING_MARKERS: tuple[str, ...] = ("[image or embed]",)

_SP = r"[ \t\u00a0\u202f]"
_SIGNATURE = re.compile(
    rf"—{_SP}*(?P<name>[^\n—]{{0,100}}?){_SP}*"
    r"\(@(?P<handle>[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?)\)"
    rf"{_SP}*\n?{_SP}*(?P<date>{DATE_PATTERN})(?![\d:])"
)
_BLANK_LINE = re.compile(r"\n[ \t\r\u00a0]*\n")
#: A sentence end followed by whitespace, or glued to a capital letter (converters that
#: drop the break between two blocks glue the post to the sentence before it).
_SENTENCE_END = re.compile(
    r"[.!?…][\"'”’»)\]]*(?:\s+|(?=[A-Z\u00c0-\u00d6\u00d8-\u00de\u0391-\u03a9\u0410-\u042f]))"
)
_WHITESPACE = re.compile(r"\s+")
#: A line of nothing but hashtags, mentions and links, as posts end.
_TAIL = re.compile(r"\s*(?:(?:[#@]\w[\w.]*|(?:https?://)?\S+\.\S+/\S*)\s*)+")
_URL = re.compile(
    r"(?<![\w@/.-])(?:https?://[^\s<>\"]+|(?:www\.)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}/[^\s<>\"]*)"
)
_SHORTENED_LABEL = re.compile(r"^(?:https?://)?(?:[\w-]+\.)+[\w-]+/\S*…$")
_URL_TRAILING_PUNCT = ".,;:!?)]}'\"”’"


@dataclass(frozen=True)
class Signature:
    """``— Name (@handle) date`` as found in flattened text, with its offsets."""

    start: int
    end: int
    name: str
    handle: str
    date_text: str


@dataclass(frozen=True)
class Excerpt:
    """The post text found before a signature."""

    text: str
    start: int
    #: The beginning could not be delimited (rule step 6): the text may miss its start.
    cut: bool = False
    #: A trailing marker line such as ``[image or embed]`` was removed.
    marker: str | None = None


def find_signatures(text: str) -> list[Signature]:
    """Every em-dash signature in ``text``, in order, whatever the platform."""
    return [
        Signature(
            start=match.start(),
            end=match.end(),
            name=unicodedata.normalize("NFC", match.group("name").strip()),
            handle=match.group("handle"),
            date_text=" ".join(match.group("date").split()),
        )
        for match in _SIGNATURE.finditer(text)
    ]


def signed_posts(text: str, limit: int = POST_LIMIT) -> list[tuple[Signature, Excerpt]]:
    """Each signature with the post text before it; each bounded by the previous signature."""
    found: list[tuple[Signature, Excerpt]] = []
    floor = 0
    for signature in find_signatures(text):
        found.append((signature, post_text_before(text, signature.start, floor, limit)))
        floor = signature.end
    return found


def post_text_before(text: str, end: int, floor: int = 0, limit: int = POST_LIMIT) -> Excerpt:
    """The post text ending at ``end`` and starting no earlier than ``floor`` (module rule)."""
    window = text[floor:end].rstrip()
    marker = None
    for candidate in TRAILING_MARKERS:
        if window.endswith(candidate):
            marker = candidate
            window = window[: -len(candidate)].rstrip()
            break
    start = floor
    blanks = list(_BLANK_LINE.finditer(window))
    if blanks:
        last = blanks[-1].end()
        # A last paragraph of nothing but hashtags, mentions and links is the post's tail
        # line: the paragraph before it belongs to the post too, when both fit.
        if _TAIL.fullmatch(window[last:]):
            before = blanks[-2].end() if len(blanks) > 1 else 0
            if visible_length(window[before:].strip()) <= limit:
                last = before
        start += last
        window = window[last:]
    leading = len(window) - len(window.lstrip())
    start += leading
    block = window[leading:]
    lines = block.split("\n")
    while visible_length(block) > limit and len(lines) > 1:
        start += len(lines[0]) + 1
        lines = lines[1:]
        block = "\n".join(lines)
    cut = False
    if visible_length(block) > limit:
        offset = _fitting_suffix(block, _SENTENCE_END, limit)
        if offset is None:
            offset = _fitting_suffix(block, _WHITESPACE, limit) or 0
            cut = True
        start += offset
        block = block[offset:]
    stripped = block.lstrip()
    start += len(block) - len(stripped)
    return Excerpt(text=_tidy(stripped), start=start, cut=cut, marker=marker)


def _tidy(text: str) -> str:
    """NFC, and no trailing whitespace on any line (``\r`` of CRLF files included)."""
    lines = unicodedata.normalize("NFC", text).split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _fitting_suffix(line: str, boundary: re.Pattern[str], limit: int) -> int | None:
    for match in boundary.finditer(line):
        if visible_length(line[match.end() :]) <= limit:
            return match.end()
    return None


def visible_length(text: str) -> int:
    """Characters as a reader counts them: code points, less combining marks, joiners,
    variation selectors and skin-tone modifiers (close to grapheme clusters)."""
    return sum(1 for char in text if not _is_attachment(char))


def _is_attachment(char: str) -> bool:
    code = ord(char)
    if 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
        return True
    return unicodedata.category(char) in ("Mn", "Me", "Cf")


def visibly_cut(text: str) -> bool:
    """Whether ``text`` visibly goes on: it ends in "…" (X cuts long posts so), and that
    "…" does not end a link label shortened for display ("example.org/floods/20…")."""
    if not text.endswith("…"):
        return False
    last = text.rsplit(None, 1)[-1]
    return _SHORTENED_LABEL.match(last) is None


def text_post_id(handle: str, created_at: str | None, text: str) -> str:
    """Id of a post found in flattened text: ``text-`` + 16 hex digits of its sha256."""
    digest = hashlib.sha256(f"{handle}\n{created_at or ''}\n{text}".encode()).hexdigest()
    return "text-" + digest[:16]


def find_urls(text: str) -> list[str]:
    """Complete URLs shown in post text, each once, with ``https://`` added when the
    label omits the scheme; labels cut short with ``…`` or ``...`` are not URLs."""
    if "." not in text:
        return []  # every URL kept below has a dot in its host
    urls: dict[str, None] = {}
    for match in _URL.finditer(text):
        if match.group(0).endswith(("…", "...")):
            continue  # a label shortened for display, not the URL itself
        label = match.group(0).rstrip(_URL_TRAILING_PUNCT)
        url = url_from_label(label)
        if url is not None:
            urls.setdefault(url, None)
    return list(urls)


def url_from_label(label: str) -> str | None:
    """The URL a link label shows, or ``None`` when it is shortened or not a URL."""
    label = label.strip()
    if not label or label.endswith(("…", "...")) or any(char.isspace() for char in label):
        return None
    if re.match(r"^https?://[^/\s]+\.[^/\s]+", label):
        return label
    if re.match(r"^(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?:[/?#]\S*)?$", label):
        return "https://" + label
    return None
