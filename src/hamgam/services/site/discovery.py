"""What search engines and price-comparison sites read: the sitemap (an index of pages of at most
``SITEMAP_URLS_MAX`` products) and the product feed, both walked by product id (keyset pages: each page is one
index range read, as fast at the millionth product as at the first)."""

from __future__ import annotations

from hamgam.domain.site import FEED_PAGE_MAX, SITEMAP_URLS_MAX
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

    async def feed_page(self, after: int, limit: int) -> list[FeedProduct]:
        """Up to ``limit`` (capped at ``FEED_PAGE_MAX``) listed products after product id ``after``, with their
        offers; the next page is the one after the last id returned, and an empty page is the end."""
        async with self._uow() as uow:
            return await uow.catalog.feed_page(after, max(1, min(limit, FEED_PAGE_MAX)))

    async def feed_products(self, product_ids: list[int]) -> list[FeedProduct]:
        """The listed products among ``product_ids`` (at most ``FEED_PAGE_MAX`` are looked up)."""
        async with self._uow() as uow:
            return await uow.catalog.feed_products(product_ids[:FEED_PAGE_MAX])
