"""``index.html``: a bundle's contents as a reader wants to see them, in one offline page.

A bundle may be opened years later, from a court's evidence drive, with no network: so
the page is self-contained (inline CSS, no script, no fonts, no remote images) and its
Content-Security-Policy forbids any request that is not to the bundle itself. Posts are
untrusted text from the internet: every value is HTML-escaped and only ``http``/``https``
URLs ever become links, so a post that says ``<script>`` shows those characters.

The page is written in three parts (:func:`page_start`, :func:`render_item` per post,
:func:`page_end`) so a bundle of any size is streamed, never held in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from archiver.export.catalog import CaptureEntry, MediaEntry
from archiver.export.cite import ArchivedCopy, apa, bibtex, chicago, mla, platform_label, wikipedia
from archiver.export.cite_parts import MONTHS, parse_when
from archiver.export.selection import Item, anchor_of
from archiver.export.versions import versions_of
from archiver.record import Post
from archiver.vocabulary import GONE_STATES

CSP = (
    "default-src 'none'; img-src 'self' file: data:; media-src 'self' file:; "
    "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)

STYLE = """
:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5f6368;--bg:#fff;--card:#f7f7f5;--line:#d9d9d4;
--ok:#1e6b35;--bad:#a3271b}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8e6;--muted:#a4a7ab;--bg:#161616;--card:#202020;
--line:#3a3a3a;--ok:#6fcf8b;--bad:#f08a7e}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:52rem;padding:1.5rem 1rem 4rem;background:var(--bg);color:var(--fg);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
header.bundle{border-bottom:1px solid var(--line);margin-bottom:1.5rem}
h1{font-size:1.5rem;margin:0 0 .25rem}
.muted,.meta{color:var(--muted);font-size:.9rem}
article.post{background:var(--card);border:1px solid var(--line);border-radius:.5rem;
padding:1rem 1.25rem;margin:0 0 1.25rem;overflow-wrap:anywhere}
.byline{display:flex;flex-wrap:wrap;gap:.25rem .6rem;align-items:baseline}
.author{font-weight:650}.handle{color:var(--muted)}
h2.title{font-size:1.1rem;margin:.5rem 0 0}
.text{white-space:pre-wrap;margin:.75rem 0;font-size:1.05rem}
.truncated{font-style:italic;color:var(--muted)}
.changed{border-left:3px solid var(--bad);padding:.25rem .75rem;margin:.75rem 0}
.changed h3{font-size:1rem;margin:0}.versions{border-collapse:collapse;font-size:.9rem}
.versions th,.versions td{text-align:left;vertical-align:top;padding:.25rem .5rem;
white-space:pre-wrap}
figure{margin:.5rem 0}figure img,figure video{max-width:100%;height:auto;border-radius:.25rem}
figcaption{font-size:.85rem;color:var(--muted)}img.screenshot{border:1px solid var(--line)}
.status{font-weight:600}.status.archived{color:var(--ok)}.status.gone{color:var(--bad)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .75rem;font-size:.85rem;
margin:.75rem 0 0}
dt{color:var(--muted)}dd{margin:0}
code,pre{font:.8rem/1.4 ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace}
pre{white-space:pre-wrap;background:var(--bg);border:1px solid var(--line);padding:.5rem;
border-radius:.25rem}
details{margin-top:.5rem}summary{cursor:pointer;font-size:.9rem}
ul.captures{margin:.25rem 0;padding-left:1.1rem;font-size:.85rem}
footer{border-top:1px solid var(--line);margin-top:2rem;padding-top:1rem}
@media print{details{display:block}details>*{display:block}article.post{break-inside:avoid}}
"""


#: Downloaded media the page may show as media: the element and the file extension each
#: type is stored under. Anything else (SVG, HTML, XML, PDF, a type the server did not
#: name: whatever could carry script) is stored as ``.bin`` and offered only as a
#: download, so neither the page nor a browser opening the file runs it.
PASSIVE_MEDIA: dict[str, tuple[str, str]] = {
    "image/jpeg": ("img", ".jpg"),
    "image/png": ("img", ".png"),
    "image/gif": ("img", ".gif"),
    "image/webp": ("img", ".webp"),
    "image/avif": ("img", ".avif"),
    "image/bmp": ("img", ".bmp"),
    "video/mp4": ("video", ".mp4"),
    "video/webm": ("video", ".webm"),
    "video/ogg": ("video", ".ogv"),
    "video/quicktime": ("video", ".mov"),
    "audio/mpeg": ("audio", ".mp3"),
    "audio/mp4": ("audio", ".m4a"),
    "audio/aac": ("audio", ".aac"),
    "audio/ogg": ("audio", ".ogg"),
    "audio/opus": ("audio", ".opus"),
    "audio/wav": ("audio", ".wav"),
    "audio/flac": ("audio", ".flac"),
}
INERT_EXTENSION = ".bin"


def passive_media(content_type: str | None) -> tuple[str, str] | None:
    """``(element, extension)`` for a passive media type, None for anything else."""
    return PASSIVE_MEDIA.get((content_type or "").split(";")[0].strip().lower())


def media_extension(content_type: str | None) -> str:
    """The extension a downloaded file of ``content_type`` is stored under in a bundle."""
    shown = passive_media(content_type)
    return shown[1] if shown else INERT_EXTENSION


@dataclass(frozen=True)
class PageInfo:
    title: str
    description: str
    organization: str
    generated_at: str
    software: str
    #: The article a bundle of its citations is about (``export --cited-in``): its URL.
    article_url: str | None = None


@dataclass(frozen=True)
class Summary:
    posts: int
    unavailable: int
    captures: int
    media_files: int


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def safe_href(url: str | None) -> str | None:
    """``url`` escaped for an attribute, or None unless it is plain http(s)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return _e(url.strip()) if scheme in ("http", "https") else None


def shown_time(value: str | None) -> str:
    """``8 January 2026, 09:00 UTC`` (or just the date) for a record's ISO time."""
    when = parse_when(value)
    if when is None:
        return value or ""
    day = f"{when.day} {MONTHS[when.month - 1]} {when.year}"
    return day if when.hour is None else f"{day}, {when.hour:02d}:{when.minute:02d} UTC"


def _time(value: str | None) -> str:
    return f'<time datetime="{_e(value or "")}">{_e(shown_time(value))}</time>'


def _link(url: str | None, label: str | None = None) -> str:
    href = safe_href(url)
    text = _e(label if label is not None else url or "")
    if href is None:
        return f"<span>{text}</span>"
    return f'<a href="{href}" rel="noopener noreferrer nofollow">{text}</a>'


def page_start(info: PageInfo) -> str:
    org = f"<p>{_e(info.organization)}</p>" if info.organization else ""
    description = f"<p>{_e(info.description)}</p>" if info.description else ""
    if info.article_url:
        description += (
            f'<p class="article">The posts this article cites: {_link(info.article_url)}. '
            "The article's own capture is one of the records below.</p>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(info.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<header class="bundle"><h1>{_e(info.title)}</h1>{org}{description}'
        f'<p class="muted">Bundle made {_e(info.generated_at)} by {_e(info.software)}. '
        "Times are UTC. Every post's content hash can be recomputed from "
        "<code>posts.jsonl</code>; see the README.txt beside this page.</p></header>\n<main>\n"
    )


def _byline(item: Item, post: Post | None) -> str:
    parts: list[str] = []
    if post is not None:
        name, handle = post.author.name, (post.author.handle or "").lstrip("@")
        if name:
            parts.append(f'<span class="author">{_e(name)}</span>')
        if handle:
            shown = f"u/{handle}" if post.platform == "reddit" else f"@{handle}"
            parts.append(f'<span class="handle">{_link(post.author.url, shown)}</span>')
        if post.created_at:
            parts.append(_time(post.created_at))
        parts.append(f'<span class="meta">on {_e(platform_label(post))}</span>')
    else:
        parts.append(f'<span class="author">{_e(item.row.author_name or item.key)}</span>')
    return f'<div class="byline">{"".join(parts)}</div>'


def _media(entries: list[MediaEntry]) -> str:
    figures: list[str] = []
    for media in entries:
        alt = media.alt or ""
        caption = f"<figcaption>{_e(alt)}</figcaption>" if alt else ""
        shown = passive_media(media.content_type)
        tag = shown[0] if shown and media.path else None
        if tag == "img":
            body = f'<img src="{_e(media.path)}" alt="{_e(alt)}" loading="lazy">'
        elif tag:
            body = f'<{tag} controls preload="none" src="{_e(media.path)}"></{tag}>'
        elif media.path:
            declared = media.content_type or "no declared type"
            body = (
                f'<a href="{_e(media.path)}" download>{_e(media.kind)} file</a> '
                f"({_e(declared)}: not a passive image, video or audio type, so kept inert)"
            )
        else:
            body = f"{_e(media.kind)} (not downloaded): {_link(media.url)}"
        figures.append(f"<figure>{body}{caption}</figure>")
    return f'<div class="media">{"".join(figures)}</div>' if figures else ""


def _captures(captures: list[CaptureEntry]) -> str:
    rows: list[str] = []
    for capture in captures:
        files = []
        for evidence in capture.evidence:
            label = f"raw {evidence.sha256[:12]}…" if evidence.sha256 else "raw"
            files.append(
                f'<a href="{_e(evidence.path)}" download>{_e(label)}</a>'
                if evidence.path
                else f"{_e(label)} (missing)"
            )
            if evidence.warc_path:
                files.append(f"WARC <code>{_e(evidence.warc_path)}</code> @ {evidence.warc_offset}")
        status = capture.status + (f" ({capture.status_detail})" if capture.status_detail else "")
        rows.append(
            f"<li>{_time(capture.captured_at)} · {_e(capture.method)} · "
            f"{_link(capture.source)} · {_e(status)} · {' · '.join(files)}</li>"
        )
    return f'<ul class="captures">{"".join(rows)}</ul>'


def _citations(post: Post, copy: ArchivedCopy | None) -> str:
    blocks = [
        ("APA 7", apa(post, copy)),
        ("MLA 9", mla(post, copy)),
        ("Chicago", chicago(post, copy)),
        ("Wikipedia", wikipedia(post, copy)),
        ("BibTeX", bibtex(post, copy)),
    ]
    inner = "".join(f'<p class="meta">{name}</p><pre>{_e(text)}</pre>' for name, text in blocks)
    return f"<details><summary>Cite this post</summary>{inner}</details>"


def _links(post: Post) -> str:
    rows: list[str] = []
    if post.in_reply_to:
        rows.append(f"<dt>In reply to</dt><dd>{_link(post.in_reply_to)}</dd>")
    for quoted in post.quotes:
        rows.append(f"<dt>Quotes</dt><dd>{_link(quoted)}</dd>")
    for link in post.links:
        rows.append(f"<dt>Link</dt><dd>{_link(link)}</dd>")
    if post.metrics:
        counts = ", ".join(f"{_e(k)} {v}" for k, v in sorted(post.metrics.items()))
        rows.append(f"<dt>Counts at capture</dt><dd>{counts}</dd>")
    return "".join(rows)


def render_item(
    item: Item,
    copy: ArchivedCopy | None,
    media: list[MediaEntry],
    captures: list[CaptureEntry],
    screenshots: str = "",
) -> str:
    """One post as an ``<article>``: who, when, what it said, its media, its screenshots
    (``screenshots``, already rendered), link and evidence."""
    post, row = item.post, item.row
    gone = item.state in GONE_STATES
    parts = [f'<article class="post" id="{_e(anchor_of(item.key))}">', _byline(item, post)]
    if post is not None:
        if post.title:
            parts.append(f'<h2 class="title">{_e(post.title)}</h2>')
        if post.text:
            parts.append(f'<div class="text">{_e(post.text)}</div>')
        elif not post.title:
            parts.append('<p class="truncated">The source held no text for this post.</p>')
        if post.text_truncated:
            parts.append('<p class="truncated">The source held only part of this text.</p>')
    else:
        parts.append('<p class="truncated">No copy of this post was ever captured.</p>')
    parts.append(_media(media))
    parts.append(screenshots)
    url = post.url if post is not None else row.url
    facts = [
        f"<dt>Original</dt><dd>{_link(url)}</dd>",
        f'<dt>Status</dt><dd class="status {"gone" if gone else "archived"}">'
        f"{_e(item.status_text)}</dd>",
        f"<dt>Key</dt><dd><code>{_e(item.key)}</code></dd>",
    ]
    if post is not None:
        facts.append(
            f"<dt>Captured</dt><dd>{_time(post.capture.captured_at)} "
            f"({_e(post.capture.method)})</dd>"
        )
        facts.append(f"<dt>Content hash</dt><dd><code>{_e(post.content_hash)}</code></dd>")
        facts.append(f"<dt>Raw SHA-256</dt><dd><code>{_e(post.capture.raw_sha256)}</code></dd>")
        facts.append(_links(post))
    for entry in media:
        if entry.sha256:
            facts.append(f"<dt>Media SHA-256</dt><dd><code>{_e(entry.sha256)}</code></dd>")
    if item.last_checked_at:
        facts.append(f"<dt>Last checked</dt><dd>{_time(item.last_checked_at)}</dd>")
    else:
        facts.append("<dt>Checked</dt><dd>never: not rechecked since it was captured</dd>")
    parts.append(f'<dl class="facts">{"".join(facts)}</dl>')
    parts.append(_changed(item))
    parts.append(
        f"<details><summary>Captures ({len(captures)})</summary>{_captures(captures)}</details>"
    )
    if post is not None:
        parts.append(_citations(post, copy))
    parts.append("</article>\n")
    return "".join(parts)


def _changed(item: Item) -> str:
    """A post changed since cited: both versions side by side, each with its capture."""
    versions = versions_of(item.row, item.captures)
    if versions is None:
        return ""
    heads = "".join(
        f"<th>{label} {_time(capture.captured_at)} ({_e(capture.method)})</th>"
        for label, capture in (("First archived", versions.cited), ("Later", versions.later))
    )
    rows = "".join(
        f'<tr><th scope="row">{_e(name)}</th><td>{_e(first)}</td><td>{_e(later)}</td></tr>'
        for name, first, later in versions.side_by_side()
    )
    fields = ", ".join(versions.fields)
    return (
        '<section class="changed"><h3>Changed since cited</h3>'
        f"<p>A later capture differs from the version first archived in: {_e(fields)}. "
        "Both captures are kept in this bundle; the post above is shown as captured "
        f"{_time(item.post.capture.captured_at if item.post else None)}.</p>"
        f'<table class="versions"><tr><th></th>{heads}</tr>{rows}</table></section>'
    )


def page_end(summary: Summary) -> str:
    return (
        f'</main>\n<footer class="muted"><p>{summary.posts} post(s), of which '
        f"{summary.unavailable} without a captured copy; {summary.captures} capture(s); "
        f"{summary.media_files} media file(s).</p><p>To check that nothing was altered, run "
        "<code>archiver verify</code> on the bundle, or <code>bagit.py --validate</code> and the "
        "content-hash recipe in README.txt.</p></footer>\n</body>\n</html>\n"
    )
