"""The archive's schema changes as Alembic revisions, shipped in the package.

:mod:`archiver.store.schema` runs them (never the ``alembic`` command: the archive's own
connection, lock and transaction are handed to ``env.py``). A revision is a file in
``versions/``; write it by hand, with ``down_revision`` naming the one before it, and set
:data:`archiver.store.schema.REVISIONS` (a test checks that the two agree).
"""
