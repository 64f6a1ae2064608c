"""Single-file exports: the selected posts as JSON Lines, CSV, CSL-JSON, BibTeX, RIS or
Markdown, written to any text stream as they are read.

These are for people who need one file for one tool (a spreadsheet, a reference manager,
a draft); a bundle is what to hand over when the copies must be checkable. JSON Lines
carries each stored record byte for byte, so its content hashes still verify.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TextIO
from urllib.parse import urlsplit

from archiver.export.cite import apa, bibtex, csl_item, platform_label, ris

if TYPE_CHECKING:
    from archiver.export.cite import ArchivedCopy
    from archiver.export.selection import Item

FORMATS: tuple[str, ...] = ("jsonl", "csv", "csl-json", "bibtex", "ris", "markdown")

CSV_COLUMNS: tuple[str, ...] = (
    "key",
    "platform",
    "post_id",
    "url",
    "author_name",
    "author_handle",
    "created_at",
    "title",
    "text",
    "lang",
    "media_urls",
    "links",
    "hashtags",
    "mentions",
    "in_reply_to",
    "quotes",
    "status",
    "status_detail",
    "captured_at",
    "first_captured_at",
    "last_captured_at",
    "capture_count",
    "content_hash",
)
#: Spreadsheets run cells that start with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _copy_of(item: Item, archive_url: str | None) -> ArchivedCopy:
    """:func:`~archiver.export.selection.archived_copy`, imported when a file is written:
    the selection reads the store, and ``archiver --help`` reads :data:`FORMATS`."""
    from archiver.export.selection import archived_copy

    return archived_copy(item, archive_url)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_jsonl(items: Iterable[Item], out: TextIO, archive_url: str | None = None) -> int:
    count = 0
    for item in items:
        if item.record_json:
            out.write(item.record_json + "\n")
            count += 1
    return count


def write_csv(items: Iterable[Item], out: TextIO, archive_url: str | None = None) -> int:
    """One row per post; a cell that a spreadsheet would run as a formula gets a leading
    ``'`` (use JSON Lines for exact text)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for item in items:
        post, row = item.post, item.row
        values: dict[str, object] = {
            "key": row.key,
            "platform": row.platform,
            "post_id": row.post_id,
            "url": row.url,
            "status": item.state,
            "status_detail": ", ".join(filter(None, (item.reason, row.status_detail))) or None,
            "first_captured_at": row.first_captured_at,
            "last_captured_at": row.last_captured_at,
            "capture_count": row.capture_count,
            "author_name": row.author_name,
            "author_handle": row.author_handle,
            "created_at": row.created_at,
        }
        if post is not None:
            values.update(
                title=post.title,
                text=post.text,
                lang=post.lang,
                media_urls=" ".join(m.url for m in post.media),
                links=" ".join(post.links),
                hashtags=" ".join(post.hashtags),
                mentions=" ".join(post.mentions),
                in_reply_to=post.in_reply_to,
                quotes=" ".join(post.quotes),
                captured_at=post.capture.captured_at,
                content_hash=post.content_hash,
            )
        writer.writerow([_cell(values.get(column)) for column in CSV_COLUMNS])
        count += 1
    return count


def write_csl_json(items: Iterable[Item], out: TextIO, archive_url: str | None = None) -> int:
    """A CSL-JSON array, written item by item."""
    count = 0
    out.write("[")
    for item in items:
        if item.post is None:
            continue
        entry = csl_item(item.post, _copy_of(item, archive_url))
        out.write(("," if count else "") + "\n" + json.dumps(entry, ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count


def write_bibtex(items: Iterable[Item], out: TextIO, archive_url: str | None = None) -> int:
    count = 0
    for item in items:
        if item.post is not None:
            out.write(bibtex(item.post, _copy_of(item, archive_url)) + "\n\n")
            count += 1
    return count


def write_ris(items: Iterable[Item], out: TextIO, archive_url: str | None = None) -> int:
    count = 0
    for item in items:
        if item.post is not None:
            out.write(ris(item.post, _copy_of(item, archive_url)) + "\r\n")
            count += 1
    return count


def apa_reference_list(items: Iterable[Item], out: TextIO, archive_url: str | None = None) -> int:
    """APA references, one per paragraph (plain text), in reference-list order."""
    from archiver.export.apa_list import apa_reference_list as cite_list

    references = cite_list(
        (item.post, _copy_of(item, archive_url)) for item in items if item.post is not None
    )
    count = 0
    for reference in references:
        out.write(reference + "\n\n")
        count += 1
    return count


def _md(text: str) -> str:
    """Text safe in Markdown: markup characters and raw HTML escaped, lines kept."""
    escaped = "".join("\\" + c if c in "\\`*_[]<>#|~" else c for c in text)
    escaped = re.sub(r"(?m)^(\s*)([-+=]|\d+\.)", r"\1\\\2", escaped)
    return escaped.replace("\n", "  \n> ")


def _url(url: str | None) -> str:
    """An autolink for http(s) URLs; anything else as escaped text."""
    if url and urlsplit(url).scheme.lower() in ("http", "https") and " " not in url:
        return f"<{url.replace('>', '%3E')}>"
    return _md(url or "")


def write_markdown(items: Iterable[Item], out: TextIO, archive_url: str | None = None) -> int:
    count = 0
    out.write("# Archived posts\n\nTimes are UTC. Each reference is APA 7.\n")
    for item in items:
        post, row = item.post, item.row
        count += 1
        if post is None:
            out.write(
                f"\n## {_md(row.key)}\n\nStatus: {_md(item.status_text)}; no copy was captured. "
                f"{_url(row.url)}\n"
            )
            continue
        who = post.author.name or row.key
        handle = f" (@{post.author.handle.lstrip('@')})" if post.author.handle else ""
        when = post.created_at or "undated"
        out.write(f"\n## {_md(who + handle)}, {_md(when)}, {_md(platform_label(post))}\n\n")
        if post.title:
            out.write(f"**{_md(post.title)}**\n\n")
        out.write(f"> {_md(post.text) if post.text else '(no text)'}\n\n")
        for media in post.media:
            out.write(f"- {_md(media.kind)}: {_url(media.url)}\n")
        out.write(
            f"\nOriginal: {_url(post.url)}  \nStatus: {_md(item.status_text)}; captured "
            f"{post.capture.captured_at} ({post.capture.method})  \n"
            f"Content hash: `{post.content_hash}`\n\n"
        )
        out.write(f"Reference: {_md(apa(post, _copy_of(item, archive_url)))}\n")
    return count


WRITERS: dict[str, Callable[[Iterable[Item], TextIO, str | None], int]] = {
    "jsonl": write_jsonl,
    "csv": write_csv,
    "csl-json": write_csl_json,
    "bibtex": write_bibtex,
    "ris": write_ris,
    "markdown": write_markdown,
}


def write_format(
    fmt: str, items: Iterable[Item], out: TextIO, archive_url: str | None = None
) -> int:
    """Write ``items`` to ``out`` in ``fmt`` (one of :data:`FORMATS`); the number written."""
    return WRITERS[fmt](items, out, archive_url)
