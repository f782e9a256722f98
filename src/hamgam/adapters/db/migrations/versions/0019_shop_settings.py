"""site_setting names who saved each value: ``site_setting.updated_by``

The shop's settings (store identity, free-shipping threshold, payment and SMS provider, price and stock rules,
sync interval) are edited in the admin panel and kept as rows of ``site_setting`` beside the trust-badge codes;
the panel shows who changed each value and when. Rows written before have no author.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("site_setting", sa.Column("updated_by", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("site_setting", "updated_by")
