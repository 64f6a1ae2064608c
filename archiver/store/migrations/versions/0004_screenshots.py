"""The screenshots tables (``--screenshot``; ``user_version`` 4): the screenshots, and their
places in timestamp trees, with their indexes.

``create_all`` would add the tables by themselves; the revision makes the archive record
that it has them, so an older archive on a read-only mount is told to be upgraded rather
than found to lack a table.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from archiver.store.screenshots import SCREENSHOT_PATHS, SCREENSHOTS

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    SCREENSHOTS.create(op.get_bind(), checkfirst=True)
    SCREENSHOT_PATHS.create(op.get_bind(), checkfirst=True)
