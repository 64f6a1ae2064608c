"""Each record stored once, and the indexes keyset pages and counts read (``user_version`` 2).

A post whose merged record equals one of its captures' records now names that capture
instead of holding a second copy. Indexes on one column give way to wider ones that hold
what is read: ``list`` and ``export`` read pages in order from an index instead of sorting
every row, and ``status`` counts from indexes alone.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from archiver.store.schema import create_missing_indexes

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    connection.exec_driver_sql("ALTER TABLE posts ADD COLUMN record_capture_id INTEGER")
    connection.exec_driver_sql(
        "UPDATE posts SET record_capture_id = (SELECT MIN(c.id) FROM captures c "
        "WHERE c.post_key = posts.key AND c.record_json = posts.record_json) "
        "WHERE record_json IS NOT NULL"
    )
    connection.exec_driver_sql(
        "UPDATE posts SET record_json = NULL WHERE record_capture_id IS NOT NULL"
    )
    for replaced in (
        "ix_posts_platform",
        "ix_posts_created_at",
        "ix_posts_status",
        "ix_checks_post_id",
    ):
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {replaced}")
    create_missing_indexes(connection)
