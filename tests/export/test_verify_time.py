"""Bundles carry their timestamps, and ``verify`` checks them: every case the reader of a
disputed bundle must be able to tell apart, with tokens from a real TSA on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bagit
import pytest

from archiver.config import Settings, load_settings
from archiver.evidence.stamping import stamp_captures
from archiver.evidence.tsa import Trust
from archiver.export.bundle import export_bundle
from archiver.export.selection import Selection
from archiver.export.timestamps import TagStamper
from archiver.export.verify import VerifyReport, verify_bundle
from archiver.record import content_hash_of_dict
from archiver.store import Archive
from tests.evidence.stamped import openssl_verify
from tests.evidence.tsa_server import LocalTsa, Pki, make_pki, running_tsa, sign_response
from tests.evidence.tsa_server import write_config as stamping_config
from tests.export.conftest import Built, build_archive

EVERYTHING = Selection(everything=True)
EMBED_KEY = "twitter:1000000000000000001"


@dataclass(frozen=True)
class Stamped:
    built: Built
    settings: Settings
    pki: Pki
    bundle: Path

    @property
    def trust(self) -> Trust:
        return Trust.of([self.pki.root])


@pytest.fixture(scope="module")
def tsa() -> Iterator[LocalTsa]:
    with running_tsa() as running:
        yield running


@pytest.fixture(scope="module")
def stamped_home(tmp_path_factory: pytest.TempPathFactory, tsa: LocalTsa) -> tuple[Built, Settings]:
    work = tmp_path_factory.mktemp("stamped")
    built = build_archive(work / "archive")
    settings = load_settings(stamping_config(work, tsa.url, pki=tsa.pki))
    with Archive(built.home) as archive:
        assert stamp_captures(archive, settings).stamped
    return built, settings


def export(built: Built, settings: Settings | None, out: Path) -> Path:
    seal = TagStamper(settings) if settings is not None else None
    with Archive(built.home) as archive:
        report = export_bundle(archive, EVERYTHING, out, seal=seal)
    assert report.timestamped_captures == (len(built.keys) if settings else 0)
    assert [entry.get("error") for entry in report.bundle_timestamps] == ([None] if seal else [])
    return out


@pytest.fixture
def stamped(stamped_home: tuple[Built, Settings], tsa: LocalTsa, tmp_path: Path) -> Stamped:
    built, settings = stamped_home
    return Stamped(built, settings, tsa.pki, export(built, settings, tmp_path / "bundle"))


def problems(report: VerifyReport) -> list[str]:
    return [str(problem) for problem in report.problems]


def rebag(bundle: Path) -> None:
    """Rewrite every manifest, as a forger who changed a file would."""
    bagit.Bag(str(bundle)).save(manifests=True)


def paths_lines(bundle: Path) -> list[dict]:  # type: ignore[type-arg]
    text = (bundle / "data" / "timestamps" / "paths.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


# -- what a bundle carries -------------------------------------------------------------------


def test_a_stamped_bundle_carries_paths_tokens_and_certificates(stamped: Stamped) -> None:
    bundle = stamped.bundle
    lines = paths_lines(bundle)
    assert sorted(line["key"] for line in lines) == sorted(stamped.built.keys)
    (root,) = {line["root"] for line in lines}
    (token,) = {relpath for line in lines for relpath in line["tokens"]}
    assert token == f"timestamps/tokens/{root}.127.0.0.1-{token.split('-')[-1]}"
    assert (bundle / "data" / token).is_file()
    assert (bundle / "data" / "timestamps" / "roots" / root).read_bytes() == bytes.fromhex(root)
    assert "BEGIN CERTIFICATE" in (bundle / "data/timestamps/certificates.pem").read_text()
    (seal,) = (bundle / "timestamps").glob("tagmanifest-sha256.txt.*.tsr")
    assert (bundle / "timestamps" / "certificates.pem").is_file()
    bagit.Bag(str(bundle)).validate()  # the tokens beside the tag manifests are allowed
    assert "timestamps/" not in (bundle / "tagmanifest-sha256.txt").read_text()
    assert seal.name.startswith("tagmanifest-sha256.txt.127.0.0.1-")


def test_verify_says_when_each_capture_existed(stamped: Stamped, tsa: LocalTsa) -> None:
    report = verify_bundle(stamped.bundle, stamped.trust)
    assert report.ok, problems(report)
    time = report.time
    assert time is not None
    assert sorted(time.captures) == sorted(stamped.built.keys)
    (embed,) = time.captures[EMBED_KEY]
    proof = embed.earliest
    assert proof is not None
    assert (proof.tsa, proof.trusted_by) == ("Test TSA", "archiver's certificates")
    assert embed.captured_at == "2026-01-07T10:00:00Z"
    assert [p.tsa for p in time.bundle] == ["Test TSA"]
    assert time.notes == [] and time.unstamped == []
    assert report.to_json()["timestamps"]["captures"][0]["existed_by"]


def test_a_zip_bundle_carries_and_verifies_the_same(stamped: Stamped, tmp_path: Path) -> None:
    built, settings = stamped.built, stamped.settings
    zipped = export(built, settings, tmp_path / "bundle.zip")
    with zipfile.ZipFile(zipped) as archive:
        names = archive.namelist()
    assert any(n.startswith("bundle/timestamps/tagmanifest-sha256.txt.") for n in names)
    assert "bundle/data/timestamps/paths.jsonl" in names
    report = verify_bundle(zipped, stamped.trust)
    assert report.ok, problems(report)
    assert report.time is not None and len(report.time.bundle) == 1


# -- what fails ------------------------------------------------------------------------------


def test_changed_raw_bytes_name_their_capture(stamped: Stamped) -> None:
    raw = hashlib.sha256(b"<html>article one</html>").hexdigest()
    (stamped.bundle / "data" / "captures" / "raw" / raw).write_bytes(b"<html>article 1</html>")
    found = problems(verify_bundle(stamped.bundle, stamped.trust))
    assert any(
        f"({EMBED_KEY}, capture" in p and "raw bytes" in p and "changed since" in p for p in found
    ), found


def test_a_rebuilt_record_cannot_keep_its_date(stamped: Stamped) -> None:
    """A forger edits a capture's text, recomputes its content hash and every manifest:
    the bag checks pass, the timestamps do not."""
    catalog = stamped.bundle / "data" / "captures" / "captures.jsonl"
    entries = [json.loads(line) for line in catalog.read_text(encoding="utf-8").splitlines()]
    for entry in entries:
        for capture in entry["captures"]:
            if entry["key"] == EMBED_KEY:
                capture["record"]["text"] = "Flood barrier failed on the river Esk"
                capture["record"]["content_hash"] = content_hash_of_dict(capture["record"])
                capture["content_hash"] = capture["record"]["content_hash"]
    catalog.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    rebag(stamped.bundle)
    found = problems(verify_bundle(stamped.bundle, stamped.trust))
    assert any(EMBED_KEY in p and "is not the one timestamped" in p for p in found), found
    assert any("timestamp over tagmanifest-sha256.txt does not hold" in p for p in found), found


def test_a_changed_path_does_not_reach_the_root(stamped: Stamped) -> None:
    lines = paths_lines(stamped.bundle)
    lines[0]["path"][0] = "00" * 32
    target = stamped.bundle / "data" / "timestamps" / "paths.jsonl"
    target.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    found = problems(verify_bundle(stamped.bundle, stamped.trust))
    assert any("does not lead to the timestamped root" in p for p in found), found


def test_a_tampered_token_fails(stamped: Stamped) -> None:
    (seal,) = (stamped.bundle / "timestamps").glob("*.tsr")
    reply = bytearray(seal.read_bytes())
    reply[reply.index(b"\x18\x0f") + 5] ^= 0x01  # a digit of the GeneralizedTime genTime
    seal.write_bytes(bytes(reply))
    found = problems(verify_bundle(stamped.bundle, stamped.trust))
    assert any(p.startswith("timestamps/tagmanifest") and "does not hold" in p for p in found)


def test_a_token_for_another_root_fails(stamped: Stamped) -> None:
    token = stamped.bundle / "data" / paths_lines(stamped.bundle)[0]["tokens"][0]
    other_root = hashlib.sha256(b"another tree").digest()
    token.write_bytes(sign_response(stamped.pki, hashlib.sha256(other_root).digest()))
    found = problems(verify_bundle(stamped.bundle, stamped.trust))
    assert any("it stamps another message" in p for p in found), found


def test_a_token_from_an_expired_certificate_fails(stamped: Stamped, tmp_path: Path) -> None:
    past = datetime.now(UTC) - timedelta(days=400)
    expired = make_pki("Expired", tsa_valid=(past - timedelta(days=365), past))
    (seal,) = (stamped.bundle / "timestamps").glob("*.tsr")
    manifest = (stamped.bundle / "tagmanifest-sha256.txt").read_bytes()
    seal.write_bytes(sign_response(expired, hashlib.sha256(manifest).digest()))
    trust = Trust.of([stamped.pki.root, expired.root])
    found = problems(verify_bundle(stamped.bundle, trust))
    assert any("had expired at the token's time" in p for p in found), found


def test_an_untrusted_authority_fails_without_its_certificates(stamped: Stamped) -> None:
    for shipped in stamped.bundle.rglob("certificates.pem"):
        shipped.write_text("", encoding="utf-8")
    rebag(stamped.bundle)
    report = verify_bundle(stamped.bundle, Trust.of([make_pki("Stranger").root]))
    found = problems(report)
    assert any("does not chain to a trusted authority" in p for p in found), found


def test_certificates_only_the_bundle_ships_verify_with_a_note(stamped: Stamped) -> None:
    report = verify_bundle(stamped.bundle, Trust.of([make_pki("Stranger").root]))
    assert report.ok, problems(report)
    assert report.time is not None
    (embed,) = report.time.captures[EMBED_KEY]
    assert embed.proofs[0].trusted_by == "the bundle's own certificate"
    assert any("Test Root CA" in note and "SHA-256" in note for note in report.time.notes)


def test_a_bundle_without_timestamps_verifies_with_a_note(
    stamped_home: tuple[Built, Settings], tmp_path: Path
) -> None:
    built = build_archive(tmp_path / "plain")
    report = verify_bundle(export(built, None, tmp_path / "plain-bundle"))
    assert report.ok, problems(report)
    assert report.time is not None and report.time.captures == {}
    assert report.time.notes[0].startswith("no timestamps: this bundle proves")
    assert not (tmp_path / "plain-bundle" / "data" / "timestamps").exists()


# -- checked without archiver ----------------------------------------------------------------


def test_openssl_accepts_the_bundles_tokens_as_the_docs_say(stamped: Stamped) -> None:
    """The two commands of docs/evidence.md, run in the bundle's folder."""
    (seal,) = (stamped.bundle / "timestamps").glob("tagmanifest-sha256.txt.*.tsr")
    said = openssl_verify(
        stamped.bundle,
        "tagmanifest-sha256.txt",
        f"timestamps/{seal.name}",
        "timestamps/certificates.pem",
    )
    assert "Verification: OK" in said, said
    line = paths_lines(stamped.bundle)[0]
    said = openssl_verify(
        stamped.bundle,
        f"data/timestamps/roots/{line['root']}",
        f"data/{line['tokens'][0]}",
        "data/timestamps/certificates.pem",
    )
    assert "Verification: OK" in said, said
    (stamped.bundle / "tagmanifest-sha256.txt").write_text("changed\n", encoding="utf-8")
    said = openssl_verify(
        stamped.bundle,
        "tagmanifest-sha256.txt",
        f"timestamps/{seal.name}",
        "timestamps/certificates.pem",
    )
    assert "Verification: FAILED" in said, said


def test_a_token_file_is_read_within_bounds(stamped: Stamped) -> None:
    (seal,) = (stamped.bundle / "timestamps").glob("*.tsr")
    seal.write_bytes(b"\x30" * (2 << 20))
    found = problems(verify_bundle(stamped.bundle, stamped.trust))
    assert any("larger than any token" in p for p in found), found
    (stamped.bundle / "tagmanifest-sha256.txt").unlink()
    found = problems(verify_bundle(stamped.bundle, stamped.trust))
    assert any("tagmanifest-sha256.txt, which is missing" in p for p in found), found
