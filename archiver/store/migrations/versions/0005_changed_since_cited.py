"""Posts flagged when a later capture differs from the first in what a citation quotes
(``user_version`` 5).

The flag is worked out for the posts already stored, from their captures, so an archive
made before the flag existed shows its changed posts too.

Revision ID: 0005
Revises: 0004
"""

from alembic import op
from sqlalchemy import Column, Integer, String, text

from archiver.changes import citation_differences
from archiver.record import Post
from archiver.store.schema import create_missing_indexes

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    # Column types, not SQL text: each engine's own, as a new archive's (on PostgreSQL a
    # text column compares by code point, ``COLLATE "C"``, see archiver.store.dialect).
    op.add_column("posts", Column("differs_fields", String(), nullable=True))
    op.add_column("posts", Column("differs_capture_id", Integer(), nullable=True))
    captures = connection.exec_driver_sql(
        "SELECT post_key, id, record_json FROM captures WHERE record_json IS NOT NULL "
        "AND post_key IN (SELECT key FROM posts WHERE capture_count > 1) "
        "ORDER BY post_key, captured_at, id"
    )
    flagged: dict[str, dict[str, object]] = {}
    first: dict[str, Post] = {}  # holds one post's first capture at a time
    for key, capture_id, record in captures:
        post = Post.model_validate_json(record)
        if key not in first:
            first = {key: post}
        elif differs := citation_differences(first[key], post):
            flagged[key] = {"key": key, "fields": " ".join(differs), "id": capture_id}
    if flagged:
        connection.execute(
            text(
                "UPDATE posts SET differs_fields = :fields, differs_capture_id = :id "
                "WHERE key = :key"
            ),
            list(flagged.values()),
        )
    create_missing_indexes(connection)
