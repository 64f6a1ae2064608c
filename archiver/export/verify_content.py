"""Checking what a bundle says about its posts: every record, and its files against each other.

The manifests prove only that the files are as whoever made the bag left them: edit a
file and regenerate the manifests, and the bag is valid again. So ``verify`` also reads
what the files say. Each record's content hash is recomputed (``posts.jsonl``, and each
capture's record in ``captures/captures.jsonl``); the three files that describe the posts
must agree, since the export writes them together: they list the same posts in the same
order, ``captures.jsonl`` gives each post the content hash of its ``posts.jsonl`` line,
and ``index.html`` shows that hash, and the record's author, title and text. Where two of
the three agree, the third is named. Evidence and media are named by their SHA-256, so
each one ``captures.jsonl`` lists must be in the bundle at the path it gives; a bundle
made while a blob was missing from the archive fails here, by name.

Everything is read a line (or a card) at a time. A line that is valid JSON but not the
shape archiver writes (a string where a list belongs, nesting no record has, a field
archiver never writes) ends the check with :class:`Malformed` naming file and line,
unless the file already failed its manifest (then it is damage, named like any other).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError
from warcio.archiveiterator import ArchiveIterator

from archiver.export.cards import Card, as_shown, read_cards
from archiver.export.catalog import CatalogEntry
from archiver.export.selection import anchor_of
from archiver.export.verify_report import BundleUnreadable, VerifyReport
from archiver.export.warc_copy import READ_ERRORS
from archiver.merge import has_status_id
from archiver.record import Post, content_hash_of_dict

#: No line archiver writes comes near this; a longer one is refused, not read into memory.
MAX_LINE = 64 << 20
POSTS, CATALOG, PAGE = "data/posts.jsonl", "data/captures/captures.jsonl", "data/index.html"
_BLOB_PATH = {
    "media": re.compile(r"media/([0-9a-f]{64})(\.[a-z0-9]{1,8})?"),
    "raw": re.compile(r"captures/raw/([0-9a-f]{64})"),
}
_WARC_PATH = re.compile(r"captures/warc/[A-Za-z0-9._-]+\.warc\.gz")


class Malformed(BundleUnreadable):
    """A line of ``where`` that archiver never writes (see the module)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where} {message}")
        self.where, self.message = where, message


class _End:
    """What the records give once ``posts.jsonl`` has no more lines."""


_END = _End()


@dataclass(frozen=True)
class _Record:
    line: int
    key: str
    content_hash: str
    post: Post
    #: Whether the stated content hash is the recomputed one (else the line is named).
    intact: bool


def _objects(root: Path, where: str, report: VerifyReport) -> Iterator[tuple[int, Any]]:
    """``(line number, JSON object)`` per line; None for a line that is not JSON (named)."""
    with (root / where).open("rb") as handle:
        number = 0
        while raw := handle.readline(MAX_LINE + 1):
            number += 1
            if len(raw) > MAX_LINE:
                raise Malformed(
                    where, f"line {number} is longer than {MAX_LINE:,} bytes; no bundle has one"
                )
            if not raw.strip():
                continue
            try:
                value = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                report.add(where, f"line {number}: not valid JSON ({exc})")
                yield number, None
                continue
            except RecursionError:
                raise Malformed(
                    where, f"line {number} is JSON nested deeper than any record"
                ) from None
            yield number, value


def _shape_error(where: str, number: int, exc: ValidationError, what: str) -> Malformed:
    first = exc.errors(include_input=False, include_url=False)[0]
    location = ".".join(str(part) for part in first["loc"]) or "the line"
    return Malformed(where, f"line {number} is not {what}: {location}: {first['msg']}")


def _validated(record: Any, where: str, number: int, report: VerifyReport) -> tuple[Post, bool]:
    """``record`` as a :class:`Post` (refused if it is not one), and whether its hash and
    key are right (each wrong one is named)."""
    try:
        post = Post.model_validate(record, strict=True)
    except ValidationError as exc:
        raise _shape_error(where, number, exc, "an archiver.post/1 record") from None
    stated, computed = record.get("content_hash"), content_hash_of_dict(record)
    if stated != computed:
        report.add(
            where,
            f"line {number} ({post.key}): content hash {stated} "
            f"does not match the recomputed {computed}",
        )
    if record.get("key") != post.key:
        report.add(where, f"line {number}: key {record.get('key')!r} is not platform:post_id")
    return post, stated == computed and record.get("key") == post.key


def _records(root: Path, report: VerifyReport) -> Iterator[_Record | None]:
    for number, value in _objects(root, POSTS, report):
        if value is None:
            yield None
            continue
        post, intact = _validated(value, POSTS, number, report)
        report.posts += 1
        yield _Record(number, value["key"], value["content_hash"], post, intact)


class _Catalog:
    """Reads ``captures.jsonl`` line by line, checking each capture's record and that
    each file the line names is in the bundle (and each WARC record where it says)."""

    def __init__(self, root: Path, report: VerifyReport) -> None:
        self.root, self.report = root, report
        self._warc: dict[str, BinaryIO] = {}

    def entries(self) -> Iterator[tuple[int, CatalogEntry | None]]:
        try:
            for number, value in _objects(self.root, CATALOG, self.report):
                if value is None:
                    yield number, None
                    continue
                try:
                    entry = CatalogEntry.model_validate(value, strict=True)
                except ValidationError as exc:
                    raise _shape_error(CATALOG, number, exc, "a line archiver writes") from None
                self._check(number, entry)
                yield number, entry
        finally:
            for handle in self._warc.values():
                handle.close()

    def _check(self, number: int, entry: CatalogEntry) -> None:
        where = f"line {number} ({entry.key})"
        for media in entry.media:
            if media.sha256:
                self._blob(where, "media", media.sha256, media.path, f"media {media.url}")
        for capture in entry.captures:
            record = capture.record
            if record is not None:
                post, _ = _validated(record, CATALOG, number, self.report)
                if post.key != entry.key and not _joined(post, entry.key):
                    self.report.add(CATALOG, f"{where}: a capture holds a record of {post.key}")
                if record.get("content_hash") != capture.content_hash:
                    self.report.add(
                        CATALOG,
                        f"{where}: capture {capture.id} gives content hash "
                        f"{capture.content_hash}, its record {record.get('content_hash')}",
                    )
            for evidence in capture.evidence:
                what = f"raw bytes of capture {capture.id}"
                if evidence.sha256:
                    self._blob(where, "raw", evidence.sha256, evidence.path, what)
                if evidence.source_warc_file is not None:
                    self._warc_record(
                        where, evidence.warc_path, evidence.warc_offset, evidence.warc_record_id
                    )

    def _blob(self, where: str, kind: str, sha256: str, path: str | None, what: str) -> None:
        if path is None:
            self.report.add(
                CATALOG,
                f"{where}: {what} (blob {sha256}) is not in the bundle; the archive "
                "could not supply it when the bundle was made",
            )
            return
        match = _BLOB_PATH[kind].fullmatch(path)
        if match is None or match.group(1) != sha256:
            self.report.add(CATALOG, f"{where}: {what} is at {path!r}, not under its hash")
        elif not (self.root / "data" / path).is_file():
            self.report.add(CATALOG, f"{where}: {what} should be at {path}, which is missing")

    def _warc_record(
        self, where: str, path: str | None, offset: int | None, record_id: str | None
    ) -> None:
        if path is None or offset is None:
            self.report.add(
                CATALOG,
                f"{where}: WARC record {record_id} is not in the bundle; the archive could "
                "not supply it when the bundle was made",
            )
            return
        if not _WARC_PATH.fullmatch(path) or not (self.root / "data" / path).is_file():
            self.report.add(CATALOG, f"{where}: WARC file {path!r} is not in the bundle")
            return
        if path not in self._warc:
            self._warc[path] = (self.root / "data" / path).open("rb")
        try:
            found = _record_id_at(self._warc[path], offset)
        except READ_ERRORS:
            found = None
        if found != record_id:
            self.report.add(
                CATALOG,
                f"{where}: no WARC record {record_id} at offset {offset} of {path}",
            )


def _record_id_at(handle: BinaryIO, offset: int) -> str | None:
    """The ID of the WARC record at ``offset``, read by warcio. Its header block must end
    within the first 64 KiB of its gzip member (archiver's are a few hundred bytes), so
    a crafted member cannot make warcio read one endless header line into memory."""
    if offset < 0:
        return None
    handle.seek(offset)
    head = zlib.decompressobj(wbits=31).decompress(handle.read(1 << 16), 1 << 16)
    if b"\r\n\r\n" not in head:
        return None
    handle.seek(offset)
    record = next(ArchiveIterator(handle, no_record_parse=True), None)
    return record.rec_headers.get_header("WARC-Record-ID") if record else None


def check_contents(root: Path, report: VerifyReport) -> None:
    """Every record's hash, and ``posts.jsonl``, ``captures.jsonl`` and ``index.html``
    against each other (see the module); problems are added to ``report``."""
    missing = [name for name in (POSTS, CATALOG, PAGE) if not (root / name).is_file()]
    for name in missing:
        report.add(name, "missing")
    if POSTS in missing:
        return
    damaged = {problem.path for problem in report.problems}
    records = _records(root, report)
    try:
        if missing:  # nothing to compare the records with: check each on its own
            for _ in records:
                pass
            return
        with (root / PAGE).open("rb") as page:
            _compare(records, _Catalog(root, report).entries(), read_cards(page), report)
    except Malformed as exc:
        # In a file that already failed its manifest, a line out of shape is more of the
        # same damage; in one that passed, it was written so on purpose: refuse the bundle.
        if exc.where not in damaged:
            raise
        report.add(exc.where, f"{exc.message}; the rest of it was not read")


def _compare(
    records: Iterator[_Record | None],
    catalog: Iterator[tuple[int, CatalogEntry | None]],
    cards: Iterator[Card],
    report: VerifyReport,
) -> None:
    in_step, card_number = True, 0
    for number, entry in catalog:
        if entry is None:
            in_step = False
        if not in_step or entry is None:
            continue
        card_number += 1
        card = next(cards, None)
        record = next(records, _END) if entry.content_hash is not None else None
        if record is None and entry.content_hash is not None:  # not JSON: already named
            in_step = False
            continue
        in_step = _same_post(number, entry, card_number, card, record, report)
    for record in records:  # every record is still checked on its own
        if in_step and record is not None:
            report.add(POSTS, f"line {record.line} ({record.key}) is not in captures.jsonl")
            in_step = False
    if in_step and next(cards, None) is not None:
        report.add(PAGE, f"card {card_number + 1} is for a post captures.jsonl does not list")


def _same_post(
    number: int,
    entry: CatalogEntry,
    card_number: int,
    card: Card | None,
    record: _Record | _End | None,
    report: VerifyReport,
) -> bool:
    """Whether the three files still list the same post; disagreements are named."""
    where = f"line {number} ({entry.key})"
    differ = "; the files list different posts from here on"
    if card is None or card.anchor != anchor_of(entry.key):
        shown = "no card" if card is None else f"card {card_number} is #{card.anchor}"
        report.add(PAGE, f"{shown} where captures.jsonl {where} comes{differ}")
        return False
    if entry.content_hash is None:
        return True
    if not isinstance(record, _Record) or record.key != entry.key:
        shown = f"line {record.line} is {record.key}" if isinstance(record, _Record) else "no line"
        report.add(POSTS, f"{shown} where captures.jsonl {where} has a record{differ}")
        return False
    hashes = {POSTS: record.content_hash, CATALOG: entry.content_hash, PAGE: card.content_hash}
    for name, value in hashes.items():
        others = [f"{other[5:]} {hashes[other]}" for other in hashes if other != name]
        if list(hashes.values()).count(value) == 1:  # the odd one out (or all differ)
            report.add(name, f"{entry.key}: content hash {value}, but {' and '.join(others)}")
    if not record.intact or card.content_hash != record.content_hash:
        return True  # the card shows another record than this line (named above)
    post = record.post
    shows = {"author": post.author.name, "title": post.title, "text": post.text}
    for field, value in shows.items():
        if (as_shown(value) if value else None) != getattr(card, field):
            report.add(PAGE, f"card {card_number} ({entry.key}) does not show the record's {field}")
    return True


def _joined(post: Post, key: str) -> bool:
    """A capture of a post found in flattened text (no status id) that the archive joined
    to the post ``key`` names: the post, before its id was known (docs/flattened-text.md)."""
    return not has_status_id(post) and key.partition(":")[0] == post.platform
