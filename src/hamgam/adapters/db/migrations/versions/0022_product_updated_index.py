"""products by their last change: ``ix_product_updated_at_mahak_id``

Torob's numbered feed pages in ``date_updated_desc`` order read one range of this index per page (the page after
``(updated_at, mahak_id)`` of the previous page's last product) instead of sorting every product per request.

Revision ID: 0022
Revises: 0016
"""

from alembic import op

revision = "0022"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_product_updated_at_mahak_id", "product", ["updated_at", "mahak_id"])


def downgrade() -> None:
    op.drop_index("ix_product_updated_at_mahak_id", table_name="product")
