"""refunds recorded by staff: ``order_refund``

One row per refund paid out to a buyer: the amount in Rial, how it was paid back (card to card, gateway reversal,
cash, store credit), a note, who and when; ``is_full`` when it completed the return of the payment. The sum per
order never exceeds what was paid (checked in ``hamgam.domain.refunds`` under the order's row lock).

Revision ID: 0020
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_refund",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("amount_rial", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("is_full", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount_rial > 0", name=op.f("ck_order_refund_amount")),
        sa.CheckConstraint(
            "method IN ('card_to_card', 'gateway_reversal', 'cash', 'credit')", name=op.f("ck_order_refund_method")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["store_order.id"], name=op.f("fk_order_refund_order_id_store_order"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_refund")),
    )
    op.create_index(op.f("ix_order_refund_order_id"), "order_refund", ["order_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_order_refund_order_id"), table_name="order_refund")
    op.drop_table("order_refund")
