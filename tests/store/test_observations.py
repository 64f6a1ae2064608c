"""What a capture hands the store (``store/observations.py``), built without an archive."""

from __future__ import annotations

from archiver.record import sha256_hex
from archiver.store import Evidence, Observation
from tests.conftest import make_post


def test_an_observation_of_a_post_carries_its_identity_and_capture() -> None:
    post = make_post("7", source="feature.html", raw=b"<p>page</p>")
    seen = Observation.of_post(post, [Evidence(url="feature.html", body=b"<p>page</p>")], live=True)
    assert (seen.key, seen.platform, seen.post_id, seen.url) == (
        post.key,
        "twitter",
        "7",
        post.url,
    )
    assert (seen.method, seen.source, seen.live, seen.status) == (
        "embed-html",
        "feature.html",
        True,
        "archived",
    )
    assert seen.raw_sha256 == sha256_hex(b"<p>page</p>")


def test_a_withheld_post_is_named_by_the_last_answer_it_gave() -> None:
    answers = [Evidence(url="https://x.test/a", body=b"redirect"), Evidence(url="b", body=b"gone")]
    gone = Observation(
        key="twitter:9",
        platform="twitter",
        post_id="9",
        url="https://x.com/a/status/9",
        method="api",
        source="https://x.test/a",
        captured_at="2026-01-05T10:00:00Z",
        evidence=answers,
        status="deleted",
    )
    assert gone.raw_sha256 == sha256_hex(b"gone")
    assert Observation(**{**gone.__dict__, "evidence": []}).raw_sha256 == sha256_hex(b"")


def test_evidence_describes_itself_under_the_hash_it_was_stored_as() -> None:
    fetched = Evidence(
        url="https://api.test/1",
        body=b"{}",
        http_status=200,
        content_type="application/json",
        purpose="status",
        warc_file="run.warc.gz",
        warc_offset=512,
        warc_record_id="<urn:uuid:1>",
    )
    assert fetched.describe("ab" * 32) == {
        "url": "https://api.test/1",
        "http_status": 200,
        "sha256": "ab" * 32,
        "content_type": "application/json",
        "purpose": "status",
        "warc_file": "run.warc.gz",
        "warc_offset": 512,
        "warc_record_id": "<urn:uuid:1>",
    }
