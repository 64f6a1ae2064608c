"""Reading saved documents: HTML articles, single-post pages and plain text -> records.

:mod:`~archiver.documents.sources` opens files, directories and stdin within a size cap,
:mod:`~archiver.documents.tree` finds the embed markup, and
:mod:`~archiver.documents.extract` turns each into records through the platforms.
"""

from archiver.documents.extract import (
    DocumentError,
    DocumentResult,
    SourceFailure,
    decode_document,
    extract_bytes,
    iter_documents,
    recorded_source,
    sniff_kind,
)

__all__ = [
    "DocumentError",
    "DocumentResult",
    "SourceFailure",
    "decode_document",
    "extract_bytes",
    "iter_documents",
    "recorded_source",
    "sniff_kind",
]
