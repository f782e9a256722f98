"""Store-owned data about synced products: the sync never writes these columns."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB

from hamgam.adapters.db.schema.base import metadata

#: The store's own fields of a product (description, SEO, visibility), keyed by the product's Mahak id.
product_listing = Table(
    "product_listing",
    metadata,
    Column("product_id", BigInteger, primary_key=True, autoincrement=False),
    Column("slug", Text, unique=True),
    Column("description", Text),
    Column("seo_title", Text),
    Column("seo_description", Text),
    #: ``[{"url": ..., "alt": ...}]`` in display order; Mahak's pictures come after these.
    Column("images", JSONB, nullable=False, server_default="[]"),
    Column("hidden", Boolean, nullable=False, server_default="false"),
    Column("featured", Boolean, nullable=False, server_default="false"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

#: A local override of a Mahak-owned field, kept beside the Mahak value; the sync logs a conflict when
#: Mahak changes the field underneath it.
product_override = Table(
    "product_override",
    metadata,
    Column("product_id", BigInteger, primary_key=True, autoincrement=False),
    Column("field", Text, primary_key=True),
    Column("value", JSONB, nullable=False),
    Column("set_by", Text, nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    #: The value's search key (``normalize_text``) for the searched fields (name, tags); migration 0021.
    Column("search", Text),
)
