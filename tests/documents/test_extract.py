"""Saved documents → posts: decoding, one-walk extraction, dedupe, fallbacks, sources.

Most tests use a small fake platform (``FakeX``) routed through a ``Registry`` of its own, so
they exercise documents.py alone. The end-to-end tests at the bottom use the real
registry of every platform module against the article fixtures and their
``*.expected.json``.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
from bs4 import Tag

from archiver.config import Endpoints
from archiver.documents import (
    DocumentError,
    DocumentResult,
    SourceFailure,
    decode_document,
    extract_bytes,
    iter_documents,
    sniff_kind,
)
from archiver.merge import merge
from archiver.platforms import web
from archiver.platforms.base import EmbedRule, Platform, PostRef, Request, Response
from archiver.platforms.registry import Registry
from archiver.platforms.text import element_text
from archiver.record import Author, Capture, Post, sha256_hex

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT / "fixtures" / "articles"
PAGES = ROOT / "fixtures" / "pages"
WHEN = "2026-01-11T08:00:00Z"
QUOTE = (
    "“Don’t drive through flood water” – that’s the message from the café owners on Quay Street…"
)

_STATUS = re.compile(r"https?://(?:www\.)?(?:twitter|x)\.com/(\w+)/status(?:es)?/(\d+)")
_BYLINE = re.compile(r"\(@?(\w+)\)")
_FLAT = re.compile(r"^(?P<text>[^\n]+?)\s*— (?P<name>[^(\n]+) \(@(?P<handle>\w+)\)", re.M)


class FakeX(Platform):
    """Just enough of X for documents' own tests: ids from status links, text from <p>."""

    name: ClassVar = "twitter"
    embed_rules: ClassVar = (
        EmbedRule(
            tag="blockquote", classes=frozenset({"twitter-tweet"}), parse=lambda e, c: _fake(e, c)
        ),
    )

    def match(self, url: str) -> PostRef | None:
        found = _STATUS.match(url.strip())
        if not found:
            return None
        handle, status = found.groups()
        return PostRef("twitter", status, f"https://x.com/{handle}/status/{status}", handle)

    def text_embeds(self, text: str, capture: Capture) -> list[Post]:
        return [
            Post(
                platform="twitter",
                post_id="text-" + sha256_hex(m["text"].encode())[:16],
                url=f"https://x.com/{m['handle']}",
                author=Author(name=m["name"].strip(), handle=m["handle"]),
                text=m["text"],
                capture=capture,
            )
            for m in _FLAT.finditer(text)
        ]

    def first_request(self, ref: PostRef, endpoints: Endpoints) -> Request:
        raise NotImplementedError

    def read_response(self, ref: PostRef, response: Response, endpoints: Endpoints) -> Any:
        raise NotImplementedError


def _fake(element: Tag, capture: Capture) -> Post | None:
    links = [a for a in element.find_all("a") if _STATUS.match(str(a.get("href", "")))]
    if not links:
        return None
    ref = FakeX().match(str(links[-1]["href"]))
    assert ref is not None
    paragraph = element.find("p")
    byline = _BYLINE.search(element.get_text())
    return Post(
        platform="twitter",
        post_id=ref.post_id,
        url=ref.url,
        author=Author(handle=byline.group(1) if byline else None),
        text=element_text(paragraph) if isinstance(paragraph, Tag) else "",
        capture=capture,
    )


class Broken(FakeX):
    """A platform whose parsers and matcher crash: one embed lost, never the document."""

    embed_rules: ClassVar = (EmbedRule(tag="iframe", parse=lambda e, c: 1 / 0),)

    def text_embeds(self, text: str, capture: Capture) -> list[Post]:
        raise RuntimeError("flattened reader bug\nsecond line")


ROUTER = Registry([FakeX(), web.PLATFORM])


def extract(raw: bytes, source: str = "doc.html", router: Any = ROUTER) -> DocumentResult:
    return extract_bytes(raw, source, captured_at=WHEN, router=router)


def embed(status: str, text: str, handle: str = "PortAlderCncl", p_attrs: str = "") -> str:
    return (
        f'<blockquote class="twitter-tweet"><p{p_attrs}>{text}</p>&mdash; Someone (@{handle}) '
        f'<a href="https://twitter.com/{handle}/status/{status}?ref_src=twsrc%5Etfw">'
        "January 7, 2026</a></blockquote>"
    )


# --- decoding and sniffing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "encoding-windows-1252-meta.html",
        "encoding-windows-1252-nometa.html",
        "encoding-latin1-label.html",
        "encoding-utf8-bom.html",
        "encoding-utf16.html",
    ],
)
def test_encodings_decode_like_a_browser(name: str) -> None:
    raw = (ARTICLES / name).read_bytes()
    result = extract(raw, name)
    assert result.kind == "html"
    assert result.raw == raw
    assert [post.key for post in result.posts] == ["twitter:2008931632543880839"]
    assert result.posts[0].text == f"{QUOTE} #PortAlderFlood"
    assert result.posts[0].capture.raw_sha256 == sha256_hex(raw)
    assert result.warnings == []


def test_utf16_without_bom_and_false_utf16_declaration() -> None:
    page = f"<html><body>{embed('2008931632543880839', 'café “ok”')}</body></html>"
    assert "café “ok”" in decode_document(page.encode("utf-16-le"))
    assert "café “ok”" in decode_document(page.encode("utf-16-be"))
    declared = '<meta charset="utf-16"><p>café</p>'.encode()
    assert decode_document(declared) == '<meta charset="utf-16"><p>café</p>'


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "is empty"),
        (b"  \n\t ", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(1, 32)) * 20, "binary"),
    ],
)
def test_non_documents_raise_document_error(raw: bytes, message: str) -> None:
    with pytest.raises(DocumentError, match=message) as caught:
        extract(raw, "thing.html")
    assert str(caught.value).startswith("thing.html: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("<!DOCTYPE html><title>x</title>", "html"),
        ("<!-- saved --> \n<!doctype HTML>", "html"),
        ('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">', "html"),
        ("<html>", "html"),
        ("intro\n<blockquote class='x'><p>a</p><a href='#'>b</a></blockquote>", "html"),
        ("Plain text mentioning <b>one</b> tag and a <3 heart.", "text"),
        ("Post text pic.twitter.com/AbC— Name (@handle) March 4, 2026", "text"),
        ("# Markdown title\n\n> quote\n\nhttps://x.com/a/status/1\n", "text"),
    ],
)
def test_sniff_kind(text: str, kind: str) -> None:
    assert sniff_kind(text) == kind


# --- HTML extraction ---------------------------------------------------------------------------


def test_capture_and_document_order() -> None:
    body = f"{embed('2', 'second?')} <p>prose</p> {embed('1', 'first?')}"
    raw = f"<html><body>{body}</body></html>".encode()
    result = extract(raw, "a.html")
    assert [post.post_id for post in result.posts] == ["2", "1"]
    capture = result.posts[0].capture
    assert capture == Capture(
        method="embed-html", source="a.html", captured_at=WHEN, raw_sha256=sha256_hex(raw)
    )


def test_captured_at_defaults_to_now() -> None:
    result = extract_bytes(f"<html>{embed('5', 'x')}</html>".encode(), "a.html", router=ROUTER)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", result.posts[0].capture.captured_at)


def test_duplicate_embeds_become_one_record_completed_from_the_later_copy() -> None:
    first = embed("7", "")
    later = embed("7", "now with text")
    result = extract(f"<html>{first}<p>x</p>{later}{embed('8', 'other')}</html>".encode())
    assert [(post.post_id, post.text) for post in result.posts] == [
        ("7", "now with text"),
        ("8", "other"),
    ]


def test_duplicate_embeds_are_combined_by_the_one_merge() -> None:
    """Documents hand duplicates to archiver.merge (its rules: tests/test_merge.py)."""
    first, later = embed("9", "", handle="PortAlderCncl"), embed("9", "Now with text", "Other")
    result = extract(f"<html>{first}<p>x</p>{later}</html>".encode())
    capture = result.posts[0].capture  # one document: both copies share its capture
    copies = [
        extract(f"<html>{html}</html>".encode()).posts[0].with_changes(capture=capture)
        for html in (first, later)
    ]
    assert result.posts == [merge(copies[0], copies[1])]
    assert (result.posts[0].text, result.posts[0].author.handle) == ("Now with text", "Other")


def test_wordpress_link_only_embed_is_a_minimal_record() -> None:
    figure = (
        '<figure class="wp-block-embed is-type-rich is-provider-twitter wp-block-embed-twitter">'
        '<div class="wp-block-embed__wrapper">\nhttps://twitter.com/AlderRowing/status/1106102663380913892\n'
        "</div></figure>"
    )
    wrapped = (
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">'
        f"{embed('1106102663380913893', 'inside')}</div></figure>"
    )
    other = (
        '<figure class="wp-block-embed is-provider-spotify"><div class="wp-block-embed__wrapper">'
        "https://open.spotify.example/track/1</div></figure>"
    )
    result = extract(f"<html><body>{figure}{wrapped}{other}</body></html>".encode())
    assert [(p.post_id, p.url, p.author.handle, p.text) for p in result.posts] == [
        (
            "1106102663380913892",
            "https://x.com/AlderRowing/status/1106102663380913892",
            "AlderRowing",
            "",
        ),
        (
            "1106102663380913893",
            "https://x.com/PortAlderCncl/status/1106102663380913893",
            "PortAlderCncl",
            "inside",
        ),
    ]


def test_truncated_fixture_keeps_what_was_saved_and_warns() -> None:
    result = extract((ARTICLES / "truncated.html").read_bytes(), "truncated.html")
    assert [post.post_id for post in result.posts] == [
        "2008902691847762778",
        "2008652291897511686",
    ]
    assert result.warnings == [
        "truncated.html looks cut short (no closing </html>): posts after the cut are missing"
    ]


def test_crashing_platform_costs_one_embed_not_the_document() -> None:
    router = Registry([Broken(), FakeX(), web.PLATFORM])
    raw = f"<html><body><iframe src='x'></iframe>{embed('3', 'kept')}</body></html>".encode()
    result = extract(raw, "a.html", router=router)
    assert [post.post_id for post in result.posts] == ["3"]
    assert result.warnings == ["skipped an embed in a.html (ZeroDivisionError: division by zero)"]
    text = extract(b"Some text\n", "a.txt", router=router)
    assert text.posts == []
    assert text.warnings == [
        "skipped an embed in a.txt (RuntimeError: flattened reader bug)",
        "no embedded posts found in a.txt",
    ]


def test_html_without_anything_warns() -> None:
    result = extract(b"<html><body><p>Nothing here.</p><p>At all.</p></body></html>", "n.html")
    assert result.kind == "html"
    assert result.posts == []
    assert result.warnings == ["no embedded posts found in n.html"]


def test_saved_post_page_routes_by_its_metadata() -> None:
    raw = (
        b'<html><head><meta property="og:url" '
        b'content="https://x.com/PAHistory/status/463352418923851327">'
        b'<meta property="og:description" content="Old photo #flood">'
        b'<meta property="og:title" content="Port Alder History (@PAHistory)">'
        b"</head><body></body></html>"
    )
    result = extract(raw, "page.html")
    assert result.warnings == []
    [post] = result.posts
    assert post.key == "twitter:463352418923851327"
    assert post.author == Author(name="Port Alder History", handle="PAHistory")
    assert post.text == "Old photo #flood"
    assert post.hashtags == ["flood"]
    assert post.capture.method == "page-meta"


def test_page_without_embeds_falls_back_to_flattened_text_then_to_itself() -> None:
    flattened = (
        b"<html><body><p>Intro.</p><p>Bridge closed tonight \xe2\x80\x94 Port Alder Council "
        b"(@PortAlderCncl) January 7, 2026</p></body></html>"
    )
    result = extract(flattened, "flat.html")
    assert [(post.text, post.capture.method) for post in result.posts] == [
        ("Bridge closed tonight", "text-embed")
    ]
    blog = (PAGES / "blog-post.html").read_bytes()
    result = extract(blog, "blog.html")
    assert [post.key for post in result.posts] == [
        "web:https://estuarynotes.example/2026/01/quay-wall-lessons/"
    ]
    assert result.warnings == [
        "no embedded posts found in blog.html; recorded the page itself "
        "(https://estuarynotes.example/2026/01/quay-wall-lessons/)"
    ]


def test_saved_gone_page_is_no_record() -> None:
    result = extract((PAGES / "bluesky-signed-in-only.html").read_bytes(), "gone.html")
    assert result.posts == []
    assert result.warnings == [
        "gone.html shows 'This author has chosen to make their posts visible only to people "
        "who are signed in': the post was not available when saved",
        "no embedded posts found in gone.html",
    ]


# --- plain text ---------------------------------------------------------------------------------


def test_plain_text_flattened_posts_and_bare_url_lines_in_document_order() -> None:
    text = (
        "Title\n\nhttps://twitter.com/AlderRowing/status/1106102663380913892\n\n"
        "Prose about https://twitter.com/x/status/1 inline is not an embed.\n\n"
        "Bridge closed — Port Alder Council (@PortAlderCncl) January 7, 2026\n\n"
        "<https://x.com/PAHistory/status/463352418923851327>\n"
        "Bridge closed — Port Alder Council (@PortAlderCncl) January 7, 2026\n"
    )
    result = extract(text.encode(), "notes.md")
    assert result.kind == "text"
    assert [(post.post_id[:5], post.author.handle) for post in result.posts] == [
        ("11061", "AlderRowing"),
        ("text-", "PortAlderCncl"),
        ("46335", "PAHistory"),
    ]
    assert {post.capture.method for post in result.posts} == {"text-embed"}


# --- sources --------------------------------------------------------------------------------------


def run(sources: list[str], **kwargs: Any) -> list[DocumentResult | SourceFailure]:
    return list(
        iter_documents(sources, max_bytes=kwargs.pop("max_bytes", 10_000), router=ROUTER, **kwargs)
    )


def page(status: str) -> bytes:
    return f"<!DOCTYPE html><html><body>{embed(status, 'hello')}</body></html>".encode()


def test_directory_is_walked_recursively_sorted_skipping_hidden_and_non_documents(
    tmp_path: Path,
) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "2.HTM").write_bytes(page("2"))
    (tmp_path / "a.html").write_bytes(page("1"))
    (tmp_path / "c.txt").write_bytes(b"Hi \xe2\x80\x94 A (@aa) January 7, 2026\n")
    (tmp_path / "README").write_bytes("extensionless text, ünïcode".encode())
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    (tmp_path / "blob").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / ".hidden.html").write_bytes(page("9"))
    (tmp_path / ".git" / "x.html").write_bytes(page("9"))
    results = run([str(tmp_path)])
    assert [r.source for r in results] == [
        str(tmp_path / "README"),
        str(tmp_path / "a.html"),
        str(tmp_path / "b" / "2.HTM"),
        str(tmp_path / "c.txt"),
    ]
    assert all(isinstance(r, DocumentResult) for r in results)
    assert [post.post_id for r in results for post in r.posts][:2] == ["1", "2"]


def test_directory_of_many_files_streams_in_order(tmp_path: Path) -> None:
    for number in range(150):
        (tmp_path / f"{number:03d}.html").write_bytes(page(str(number + 1)))
    stream = iter_documents([str(tmp_path)], max_bytes=10_000, router=ROUTER)
    first = next(stream)
    # Files are read only when reached: a change made now shows in the later result.
    (tmp_path / "001.html").write_bytes(page("999"))
    rest = list(stream)
    assert isinstance(first, DocumentResult) and first.posts[0].post_id == "1"
    assert len(rest) == 149
    assert [r.posts[0].post_id for r in rest if isinstance(r, DocumentResult)][:2] == ["999", "3"]


def test_bad_sources_are_one_line_failures(tmp_path: Path) -> None:
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    (empty_dir / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "binary.html").write_bytes(b"\x00\x01\x02\x03" * 10)
    (tmp_path / "big.html").write_bytes(b"<p>" + b"x" * 200 + b"</p>")
    missing = str(tmp_path / "missing.html")
    results = run(
        [
            missing,
            str(empty_dir),
            str(tmp_path / "empty.html"),
            str(tmp_path / "binary.html"),
            str(tmp_path / "big.html"),
        ],
        max_bytes=100,
    )
    assert all(isinstance(r, SourceFailure) for r in results)
    messages = [r.message for r in results if isinstance(r, SourceFailure)]
    assert messages == [
        f"{missing}: no such file or directory; check the path",
        f"{empty_dir}: no documents in this directory (looked for .htm, .html, .md, .text, "
        ".txt, .xhtml and extensionless text files, skipping hidden ones)",
        f"{tmp_path / 'empty.html'}: the file is empty; save the page again",
        f"{tmp_path / 'binary.html'}: not a text or HTML document (binary content); give a "
        "saved .html or .txt",
        f"{tmp_path / 'big.html'}: 207 bytes is over the documents.max_bytes limit of 100; "
        "raise [documents] max_bytes in your config to read it",
    ]
    assert all("\n" not in message for message in messages)
    assert run([""]) == [SourceFailure("", "an empty path was given; name a file or directory")]


def test_unreadable_file_is_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "locked.html"
    target.write_bytes(page("1"))
    real_open = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == target:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    [failure] = run([str(target)])
    assert failure == SourceFailure(
        str(target), f"{target}: permission denied; check the file's permissions"
    )


def test_records_name_the_file_and_messages_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "Desk-of-J-Roe"
    folder.mkdir()
    (folder / "a.html").write_bytes(page("4"))
    (folder / "empty.html").write_bytes(b"")
    monkeypatch.chdir(tmp_path)

    found, failure = run(["Desk-of-J-Roe"])
    [kept] = run(["Desk-of-J-Roe/a.html"], keep_path=True)

    assert isinstance(found, DocumentResult) and isinstance(failure, SourceFailure)
    assert found.source == "Desk-of-J-Roe/a.html"  # what the user named, for messages
    assert found.posts[0].capture.source == "a.html"
    assert failure.message.startswith("Desk-of-J-Roe/empty.html: the file is empty")
    assert isinstance(kept, DocumentResult)
    assert kept.posts[0].capture.source == str(folder / "a.html")


def test_stdin(tmp_path: Path) -> None:
    [result] = run(["-"], stdin=io.BytesIO(page("4")))
    assert isinstance(result, DocumentResult)
    assert result.source == "-"
    assert result.posts[0].capture.source == "-"
    assert run(["-"], stdin=io.BytesIO(b"")) == [
        SourceFailure("-", "-: nothing was read from standard input; pipe a saved page in")
    ]
    [big] = run(["-"], stdin=io.BytesIO(b"x" * 101), max_bytes=100)
    assert isinstance(big, SourceFailure) and "over the documents.max_bytes limit" in big.message


def test_crash_inside_extraction_is_a_failure_not_a_traceback(tmp_path: Path) -> None:
    class Exploding(FakeX):
        def text_embeds(self, text: str, capture: Capture) -> list[Post]:
            return []

    (tmp_path / "a.txt").write_bytes(b"fine")
    results = list(
        iter_documents([str(tmp_path / "a.txt")], max_bytes=100, router=Registry([Exploding()]))
    )
    assert isinstance(results[0], DocumentResult)
    bad_router: Any = object()
    [failure] = list(iter_documents([str(tmp_path / "a.txt")], max_bytes=100, router=bad_router))
    assert isinstance(failure, SourceFailure)
    assert failure.message.endswith("please report this")


# --- end to end with every platform module ----------------------------------------------------


def dotted(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value.get(part)
    return value


def assert_matches(post: Post, expected: dict[str, Any]) -> None:
    record = post.to_json_dict()
    for field, value in expected.items():
        if field == "author":
            assert {k: record["author"][k] for k in value} == value, post.key
        elif field == "media":
            got = [
                {k: item[k] for k in want}
                for item, want in zip(record["media"], value, strict=False)
            ]
            assert len(record["media"]) == len(value) and got == value, post.key
        else:
            assert record[field] == value, (post.key, field)


@pytest.mark.parametrize("name", ["news-x-embeds.html", "news-x-embeds.txt"])
def test_news_article_gives_one_correct_record_per_embed(name: str) -> None:
    expected = json.loads((ARTICLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    result = extract_bytes((ARTICLES / name).read_bytes(), name, captured_at=WHEN)
    assert result.kind == expected["kind"]
    assert result.warnings == []
    assert [post.key for post in result.posts] == [post["key"] for post in expected["posts"]]
    for post, want in zip(result.posts, expected["posts"], strict=True):
        assert post.capture.method == expected["capture_method"]
        assert_matches(post, want)


def test_html_and_text_copies_of_the_article_agree() -> None:
    html = extract_bytes((ARTICLES / "news-x-embeds.html").read_bytes(), "a.html")
    text = extract_bytes((ARTICLES / "news-x-embeds.txt").read_bytes(), "a.txt")
    fields = ("text", "hashtags", "mentions")
    assert [
        [getattr(p, f) for f in fields] + [p.author.name, p.author.handle] for p in html.posts
    ] == [[getattr(p, f) for f in fields] + [p.author.name, p.author.handle] for p in text.posts]
    assert [[m.url for m in p.media] for p in html.posts] == [
        [m.url for m in p.media] for p in text.posts
    ]
    assert [p.created_at[:10] for p in html.posts if p.created_at] == [
        p.created_at for p in text.posts
    ]


def test_wordpress_embed_blocks_but_not_image_credits() -> None:
    result = extract_bytes(
        (ARTICLES / "wordpress-embed-blocks.html").read_bytes(), "wp.html", captured_at=WHEN
    )
    screenshot, bare = result.posts  # the image block's credit link is no embed
    assert (screenshot.key, screenshot.author.handle) == (
        "twitter:2021509511377969728",
        "quayferries",
    )
    assert screenshot.text == (
        "From 16 February the 07:10 sailing leaves at 07:25. Full timetable on our site."
    )
    assert screenshot.created_at == "2026-02-11T09:00:00.000Z"  # completed from the snowflake
    assert (bare.key, bare.url) == (
        "twitter:2008871234565169728",
        "https://x.com/lotte_pegel/status/2008871234565169728",
    )
    assert bare.created_at == "2026-01-07T12:00:00.000Z"


def test_an_image_credit_does_not_hide_the_posts_in_the_text() -> None:
    """A credit linking to a post made a record, so the page was taken to have embeds and
    its flattened X quote was never looked for."""
    result = extract_bytes(
        (ARTICLES / "wordpress-figures.html").read_bytes(), "wp.html", captured_at=WHEN
    )
    [post] = result.posts
    assert (post.platform, post.author.handle, post.created_at) == (
        "twitter",
        "quay_harbour",
        "2026-01-07",
    )
    assert post.text == "Crews on the east wall from 7am. Please keep clear of the slipway."


def test_reader_view_keeps_paragraphs_tail_lines_and_visible_cuts() -> None:
    """Embeds reduced to paragraphs (no markup, no links) are read as flattened text:
    the hashtag line stays a paragraph of its own post, French dates read, and a post X
    cut with "…" says so."""
    result = extract_bytes(
        (ARTICLES / "reader-view.html").read_bytes(), "reader.html", captured_at=WHEN
    )
    rights, ana = result.posts
    assert rights.text == "Stop the crackdown on the uprising.\n\n#IranProtests #FreeThemAll"
    assert [m.url for m in rights.media] == ["https://pic.twitter.com/Qk7Lm2"]
    assert (rights.author.handle, rights.created_at) == ("rights_desk", "2026-01-07")
    assert not rights.text_truncated
    assert ana.text.endswith("until about ten, when…")
    assert (ana.created_at, ana.text_truncated) == ("2026-01-08", True)


def test_all_embeds_article_has_every_platform() -> None:
    expected = json.loads((ARTICLES / "all-embeds.expected.json").read_text(encoding="utf-8"))
    result = extract_bytes(
        (ARTICLES / "all-embeds.html").read_bytes(), "all.html", captured_at=WHEN
    )
    assert result.warnings == []
    assert [(p.key, p.platform) for p in result.posts] == [
        (want["key"], want["platform"]) for want in expected["posts"]
    ]
    for post, want in zip(result.posts, expected["posts"], strict=True):
        record = post.to_json_dict()
        assert post.capture.method == "embed-html"
        for field in want["must_have"]:
            assert dotted(record, field), (post.key, field)
        for field, value in want["values"].items():
            assert dotted(record, field) == value, (post.key, field)


@pytest.mark.parametrize(
    ("name", "key", "author"),
    [
        (
            "mastodon-post.html",
            "mastodon:social.alder.example/115856116285464203",
            {"name": "Tide Watch Port Alder", "handle": "tidewatch@social.alder.example"},
        ),
        (
            "bluesky-post.html",
            "bluesky:did:plc:q4v7xk2mzt5h3wprdc6ljyan/3lfqa7wz2kc2p",
            {"name": "Kofi Mensah-Hart", "handle": "kofi-aerial.bsky.social"},
        ),
    ],
)
def test_saved_social_pages_with_every_platform(
    name: str, key: str, author: dict[str, str]
) -> None:
    result = extract_bytes((PAGES / name).read_bytes(), name, captured_at=WHEN)
    assert result.warnings == []
    [post] = result.posts
    assert post.key == key
    assert {k: getattr(post.author, k) for k in author} == author
    assert post.capture.method == "page-meta"
    assert post.text and post.created_at and post.metrics


def test_credentials_in_saved_documents_reach_no_key_or_record() -> None:
    """User info pasted into an embed, a link, a page's metadata or a URL line is dropped
    from every key and URL field. (Invented article in the shapes of an X blockquote, a
    Mastodon embed, a single-page Open Graph block and a Markdown URL line.)"""
    secret = "s3cret-Pa55"
    cred = f"reader:{secret}@"
    embeds = (
        '<html><body><blockquote class="twitter-tweet"><p lang="en">Levels '
        f'<a href="https://{cred}example.org/gauges?id=7">example.org/gauges?id=7</a> '
        f'<a href="https://{cred}x.com/hydro/status/1000000000000000009">quoted</a></p>'
        "&mdash; River Watch (@riverwatch) "
        f'<a href="https://{cred}twitter.com/riverwatch/status/1000000000000000001">'
        "January 7, 2026</a></blockquote>"
        f'<blockquote class="mastodon-embed" data-embed-url="https://{cred}social.example'
        '/@ana/113000000000000001/embed"><a href="https://social.example/@ana/113000000000000001">'
        "Post by @ana@social.example</a></blockquote></body></html>"
    )
    page = (
        '<html><head><meta property="og:title" content="Gauge report">'
        f'<meta property="og:url" content="https://{cred}example.org/report?b=2&amp;a=1">'
        f'<meta property="og:image" content="https://{cred}example.org/gauge.jpg">'
        "</head><body><p>Nothing embedded here.</p></body></html>"
    )
    text = f"The channel post:\n\n<https://{cred}t.me/harbournews/12?single>\n"
    results = [
        extract_bytes(embeds.encode(), "embeds.html", captured_at=WHEN),
        extract_bytes(page.encode(), "page.html", captured_at=WHEN),
        extract_bytes(text.encode(), "thread.txt", captured_at=WHEN),
    ]
    posts = [post for result in results for post in result.posts]
    assert [post.key for post in posts] == [
        "twitter:1000000000000000001",
        "mastodon:social.example/113000000000000001",
        "web:https://example.org/report?a=1&b=2",
        "telegram:harbournews/12",
    ]
    assert posts[0].links == ["https://example.org/gauges?id=7"]
    assert posts[0].quotes == ["https://x.com/hydro/status/1000000000000000009"]
    assert posts[2].media[0].url == "https://example.org/gauge.jpg"
    for post in posts:
        assert secret not in post.to_json(), post.key


@pytest.mark.parametrize(
    "page",
    sorted(
        path
        for path in [*ARTICLES.glob("*.html"), *(ROOT / "fixtures" / "real-pages").rglob("*.htm*")]
        if path.read_bytes().strip()  # an empty file is no document at all
    ),
    ids=lambda path: path.name,
)
def test_a_page_parsed_whole_gives_the_posts_of_its_embed_candidates(page: Path) -> None:
    """A page fetched live is parsed once, whole, by the web adapter, and that tree is
    walked for embeds (``tree=``): it must find what the embed-candidate tree finds."""
    raw = page.read_bytes()
    candidates = extract_bytes(raw, page.name, captured_at=WHEN)
    whole = extract_bytes(raw, page.name, captured_at=WHEN, tree=web.parse_page(raw).soup)
    assert whole.posts == candidates.posts
    assert whole.warnings == candidates.warnings
