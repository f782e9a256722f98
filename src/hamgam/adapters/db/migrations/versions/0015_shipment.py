"""the shipment of an order: carrier and tracking code (``shipment``)

One row per shipped order, written in the transaction that marks it shipped: the carrier (``post``, ``tipax``,
``courier``), its tracking code (checked per carrier in ``hamgam.domain.shipping``), when and by whom.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shipment",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("carrier", sa.Text(), nullable=False),
        sa.Column("tracking_code", sa.Text(), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.CheckConstraint("carrier IN ('post', 'tipax', 'courier')", name=op.f("ck_shipment_carrier")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["store_order.id"], name=op.f("fk_shipment_order_id_store_order"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_shipment")),
    )


def downgrade() -> None:
    op.drop_table("shipment")
