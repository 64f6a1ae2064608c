"""The first schema: the tables as first released (an archive of ``user_version`` 0 or 1).

Nothing to do: it marks where every archive made before revisions were kept begins.

Revision ID: 0001
"""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass
