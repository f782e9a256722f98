"""visitor_product: a link row's Deleted flag is believed (contract §3)

A detail is on sale while at least one VisitorProduct link row for the site's visitor is live; the merchant
taking a product off the site's "sent products" list comes back as its link row with ``Deleted=true``. Until now
every link flag was kept aside in ``flagged_deleted`` as noise, so such products stayed on sale. The sync now
writes the flag into ``deleted_at`` like any other logical delete; this migration does the same for the link rows
already stored (the catalogue triggers then take those products off the listing) and drops the column.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE visitor_product SET deleted_at = updated_at WHERE flagged_deleted AND deleted_at IS NULL")
    op.drop_column("visitor_product", "flagged_deleted")


def downgrade() -> None:
    op.add_column(
        "visitor_product",
        sa.Column("flagged_deleted", sa.Boolean(), server_default="false", nullable=False),
    )
    op.execute("UPDATE visitor_product SET flagged_deleted = deleted_at IS NOT NULL")
