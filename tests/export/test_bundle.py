from __future__ import annotations

import hashlib
import json
import os
import struct
import zipfile
from pathlib import Path

import bagit
import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.export.bundle import WARC_NAME, BagInfo, export_bundle
from archiver.export.selection import ExportError, Selection
from archiver.export.verify import BundleUnreadable, verify_bundle
from archiver.record import content_hash_of_dict
from archiver.store import Archive
from tests.export.conftest import API_BODY, Built, tiny_png

EVERYTHING = Selection(everything=True)
INFO = BagInfo(
    source_organization="Esk Valley Gazette",
    contact_name="Desk Editor",
    contact_email="desk@gazette.example",
    description="Posts cited in the flood coverage",
    bagging_date="2026-02-01",
)


def export(built: Built, out: Path, selection: Selection = EVERYTHING, **kwargs: object):  # type: ignore[no-untyped-def]
    with Archive(built.home) as archive:
        return export_bundle(archive, selection, out, info=INFO, **kwargs)  # type: ignore[arg-type]


def flip_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    index = len(data) // 2 if offset is None else offset
    data[index] ^= 0x01
    path.write_bytes(bytes(data))


def problem_paths(path: Path) -> set[str]:
    return {problem.path for problem in verify_bundle(path).problems}


def test_directory_bundle_is_a_valid_bag_with_the_documented_layout(
    built: Built, tmp_path: Path
) -> None:
    out = tmp_path / "bundle"
    report = export(built, out)
    assert (report.posts, report.unavailable, report.captures) == (3, 1, 4)
    assert report.media_files == 1 and report.raw_files == 4 and report.missing == []
    bag = bagit.Bag(str(out))
    assert bag.validate()
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert bag.info["Source-Organization"] == "Esk Valley Gazette"
    assert bag.info["Contact-Email"] == "desk@gazette.example"
    assert bag.info["External-Description"] == "Posts cited in the flood coverage"
    assert bag.info["Bagging-Date"] == "2026-02-01"
    assert bag.info["Bag-Software-Agent"].startswith("archiver ")
    data = out / "data"
    for name in (
        "index.html",
        "posts.jsonl",
        "README.txt",
        "captures/captures.jsonl",
        f"captures/warc/{WARC_NAME}",
        "citations/references.csl.json",
        "citations/references.bib",
        "citations/references.ris",
        "citations/references-apa.txt",
    ):
        assert (data / name).is_file(), name
    assert (data / "media" / f"{built.png_sha256}.png").read_bytes() == tiny_png()
    assert verify_bundle(out).ok


def test_posts_jsonl_holds_the_stored_records_and_their_hashes(
    built: Built, tmp_path: Path
) -> None:
    out = tmp_path / "bundle"
    export(built, out)
    records = [
        json.loads(line) for line in (out / "data/posts.jsonl").read_text("utf-8").splitlines()
    ]
    assert [r["key"] for r in records] == [
        built.keys[1],
        built.keys[0],
        built.keys[2],
    ]  # oldest first
    with Archive(built.home) as archive:
        for record in records:
            row = archive.get(record["key"])
            assert row is not None and row.content_hash == record["content_hash"]
            assert content_hash_of_dict(record) == record["content_hash"]
    assert records[1]["text"].startswith("Barrier holds <script>")


def test_captures_catalog_lists_every_post_capture_and_evidence(
    built: Built, tmp_path: Path
) -> None:
    out = tmp_path / "bundle"
    export(built, out)
    lines = (out / "data/captures/captures.jsonl").read_text("utf-8").splitlines()
    entries = {entry["key"]: entry for entry in map(json.loads, lines)}
    assert set(entries) == set(built.keys)
    deleted = entries[built.deleted_key]
    assert deleted["status"] == "deleted" and deleted["captures"][0]["record"] is None
    api = entries[built.keys[2]]["captures"][0]
    evidence = api["evidence"][0]
    assert (out / "data" / evidence["path"]).read_bytes() == API_BODY
    assert evidence["source_warc_file"] == built.warc.file
    assert evidence["warc_record_id"] == built.warc.record_id
    media = entries[built.keys[0]]["media"][0]
    assert media["path"] == f"media/{built.png_sha256}.png" and media["sha256"] == built.png_sha256


def test_bundle_warc_holds_the_exact_response_and_request(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    export(built, out)
    entry = next(
        json.loads(line)
        for line in (out / "data/captures/captures.jsonl").read_text("utf-8").splitlines()
        if built.keys[2] in line
    )
    offset = entry["captures"][0]["evidence"][0]["warc_offset"]
    records = []
    with (out / "data/captures/warc" / WARC_NAME).open("rb") as handle:
        iterator = ArchiveIterator(handle)
        for record in iterator:
            body = record.content_stream().read()
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            records.append((record.rec_type, record_id, iterator.get_record_offset(), body))
    kinds = [kind for kind, *_ in records]
    assert kinds == ["warcinfo", "response", "request"]
    response = records[1]
    assert response[1] == built.warc.record_id and response[2] == offset
    assert response[3] == API_BODY


def test_zip_bundle_has_one_top_folder_and_verifies(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "flood-posts.zip"
    export(built, out)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert all(name.startswith("flood-posts/") for name in names)
        assert "flood-posts/bagit.txt" in names and "flood-posts/data/posts.jsonl" in names
        archive.extractall(tmp_path / "unzipped")
    assert bagit.Bag(str(tmp_path / "unzipped" / "flood-posts")).validate()
    report = verify_bundle(out)
    assert report.ok and report.posts == 3
    assert not list(tmp_path.glob(".flood-posts.zip.partial-*"))


def test_citations_are_written_for_every_captured_post(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    export(built, out, archive_url="https://archive.example.org/flood")
    csl = json.loads((out / "data/citations/references.csl.json").read_text("utf-8"))
    assert [item["URL"] for item in csl] == [
        "https://social.example/@ana/109876543210987654",
        "https://x.com/riverwatch/status/1000000000000000001",
        "https://x.com/riverwatch/status/1000000000000000002",
    ]
    assert csl[0]["archive_location"].startswith(
        "https://archive.example.org/flood/index.html#post-"
    )
    bib = (out / "data/citations/references.bib").read_text("utf-8")
    assert bib.count("@online{") == 3
    ris = (out / "data/citations/references.ris").read_bytes()
    assert ris.count(b"TY  - ELEC\r\n") == 3 and ris.count(b"ER  - \r\n") == 3
    apa = (out / "data/citations/references-apa.txt").read_text("utf-8").strip().split("\n\n")
    assert len(apa) == 3 and apa[0].startswith("River Watch [@riverwatch]. (2026a, January 7).")


@pytest.mark.parametrize("as_zip", [False, True])
def test_selection_filters_and_keys(built: Built, tmp_path: Path, as_zip: bool) -> None:
    out = tmp_path / ("one.zip" if as_zip else "one")
    report = export(
        built, out, Selection(refs=("https://x.com/riverwatch/status/1000000000000000002",))
    )
    assert (report.posts, report.unavailable) == (1, 0)
    report = export(built, tmp_path / "mastodon", Selection(platform="mastodon"))
    assert report.posts == 1
    report = export(built, tmp_path / "deleted", Selection(status="deleted"))
    assert (report.posts, report.unavailable) == (0, 1)


def test_tampered_record_is_named(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    export(built, out)
    posts = out / "data/posts.jsonl"
    text = posts.read_text("utf-8")
    posts.write_text(text.replace("Barrier holds", "Barrier falls"), "utf-8")
    report = verify_bundle(out)
    assert not report.ok
    messages = [str(p) for p in report.problems]
    assert any(m.startswith("data/posts.jsonl: sha256 does not match") for m in messages)
    assert any("line 2 (twitter:1000000000000000001): content hash" in m for m in messages)


def test_rebagged_tampering_is_caught_by_the_content_hash(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    export(built, out)
    posts = out / "data/posts.jsonl"
    posts.write_text(posts.read_text("utf-8").replace("Barrier holds", "Barrier falls"), "utf-8")
    bagit.Bag(str(out)).save(manifests=True)  # a forger regenerates every manifest
    report = verify_bundle(out)
    assert [p.path for p in report.problems] == ["data/posts.jsonl"]
    assert "does not match the recomputed" in report.problems[0].message


@pytest.mark.parametrize(
    "relative",
    ["media/{png}.png", "captures/raw/{raw}", f"captures/warc/{WARC_NAME}", "index.html"],
)
def test_one_flipped_byte_anywhere_is_named(built: Built, tmp_path: Path, relative: str) -> None:
    out = tmp_path / "bundle"
    export(built, out)
    raw = next((out / "data/captures/raw").iterdir()).name
    target = out / "data" / relative.format(png=built.png_sha256, raw=raw)
    flip_byte(target)
    paths = problem_paths(out)
    assert "data/" + relative.format(png=built.png_sha256, raw=raw) in paths


def test_tampered_tag_file_is_named(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    export(built, out)
    info = out / "bag-info.txt"
    info.write_text(info.read_text("utf-8").replace("Esk Valley", "Esk Valey"), "utf-8")
    assert "bag-info.txt" in problem_paths(out)


def test_flipped_byte_inside_a_zip_is_named(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "bundle.zip"
    export(built, out)
    member = f"bundle/data/media/{built.png_sha256}.png"  # stored, not deflated
    with zipfile.ZipFile(out) as archive:
        info = archive.getinfo(member)
    header = out.read_bytes()[info.header_offset : info.header_offset + 30]
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    flip_byte(out, info.header_offset + 30 + name_length + extra_length + 10)
    report = verify_bundle(out)
    paths = {p.path for p in report.problems}
    assert member in paths  # the zip's CRC check names the member
    assert f"data/media/{built.png_sha256}.png" in paths  # and so does the manifest


def test_added_and_removed_files_are_named(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    export(built, out)
    (out / "data/extra.txt").write_text("slipped in", "utf-8")
    (out / "data/citations/references.ris").unlink()
    report = verify_bundle(out)
    found = {str(p) for p in report.problems}
    assert "data/extra.txt: present but not listed in any manifest" in found
    assert "data/citations/references.ris: listed in a manifest but missing" in found
    assert any(
        m.startswith("manifest-sha256.txt: line") and "'data/citations/references.ris'" in m
        for m in found
    )


def _zip_with(path: Path, name: str, *, symlink: bool = False) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "bag/bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
        )
        info = zipfile.ZipInfo(name)
        if symlink:
            info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd" if symlink else "owned")
    return path


@pytest.mark.parametrize(
    ("name", "symlink"),
    [
        ("../escaped.txt", False),
        ("bag/../../escaped.txt", False),
        ("/tmp/escaped.txt", False),
        ("bag/data/link", True),
        ("C:/escaped.txt", False),
    ],
)
def test_zip_slip_is_refused_before_extracting_anything(
    tmp_path: Path, name: str, symlink: bool
) -> None:
    work = tmp_path / "inbox"
    work.mkdir()
    evil = _zip_with(work / "evil.zip", name, symlink=symlink)
    with pytest.raises(BundleUnreadable, match="zip-slip"):
        verify_bundle(evil)
    assert sorted(p.name for p in work.iterdir()) == ["evil.zip"]
    assert not (tmp_path / "escaped.txt").exists()


def test_unreadable_bundles_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BundleUnreadable, match="does not exist"):
        verify_bundle(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleUnreadable, match=r"no bagit\.txt"):
        verify_bundle(tmp_path / "empty")
    (tmp_path / "notes.zip").write_bytes(b"PK not really a zip")
    with pytest.raises(BundleUnreadable, match="neither a bundle directory nor a zip"):
        verify_bundle(tmp_path / "notes.zip")


def test_truncated_zip_is_refused(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "bundle.zip"
    export(built, out)
    out.write_bytes(out.read_bytes()[:-200])
    with pytest.raises(BundleUnreadable):
        verify_bundle(out)


def test_empty_selection_is_refused_and_writes_nothing(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    with pytest.raises(
        ExportError, match="the selection is empty: no post matches --platform reddit"
    ):
        export(built, out, Selection(platform="reddit"))
    with pytest.raises(ExportError, match="nothing selected"):
        export(built, out, Selection())
    with pytest.raises(ExportError, match="not in the archive: twitter:42"):
        export(built, out, Selection(refs=("twitter:42",)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive"]


def test_existing_output_needs_force_and_only_a_bundle_is_replaced(
    built: Built, tmp_path: Path
) -> None:
    out = tmp_path / "bundle"
    export(built, out)
    with pytest.raises(ExportError, match="already exists; choose another --out or add --force"):
        export(built, out, Selection(platform="mastodon"))
    export(built, out, Selection(platform="mastodon"), force=True)
    assert len((out / "data/posts.jsonl").read_text("utf-8").splitlines()) == 1
    assert verify_bundle(out).ok
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.txt").write_text("years of work", "utf-8")
    with pytest.raises(ExportError, match="not a bundle; refusing to replace it"):
        export(built, precious, force=True)
    assert (precious / "chapter1.txt").read_text("utf-8") == "years of work"
    notes = tmp_path / "notes.txt"
    notes.write_text("keep", "utf-8")
    with pytest.raises(ExportError, match=r"not a \.zip bundle"):
        export(built, notes, force=True)
    zipped = tmp_path / "b.zip"
    export(built, zipped)
    with pytest.raises(ExportError, match="already exists"):
        export(built, zipped)
    export(built, zipped, Selection(platform="mastodon"), force=True)
    assert verify_bundle(zipped).posts == 1


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root ignores directory permissions (see test_export_cli)"
)
def test_read_only_target_is_a_clear_error(built: Built, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(ExportError, match=r"cannot write the bundle to .*: Permission denied"):
            export(built, locked / "bundle")
    finally:
        locked.chmod(0o755)


def test_missing_evidence_is_reported_and_the_rest_exported(built: Built, tmp_path: Path) -> None:
    with Archive(built.home) as archive:
        archive.blobs.path_for(built.png_sha256).unlink()
    report = export(built, tmp_path / "bundle")
    assert report.missing == [
        f"blob {built.png_sha256} (media/{built.png_sha256}.png) is missing from the archive"
    ]
    assert bagit.Bag(str(tmp_path / "bundle")).validate()  # the manifests say what is there
    found = [str(p) for p in verify_bundle(tmp_path / "bundle").problems]
    assert found == [
        f"data/captures/captures.jsonl: line 3 ({built.keys[0]}): media "
        f"https://pic.twitter.com/AbC123 (blob {built.png_sha256}) is not in the bundle; "
        "the archive could not supply it when the bundle was made"
    ]


def test_zip_metadata_disagreeing_with_the_central_directory_is_named(
    built: Built, tmp_path: Path
) -> None:
    out = tmp_path / "bundle.zip"
    export(built, out)
    member = "bundle/data/posts.jsonl"
    with zipfile.ZipFile(out) as archive:
        offset = archive.getinfo(member).header_offset
    flip_byte(out, offset + 10)  # the modification time in the member's local header
    found = {str(p) for p in verify_bundle(out).problems}
    assert f"{member}: local header disagrees with the central directory (time)" in found


def test_zip_with_a_name_twice_is_named(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "bundle.zip"
    export(built, out)
    with (
        zipfile.ZipFile(out, "a") as archive,
        pytest.warns(UserWarning, match="Duplicate name"),
    ):
        archive.writestr("bundle/data/posts.jsonl", "{}\n")
    found = {str(p) for p in verify_bundle(out).problems}
    assert "bundle/data/posts.jsonl: appears twice in the zip" in found


def test_damaged_archive_blob_is_reported_at_export(built: Built, tmp_path: Path) -> None:
    with Archive(built.home) as archive:
        flip_byte(archive.blobs.path_for(built.png_sha256))
    report = export(built, tmp_path / "bundle")
    assert report.missing == [
        f"blob {built.png_sha256} is damaged in the archive (hashes to "
        f"{hashlib.sha256(_flipped(tiny_png())).hexdigest()})"
    ]
    assert f"data/media/{built.png_sha256}.png" in problem_paths(tmp_path / "bundle")


def _flipped(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    return bytes(changed)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (
            "image/svg+xml",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        ("text/html; charset=utf-8", b"<html><script>alert(2)</script></html>"),
        ("application/xml", b"<?xml version='1.0'?><x/>"),
        (None, b"GIF89a unknown"),
    ],
)
def test_active_media_types_are_exported_inert(
    built: Built, tmp_path: Path, content_type: str | None, body: bytes
) -> None:
    with Archive(built.home) as archive:
        sha = archive.blobs.put(body)
        archive.record_media_download(
            built.keys[0], "https://pic.twitter.com/AbC123", sha, content_type, len(body), "x"
        )
    out = tmp_path / "bundle"
    export(built, out)
    assert (out / f"data/media/{sha}.bin").read_bytes() == body
    assert not list((out / "data/media").glob(f"{sha}.[!b]*"))  # .bin only, never .svg/.html
    html = (out / "data/index.html").read_text("utf-8")
    assert f'src="media/{sha}' not in html  # never an <img>, <video> or <audio>
    assert f'<a href="media/{sha}.bin" download>' in html
    assert verify_bundle(out).ok


def test_captures_jsonl_carries_the_archives_hashes(built: Built, tmp_path: Path) -> None:
    """Every hash in captures.jsonl is the archive's own and the recomputed one: the post's
    (the same as its posts.jsonl line) and each capture's (its record's)."""
    out = tmp_path / "bundle"
    export(built, out)
    posts = {
        record["key"]: record["content_hash"]
        for record in map(json.loads, (out / "data/posts.jsonl").read_text("utf-8").splitlines())
    }
    lines = (out / "data/captures/captures.jsonl").read_text("utf-8").splitlines()
    checked = 0
    with Archive(built.home) as archive:
        for entry in map(json.loads, lines):
            row = archive.get(entry["key"])
            assert row is not None
            assert entry["content_hash"] == posts.get(entry["key"]) == row.content_hash
            stored = {c.id: c for c in archive.captures(entry["key"])}
            for capture in entry["captures"]:
                assert capture["content_hash"] == stored[capture["id"]].content_hash
                assert capture["raw_sha256"] == stored[capture["id"]].raw_sha256
                if capture["record"] is not None:
                    recomputed = content_hash_of_dict(capture["record"])
                    assert capture["content_hash"] == recomputed
                    checked += 1
    assert checked == 3 and len(posts) == 3
