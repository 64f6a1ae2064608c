"""Citations of archived posts in the styles editors, courts and Wikipedia ask for.

A citation is what lets a reader find a post again and judge it, so each style follows its
guide's pattern for social-media posts (APA 7, MLA 9, Chicago 17/18, Wikipedia's CS1
templates, biblatex ``@online``, CSL-JSON ``post``, RIS) and adds where the archived copy
is, and when it was made, wherever the style has room. Every function here is pure: a
:class:`~archiver.record.Post` (plus :class:`ArchivedCopy`) in, text out.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from archiver.export.cite_parts import (
    MLA_MONTHS,
    MONTHS,
    ArchivedCopy,
    CitationError,
    address_or_source,
    attachments,
    author_with_handle,
    clip,
    clock,
    descriptor,
    end_mark,
    first_words,
    handle_then_name,
    iso_date,
    long_date,
    name_then_handle,
    one_line,
    parse_when,
    platform_label,
    post_address,
    post_title,
    quote,
    unknown_address,
    where,
)

if TYPE_CHECKING:  # read, never built, here: `archiver --help` need not load the models
    from archiver.record import Post

__all__ = [
    "STYLES",
    "ArchivedCopy",
    "CitationError",
    "apa",
    "bibtex",
    "chicago",
    "chicago_note",
    "citation_key",
    "cite",
    "csl_item",
    "csl_json",
    "first_words",
    "mla",
    "platform_label",
    "ris",
    "wikipedia",
]

STYLES: tuple[str, ...] = (
    "apa",
    "mla",
    "chicago",
    "chicago-note",
    "wikipedia",
    "bibtex",
    "csl-json",
    "ris",
)


# -- the prose styles --------------------------------------------------------------


def apa(post: Post, copy: ArchivedCopy | None = None, year_suffix: str = "") -> str:
    """APA 7: ``Author [@handle]. (Year, Month Day). First 20 words [Post]. Platform. URL``,
    then the archived copy as a sentence of its own. ``year_suffix`` is the ``a``/``b`` a
    reference list gives works of one author in one year
    (:func:`archiver.export.apa_list.apa_reference_list`)."""
    when = parse_when(post.created_at)
    if when:
        date = f"({when.year}{year_suffix}, {MONTHS[when.month - 1]} {when.day})"
    else:
        date = f"(n.d.{'-' + year_suffix if year_suffix else ''})"
    words = first_words(post.title or post.text) or "[Untitled]"
    title = f"{words}{attachments(post)} [{descriptor(post)}]"
    author = author_with_handle(post)
    head = f"{end_mark(author)} {date}. {title}." if author else f"{title}. {date}."
    address = post_address(post) or unknown_address(post, "Post")
    text = f"{head} {platform_label(post)}. {address}"
    if copy is not None:
        text += f". Archived {long_date(copy.captured_at)}, {where(copy)}."
    return one_line(text)


def mla(post: Post, copy: ArchivedCopy | None = None) -> str:
    """MLA 9: ``@handle (Name). "Full text." Platform, D Mon. YYYY, time, url.``."""
    when = parse_when(post.created_at)
    parts = [platform_label(post)]
    if when:
        parts.append(f"{when.day} {MLA_MONTHS[when.month - 1]} {when.year}")
        time = clock(when)
        if time:
            parts.append(time)
    parts.append(re.sub(r"^https?://", "", address_or_source(post)))
    title = post_title(post)
    quoted = quote(title, ".") if title else "[Untitled post]."
    author = handle_then_name(post)
    text = f"{end_mark(author)} {quoted}" if author else quoted
    text += " " + ", ".join(parts) + "."
    if copy is not None:
        captured = parse_when(copy.captured_at)
        day = f"{captured.day} {MLA_MONTHS[captured.month - 1]} {captured.year}" if captured else ""
        if copy.url:
            text += f" {copy.archive_name}, {day}, {re.sub(r'^https?://', '', copy.url)}."
        else:
            text += f" Accessed {day}."
    return one_line(text)


def chicago(post: Post, copy: ArchivedCopy | None = None) -> str:
    """Chicago bibliography entry: ``Name (@handle). "Text." Platform, Month D, YYYY. URL.``."""
    title = clip(post_title(post), 160)
    author = name_then_handle(post)
    date = long_date(post.created_at) or "n.d."
    quoted = quote(title, ".") if title else "Untitled post."
    text = f"{end_mark(author)} {quoted}" if author else quoted
    address = post_address(post) or unknown_address(post, "Post")
    text += f" {platform_label(post)}, {end_mark(date)} {address}."
    if copy is not None:
        text += f" Archived {long_date(copy.captured_at)}, {where(copy)}."
    return one_line(text)


def chicago_note(post: Post, copy: ArchivedCopy | None = None) -> str:
    """Chicago note: ``Name (@handle), "Text," Platform, Month D, YYYY, time, URL.``."""
    title = clip(post_title(post), 160)
    author = name_then_handle(post)
    when = parse_when(post.created_at)
    time = clock(when) if when else None
    rest = [platform_label(post), long_date(post.created_at) or "n.d.", time]
    rest.append(address_or_source(post))
    text = f"{author}, " if author else ""
    text += f"{quote(title, ',')} " if title else ""
    text += ", ".join(part for part in rest if part)
    if copy is not None:
        text += f", archived {long_date(copy.captured_at)}, {where(copy)}"
    return one_line(text + ".")


# -- Wikipedia ------------------------------------------------------------------------


def _wiki(value: str) -> str:
    """A value safe inside a CS1 template: no pipes, braces, brackets or markup."""
    value = one_line(value)
    for raw, safe in (
        ("&", "&amp;"),
        ("|", "{{!}}"),
        ("{", "&#123;"),
        ("}", "&#125;"),
        ("[", "&#91;"),
        ("]", "&#93;"),
        ("<", "&lt;"),
        ("''", "&#39;&#39;"),
        ("~~~", "&#126;&#126;&#126;"),
    ):
        value = value.replace(raw, safe)
    return value.replace("&#123;&#123;!&#125;&#125;", "{{!}}")


def wikipedia(post: Post, copy: ArchivedCopy | None = None) -> str:
    """``{{cite tweet}}`` for X posts with a handle, ``{{cite web}}`` for everything else."""
    handle = (post.author.handle or "").lstrip("@")
    params: list[tuple[str, str | None]]
    if post.platform == "twitter" and handle and post.post_id.isdigit():
        params = [
            ("number", post.post_id),
            ("user", handle),
            ("title", clip(post_title(post), 300)),
            ("author", post.author.name),
        ]
        template = "cite tweet"
    else:
        params = [
            ("url", post_address(post)),
            ("title", clip(post_title(post), 300) or "Untitled post"),
            ("author", name_then_handle(post)),
            ("website", platform_label(post)),
            ("at", None if post_address(post) else unknown_address(post)),
        ]
        template = "cite web"
    params.append(("date", iso_date(post.created_at)))
    if post.lang and not post.lang.lower().startswith("en"):
        params.append(("language", post.lang))
    if copy is not None:
        params.append(("access-date", iso_date(copy.captured_at)))
        if copy.url:
            params.append(("archive-url", copy.url))
            params.append(("archive-date", iso_date(copy.captured_at)))
            params.append(("url-status", "live" if copy.live else "dead"))
    body = " ".join(f"|{name}={_wiki(value)}" for name, value in params if value)
    return "{{" + template + " " + body + "}}"


# -- reference-manager formats -------------------------------------------------------


def _short_title(post: Post) -> str | None:
    """APA's first 20 words, when they are shorter than the whole title or text."""
    short = first_words(post.title or post.text)
    return short if short and short != post_title(post) else None


def citation_key(post: Post) -> str:
    """A stable key for BibTeX/CSL/RIS: ``platform:id``, shortened with a digest if needed."""
    safe = re.sub(r"[^A-Za-z0-9_.:-]+", "-", post.post_id).strip("-")
    if safe == post.post_id and len(safe) <= 48:
        return f"{post.platform}:{safe}"
    digest = hashlib.sha256(post.post_id.encode()).hexdigest()[:10]
    return f"{post.platform}:{safe[:32].rstrip('-.:')}-{digest}"


_TEX_SPECIAL = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
)


def tex(value: str) -> str:
    return one_line(value).translate(_TEX_SPECIAL)


def _bib_url(url: str) -> str:
    return one_line(url).replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def _archive_note(copy: ArchivedCopy) -> str:
    return f"Archived {iso_date(copy.captured_at)} {where(copy)}"


def bibtex(post: Post, copy: ArchivedCopy | None = None) -> str:
    """A biblatex ``@online`` entry (UTF-8; names braced so they are never re-ordered)."""
    author, short = author_with_handle(post), _short_title(post)
    fields: list[tuple[str, str | None]] = [
        ("author", "{" + tex(author) + "}" if author else None),
        ("title", tex(post_title(post)) or "Untitled post"),
        ("shorttitle", tex(short) if short else None),
        ("date", iso_date(post.created_at)),
        ("organization", tex(platform_label(post))),
        ("titleaddon", f"[{descriptor(post)}]"),
        ("url", _bib_url(post.url) if post_address(post) else None),
        ("note", None if post_address(post) else tex(unknown_address(post, "Post"))),
        ("langid", tex(post.lang) if post.lang else None),
    ]
    if copy is not None:
        fields.append(("urldate", iso_date(copy.captured_at)))
        fields.append(("addendum", tex(_archive_note(copy))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@online{{{citation_key(post)},\n{body}\n}}"


def _date_parts(value: str | None) -> dict[str, Any] | None:
    when = parse_when(value)
    return {"date-parts": [[when.year, when.month, when.day]]} if when else None


def csl_item(post: Post, copy: ArchivedCopy | None = None) -> dict[str, Any]:
    """A CSL-JSON item of type ``post`` (the JSON that Zotero, Pandoc and citeproc read)."""
    item: dict[str, Any] = {"id": citation_key(post), "type": "post"}
    author = author_with_handle(post)
    if author:
        item["author"] = [{"literal": author}]
    item["title"] = post_title(post) or "Untitled post"
    short = _short_title(post)
    if short:
        item["title-short"] = short
    item["container-title"] = platform_label(post)
    item["genre"] = descriptor(post)
    issued = _date_parts(post.created_at)
    if issued:
        item["issued"] = issued
    notes = []
    if post_address(post):
        item["URL"] = post.url
    else:
        notes.append(unknown_address(post, "Post"))
    if post.lang:
        item["language"] = post.lang
    if copy is not None:
        accessed = _date_parts(copy.captured_at)
        if accessed:
            item["accessed"] = accessed
        item["archive"] = copy.archive_name
        if copy.url:
            item["archive_location"] = copy.url
        if copy.content_hash:
            notes.append(f"Content hash: {copy.content_hash}")
    if notes:
        item["note"] = "; ".join(notes)
    return item


def csl_json(post: Post, copy: ArchivedCopy | None = None) -> str:
    return json.dumps([csl_item(post, copy)], ensure_ascii=False, indent=2)


def _ris_date(value: str | None) -> str | None:
    when = parse_when(value)
    return f"{when.year:04d}/{when.month:02d}/{when.day:02d}/" if when else None


def ris(post: Post, copy: ArchivedCopy | None = None) -> str:
    """An RIS record (type ``ELEC``), CRLF line ends as the format specifies."""
    when = parse_when(post.created_at)
    tags: list[tuple[str, str | None]] = [
        ("TY", "ELEC"),
        ("ID", citation_key(post)),
        ("AU", author_with_handle(post)),
        ("TI", post_title(post) or "Untitled post"),
        ("ST", _short_title(post)),
        ("T2", platform_label(post)),
        ("M3", descriptor(post)),
        ("PY", str(when.year) if when else None),
        ("DA", _ris_date(post.created_at)),
        ("UR", post_address(post)),
        ("N1", None if post_address(post) else unknown_address(post, "Post")),
        ("LA", post.lang),
    ]
    tags += [("KW", tag) for tag in post.hashtags]
    if copy is not None:
        tags.append(("Y2", _ris_date(copy.captured_at)))
        tags.append(("DB", copy.archive_name))
        tags.append(("N1", _archive_note(copy)))
    lines = [f"{tag}  - {one_line(value)}" for tag, value in tags if value]
    return "\r\n".join([*lines, "ER  - "]) + "\r\n"


_RENDERERS: dict[str, Callable[[Post, ArchivedCopy | None], str]] = {
    "apa": apa,
    "mla": mla,
    "chicago": chicago,
    "chicago-note": chicago_note,
    "wikipedia": wikipedia,
    "bibtex": bibtex,
    "csl-json": csl_json,
    "ris": ris,
}


def cite(post: Post, style: str, copy: ArchivedCopy | None = None) -> str:
    """The citation of ``post`` in ``style`` (one of :data:`STYLES`)."""
    try:
        renderer = _RENDERERS[style]
    except KeyError:
        choices = ", ".join(STYLES)
        raise CitationError(f"unknown citation style {style!r}; choose one of {choices}") from None
    return renderer(post, copy)
