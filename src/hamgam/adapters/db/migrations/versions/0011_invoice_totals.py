"""invoice totals: the VAT decision kept on each order, Mahak's other amounts synced, the difference recorded

Checkout decides each line's tax and charge percents once (``domain/invoice.py``) and keeps them on the line,
with whether the shop's prices included VAT and the VAT added on top of them, so the export sends exactly what
the buyer was charged, whatever the settings say later. The sync keeps the Mahak amounts an invoice total
depends on (order ``OtherCost``/``Discount``, line ``ChargePercent``), and the reconciliation records on the
export job the difference between Mahak's invoice total and what the buyer paid.

Orders placed before this revision keep percents 0 and "prices include VAT": they are exported at their paid
prices without tax, which Mahak totals to exactly what was paid.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("order_line", sa.Column("tax_percent", sa.Numeric(9, 4), server_default="0", nullable=False))
    op.add_column("order_line", sa.Column("charge_percent", sa.Numeric(9, 4), server_default="0", nullable=False))
    op.add_column("store_order", sa.Column("vat_rial", sa.BigInteger(), server_default="0", nullable=False))
    op.add_column(
        "store_order", sa.Column("prices_include_vat", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.drop_constraint(op.f("ck_store_order_total"), "store_order", type_="check")
    op.create_check_constraint(
        op.f("ck_store_order_total"), "store_order", "total_rial = items_rial + vat_rial + shipping_rial"
    )
    op.add_column("mahak_order", sa.Column("other_cost_rial", sa.BigInteger(), nullable=True))
    op.add_column("mahak_order", sa.Column("discount_rial", sa.BigInteger(), nullable=True))
    op.add_column("mahak_order_detail", sa.Column("charge_percent", sa.Float(), nullable=True))
    op.add_column("export_job", sa.Column("mahak_total_rial", sa.BigInteger(), nullable=True))
    op.add_column("export_job", sa.Column("total_difference_rial", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("export_job", "total_difference_rial")
    op.drop_column("export_job", "mahak_total_rial")
    op.drop_column("mahak_order_detail", "charge_percent")
    op.drop_column("mahak_order", "discount_rial")
    op.drop_column("mahak_order", "other_cost_rial")
    op.drop_constraint(op.f("ck_store_order_total"), "store_order", type_="check")
    op.create_check_constraint(op.f("ck_store_order_total"), "store_order", "total_rial = items_rial + shipping_rial")
    op.drop_column("store_order", "prices_include_vat")
    op.drop_column("store_order", "vat_rial")
    op.drop_column("order_line", "charge_percent")
    op.drop_column("order_line", "tax_percent")
