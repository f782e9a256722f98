"""The sellable catalogue over PostgreSQL (``hamgam.ports.catalog.CatalogRepository``): the reads of
``hamgam.adapters.db.catalog_read``, run outside a transaction (``hamgam.adapters.db.read_only.Reads``) under
the merchant's rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from hamgam.adapters.db import catalog_read
from hamgam.adapters.db.read_only import Reads
from hamgam.adapters.db.repositories.images import SqlImageRepository
from hamgam.ports.catalog import ProductPage, ProductQuery, Ranking
from hamgam.settings import SyncSettings

_FEATURED = text("""SELECT product_id FROM product_listing WHERE featured AND NOT hidden
                    ORDER BY product_id DESC LIMIT :n""")


class SqlCatalogRepository:
    def __init__(self, reads: Reads, rules: SyncSettings) -> None:
        self._reads = reads
        self._rules = rules

    async def category_nodes(self) -> list[dict[str, Any]]:
        return await self._reads.run(catalog_read.category_nodes)

    async def search(self, query: ProductQuery) -> ProductPage:
        return await self._reads.run(lambda conn: catalog_read.search_products(conn, self._rules, query))

    async def ranking(self, query: ProductQuery, cap: int) -> Ranking:
        return await self._reads.run(lambda conn: catalog_read.search_ranking(conn, self._rules, query, cap))

    async def offers(self, product_ids: Sequence[int]) -> list[dict[str, Any]]:
        return await self._reads.run(lambda conn: catalog_read.offers_of(conn, self._rules, product_ids))

    async def product_details(self, product_id: int) -> list[dict[str, Any]]:
        return await self._reads.run(lambda conn: catalog_read.product_details(conn, self._rules, product_id))

    async def product_extras(self, product_id: int) -> dict[str, Any]:
        return await self._reads.run(lambda conn: catalog_read.product_extras(conn, product_id))

    async def export_page(self, after: int, limit: int) -> list[dict[str, Any]]:
        return await self._reads.run(lambda conn: catalog_read.export_page(conn, self._rules, after, limit))

    async def featured_ids(self, limit: int) -> list[int]:
        ids = await self._reads.run(lambda conn: conn.execute(_FEATURED, {"n": limit}))
        return list(ids.scalars().all())


class SqlCoverImages:
    """``hamgam.ports.catalog.CoverImages``: ``SqlImageRepository.images_of``, outside a transaction."""

    def __init__(self, reads: Reads) -> None:
        self._reads = reads

    async def images_of(self, product_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        return await self._reads.run(lambda conn: SqlImageRepository(conn).images_of(product_ids))
