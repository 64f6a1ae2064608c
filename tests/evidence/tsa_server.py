"""A real time-stamping authority on 127.0.0.1, for tests.

It imitates a public RFC 3161 TSA (FreeTSA, DigiCert): it answers ``POST`` with
``Content-Type: application/timestamp-query`` by a ``TimeStampResp`` whose token is a CMS
SignedData over a TSTInfo, signed by a TSA certificate (critical extended key usage
``timeStamping``) under a throwaway root CA. The CA and the keys are made here with
``cryptography``; the ASN.1 is built with ``asn1crypto``; nothing is read from disk.
Its tokens carry the ESS signing-certificate-v2 attribute, so ``openssl ts -verify``
accepts them as it accepts a real TSA's.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_POLICY = "1.3.6.1.4.1.99999.1.1"  # an OID under a private arc: a test policy


@dataclass(frozen=True)
class Pki:
    """A root CA and a TSA certificate it issued, with their keys."""

    root_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate
    tsa_key: ec.EllipticCurvePrivateKey
    tsa: x509.Certificate

    def chain_pem(self) -> bytes:
        """TSA certificate then root, PEM: what a TSA publishes for its users."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (self.tsa, self.root))

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Test Time Authority"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(**granted: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment")
    names += ("key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{name: granted.get(name, False) for name in names})


def make_pki(
    label: str = "Test",
    *,
    tsa_valid: tuple[datetime, datetime] | None = None,
    time_stamping_eku: bool = True,
) -> Pki:
    """A fresh root and TSA certificate. ``tsa_valid`` sets the TSA certificate's validity
    (an expired one: both ends in the past)."""
    now = datetime.now(UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"{label} Root CA")
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=3650))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    start, end = tsa_valid or (now - timedelta(days=365), now + timedelta(days=365))
    purposes = [
        ExtendedKeyUsageOID.TIME_STAMPING if time_stamping_eku else ExtendedKeyUsageOID.CODE_SIGNING
    ]
    tsa = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{label} TSA"))
        .issuer_name(root_name)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(purposes), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    return Pki(root_key, root, tsa_key, tsa)


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def sign_response(
    pki: Pki,
    imprint: bytes,
    *,
    algorithm: str = "sha256",
    nonce: int | None = None,
    gen_time: datetime | None = None,
    serial: int = 1,
) -> bytes:
    """A granted ``TimeStampResp`` (DER) over ``imprint``, signed by ``pki``'s TSA."""
    when = (gen_time or datetime.now(UTC)).replace(microsecond=0)
    info: dict[str, Any] = {
        "version": "v1",
        "policy": _POLICY,
        "message_imprint": {
            "hash_algorithm": {"algorithm": algorithm},
            "hashed_message": imprint,
        },
        "serial_number": serial,
        "gen_time": when,
        "accuracy": {"seconds": 1},
    }
    if nonce is not None:
        info["nonce"] = nonce
    tst_info = tsp.TSTInfo(info)
    content = tst_info.dump()
    tsa_cert = asn1_x509.Certificate.load(_der(pki.tsa))
    ess = tsp.SigningCertificateV2(
        {
            "certs": [
                {
                    "cert_hash": hashlib.sha256(_der(pki.tsa)).digest(),
                    "issuer_serial": {
                        "issuer": [asn1_x509.GeneralName({"directory_name": tsa_cert.issuer})],
                        "serial_number": tsa_cert.serial_number,
                    },
                }
            ]
        }
    )
    signed_attrs = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
            cms.CMSAttribute(
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]}
            ),
            cms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]}),
        ]
    )
    signature = pki.tsa_key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": {
                        "issuer": tsa_cert.issuer,
                        "serial_number": tsa_cert.serial_number,
                    }
                }
            ),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": signed_attrs,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": core.ParsableOctetString(content),
            },
            "certificates": [tsa_cert],
            "signer_infos": [signer],
        }
    )
    response = tsp.TimeStampResp(
        {
            "status": {"status": "granted"},
            "time_stamp_token": {"content_type": "signed_data", "content": signed_data},
        }
    )
    return response.dump()


@dataclass
class LocalTsa:
    """What the test TSA answers and what it was asked. ``answer`` may be replaced:
    a function from the request (DER) to (HTTP status, body)."""

    pki: Pki
    url: str = ""
    requests: list[bytes] = field(default_factory=list)
    gen_time: datetime | None = None
    imprint_override: bytes | None = None
    status: int = 200
    #: Seconds to wait before answering (a slow authority).
    delay: float = 0.0

    def answer(self, body: bytes) -> tuple[int, bytes]:
        request = tsp.TimeStampReq.load(body)
        imprint = request["message_imprint"]
        nonce = request["nonce"].native
        if self.status != 200:
            return self.status, b"unavailable"
        return 200, sign_response(
            self.pki,
            self.imprint_override or imprint["hashed_message"].native,
            algorithm=imprint["hash_algorithm"]["algorithm"].native,
            nonce=nonce,
            gen_time=self.gen_time,
            serial=len(self.requests),
        )


@contextmanager
def running_tsa(pki: Pki | None = None) -> Iterator[LocalTsa]:
    """A TSA listening on 127.0.0.1 (a free port) until the block ends."""
    tsa = LocalTsa(pki or make_pki())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            tsa.requests.append(body)
            if tsa.delay:
                time.sleep(tsa.delay)
            status, reply = tsa.answer(body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a test of a slow authority)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tsa.url = f"http://127.0.0.1:{server.server_address[1]}/tsr"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tsa
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def closed_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (an authority that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsr"


def timestamps_table(folder: Path, *urls: str, pki: Pki | None = None, **more: Any) -> str:
    """A ``[timestamps]`` table naming ``urls`` and trusting ``pki``'s root (written to
    ``folder``); more keys as keyword arguments."""
    lines = ["[timestamps]", f"authorities = {json.dumps(list(urls))}"]
    if pki is not None:
        ca = folder / "tsa-root.pem"
        ca.write_bytes(pki.root_pem())
        lines.append(f"certificates = {json.dumps([str(ca)])}")
    lines += [f"{key} = {json.dumps(value)}" for key, value in more.items()]
    return "\n".join(lines) + "\n"


def write_config(folder: Path, *urls: str, pki: Pki | None = None, **more: Any) -> Path:
    """A user config with :func:`timestamps_table` and fast retries."""
    fast = "[http]\nbackoff_initial_seconds = 0.01\nbackoff_max_seconds = 0.05\n\n"
    path = folder / "stamping.toml"
    path.write_text(fast + timestamps_table(folder, *urls, pki=pki, **more), encoding="utf-8")
    return path
