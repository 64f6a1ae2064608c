"""WARC writing: file naming, record pairs, offsets that find their records, valid digests."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archiver.net.warc import HttpExchange, WarcRef, WarcWriter


def exchange(n: int, payload: bytes = b"") -> HttpExchange:
    return HttpExchange(
        url=f"https://api.example.org/post/{n}?lang=en",
        request_target=f"/post/{n}?lang=en",
        request_headers=[("Host", "api.example.org"), ("User-Agent", "archiver-test")],
        status=200,
        reason="OK",
        response_headers=[
            ("Content-Type", "application/json"),
            ("Transfer-Encoding", "chunked"),
        ],
        payload=payload or f'{{"id": {n}}}'.encode(),
    )


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    warcio = Path(sys.executable).parent / "warcio"
    return subprocess.run([str(warcio), "check", "-v", str(path)], capture_output=True, text=True)


def record_at(home: Path, ref: WarcRef) -> tuple[str, str, str, bytes, str]:
    with (home / ref.file).open("rb") as handle:
        handle.seek(ref.offset)
        record = next(iter(ArchiveIterator(handle)))
        return (
            record.rec_type,
            record.rec_headers.get_header("WARC-Record-ID"),
            record.rec_headers.get_header("WARC-Target-URI"),
            record.content_stream().read(),
            record.rec_headers.get_header("WARC-Payload-Digest"),
        )


def test_file_is_named_per_run_and_created_on_first_write(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path)
    assert re.fullmatch(r"warc/archiver-\d{8}-[0-9a-f]{8}\.warc\.gz", writer.relative_path)
    assert not writer.path.exists()
    ref = writer.write_exchange(exchange(1))
    writer.close()
    assert ref.file == writer.relative_path
    assert writer.path.exists()
    assert WarcWriter(tmp_path).relative_path != writer.relative_path


def test_a_shared_warc_folder_holds_the_file_under_the_same_recorded_name(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "team-warc"
    with WarcWriter(tmp_path / "home", folder=shared) as writer:
        ref = writer.write_exchange(exchange(1))
    name = ref.file.removeprefix("warc/")
    assert ref.file == writer.relative_path and ref.file.startswith("warc/")
    assert (shared / name).is_file() and writer.path == shared / name
    assert not (tmp_path / "home" / "warc").exists()


def test_records_are_a_warcinfo_then_response_request_pairs(tmp_path: Path) -> None:
    with WarcWriter(tmp_path) as writer:
        first = writer.write_exchange(exchange(1))
        second = writer.write_exchange(exchange(2))
    with writer.path.open("rb") as handle:
        records = list(ArchiveIterator(handle))
        kinds = [r.rec_type for r in records]
    assert kinds == ["warcinfo", "response", "request", "response", "request"]
    with writer.path.open("rb") as handle:
        it = ArchiveIterator(handle)
        for record in it:
            headers = record.rec_headers
            if record.rec_type == "request":
                assert headers.get_header("WARC-Concurrent-To") in (
                    first.record_id,
                    second.record_id,
                )
                assert record.http_headers.protocol == "GET"
            if record.rec_type == "response":
                assert record.http_headers.get_header("Transfer-Encoding") is None
                assert record.http_headers.get_header("Content-Type") == "application/json"
            assert headers.get_header("WARC-Date").endswith("Z")
    assert first.offset < second.offset
    assert first.record_id != second.record_id


def test_ref_finds_its_response_and_the_digest_is_the_payloads(tmp_path: Path) -> None:
    payload = b'{"text": "caf\xc3\xa9"}'
    with WarcWriter(tmp_path) as writer:
        writer.write_exchange(exchange(1))
        ref = writer.write_exchange(exchange(7, payload))
    kind, record_id, uri, body, digest = record_at(tmp_path, ref)
    assert (kind, record_id, uri, body) == (
        "response",
        ref.record_id,
        "https://api.example.org/post/7?lang=en",
        payload,
    )
    expected = "sha1:" + base64.b32encode(hashlib.sha1(payload).digest()).decode()
    assert digest == expected
    check = warcio_check(writer.path)
    assert check.returncode == 0, check.stdout
    assert check.stdout.count("digest pass") == 5


def test_concurrent_writers_from_threads_keep_the_file_valid(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path)
    with ThreadPoolExecutor(max_workers=8) as pool:
        refs = list(pool.map(lambda n: writer.write_exchange(exchange(n, b"x" * n)), range(1, 201)))
    writer.close()
    assert len({ref.offset for ref in refs}) == 200
    for n in (1, 57, 199):
        kind, record_id, uri, body, _ = record_at(tmp_path, refs[n - 1])
        assert kind == "response" and record_id == refs[n - 1].record_id
        assert uri == f"https://api.example.org/post/{n}?lang=en" and body == b"x" * n
    check = warcio_check(writer.path)
    assert check.returncode == 0, check.stdout
    assert check.stdout.count("digest pass") == 401
