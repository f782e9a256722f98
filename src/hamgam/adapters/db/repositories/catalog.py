"""The sellable catalogue over PostgreSQL (``hamgam.ports.catalog.CatalogRepository``): the reads of
``hamgam.adapters.db.catalog_read`` bound to a connection and the merchant's rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db import catalog_read
from hamgam.ports.catalog import ProductPage, ProductQuery
from hamgam.settings import SyncSettings


class SqlCatalogRepository:
    def __init__(self, connection: AsyncConnection, rules: SyncSettings) -> None:
        self._conn = connection
        self._rules = rules

    async def category_nodes(self) -> list[dict[str, Any]]:
        return await catalog_read.category_nodes(self._conn)

    async def search(self, query: ProductQuery) -> ProductPage:
        return await catalog_read.search_products(self._conn, self._rules, query)

    async def product_details(self, product_id: int) -> list[dict[str, Any]]:
        return await catalog_read.product_details(self._conn, self._rules, product_id)

    async def product_extras(self, product_id: int) -> dict[str, Any]:
        return await catalog_read.product_extras(self._conn, product_id)

    async def property_names(self, codes: set[str]) -> dict[str, str]:
        return await catalog_read.property_names(self._conn, codes)

    async def export_page(self, after: int, limit: int) -> list[dict[str, Any]]:
        return await catalog_read.export_page(self._conn, self._rules, after, limit)

    async def featured_ids(self, limit: int) -> list[int]:
        ids = await self._conn.execute(
            text("""SELECT product_id FROM product_listing WHERE featured AND NOT hidden
                    ORDER BY product_id DESC LIMIT :n"""),
            {"n": limit},
        )
        return list(ids.scalars().all())
