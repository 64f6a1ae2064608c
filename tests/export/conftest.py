"""An archive built with the store API: posts from embeds and a live fetch (with a real WARC
record), a downloaded image, and a post the platform has since deleted."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import bagit
import pytest

from archiver.net.warc import HttpExchange, WarcRef, WarcWriter
from archiver.record import Author, Media, Post
from archiver.store import Archive, Evidence, Observation, PostSummary
from tests.conftest import FIXTURES, make_post

SCRIPT_TEXT = 'Barrier holds <script>alert("x")</script> & the river "Esk" rises'
API_BODY = b'{"id_str":"1000000000000000002","text":"Second post from the live API"}'


def summary_of(post: Post, *, status: str = "archived") -> PostSummary:
    """The archive row a stored ``post`` would have, for rendering it without an archive."""
    return PostSummary(
        key=post.key,
        platform=post.platform,
        post_id=post.post_id,
        url=post.url,
        author_name=post.author.name,
        author_handle=post.author.handle,
        created_at=post.created_at,
        title=post.title,
        text=post.text,
        content_hash=post.content_hash,
        status=status,
        status_detail=None,
        first_captured_at=post.capture.captured_at,
        last_captured_at=post.capture.captured_at,
        capture_count=1,
    )


def tiny_png() -> bytes:
    """A valid 4x3 red PNG, so browsers really decode the bundle's media."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(3))
    header = struct.pack(">IIBBBBB", 4, 3, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class Built:
    home: Path
    keys: list[str]
    png_sha256: str
    warc: WarcRef
    deleted_key: str


def build_archive(home: Path) -> Built:
    png = tiny_png()
    embed = make_post(text=SCRIPT_TEXT, raw=b"<html>article one</html>")
    mastodon = make_post(
        "social.example/109876543210987654",
        platform="mastodon",
        url="https://social.example/@ana/109876543210987654",
        author=Author(name="Ана Сергеевна", handle="ana@social.example"),
        text="Привет, река 🌊 — the bridge is closed",
        created_at="2026-01-05T08:30:00Z",
        media=[],
        hashtags=[],
        lang="ru",
        raw=b"<html>article two</html>",
        source="article-two.html",
    )
    with Archive(home) as archive, WarcWriter(home) as warc:
        ref = warc.write_exchange(
            HttpExchange(
                url="https://cdn.example/tweet-result?id=1000000000000000002",
                request_target="/tweet-result?id=1000000000000000002",
                request_headers=[("Host", "cdn.example")],
                status=200,
                reason="OK",
                response_headers=[("Content-Type", "application/json")],
                payload=API_BODY,
            )
        )
        api = make_post(
            "1000000000000000002",
            method="api",
            source="https://cdn.example/tweet-result?id=1000000000000000002",
            raw=API_BODY,
            text="Second post from the live API",
            created_at="2026-01-08T09:15:00Z",
            captured_at="2026-01-09T12:00:00Z",
            media=[Media(kind="video", url="https://video.example/v.mp4")],
        )
        observations = [
            Observation.of_post(
                embed, [Evidence(url="article.html", body=b"<html>article one</html>")]
            ),
            Observation.of_post(
                mastodon, [Evidence(url="article-two.html", body=b"<html>article two</html>")]
            ),
            Observation.of_post(
                api,
                [
                    Evidence(
                        url=api.capture.source,
                        body=API_BODY,
                        http_status=200,
                        content_type="application/json",
                        warc_file=ref.file,
                        warc_offset=ref.offset,
                        warc_record_id=ref.record_id,
                    )
                ],
            ),
            Observation(
                key="twitter:1000000000000000009",
                platform="twitter",
                post_id="1000000000000000009",
                url="https://x.com/i/status/1000000000000000009",
                method="api",
                source="https://cdn.example/tweet-result?id=1000000000000000009",
                captured_at="2026-01-10T00:00:00Z",
                evidence=[Evidence(url="https://cdn.example/gone", body=b"{}", http_status=404)],
                status="deleted",
                detail="404 from the syndication endpoint",
                http_status=404,
            ),
        ]
        archive.add(observations)
        png_sha = archive.blobs.put(png)
        archive.record_media_download(
            embed.key,
            "https://pic.twitter.com/AbC123",
            png_sha,
            "image/png",
            len(png),
            "2026-01-07T10:00:05Z",
        )
    return Built(
        home=home,
        keys=[embed.key, mastodon.key, api.key, "twitter:1000000000000000009"],
        png_sha256=png_sha,
        warc=ref,
        deleted_key="twitter:1000000000000000009",
    )


@pytest.fixture
def built(tmp_path: Path) -> Built:
    return build_archive(tmp_path / "archive")


FIXTURE_ARTICLES = [
    FIXTURES / "articles" / "all-embeds.html",
    FIXTURES / "articles" / "news-x-embeds.html",
    FIXTURES / "flattened" / "article-mixed.txt",
]


@pytest.fixture(scope="module")
def fixture_bundles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Saved articles from the fixtures, added and exported as a new user would (CLI)."""
    from typer.testing import CliRunner

    from archiver.cli import app

    runner = CliRunner()
    work = tmp_path_factory.mktemp("new-user")
    home = work / "archive"
    added = runner.invoke(app, ["add", *map(str, FIXTURE_ARTICLES), "--home", str(home)])
    assert added.exit_code == 0, added.stderr
    directory, zipped = work / "bundle", work / "bundle.zip"
    for out in (directory, zipped):
        result = runner.invoke(app, ["export", "--all", "--out", str(out), "--home", str(home)])
        assert result.exit_code == 0, result.stderr
    return directory, zipped


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory bundle of :func:`build_archive`, exported once per test module."""
    from archiver.export.bundle import export_bundle
    from archiver.export.selection import Selection

    work = tmp_path_factory.mktemp("exported")
    built = build_archive(work / "archive")
    with Archive(built.home) as archive:
        export_bundle(archive, Selection(everything=True), work / "bundle")
    return work / "bundle"


@pytest.fixture
def bundle(exported: Path, tmp_path: Path) -> Path:
    """A fresh copy of :func:`exported` to alter."""
    return Path(shutil.copytree(exported, tmp_path / "bundle"))


def rebag(path: Path) -> None:
    """Regenerate every manifest, as a forger who altered a file would."""
    bagit.Bag(str(path)).save(manifests=True)


def verify_cli(path: Path, *, own_process: bool = False) -> subprocess.CompletedProcess[str]:
    """``archiver verify PATH`` as a user runs it: through the CLI, in this process, or in
    its own where a hang is the risk (FIFOs, devices, bombs, deep nesting). The timeout is
    only a guard against a hang, never a measure."""
    command = [sys.executable, "-m", "archiver", "verify", str(path)]
    if own_process:
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    from typer.testing import CliRunner

    from archiver.cli import app

    result = CliRunner().invoke(app, ["verify", str(path)])
    return subprocess.CompletedProcess(command, result.exit_code, result.stdout, result.stderr)


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused bundle gets (exit 2, nothing on stdout)."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]
