"""Alembic's entry point: migrate the connection :mod:`archiver.store.schema` hands over.

The archive's schema changes are Alembic revisions in ``versions/``, shipped in the
package as data (this folder is no Python package: only Alembic runs its files).
:mod:`archiver.store.schema` runs them, never the ``alembic`` command: the archive's own
connection, already inside the transaction (and lock) that makes an upgrade all or
nothing, is handed over here, so Alembic opens none of its own. A revision is a file in
``versions/``; write it by hand, with ``down_revision`` naming the one before it, and add
it to :data:`archiver.store.schema.REVISIONS` (a test checks that the two agree).
"""

from alembic import context

context.configure(
    connection=context.config.attributes["connection"],
    # SQLite alters a table by copying it; Alembic's batch mode writes that copy.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
