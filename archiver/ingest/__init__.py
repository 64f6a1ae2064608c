"""From sources to stored records: saved documents and post URLs, in batches, with outcomes.

Post URLs, fetched live, are stored by :mod:`archiver.ingest.urls` with the same
:class:`Summary` and :class:`ItemReport`; it is not imported here, so reading saved
documents never loads the network half.
"""

from archiver.ingest.batch import ItemReport, ItemStatus, Progress, Summary
from archiver.ingest.documents import add_documents, document_observations, extract_documents
from archiver.ingest.sources import SplitSources, is_url, read_url_file, split_sources

__all__ = [
    "ItemReport",
    "ItemStatus",
    "Progress",
    "SplitSources",
    "Summary",
    "add_documents",
    "document_observations",
    "extract_documents",
    "is_url",
    "read_url_file",
    "split_sources",
]
