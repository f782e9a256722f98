"""What search engines and price-comparison sites read: the sitemap (an index of pages of at most
``SITEMAP_URLS_MAX`` products) and the product feed, both walked by product id (keyset pages: each page is one
index range read, as fast at the millionth product as at the first)."""

from __future__ import annotations

from hamgam.domain.site import FEED_PAGE_MAX, FEED_PAGE_SIZE, SITEMAP_URLS_MAX
from hamgam.ports.site import FeedProduct, ListedProduct, SiteUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory


class DiscoveryService:
    def __init__(self, uow: UnitOfWorkFactory[SiteUnitOfWork], *, sitemap_page_size: int = SITEMAP_URLS_MAX) -> None:
        if not 1 <= sitemap_page_size <= SITEMAP_URLS_MAX:
            raise ValueError(f"a sitemap page holds 1 to {SITEMAP_URLS_MAX} URLs")
        self._uow = uow
        self.sitemap_page_size = sitemap_page_size

    async def sitemap_starts(self) -> list[int]:
        """The first product id of each product sitemap page, in order."""
        async with self._uow() as uow:
            return await uow.catalog.sitemap_starts(self.sitemap_page_size)

    async def sitemap_page(self, start: int) -> list[ListedProduct]:
        """The listed products of the sitemap page starting at product ``start`` (at most a page's size)."""
        async with self._uow() as uow:
            return await uow.catalog.sitemap_page(start, self.sitemap_page_size)

    async def feed_page(self, before: int | None, limit: int = FEED_PAGE_SIZE) -> list[FeedProduct]:
        """Up to ``limit`` (capped at ``FEED_PAGE_MAX``) listed products below product id ``before`` (from the
        highest when None), highest first, with their offers; the next page is the one below the last id
        returned, and a short page is the last."""
        async with self._uow() as uow:
            return await uow.catalog.feed_page(before, max(1, min(limit, FEED_PAGE_MAX)))

    async def feed_products(self, product_ids: list[int]) -> list[FeedProduct]:
        """The listed products among ``product_ids`` (at most ``FEED_PAGE_MAX`` are looked up)."""
        async with self._uow() as uow:
            return await uow.catalog.feed_products(product_ids[:FEED_PAGE_MAX])
