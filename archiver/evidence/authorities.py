"""Which time-stamping authorities to ask, and which certificates to trust their tokens by.

archiver ships the certificate chain of each authority in its default list
(``archiver/evidence/certs/``), so a token from one of them can be checked with no set-up.
An authority the user adds needs its chain too: ``[timestamps] certificates`` lists PEM
files whose certificates are trusted beside the shipped ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509

from archiver.config import TimestampSettings
from archiver.evidence.tsa import TimestampError, Trust, load_certificates

#: The shipped chain of each default authority, by URL.
SHIPPED_CHAINS: dict[str, str] = {
    "https://freetsa.org/tsr": "freetsa.pem",
    "http://timestamp.digicert.com": "digicert.pem",
}


@dataclass(frozen=True)
class Authority:
    name: str
    url: str


def authority_name(url: str) -> str:
    """An authority's short name: its URL's host (and port, when one is given)."""
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2] or url


def configured_authorities(settings: TimestampSettings) -> list[Authority]:
    return [Authority(authority_name(url), url) for url in dict.fromkeys(settings.authorities)]


def shipped_certificates() -> list[x509.Certificate]:
    found: list[x509.Certificate] = []
    folder = files("archiver.evidence") / "certs"
    for name in sorted(set(SHIPPED_CHAINS.values())):
        found += load_certificates((folder / name).read_bytes(), f"archiver's {name}")
    return found


def configured_trust(settings: TimestampSettings) -> Trust:
    """The shipped chains plus every certificate in ``[timestamps] certificates``."""
    certificates = shipped_certificates()
    for name in settings.certificates:
        path = Path(name).expanduser()
        try:
            pem = path.read_bytes()
        except OSError as exc:
            raise TimestampError(
                f"cannot read {path} named in [timestamps] certificates: {exc.strerror}"
            ) from exc
        certificates += load_certificates(pem, str(path))
    return Trust.of(certificates)
