"""payment states decided by the gateway: ``verifying``, ``reversed``, ``refund_due``

A callback no longer ends a payment; a verify marks the row ``verifying`` and commits before the gateway is
awaited; a payment that took money its order did not need is ``reversed`` through the gateway (``reversed_at``)
or ``refund_due`` for staff. The status column gets a CHECK of the known states, and a partial index lists the
payments staff must refund.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_STATES = "'pending', 'verifying', 'unknown', 'paid', 'failed', 'reversed', 'refund_due'"


def upgrade() -> None:
    op.add_column("payment", sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(op.f("ck_payment_status"), "payment", f"status IN ({_STATES})")
    op.create_index(
        "ix_payment_refund_due",
        "payment",
        ["order_id"],
        unique=False,
        postgresql_where=sa.text("status = 'refund_due'"),
    )


def downgrade() -> None:
    op.drop_index("ix_payment_refund_due", table_name="payment", postgresql_where=sa.text("status = 'refund_due'"))
    op.drop_constraint(op.f("ck_payment_status"), "payment", type_="check")
    op.drop_column("payment", "reversed_at")
