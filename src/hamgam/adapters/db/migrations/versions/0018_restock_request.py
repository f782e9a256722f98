"""«خبرم کن»: buyers waiting for an out-of-stock product or variant (``restock_request``)

A request is pending while ``notified_at`` is NULL; the sync marks it notified in the transaction that brings the
stock back, with the SMS event in the outbox. One pending request per buyer and product/detail (partial unique
index); the waiting index serves the sync's look-up of pending requests.

Also fuzzystrmatch (a trusted extension, as pg_trgm): the search's one-typo fallback checks the trigram index's
candidates with ``levenshtein``.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
    op.create_table(
        "restock_request",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("detail_id", sa.BigInteger(), nullable=True),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("mobile", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_restock_request_customer_id_customer"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restock_request")),
    )
    op.create_index(
        "uq_restock_request_pending",
        "restock_request",
        ["customer_id", "product_id", sa.text("coalesce(detail_id, 0)")],
        unique=True,
        postgresql_where=sa.text("notified_at IS NULL"),
    )
    op.create_index(
        "ix_restock_request_waiting",
        "restock_request",
        ["detail_id", "product_id"],
        postgresql_where=sa.text("notified_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_restock_request_waiting", table_name="restock_request")
    op.drop_index("uq_restock_request_pending", table_name="restock_request")
    op.drop_table("restock_request")
