"""Tables that fit the terminal, and plain tab-separated rows when the output is piped.

People copy a key out of a table into ``show`` or ``cite``, so a key is never wrapped or
cut. Everything else gives way to it, in a fixed order, the way ``gh`` and ``sqlite-utils``
tables do: a post's text takes what is left of the line and is cut with "…" (it is the
first to give way), then a name is cut, then a time loses its minutes; if that is still
too wide (a Bluesky key is 52 characters), the text goes, then the name, then the time.
Times show as ``2026-01-07 13:12`` (UTC), dates as they are.
``--wide`` shows every value whole, wrapping where it must.

Column widths come from the terminal's width, the column kinds and, for keys and
numbers, the longest value the caller knows of, never from the rows themselves: a
listing is printed a page at a time as it is read, and every page lines up with the
first. When stdout is not a terminal (``archiver list | cut -f1``) a table is plain text:
a header line, then one line per row, values whole, separated by tabs (a tab or line
break inside a value shows as ``\\t`` or ``\\n``), without box drawing or titles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from rich.console import Console
from rich.segment import Segments
from rich.table import Table
from rich.text import Text

from archiver.cli.terminal import data, plain

#: ``key``: never cut; ``number``: right-aligned; ``word``: a status word, never cut;
#: ``hash``: a prefix of the given width (enough to tell two apart), whole when piped or
#: ``--wide``; ``time``: short time; ``name``: cut after the text gave way; ``text``: the
#: rest of the line.
Kind = Literal["key", "number", "word", "hash", "time", "name", "text"]

#: Widest a name column gets; what it may be cut to before times lose their minutes.
NAME_WIDTH = 18
NAME_CUT = 10
#: What a text column keeps before names and times give way; below its minimum it goes.
TEXT_WANT = 20
TEXT_MIN = 8
#: Narrowest a text column wraps in with ``--wide`` (the line may pass the terminal's width).
TEXT_WIDE = 30
#: Columns are set apart by two spaces.
GAP = 2


@dataclass(frozen=True)
class Column:
    """One column: its header, its kind and (for ``key``, ``word`` and ``number``) how
    wide its longest value can be, when the caller knows it before the rows come."""

    name: str
    kind: Kind = "word"
    width: int = 0


Cell = str | int | None


def short_time(value: str | None) -> str:
    """``2026-01-07T13:12:41.000Z`` as ``2026-01-07 13:12``; a date-only value as it is."""
    if not value:
        return ""
    return value[:16].replace("T", " ") if len(value) > 10 else value


def _tsv(value: Cell) -> str:
    text = plain(value, lines=True)
    return text.replace("\t", "\\t").replace("\n", "\\n")


@dataclass
class _Layout:
    columns: list[Column]
    widths: list[int]


def _natural(column: Column, wide: bool) -> int:
    longest_word = max((len(word) for word in column.name.split()), default=0)
    if column.kind == "time":
        return max(longest_word, 24 if wide else 16)
    if column.kind == "name":
        return max(longest_word, NAME_WIDTH)
    if column.kind == "text":
        return TEXT_MIN
    return max(len(column.name), column.width)  # a header on one line, as its values


def width_of(columns: Sequence[Column]) -> int:
    """The width ``columns`` take at their natural widths (text at its minimum)."""
    return sum(_natural(c, False) for c in columns) + GAP * (len(columns) - 1)


def _layout(columns: Sequence[Column], width: int, wide: bool) -> _Layout:
    """Widths for ``columns`` within ``width``: the text takes what the others leave and
    gives way first (names are cut, then times keep only their date, while that lets it
    keep TEXT_WANT; below TEXT_MIN it goes); then names and times are cut, then dropped."""
    cols = list(columns)
    widths = [_natural(column, wide) for column in cols]

    def room() -> int:  # what the other columns leave for the text (or spare, without one)
        others = sum(w for c, w in zip(cols, widths, strict=True) if c.kind != "text")
        return width - others - GAP * (len(cols) - 1)

    if wide:  # every value whole: texts wrap in what is left, shared, or in TEXT_WIDE each
        share = max(TEXT_WIDE, room() // max(1, sum(c.kind == "text" for c in cols)))
        widths = [share if c.kind == "text" else w for c, w in zip(cols, widths, strict=True)]
        return _Layout(cols, widths)

    def shrink(target: int) -> None:
        steps: tuple[tuple[Kind, int], ...] = (("name", NAME_CUT), ("time", 10), ("name", 0))
        for kind, floor in steps:
            for i, column in enumerate(cols):
                if column.kind == kind and room() < target:
                    shorter = floor if kind == "time" else widths[i] - (target - room())
                    widths[i] = max(len(column.name), floor, shorter)

    natural = list(widths)
    text = [i for i, c in enumerate(cols) if c.kind == "text"]
    if text:
        shrink(TEXT_WANT)
        if room() >= TEXT_MIN:
            widths[text[0]] = room()
            return _Layout(cols, widths)
        widths = natural  # the text goes instead
        for i in reversed(text):
            del cols[i], widths[i]
    shrink(0)
    for kind in ("name", "time"):  # still too wide (a long key): names go, then times
        for i in [i for i, c in enumerate(cols) if c.kind == kind][::-1]:
            if room() < 0:
                del cols[i], widths[i]
    return _Layout(cols, widths)


class TablePrinter:
    """One table printed a page at a time: a header once, then rows as they come."""

    def __init__(
        self, console: Console, columns: Sequence[Column], *, title: str | None = None,
        wide: bool = False,
    ) -> None:  # fmt: skip
        self.console = console
        self.columns = list(columns)
        self.title = title
        self.wide = wide
        self.piped = not console.is_terminal
        self._layout = _layout(self.columns, console.width, wide)
        self._started = False

    def page(self, rows: Sequence[Sequence[Cell]]) -> None:
        """Print ``rows`` (one value per column given, in order)."""
        if self.piped:
            self._page_tsv(rows)
        else:
            self._page_table(rows)
        self._started = True

    def _page_tsv(self, rows: Sequence[Sequence[Cell]]) -> None:
        lines = [] if self._started else ["\t".join(_tsv(c.name) for c in self.columns)]
        lines.extend("\t".join(_tsv(value) for value in row) for row in rows)
        if lines:
            self.console.file.write("\n".join(lines) + "\n")

    def _page_table(self, rows: Sequence[Sequence[Cell]]) -> None:
        layout = self._layout
        table = Table(
            title=None if self._started or not self.title else data(self.title),
            show_header=not self._started,
            header_style="bold",
            title_justify="left",
            box=None,
            pad_edge=False,
            padding=(0, GAP // 2),
            expand=False,
        )
        for column, width in zip(layout.columns, layout.widths, strict=True):
            whole = self.wide or column.kind in ("key", "word", "number")
            table.add_column(
                column.name,
                width=width,
                justify="right" if column.kind == "number" else "left",
                no_wrap=column.kind in ("key", "word") or not self.wide,
                overflow="fold" if whole else "ellipsis",
            )
        kept = [self.columns.index(column) for column in layout.columns]
        for row in rows:
            table.add_row(
                *(self._cell(row[i], column, width) for i, column, width in zip(
                    kept, layout.columns, layout.widths, strict=True
                ))
            )  # fmt: skip
        if rows or not self._started:
            # Keys are never cut: a line that must be wider than the terminal is printed
            # whole (the terminal wraps it) rather than cropped.
            needed = sum(layout.widths) + GAP * (len(layout.widths) - 1)
            if needed <= self.console.width:
                self.console.print(table)
            else:
                options = self.console.options.update_width(needed)
                lines = self.console.render(table, options)
                self.console.print(Segments(lines), crop=False)

    def _cell(self, value: Cell, column: Column, width: int) -> Text:
        if column.kind == "time" and not self.wide:
            short = short_time(value if isinstance(value, str) else None)
            value = short if width >= len(short) else short[:10]  # the minutes, or the date
        if self.wide:
            return data(value, lines=column.kind == "text")
        if column.kind == "text":  # one line: its line breaks are spaces
            return data(" ".join(str(value or "").split()))
        return data(value)


def print_table(
    console: Console, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], *,
    title: str | None = None, wide: bool = False,
) -> None:  # fmt: skip
    """A whole table at once (a summary, a post's captures): its keys and numbers set the
    widths of their columns."""
    sized = [
        replace(c, width=max([c.width, *(len(plain(row[i])) for row in rows)]))
        if c.kind in ("key", "word", "number") or (wide and c.kind == "hash") else c
        for i, c in enumerate(columns)
    ]  # fmt: skip
    printer = TablePrinter(console, sized, title=title, wide=wide)
    printer.page(rows)
