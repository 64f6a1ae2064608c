"""The default authorities' shipped chains, and the certificates a user adds."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from archiver.config import TimestampSettings, load_settings
from archiver.evidence import TimestampError
from archiver.evidence.authorities import (
    SHIPPED_CHAINS,
    authority_name,
    configured_authorities,
    configured_trust,
    shipped_certificates,
)
from archiver.evidence.tsa import chain_of, fingerprint
from tests.evidence.tsa_server import make_pki

FREETSA_ROOT = "a6379e7cecc05faa3cbf076013d745e327bbbaa38c0b9af22469d4701d18aabc"
DIGICERT_G4 = "552f7bdcf1a7af9e6ce672017f4f12abf77240c78e761ac203d1d9d20ac89988"


def test_every_default_authority_has_a_shipped_chain() -> None:
    """Read from the real defaults (the tests' own copy names no authority)."""
    with (Path(__file__).parents[2] / "config" / "default.toml").open("rb") as handle:
        defaults = tomllib.load(handle)
    assert defaults["timestamps"]["authorities"]
    assert set(defaults["timestamps"]["authorities"]) == set(SHIPPED_CHAINS)


def test_shipped_chains_are_the_published_roots() -> None:
    found = {fingerprint(c): c for c in shipped_certificates()}
    assert {FREETSA_ROOT, DIGICERT_G4} <= set(found)
    freetsa_tsa = next(c for c in found.values() if "mailbox.org" in c.subject.rfc4514_string())
    assert [fingerprint(c) for c in chain_of(freetsa_tsa, list(found.values()))][-1] == FREETSA_ROOT


def test_configured_certificates_join_the_shipped_ones(tmp_path: Path) -> None:
    pki = make_pki("Local")
    pem = tmp_path / "local.pem"
    pem.write_bytes(pki.chain_pem())
    trust = configured_trust(TimestampSettings(certificates=[str(pem)]))
    anchors = {fingerprint(c) for c in trust.anchors}
    assert {fingerprint(pki.root), FREETSA_ROOT, DIGICERT_G4} <= anchors
    assert fingerprint(pki.tsa) in {fingerprint(c) for c in trust.intermediates}


@pytest.mark.parametrize("content", [None, b"not a certificate"])
def test_a_bad_certificate_file_is_named(tmp_path: Path, content: bytes | None) -> None:
    pem = tmp_path / "chain.pem"
    if content is not None:
        pem.write_bytes(content)
    with pytest.raises(TimestampError, match=r"chain\.pem"):
        configured_trust(TimestampSettings(certificates=[str(pem)]))


def test_authorities_are_named_by_host_and_listed_once(tmp_path: Path) -> None:
    assert authority_name("https://freetsa.org/tsr") == "freetsa.org"
    assert authority_name("http://user:secret@127.0.0.1:8080/tsr") == "127.0.0.1:8080"
    config = tmp_path / "c.toml"
    config.write_text(
        '[timestamps]\nauthorities = ["http://a.example/tsr", "http://a.example/tsr"]\n',
        encoding="utf-8",
    )
    listed = configured_authorities(load_settings(config).timestamps)
    assert [a.name for a in listed] == ["a.example"]
