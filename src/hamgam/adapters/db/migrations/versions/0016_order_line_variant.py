"""order lines keep the variant the buyer chose: ``order_line.variant``

The detail's Mahak property names and values (``رنگ: صورتی، سایز: XL``) as they were at checkout, so the merchant
can tell which variant to ship and a later edit in Mahak does not change a past order. Lines written before have ''.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("order_line", sa.Column("variant", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    op.drop_column("order_line", "variant")
