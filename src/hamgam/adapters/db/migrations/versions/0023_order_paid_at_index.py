"""sales reports find a span of payments by index: ``ix_store_order_paid_at``

The dashboard and the sales reports sum orders paid between two moments; without an index each report reads every
order. Partial: orders never paid are not indexed.

Revision ID: 0023
Revises: 0021
"""

from alembic import op

revision = "0023"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_store_order_paid_at ON store_order (paid_at) WHERE paid_at IS NOT NULL")


def downgrade() -> None:
    op.drop_index("ix_store_order_paid_at", table_name="store_order")
