"""archiver: faithful, verifiable copies of the social-media posts you cite.

The library can be used without the command line: :mod:`archiver.documents` finds
posts in saved articles, :mod:`archiver.net.fetch` fetches them by URL,
:mod:`archiver.store` keeps them, :mod:`archiver.ingest` ties those together.
"""

__version__ = "0.1.0"
