"""Bundles: the selected posts, their evidence and citations, as one verifiable BagIt bag.

A bundle is what an editor, a court or a reader receives: everything needed to see what
each post said, when it was captured, from which bytes, and to check that none of it
changed since (``archiver verify`` or any BagIt tool plus the documented content-hash
recipe). It is written in a single pass over the selection, file by file, so its size
is bounded by the disk, not by memory. Layout (under the bag's ``data/``)::

    index.html                  the posts as a reader sees them, offline
    posts.jsonl                 the normalised records, byte for byte as stored
    captures/captures.jsonl     per post: status, every capture, its evidence, its media
    captures/raw/<sha256>       the raw bytes each capture was parsed from
    captures/warc/<name>.warc.gz  the WARC records of fetched captures, copied unchanged
    media/<sha256>.<ext>        downloaded media files
    screenshots/<sha256>.png    screenshots of the posts (--screenshot), listed with how
                                each was taken in captures/screenshots.jsonl
    citations/                  references.csl.json, .bib, .ris, references-apa.txt
    README.txt                  what is here and how to check it
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archiver import __version__
from archiver.config import ExportSettings
from archiver.export.apa_list import ApaReferences
from archiver.export.bag import BagWriteError, BagWriter, PayloadStream, bagging_date
from archiver.export.catalog import CaptureEntry, CatalogEntry, EvidenceEntry, MediaEntry
from archiver.export.cite import bibtex, csl_item, ris
from archiver.export.screenshots import CATALOG as SCREENSHOT_CATALOG
from archiver.export.screenshots import FOLDER as SCREENSHOTS
from archiver.export.screenshots import ScreenshotEntry, render_screenshots, screenshot_name
from archiver.export.selection import (
    SHA256_NAME,
    ExportError,
    Item,
    Selection,
    archived_copy,
    evidence_of,
    find_article,
    first_or_empty,
    select_items,
)
from archiver.export.target import check_target
from archiver.export.timestamps import BundleTimestamps, TagStamper
from archiver.export.viewer import (
    PageInfo,
    Summary,
    media_extension,
    page_end,
    page_start,
    render_item,
)
from archiver.export.warc_copy import WarcCopyError, WarcExcerpt
from archiver.store import Archive, CaptureRow, MediaRow
from archiver.store.screenshots import ScreenshotRow

WARC_NAME = "archiver-bundle.warc.gz"
_README = """This is an archiver bundle: a BagIt bag (RFC 8493) of archived social-media posts.

  index.html                 open in a browser: every post, its capture, hashes, citations
  posts.jsonl                the normalised records (archiver.post/1), one JSON object a line
  captures/captures.jsonl    per post: status, every capture and the evidence behind it
  captures/raw/<sha256>      the raw bytes each capture was parsed from (named by SHA-256)
  captures/warc/             WARC records of live fetches, copied unchanged from the archive
  media/<sha256>.<ext>       downloaded media files (named by SHA-256)
  screenshots/<sha256>.png   screenshots of the posts as a browser showed them; how, when and
                             from what URL each was taken: captures/screenshots.jsonl
  citations/                 CSL-JSON, BibTeX, RIS and an APA reference list
  timestamps/                RFC 3161 timestamps of the captures (their Merkle paths and tokens);
                             ../timestamps/ holds one over tagmanifest-sha256.txt (the whole bag)

To check it: `archiver verify <bundle>`, or without archiver:
  1. `bagit.py --validate <bundle>` checks every file against manifest-sha256/sha512.txt;
  2. recompute each record's content hash: SHA-256 of the RFC 8785 canonical JSON of its
     fields schema, key, platform, post_id, url, author, created_at, title, text, lang,
     media (each reduced to kind, url, alt), links, hashtags, mentions, in_reply_to,
     quotes; compare "sha256:<hex>" with the record's content_hash
     (https://www.rfc-editor.org/rfc/rfc8785; archiver's docs/record.md, "Content hash");
  3. the timestamps: `openssl ts -verify -data tagmanifest-sha256.txt -in
     timestamps/tagmanifest-sha256.txt.<tsa>.tsr -CAfile timestamps/certificates.pem`
     (archiver's docs/evidence.md says what they prove and how to check a capture's).
"""


@dataclass(frozen=True)
class BagInfo:
    """The bag-info.txt metadata of a bundle (every field settable)."""

    source_organization: str = ""
    contact_name: str = ""
    contact_email: str = ""
    description: str = ""
    bagging_date: str = ""
    software_agent: str = f"archiver {__version__}"

    @classmethod
    def from_settings(cls, settings: ExportSettings, **overrides: str | None) -> BagInfo:
        values = {
            "source_organization": settings.source_organization,
            "contact_name": settings.contact_name,
            "contact_email": settings.contact_email,
            "description": settings.description,
        }
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**values)

    def tags(self) -> list[tuple[str, str]]:
        return [
            ("Source-Organization", self.source_organization),
            ("Contact-Name", self.contact_name),
            ("Contact-Email", self.contact_email),
            ("External-Description", self.description),
            ("Bagging-Date", self.bagging_date or bagging_date()),
            ("Bag-Software-Agent", self.software_agent),
        ]


@dataclass
class BundleReport:
    path: Path
    posts: int = 0
    unavailable: int = 0
    captures: int = 0
    raw_files: int = 0
    media_files: int = 0
    screenshot_files: int = 0
    warc_records: int = 0
    files: int = 0
    bytes: int = 0
    #: Evidence the archive refers to but could not supply (a damaged archive).
    missing: list[str] = field(default_factory=list)
    #: Captures shipped with their Merkle path and tokens (data/timestamps/).
    timestamped_captures: int = 0
    #: Each authority asked to stamp the bag: its time, or why it gave none.
    bundle_timestamps: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


def _media_name(sha256: str, content_type: str | None) -> str:
    return f"media/{sha256}{media_extension(content_type)}"


class _BundleWriter:
    """One export in progress: the bag and its open streams."""

    def __init__(self, archive: Archive, bag: BagWriter, archive_url: str | None) -> None:
        self.archive, self.bag, self.archive_url = archive, bag, archive_url
        self.report = BundleReport(path=bag.target)
        self.posts = bag.open_stream("posts.jsonl")
        self.catalog = bag.open_stream("captures/captures.jsonl")
        self.csl = bag.open_stream("citations/references.csl.json")
        self.bib = bag.open_stream("citations/references.bib")
        self.ris = bag.open_stream("citations/references.ris")
        self.apa = bag.open_stream("citations/references-apa.txt")
        #: APA sorts by author, so its list is written at the end (sorted on disk).
        self.apa_references = ApaReferences()
        self.html = bag.open_stream("index.html")
        self.warc = WarcExcerpt(
            archive.home,
            lambda: bag.open_stream(f"captures/warc/{WARC_NAME}"),
            WARC_NAME,
            bag.index,
            archive.warc_dir,
        )
        # Blob paths are relative to the folder holding the blobs (the home, by default).
        self._blobs_parent = os.fspath(archive.blobs.root.parent)
        self.timestamps = BundleTimestamps(archive, bag)
        self.screenshots: PayloadStream | None = None
        self.csl.write("[")

    def streams(self) -> list[PayloadStream]:
        return [self.posts, self.catalog, self.csl, self.bib, self.ris, self.apa, self.html]

    def add(self, item: Item) -> None:
        media = [self._media(row) for row in item.media]
        captures = [self._capture(row) for row in item.captures]
        self.report.captures += len(captures)
        self.timestamps.add(item.row.key, item.captures)
        shots = [self._screenshot(item.row.key, row) for row in item.screenshots]
        self.timestamps.add_screenshots(item.row.key, item.screenshots)
        copy = archived_copy(item, self.archive_url) if item.post is not None else None
        if item.post is not None and item.record_json:
            self.report.posts += 1
            self.posts.write(item.record_json + "\n")
            separator = "," if self.report.posts > 1 else ""
            reference = json.dumps(csl_item(item.post, copy), ensure_ascii=False)
            self.csl.write(f"{separator}\n{reference}")
            self.bib.write(bibtex(item.post, copy) + "\n\n")
            self.ris.write(ris(item.post, copy) + "\r\n")
            self.apa_references.add(item.post, copy)
        else:
            self.report.unavailable += 1
        row = item.row
        entry = CatalogEntry(
            key=row.key,
            url=row.url,
            status=item.state,
            reason=item.reason,
            status_detail=row.status_detail,
            last_checked_at=item.last_checked_at,
            content_hash=row.content_hash if item.post is not None else None,
            first_captured_at=row.first_captured_at,
            last_captured_at=row.last_captured_at,
            capture_count=row.capture_count,
            media=media,
            captures=captures,
        )
        self.catalog.write(entry.to_line())
        self.html.write(render_item(item, copy, media, captures, render_screenshots(shots)))

    def _blob(self, sha256: str | None, relpath: str) -> str | None:
        """Copy a blob of the archive into the bag; its bundle path, or None if missing."""
        if not sha256 or not SHA256_NAME.fullmatch(sha256):
            if sha256:
                self.report.missing.append(f"blob with an invalid name {sha256!r}")
            return None
        # Plain strings, not Paths: pathlib interns every path part, which adds up.
        source = os.path.join(self._blobs_parent, self.archive.blobs.relative_path(sha256))
        if not os.path.isfile(source):
            self.report.missing.append(f"blob {sha256} ({relpath}) is missing from the archive")
            return None
        found = self.bag.add_file(relpath, source)
        if found is None:
            return relpath
        if found != sha256:
            damaged = f"blob {sha256} is damaged in the archive (hashes to {found})"
            self.report.missing.append(damaged)
        if relpath.startswith("media/"):
            self.report.media_files += 1
        elif relpath.startswith(f"{SCREENSHOTS}/"):
            self.report.screenshot_files += 1
        else:
            self.report.raw_files += 1
        return relpath

    def _media(self, row: MediaRow) -> MediaEntry:
        path = (
            self._blob(row.sha256, _media_name(row.sha256, row.content_type))
            if row.sha256
            else None
        )
        return MediaEntry(
            url=row.url,
            kind=row.kind,
            alt=row.alt,
            sha256=row.sha256,
            content_type=row.content_type,
            size=row.size,
            path=path,
        )

    def _screenshot(self, key: str, row: ScreenshotRow) -> ScreenshotEntry:
        path = self._blob(row.sha256, screenshot_name(row.sha256)) if row.sha256 else None
        entry = ScreenshotEntry(key, row, path)
        if self.screenshots is None:
            self.screenshots = self.bag.open_stream(SCREENSHOT_CATALOG)
        self.screenshots.write(entry.to_line())
        return entry

    def _capture(self, row: CaptureRow) -> CaptureEntry:
        evidence: list[EvidenceEntry] = []
        for entry in evidence_of(row):
            sha = entry.get("sha256")
            path = self._blob(sha, f"captures/raw/{sha}") if isinstance(sha, str) else None
            warc_path = warc_offset = None
            source_file, source_offset = entry.get("warc_file"), entry.get("warc_offset")
            if isinstance(source_file, str) and isinstance(source_offset, int):
                try:
                    warc_offset = self.warc.copy(
                        source_file, source_offset, entry.get("warc_record_id")
                    )
                    warc_path = f"captures/warc/{WARC_NAME}"
                except WarcCopyError as exc:
                    self.report.missing.append(f"WARC record {exc}")
            evidence.append(
                EvidenceEntry(
                    url=entry.get("url"),
                    sha256=sha,
                    path=path,
                    http_status=entry.get("http_status"),
                    content_type=entry.get("content_type"),
                    purpose=entry.get("purpose"),
                    warc_path=warc_path,
                    warc_offset=warc_offset,
                    warc_record_id=entry.get("warc_record_id"),
                    source_warc_file=source_file,
                    source_warc_offset=source_offset,
                )
            )
        record = json.loads(row.record_json) if row.record_json else None
        return CaptureEntry(
            id=row.id,
            captured_at=row.captured_at,
            method=row.method,
            source=row.source,
            raw_sha256=row.raw_sha256,
            content_hash=row.content_hash,
            status=row.status,
            status_detail=row.status_detail,
            http_status=row.http_status,
            evidence=evidence,
            record=record,
        )

    def close(self) -> None:
        self.csl.write("\n]\n")
        for reference in self.apa_references.sorted():
            self.apa.write(reference + "\n\n")
        self.apa_references.close()
        self.html.write(
            page_end(
                Summary(
                    posts=self.report.posts + self.report.unavailable,
                    unavailable=self.report.unavailable,
                    captures=self.report.captures,
                    media_files=self.report.media_files,
                )
            )
        )
        for stream in self.streams():
            stream.close()
        if self.screenshots is not None:
            self.screenshots.close()
        self.warc.close()
        self.report.warc_records = self.warc.records
        self.timestamps.close()
        self.report.timestamped_captures = self.timestamps.captures
        self.bag.add_bytes("README.txt", _README.encode("utf-8"))


def export_bundle(
    archive: Archive,
    selection: Selection,
    out: Path,
    *,
    info: BagInfo | None = None,
    archive_url: str | None = None,
    force: bool = False,
    seal: TagStamper | None = None,
) -> BundleReport:
    """Write the selected posts to ``out``: a directory, or a zip when it ends in ``.zip``.

    ``seal`` stamps the finished bag's tag manifest (see :mod:`archiver.export.timestamps`).
    """
    info = info or BagInfo()
    check_target(out, force=force)
    items = first_or_empty(select_items(archive, selection), selection)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        bag = BagWriter(out, as_zip=out.suffix.lower() == ".zip")
    except BagWriteError as exc:
        raise ExportError(str(exc)) from exc
    except OSError as exc:
        raise ExportError(f"cannot write the bundle to {out}: {exc.strerror}") from exc
    try:
        writer = _BundleWriter(archive, bag, archive_url)
        article = find_article(archive, selection.cited_in) if selection.cited_in else None
        writer.html.write(
            page_start(
                PageInfo(
                    title=f"Posts cited in {article.title or article.url}"
                    if article
                    else "Archived posts",
                    article_url=article.url if article else None,
                    description=info.description,
                    organization=info.source_organization,
                    generated_at=info.bagging_date or bagging_date(),
                    software=info.software_agent,
                )
            )
        )
        for item in items:
            writer.add(item)
        writer.close()
        bag.finish(info.tags(), replace=force, seal=seal)
    except BagWriteError as exc:
        bag.abort()
        raise ExportError(str(exc)) from exc
    except BaseException:
        bag.abort()
        raise
    report = writer.report
    report.files, report.bytes = bag.files, bag.bytes
    if seal is not None:
        report.bundle_timestamps = seal.summary()
    return report
