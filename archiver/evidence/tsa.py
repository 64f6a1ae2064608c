"""RFC 3161 time-stamp queries, replies and tokens, in the sans-I/O style.

This module builds the bytes to send and judges the bytes received; it never opens a
socket (:mod:`archiver.evidence.stamping` sends them through the one HTTP client). The
ASN.1 and the cryptography are ``rfc3161-client``'s: it builds the query, decodes the
reply, and verifies a token with OpenSSL's PKCS #7 verification, which checks the
signature over the TSTInfo, the message-digest attribute, and the certificate chain up
to a trusted self-signed root *at the token's own time* (a token stays valid after its
TSA certificate expires; one signed outside that certificate's validity never is); it
also requires the signer's critical ``timeStamping`` extended key usage and compares the
message imprint. Revocation is not checked (see ``docs/evidence.md``).

Trust comes from :class:`Trust`: self-signed *anchors* (the certificates shipped with
archiver for its default authorities, those the user configures, or a bundle's own)
and *intermediates* that help build a chain but are trusted for nothing by themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from archiver.evidence import TimestampError, TokenUntrusted

__all__ = [
    "TimestampError",
    "TokenUntrusted",
    "Trust",
    "Verified",
    "make_query",
    "read_reply",
    "verify_token",
]

QUERY_TYPE = "application/timestamp-query"
_NO_CHAIN = "its certificate does not chain to a trusted authority"
_UNTRUSTED_ROOT = "it chains to an untrusted root"
_UNTRUSTED = (_NO_CHAIN, _UNTRUSTED_ROOT)
REPLY_TYPE = "application/timestamp-reply"
_MAX_CHAIN = 8


@dataclass(frozen=True)
class Query:
    """A time-stamp query over ``message``: the DER to send and what must come back."""

    der: bytes
    nonce: int | None
    imprint: bytes


@dataclass(frozen=True)
class Token:
    """A granted reply, checked against its query; not yet against any trust."""

    reply: bytes
    gen_time: datetime
    serial: int
    signer: str


@dataclass(frozen=True)
class Trust:
    """Certificates a token may chain to (``anchors``, self-signed) or through."""

    anchors: tuple[x509.Certificate, ...] = ()
    intermediates: tuple[x509.Certificate, ...] = ()

    @classmethod
    def of(cls, certificates: Iterable[x509.Certificate]) -> Trust:
        """Self-signed certificates become anchors; the others, intermediates."""
        unique = {c.fingerprint(hashes.SHA256()): c for c in certificates}.values()
        roots = tuple(c for c in unique if _self_signed(c))
        return cls(roots, tuple(c for c in unique if not _self_signed(c)))

    def plus(self, other: Trust) -> Trust:
        return Trust.of([*self.anchors, *self.intermediates, *other.anchors, *other.intermediates])

    def only_intermediates(self) -> Trust:
        """These certificates as chain material only: none of them is trusted. A
        self-signed certificate can only ever be an anchor, so it is left out."""
        return Trust((), self.intermediates)


@dataclass(frozen=True)
class Verified:
    """A token that verified: when, by whom, and through which certificates."""

    gen_time: datetime
    serial: int
    signer: str
    chain: tuple[x509.Certificate, ...] = field(default=())

    @property
    def root(self) -> x509.Certificate | None:
        return self.chain[-1] if self.chain else None


# -- asking ---------------------------------------------------------------------------------


def make_query(message: bytes) -> Query:
    """A query for a token over SHA-256(``message``), with a nonce and the TSA's certificate
    requested, so the token carries what is needed to check its signature."""
    query = (
        TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    return Query(query.as_bytes(), query.nonce, query.message_imprint.message)


def read_reply(query: Query, body: bytes) -> Token:
    """The token in ``body`` when it answers ``query``: granted, same nonce, same imprint."""
    reply = _decode(body)
    status = _call(lambda: reply.status)
    if status != PKIStatus.GRANTED:
        said = "; ".join(_call(lambda: reply.status_string) or []) or "no reason given"
        raise TimestampError(f"the authority refused (status {status}: {said})")
    info = _call(lambda: reply.tst_info)
    if query.nonce is not None and _call(lambda: info.nonce) != query.nonce:
        raise TimestampError("the reply's nonce is not the query's (a replayed or stray reply)")
    if _call(lambda: info.message_imprint.message) != query.imprint:
        raise TimestampError("the reply stamps another message than the one sent")
    gen_time, serial = _call(lambda: info.gen_time), _call(lambda: info.serial_number)
    return Token(body, gen_time, serial, signer_name(reply))


# -- checking -------------------------------------------------------------------------------


def verify_token(reply: bytes, message: bytes, trust: Trust) -> Verified:
    """Check that ``reply`` is a valid token over ``message`` that chains to ``trust``.

    Raises :class:`TimestampError` saying which check failed.
    """
    response = _decode(reply)
    if not trust.anchors:
        raise TokenUntrusted("no trusted certificate to check it against")
    builder = VerifierBuilder()
    for anchor in trust.anchors:
        builder = builder.add_root_certificate(anchor)
    # rfc3161-client puts intermediates in the same OpenSSL store as the roots, where a
    # self-signed one would be trusted: only certificates that are not are passed.
    for intermediate in trust.intermediates:
        if not _self_signed(intermediate):
            builder = builder.add_intermediate_certificate(intermediate)
    try:
        builder.build().verify_message(response, message)
    except VerificationError as exc:
        meaning = _explain(str(exc))
        if meaning in _UNTRUSTED:
            raise TokenUntrusted(meaning) from exc
        raise TimestampError(meaning) from exc
    except (ValueError, TypeError) as exc:
        raise TimestampError(f"the token cannot be checked ({exc})") from exc
    signer = _signer_certificate(response)
    pool = [*trust.anchors, *trust.intermediates, *_embedded(response)]
    chain = chain_of(signer, pool) if signer is not None else ()
    info = _call(lambda: response.tst_info)
    gen_time, serial = _call(lambda: info.gen_time), _call(lambda: info.serial_number)
    return Verified(gen_time, serial, signer_name(response), tuple(chain))


def imprint_of(reply: bytes) -> bytes:
    """The message imprint a token carries (to tell which message it stamps)."""
    response = _decode(reply)
    return bytes(_call(lambda: response.tst_info.message_imprint.message))


def chain_of(leaf: x509.Certificate, pool: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """``leaf`` and its issuers found in ``pool``, each checked by signature, up to a
    self-signed root (or as far as the pool goes)."""
    chain = [leaf]
    while not _self_signed(chain[-1]) and len(chain) < _MAX_CHAIN:
        issuer = next((c for c in pool if _issued(chain[-1], c)), None)
        if issuer is None:
            break
        chain.append(issuer)
    return chain


def signer_name(reply: TimeStampResponse) -> str:
    """The signing certificate's common name (else its whole subject), or "unknown"."""
    certificate = _signer_certificate(reply)
    if certificate is None:
        return "unknown"
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


# -- certificates ---------------------------------------------------------------------------


def load_certificates(pem: bytes, where: str) -> list[x509.Certificate]:
    """Every certificate in a PEM text; :class:`TimestampError` naming ``where`` if none."""
    try:
        found = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise TimestampError(f"{where} holds no readable PEM certificate ({exc})") from exc
    return found


def to_pem(certificates: Iterable[x509.Certificate]) -> str:
    """PEM text of ``certificates``, roots (self-signed) first: ``openssl x509 -in FILE``
    shows the first one, which is then one a reader can compare with a published root."""
    ordered = sorted(certificates, key=lambda c: not _self_signed(c))
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in ordered)


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def iso(moment: datetime) -> str:
    """A token's time as archiver writes times: ISO 8601, UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- internals ------------------------------------------------------------------------------


def _self_signed(certificate: x509.Certificate) -> bool:
    return _issued(certificate, certificate)


def _issued(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    if certificate.issuer != issuer.subject:
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):  # TypeError: a key type it cannot check
        return False
    return True


def _embedded(reply: TimeStampResponse) -> list[x509.Certificate]:
    found = []
    for der in _call(lambda: reply.signed_data.certificates):
        try:
            found.append(x509.load_der_x509_certificate(der))
        except ValueError:
            continue
    return found


def _signer_certificate(reply: TimeStampResponse) -> x509.Certificate | None:
    signers = list(_call(lambda: reply.signed_data.signer_infos))
    if len(signers) != 1:
        return None
    wanted = (signers[0].issuer, signers[0].serial_number)
    for certificate in _embedded(reply):
        if (certificate.issuer, certificate.serial_number) == wanted:
            return certificate
    return None


def _decode(body: bytes) -> TimeStampResponse:
    if not body:
        raise TimestampError("the reply is empty")
    return _call(lambda: decode_timestamp_response(body))


def _call(read: Any) -> Any:
    """Run one read of rfc3161-client's decoded objects. Its Rust core reports some
    malformed input by a panic (``pyo3_runtime.PanicException``, a BaseException); a
    damaged token must be a :class:`TimestampError` like any other bad input."""
    try:
        return read()
    except TimestampError:
        raise
    except (ValueError, TypeError, AttributeError, VerificationError) as exc:
        raise TimestampError(f"not a readable RFC 3161 reply ({exc})") from exc
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        raise TimestampError("not a readable RFC 3161 reply (malformed ASN.1)") from None


def _explain(message: str) -> str:
    """rfc3161-client's and OpenSSL's words, as a user would want them."""
    lowered = message.lower()
    known = (
        ("mismatch between messages", "it stamps another message (its imprint does not match)"),
        ("expired", "its TSA certificate had expired at the token's time"),
        ("not yet valid", "its TSA certificate was not yet valid at the token's time"),
        ("local issuer", _NO_CHAIN),
        ("self-signed certificate in certificate chain", _UNTRUSTED_ROOT),
        ("eku", "its certificate is not for time-stamping"),
        ("unsuitable certificate purpose", "its certificate is not for time-stamping"),
        ("digest failure", "its signed content was altered (digest mismatch)"),
        ("signature failure", "its signature does not verify (the token was altered)"),
        ("pkcs7", "its signature does not verify"),
    )
    for needle, meaning in known:
        if needle in lowered:
            return meaning
    return message[:200]
