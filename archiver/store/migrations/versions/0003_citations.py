"""Which posts each article cites (:mod:`archiver.store.citations`; ``user_version`` 3).

Earlier archives never linked a post to the article it came from, so there is nothing
to carry over: the revision makes the table and its indexes. It is a revision, not left
to ``create_all``, so the archive records it and an archiver that does not know
citations refuses the archive instead of writing articles without their links.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from archiver.store.citations import CITATIONS

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    CITATIONS.create(op.get_bind(), checkfirst=True)
