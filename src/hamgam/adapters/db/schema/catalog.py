"""Tables of the data synced from Mahak (Mahak owns every column here except the common tail).

Each row keeps its Mahak id, RowVersion, ``deleted_at`` (logical delete) and timestamps. Store-owned data
(descriptions, images, SEO, visibility, local overrides) lives apart, in ``schema/storefront.py``.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from hamgam.adapters.db.schema.base import metadata


def synced_table(name: str, *columns: Column, indexes: tuple[tuple[str, ...], ...] = ()) -> Table:
    """A table of one Mahak entity: its own columns between the Mahak id and the common tail."""
    table = Table(
        name,
        metadata,
        Column("mahak_id", BigInteger, primary_key=True, autoincrement=False),
        *columns,
        Column("client_id", BigInteger),
        Column("data_hash", Text),
        Column("row_version", BigInteger, nullable=False),
        Column("deleted_at", DateTime(timezone=True)),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    for index_columns in indexes:
        Index(f"ix_{name}_{'_'.join(index_columns)}", *(table.c[c] for c in index_columns))
    return table


store = synced_table("store", Column("code", Text), Column("name", Text, nullable=False))

product_category = synced_table(
    "product_category",
    Column("name", Text, nullable=False),
    Column("color", Text),
    Column("icon", Text),
)

product = synced_table(
    "product",
    Column("code", Text),
    Column("category_id", BigInteger),
    Column("name", Text, nullable=False),
    #: The name normalised for search (ی/ي, ک/ك, digits, ZWNJ), so every spelling finds the product.
    Column("name_search", Text, nullable=False),
    Column("unit_name", Text),
    Column("unit_name2", Text),
    Column("unit_ratio", Float),
    Column("tax_percent", Float),
    Column("charge_percent", Float),
    Column("weight", Float),
    Column("width", Float),
    Column("height", Float),
    Column("length", Float),
    Column("mahak_description", Text),
    Column("tags", Text),
    Column("min_quantity", Float),
    indexes=(("category_id",), ("code",), ("updated_at", "mahak_id")),
)

product_detail = synced_table(
    "product_detail",
    Column("product_id", BigInteger, nullable=False),
    #: ``[{"code": property code, "value": value}]`` parsed from Mahak's Properties JSON string.
    Column("properties", JSONB, nullable=False, server_default="[]"),
    Column("barcode", Text),
    #: Price1..Price10 in Rial, index 0 is Price1.
    Column("prices_rial", ARRAY(BigInteger), nullable=False),
    Column("default_price_level", Integer, nullable=False, server_default="1"),
    Column("discount", Float),
    Column("discount_type", Integer),
    Column("count1", Float),
    Column("count2", Float),
    #: Mahak's ``Deleted`` as served; unreliable on this entity (contract §3), so it deletes nothing: whether the
    #: detail is on sale is decided by its ``visitor_product`` link rows.
    Column("flagged_deleted", Boolean, nullable=False, server_default="false"),
    indexes=(("product_id",),),
)

product_detail_stock = synced_table(
    "product_detail_stock",
    Column("product_detail_id", BigInteger, nullable=False),
    Column("store_id", BigInteger, nullable=False),
    #: As Mahak sent it: can be negative; selling clamps it to 0.
    Column("count1", Float, nullable=False),
    Column("count2", Float),
    indexes=(("product_detail_id",),),
)

visitor_product = synced_table(
    "visitor_product",
    Column("product_detail_id", BigInteger, nullable=False),
    Column("visitor_id", BigInteger, nullable=False),
    Column("count1", Float),
    Column("count2", Float),
    Column("price_rial", BigInteger),
    indexes=(("product_detail_id",),),
)

cost_level_name = synced_table("cost_level_name", Column("level", Integer), Column("name", Text))

person_group = synced_table(
    "person_group",
    Column("name", Text, nullable=False),
    Column("discount_percent", Float),
    Column("sell_price_level", Integer),
)

person = synced_table(
    "person",
    Column("code", Text),
    Column("group_id", BigInteger),
    Column("person_type", Integer),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("organization", Text),
    Column("national_code", Text),
    #: Normalised 09xxxxxxxxx when it parses, else as sent.
    Column("mobile", Text),
    Column("phone", Text),
    Column("email", Text),
    Column("state", Text),
    Column("city", Text),
    Column("address", Text),
    Column("postal_code", Text),
    Column("credit_rial", BigInteger),
    Column("balance_rial", BigInteger),
    Column("sell_price_level", Integer),
    Column("discount_percent", Float),
    indexes=(("mobile",), ("national_code",)),
)

person_address = synced_table(
    "person_address",
    Column("person_id", BigInteger, nullable=False),
    Column("title", Text),
    Column("address", Text),
    Column("postal_code", Text),
    Column("mobile", Text),
    Column("city_id", BigInteger),
)

visitor_person = synced_table(
    "visitor_person",
    Column("visitor_id", BigInteger, nullable=False),
    Column("person_id", BigInteger, nullable=False),
)

visitor = synced_table(
    "visitor",
    Column("name", Text),
    Column("store_code", Text),
    Column("bank_code", Text),
    Column("cash_code", Text),
)

picture = synced_table(
    "picture",
    Column("file_name", Text),
    Column("url", Text),
    Column("width", Integer),
    Column("height", Integer),
    Column("file_size", BigInteger),
)

photo_gallery = synced_table(
    "photo_gallery",
    Column("picture_id", BigInteger, nullable=False),
    Column("entity_type", Integer, nullable=False),
    Column("item_code", BigInteger, nullable=False),
    indexes=(("entity_type", "item_code"), ("picture_id",)),
)

property_description = synced_table(
    "property_description", Column("code", Text), Column("name", Text), Column("data_type", Integer)
)

extra_data = synced_table(
    "extra_data",
    Column("item_type", Integer, nullable=False),
    Column("item_code", Text),
    Column("data", JSONB),
    indexes=(("item_type",),),
)

setting = synced_table("setting", Column("code", Integer, nullable=False), Column("value", Text))

bank = synced_table("bank", Column("code", Text), Column("name", Text))

region = synced_table("region", Column("name", Text), Column("parent_id", BigInteger))

mahak_order = synced_table(
    "mahak_order",
    Column("code", Text),
    Column("order_type", Integer),
    Column("visitor_id", BigInteger),
    Column("person_id", BigInteger),
    Column("order_date", DateTime),
    Column("send_cost_rial", BigInteger),
    Column("description", Text),
    Column("other_cost_rial", BigInteger),
    Column("discount_rial", BigInteger),
    indexes=(("client_id",),),
)

mahak_order_detail = synced_table(
    "mahak_order_detail",
    Column("order_id", BigInteger, nullable=False),
    Column("product_detail_id", BigInteger),
    Column("store_id", BigInteger),
    Column("price_rial", BigInteger),
    Column("count1", Float),
    Column("discount_rial", BigInteger),
    Column("tax_percent", Float),
    Column("charge_percent", Float),
    indexes=(("order_id",),),
)

receipt = synced_table(
    "receipt",
    Column("person_id", BigInteger),
    Column("visitor_id", BigInteger),
    Column("order_id", BigInteger),
    Column("cash_amount_rial", BigInteger),
    Column("tracking_code", Text),
    Column("receipt_date", DateTime),
)

#: Whether a table is known to the sync (used by the reconciliation and the store-equals-Mahak assertions).
SYNCED_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        store,
        product_category,
        product,
        product_detail,
        product_detail_stock,
        visitor_product,
        cost_level_name,
        person_group,
        person,
        person_address,
        visitor_person,
        visitor,
        picture,
        photo_gallery,
        property_description,
        extra_data,
        setting,
        bank,
        region,
        mahak_order,
        mahak_order_detail,
        receipt,
    )
}
