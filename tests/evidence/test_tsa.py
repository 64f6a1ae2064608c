"""RFC 3161 queries, replies and token checks, against tokens a throwaway CA signs."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import tsp
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.evidence import TimestampError, TokenUntrusted
from archiver.evidence.tsa import (
    Trust,
    chain_of,
    fingerprint,
    imprint_of,
    load_certificates,
    make_query,
    read_reply,
    to_pem,
    verify_token,
)
from tests.evidence.tsa_server import Pki, make_pki, sign_response

MESSAGE = b"\x5a" * 32


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki("Unit")


def reply_for(pki: Pki, message: bytes = MESSAGE, **options: object) -> bytes:
    return sign_response(pki, hashlib.sha256(message).digest(), **options)  # type: ignore[arg-type]


def test_a_granted_reply_to_the_query_is_read(pki: Pki) -> None:
    query = make_query(MESSAGE)
    assert query.imprint == hashlib.sha256(MESSAGE).digest()
    when = datetime(2026, 1, 7, 10, 0, 5, tzinfo=UTC)
    token = read_reply(
        query, sign_response(pki, query.imprint, nonce=query.nonce, gen_time=when, serial=7)
    )
    assert (token.gen_time, token.serial, token.signer) == (when, 7, "Unit TSA")


def test_a_reply_with_another_nonce_is_refused(pki: Pki) -> None:
    query = make_query(MESSAGE)
    with pytest.raises(TimestampError, match="nonce"):
        read_reply(query, sign_response(pki, query.imprint, nonce=(query.nonce or 0) + 1))


def test_a_reply_over_another_message_is_refused(pki: Pki) -> None:
    query = make_query(MESSAGE)
    other = hashlib.sha256(b"another root").digest()
    with pytest.raises(TimestampError, match="another message"):
        read_reply(query, sign_response(pki, other, nonce=query.nonce))


@pytest.mark.parametrize("body", [b"", b"<html>busy</html>", b"\x30\x03\x02\x01\x02"])
def test_what_is_not_a_reply_is_refused(body: bytes) -> None:
    with pytest.raises(TimestampError):
        read_reply(make_query(MESSAGE), body)


def test_a_valid_token_verifies_with_its_chain(pki: Pki) -> None:
    verified = verify_token(reply_for(pki), MESSAGE, Trust.of([pki.root]))
    assert verified.signer == "Unit TSA"
    assert [fingerprint(c) for c in verified.chain] == [fingerprint(pki.tsa), fingerprint(pki.root)]


def test_a_token_for_another_message_fails(pki: Pki) -> None:
    with pytest.raises(TimestampError, match="another message"):
        verify_token(reply_for(pki), b"\x00" * 32, Trust.of([pki.root]))


def test_a_token_from_an_unknown_authority_is_untrusted(pki: Pki) -> None:
    with pytest.raises(TokenUntrusted, match="does not chain"):
        verify_token(reply_for(pki), MESSAGE, Trust.of([make_pki("Stranger").root]))


def test_chain_material_is_never_trusted(pki: Pki) -> None:
    """Certificates given only to build a chain (a bundle's own) trust nothing, even the
    root among them, whatever else is trusted."""
    material = Trust.of([pki.tsa, pki.root]).only_intermediates()
    with pytest.raises(TokenUntrusted):
        verify_token(reply_for(pki), MESSAGE, material)
    stranger = Trust.of([make_pki("Stranger").root])
    with pytest.raises(TokenUntrusted):
        verify_token(reply_for(pki), MESSAGE, stranger.plus(material))
    smuggled = Trust(stranger.anchors, (pki.root, pki.tsa))
    with pytest.raises(TokenUntrusted):
        verify_token(reply_for(pki), MESSAGE, smuggled)


def test_a_token_signed_with_an_expired_certificate_fails() -> None:
    past = datetime.now(UTC) - timedelta(days=400)
    expired = make_pki("Expired", tsa_valid=(past - timedelta(days=365), past))
    with pytest.raises(TimestampError, match="expired"):
        verify_token(reply_for(expired), MESSAGE, Trust.of([expired.root]))


def test_a_token_stays_valid_after_its_certificate_expires() -> None:
    """RFC 3161: the certificate must be valid at the token's time, not today."""
    start = datetime.now(UTC) - timedelta(days=800)
    old = make_pki("Old", tsa_valid=(start, start + timedelta(days=365)))
    reply = reply_for(old, gen_time=start + timedelta(days=10))
    assert verify_token(reply, MESSAGE, Trust.of([old.root])).signer == "Old TSA"


def test_a_certificate_not_for_time_stamping_fails() -> None:
    signer = make_pki("Signer", time_stamping_eku=False)
    with pytest.raises(TimestampError, match="time-stamping"):
        verify_token(reply_for(signer), MESSAGE, Trust.of([signer.root]))


def test_with_no_trusted_certificate_nothing_verifies(pki: Pki) -> None:
    with pytest.raises(TokenUntrusted):
        verify_token(reply_for(pki), MESSAGE, Trust())


@pytest.fixture(scope="module")
def signed(pki: Pki) -> bytes:
    return reply_for(pki)


def signed_regions(reply: bytes) -> list[range]:
    """Where the signed TSTInfo and the signature value lie in ``reply``: what a forger
    would change. (Unsigned fields, such as SignedData's version, are not protected by
    the signature in any CMS token, and are no part of what a token proves.)"""
    signed_data = tsp.TimeStampResp.load(reply)["time_stamp_token"]["content"]
    tst_info = signed_data["encap_content_info"]["content"].contents
    signature = signed_data["signer_infos"][0]["signature"].contents
    regions = []
    for part in (tst_info, signature):
        start = reply.index(part)
        regions.append(range(start, start + len(part)))
    return regions


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_changed_byte_of_what_is_signed_never_verifies(
    pki: Pki, signed: bytes, data: st.DataObject
) -> None:
    region = data.draw(st.sampled_from(signed_regions(signed)))
    where = data.draw(st.sampled_from(region))
    reply = bytearray(signed)
    reply[where] ^= data.draw(st.integers(min_value=1, max_value=255))
    with pytest.raises(TimestampError):
        verify_token(bytes(reply), MESSAGE, Trust.of([pki.root]))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.integers(min_value=0))
def test_damaged_replies_are_timestamp_errors(
    pki: Pki, signed: bytes, junk: bytes, cut: int
) -> None:
    """Cut short (junk after the cut), a reply is refused in words, never a crash."""
    with pytest.raises(TimestampError):
        verify_token(signed[: cut % len(signed)] + junk, MESSAGE, Trust.of([pki.root]))


def test_imprint_and_chain_helpers(pki: Pki) -> None:
    assert imprint_of(reply_for(pki)) == hashlib.sha256(MESSAGE).digest()
    assert chain_of(pki.tsa, [make_pki("Other").root, pki.root]) == [pki.tsa, pki.root]
    again = load_certificates(to_pem([pki.tsa, pki.root]).encode(), "test")
    assert again == [pki.root, pki.tsa]  # roots first
    trust = Trust.of([pki.tsa, pki.root, pki.root])
    assert (trust.anchors, trust.intermediates) == ((pki.root,), (pki.tsa,))
    with pytest.raises(TimestampError, match="no readable PEM"):
        load_certificates(b"not a certificate", "notes.txt")
