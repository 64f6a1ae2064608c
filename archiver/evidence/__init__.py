"""Proof of when: RFC 3161 timestamps over Merkle trees of captures, and over bundles.

:mod:`~archiver.evidence.merkle` builds the tree and checks a capture's path to its root,
:mod:`~archiver.evidence.tsa` builds time-stamp queries and checks replies and tokens
(both sans-I/O), :mod:`~archiver.evidence.authorities` says whom to ask and which
certificates to trust, and :mod:`~archiver.evidence.stamping` asks them through the one
HTTP client and stores what they sign. ``docs/evidence.md`` says what a token proves.
"""

from archiver.errors import ArchiverError


class TimestampError(ArchiverError):
    """A reply, token or certificate that does not hold; the message says why."""


class TokenUntrusted(TimestampError):
    """A token whose certificate chain does not reach a trusted root (else sound)."""
