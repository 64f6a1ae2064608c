"""``verify`` reads what a bundle's files say: records of the wrong shape are refused in one
line, and posts.jsonl, captures.jsonl and index.html must agree with each other, so an
edit followed by regenerated manifests is caught and the edited file named."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from archiver.export import verify_content
from archiver.export.verify import BundleUnreadable, verify_bundle
from archiver.record import content_hash_of_dict
from tests.export.conftest import SCRIPT_TEXT, rebag, refused, verify_cli

POSTS = "data/posts.jsonl"
CATALOG = "data/captures/captures.jsonl"
EMBED_KEY = "twitter:1000000000000000001"


def edit_lines(path: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    """Rewrite every JSON line of ``path`` through ``change`` (which may edit in place)."""
    lines = []
    for line in path.read_text("utf-8").splitlines():
        value = json.loads(line)
        changed = change(value)
        lines.append(json.dumps(value if changed is None else changed, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", "utf-8")


def on_embed(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def apply(value: dict[str, Any]) -> None:
        if value.get("key") == EMBED_KEY:
            change(value)

    return apply


def failures(bundle: Path) -> list[str]:
    result = verify_cli(bundle)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()  # FAILED lines, notes on timestamps, a summary
    return [line.removeprefix("FAILED ") for line in lines if line.startswith("FAILED ")]


# -- wrong shapes: one line, exit 2 -------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "change", "said"),
    [
        (POSTS, on_embed(lambda r: r.update(text=5)), "text: Input should be a valid string"),
        (POSTS, on_embed(lambda r: r.update(media="photo")), "media: Input should be a valid"),
        (POSTS, on_embed(lambda r: r.update(extra={"x": 1})), "extra: Extra inputs"),
        (POSTS, lambda r: [r], "Input should be a valid dictionary"),
        (CATALOG, on_embed(lambda e: e.update(captures=5)), "captures: Input should be a valid"),
        (CATALOG, on_embed(lambda e: e["media"][0].update(size="24")), "media.0.size"),
        (CATALOG, lambda e: "just a string", "Input should be a valid dictionary"),
        (
            CATALOG,
            on_embed(lambda e: e["captures"][0]["record"].update(author=[])),
            "author: Input should be a valid dictionary",
        ),
    ],
)
def test_wrong_json_types_are_refused_in_one_line(
    bundle: Path, where: str, change: Callable[[dict[str, Any]], Any], said: str
) -> None:
    edit_lines(bundle / where, change)
    rebag(bundle)  # the manifests agree: this is a crafted file, not a damaged one
    line = refused(verify_cli(bundle))
    assert line.startswith(f"error: {where} line ")
    assert said in line


@pytest.mark.parametrize("where", [POSTS, CATALOG])
def test_deeply_nested_json_is_refused_in_one_line(bundle: Path, where: str) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    with (bundle / where).open("a", encoding="utf-8") as out:
        out.write('{"key": ' + deep + "}\n")
    rebag(bundle)
    count = len((bundle / where).read_text("utf-8").splitlines())
    line = refused(verify_cli(bundle, own_process=True))
    assert line == f"error: {where} line {count} is JSON nested deeper than any record"


def test_an_overlong_line_is_refused_without_reading_it_whole(
    bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify_content, "MAX_LINE", 4096)
    with (bundle / POSTS).open("a", encoding="utf-8") as out:
        out.write('{"text": "' + "x" * 10_000 + '"}\n')
    rebag(bundle)
    with pytest.raises(BundleUnreadable, match=r"posts\.jsonl line 4 is longer than 4,096 bytes"):
        verify_bundle(bundle)


def test_a_wrong_shape_in_a_damaged_file_is_named_as_damage(bundle: Path) -> None:
    edit_lines(bundle / CATALOG, on_embed(lambda e: e.update(captures=5)))  # manifests not redone
    found = [str(p) for p in verify_bundle(bundle).problems]
    assert any(p.startswith(f"{CATALOG}: sha256 does not match") for p in found)
    assert any(
        p.startswith(f"{CATALOG}: line 3 is not a line archiver writes: captures")
        and p.endswith("the rest of it was not read")
        for p in found
    )


# -- the files against each other: exit 1, naming the edited file ---------------------------


def test_an_edited_record_with_its_hash_recomputed_is_named(bundle: Path) -> None:
    def forge(record: dict[str, Any]) -> None:
        record["text"] = record["text"].replace("Barrier holds", "Barrier falls")
        record["content_hash"] = content_hash_of_dict(record)

    edit_lines(bundle / POSTS, on_embed(forge))
    rebag(bundle)
    found = failures(bundle)
    assert len(found) == 1, found
    assert found[0].startswith(f"{POSTS}: {EMBED_KEY}: content hash sha256:")
    assert (
        "but captures/captures.jsonl sha256:" in found[0] and "and index.html sha256:" in found[0]
    )


def test_an_edited_catalog_hash_is_named(bundle: Path) -> None:
    edit_lines(bundle / CATALOG, on_embed(lambda e: e.update(content_hash="sha256:" + "0" * 64)))
    rebag(bundle)
    found = failures(bundle)
    assert found == [
        f"{CATALOG}: {EMBED_KEY}: content hash sha256:{'0' * 64}, but posts.jsonl "
        + found[0].split("but posts.jsonl ")[1]
    ]


def test_an_edited_capture_record_is_named(bundle: Path) -> None:
    def forge(entry: dict[str, Any]) -> None:
        record = entry["captures"][0]["record"]
        record["text"] = "Nothing happened"
        record["content_hash"] = content_hash_of_dict(record)

    edit_lines(bundle / CATALOG, on_embed(forge))
    rebag(bundle)
    found = failures(bundle)
    assert len(found) == 1 and found[0].startswith(f"{CATALOG}: line 3 ({EMBED_KEY}): capture ")


def replace_in_page(bundle: Path, old: str, new: str) -> None:
    page = bundle / "data/index.html"
    text = page.read_text("utf-8")
    assert text.count(old) >= 1, old
    page.write_text(text.replace(old, new, 1), "utf-8")


def test_an_edited_card_text_is_named(bundle: Path) -> None:
    escaped = SCRIPT_TEXT.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    replace_in_page(bundle, escaped.replace('"', "&quot;"), "Barrier falls")
    rebag(bundle)
    assert failures(bundle) == [
        f"data/index.html: card 3 ({EMBED_KEY}) does not show the record's text"
    ]


def test_an_edited_card_hash_is_named(bundle: Path) -> None:
    record = json.loads((bundle / POSTS).read_text("utf-8").splitlines()[1])
    replace_in_page(bundle, record["content_hash"], "sha256:" + "1" * 64)
    rebag(bundle)
    found = failures(bundle)
    assert len(found) == 1
    assert found[0].startswith(f"data/index.html: {EMBED_KEY}: content hash sha256:{'1' * 64}")


def test_reordered_or_dropped_posts_are_named(bundle: Path) -> None:
    posts = bundle / POSTS
    lines = posts.read_text("utf-8").splitlines()
    posts.write_text("\n".join([lines[1], lines[0], lines[2]]) + "\n", "utf-8")
    rebag(bundle)
    found = failures(bundle)
    assert found == [
        f"{POSTS}: line 1 is {EMBED_KEY} where captures.jsonl line 2 "
        "(mastodon:social.example/109876543210987654) has a record; "
        "the files list different posts from here on"
    ]
    posts.write_text("\n".join([lines[0], lines[1]]) + "\n", "utf-8")
    rebag(bundle)
    assert failures(bundle) == [
        f"{POSTS}: no line where captures.jsonl line 4 (twitter:1000000000000000002) has a "
        "record; the files list different posts from here on"
    ]


def test_a_dropped_card_is_named(bundle: Path) -> None:
    page = bundle / "data/index.html"
    text = page.read_text("utf-8")
    start = text.index('<article class="post" id="post-twitter-1000000000000000002"')
    end = text.index("</article>", start) + len("</article>\n")
    page.write_text(text[:start] + text[end:], "utf-8")
    rebag(bundle)
    assert failures(bundle) == [
        "data/index.html: no card where captures.jsonl line 4 (twitter:1000000000000000002) "
        "comes; the files list different posts from here on"
    ]


def test_an_emptied_page_is_named_not_a_crash(bundle: Path) -> None:
    (bundle / "data/index.html").write_bytes(b"")
    rebag(bundle)
    found = failures(bundle)
    assert len(found) == 1 and found[0].startswith("data/index.html: no card where ")


API_KEY = "twitter:1000000000000000002"


def test_a_warc_record_not_where_captures_jsonl_says_is_named(bundle: Path) -> None:
    def shift(entry: dict[str, Any]) -> None:
        if entry["key"] == API_KEY:
            entry["captures"][0]["evidence"][0]["warc_offset"] += 1

    edit_lines(bundle / CATALOG, shift)
    rebag(bundle)
    found = failures(bundle)
    assert len(found) == 1 and found[0].startswith(f"{CATALOG}: line 4 ({API_KEY}): no WARC record")


def test_a_warc_member_with_an_endless_header_is_named_not_read(bundle: Path) -> None:
    """A gzip member inflating to 256 MiB without a line end: warcio is never handed it."""
    warc = next((bundle / "data/captures/warc").iterdir())
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"WARC/1.1\r\nWARC-Record-ID: " + b"a" * (1 << 20)
    member = compressor.compress(chunk) + b"".join(
        compressor.compress(b"a" * (1 << 20)) for _ in range(255)
    )
    warc.write_bytes(member + compressor.flush())
    rebag(bundle)
    found = [str(p) for p in verify_bundle(bundle).problems]
    assert found == [f"{CATALOG}: line 4 ({API_KEY}): " + found[0].split("): ", 1)[1]]
    assert "no WARC record <urn:uuid:" in found[0]


def test_a_crafted_field_name_stays_one_plain_line(bundle: Path) -> None:
    edit_lines(bundle / POSTS, on_embed(lambda r: r.update({"[/b]\nFAKE": 1})))
    rebag(bundle)
    line = refused(verify_cli(bundle))
    assert line == (
        f"error: {POSTS} line 2 is not an archiver.post/1 record: [/b] FAKE: "
        "Extra inputs are not permitted"
    )
