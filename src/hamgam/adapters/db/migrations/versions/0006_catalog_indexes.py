"""catalogue indexes: product code lookups and the ExtraData 10202 product -> category links

The storefront's catalogue query (``adapters/db/catalog_read.py``) looked up each product's category link and
its code with no usable index, so a category page or a search scanned a table as large as the catalogue per
row (bench/bench_store.py, BENCHMARKS.md "Store API"). Building them locks writes to ``product`` and
``extra_data`` for a few seconds per million rows.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

#: The live ExtraData product -> category links (ItemType 10202), as ``catalog_read`` filters them.
_LIVE_LINK = "item_type = 10202 AND deleted_at IS NULL"


def upgrade() -> None:
    op.execute("CREATE INDEX ix_product_code_lower ON product (lower(code))")
    op.execute("CREATE INDEX ix_product_code_or_id ON product (coalesce(code, CAST(mahak_id AS TEXT)))")
    op.execute(
        "CREATE INDEX ix_extra_data_product_link ON extra_data ((data ->> 'ProductCode'), row_version DESC) "
        f"WHERE {_LIVE_LINK}"
    )
    op.execute(
        "CREATE INDEX ix_extra_data_link_category ON extra_data ((CASE WHEN (data ->> 'CategoryCode') ~ "
        f"'^[0-9]{{1,18}}$' THEN CAST(data ->> 'CategoryCode' AS BIGINT) END)) WHERE {_LIVE_LINK}"
    )


def downgrade() -> None:
    for name in (
        "ix_extra_data_link_category",
        "ix_extra_data_product_link",
        "ix_product_code_or_id",
        "ix_product_code_lower",
    ):
        op.drop_index(name)
