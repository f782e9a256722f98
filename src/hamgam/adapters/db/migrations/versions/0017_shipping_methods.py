"""the merchant's shipping methods (``shipping_method``), seeded with the shop's defaults

Shipping methods were a setting (``HAMGAM_SHOP__SHIPPING_METHODS``); they become the merchant's data, edited on
the admin's shipping page: title, kind (delivery, or pickup without an address), base cost, cost per province,
extra cost by weight, free over an amount, active, position. The cost rule is ``hamgam.domain.shipping_rates``.
A fresh shop gets the three methods the setting had by default; ``code`` keeps the key orders already name.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shipping_method",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), server_default="delivery", nullable=False),
        sa.Column("base_rial", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "province_rial", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("weight_tiers", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("free_over_rial", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('delivery', 'pickup')", name=op.f("ck_shipping_method_kind")),
        sa.CheckConstraint(
            "base_rial >= 0 AND (free_over_rial IS NULL OR free_over_rial >= 0)",
            name=op.f("ck_shipping_method_amounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_method")),
        sa.UniqueConstraint("code", name=op.f("uq_shipping_method_code")),
    )
    op.execute(
        """INSERT INTO shipping_method (code, title, kind, base_rial, position) VALUES
            ('post', 'پست پیشتاز', 'delivery', 450000, 1),
            ('courier', 'پیک (تهران)', 'delivery', 700000, 2),
            ('pickup', 'تحویل حضوری', 'pickup', 0, 3)"""
    )


def downgrade() -> None:
    op.drop_table("shipping_method")
