"""Alembic's entry point: migrate the connection :mod:`archiver.store.schema` hands over.

That connection is already inside the transaction (and lock) that makes an upgrade all
or nothing, so Alembic opens none of its own.
"""

from alembic import context

context.configure(
    connection=context.config.attributes["connection"],
    # SQLite alters a table by copying it; Alembic's batch mode writes that copy.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
