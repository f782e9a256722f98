"""What search engines and price-comparison sites read: the sitemap (an index of pages of at most
``SITEMAP_URLS_MAX`` products) and the product feed, both walked by product id (keyset pages: each page is one
index range read, as fast at the millionth product as at the first)."""

from __future__ import annotations

import datetime as dt
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from hamgam.domain.site import FEED_PAGE_MAX, FEED_PAGE_SIZE, FEED_SORTS, SITEMAP_URLS_MAX
from hamgam.ports.site import FeedProduct, ListedProduct, SiteUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory

#: Seconds a numbered page's last product is remembered as where the next page starts, and the count is kept.
PAGE_BOUNDARY_TTL_S = 3600.0
COUNT_TTL_S = 60.0
#: Page boundaries remembered at most (10,000 pages: a million products in pages of 100).
PAGE_BOUNDARIES_MAX = 10_000


@dataclass(frozen=True, slots=True)
class NumberedPage:
    """One numbered page of the feed (``page`` from 1), and how many products and pages there are."""

    page: int
    total: int
    max_pages: int
    products: list[FeedProduct]


class DiscoveryService:
    def __init__(
        self,
        uow: UnitOfWorkFactory[SiteUnitOfWork],
        *,
        sitemap_page_size: int = SITEMAP_URLS_MAX,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= sitemap_page_size <= SITEMAP_URLS_MAX:
            raise ValueError(f"a sitemap page holds 1 to {SITEMAP_URLS_MAX} URLs")
        self._uow = uow
        self.sitemap_page_size = sitemap_page_size
        self._clock = clock
        #: ``(sort, page) -> (last product's key, expiry)``: where page + 1 starts.
        self._boundaries: OrderedDict[tuple[str, int], tuple[tuple[dt.datetime, int], float]] = OrderedDict()
        self._count: tuple[int, float] | None = None

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

    async def feed_numbered_page(self, page: int, sort: str) -> NumberedPage:
        """Page ``page`` (from 1) of ``FEED_PAGE_SIZE`` listed products in ``sort`` order (``FEED_SORTS``).

        A crawler walks pages 1, 2, 3…: each page starts right after the last product this process served on
        the page before (remembered ``PAGE_BOUNDARY_TTL_S``), one index range read however deep the page, and
        nothing is skipped or repeated when products are added mid-walk. A page reached otherwise is counted
        from the start (``OFFSET``). Past the last page the list is empty."""
        if sort not in FEED_SORTS:
            raise ValueError(f"unknown sort {sort!r}")
        if page < 1:
            raise ValueError("pages start at 1")
        now = self._clock()
        by_update = sort == "date_updated_desc"
        boundary = self._boundary(sort, page - 1, now) if page > 1 else None
        offset = 0 if page == 1 or boundary is not None else (page - 1) * FEED_PAGE_SIZE
        async with self._uow() as uow:
            if self._count is None or self._count[1] <= now:
                self._count = (await uow.catalog.feed_count(), now + COUNT_TTL_S)
            if by_update:
                products = await uow.catalog.feed_by_update(boundary, offset, FEED_PAGE_SIZE)
            else:
                before = None if boundary is None else boundary[1]
                products = await uow.catalog.feed_page(before, FEED_PAGE_SIZE, offset=offset)
        if products:
            last = products[-1]
            self._remember(sort, page, (last.updated_at, last.product_id), now)
        total = self._count[0]
        return NumberedPage(page, total, max(1, -(-total // FEED_PAGE_SIZE)), products)

    def _boundary(self, sort: str, page: int, now: float) -> tuple[dt.datetime, int] | None:
        found = self._boundaries.get((sort, page))
        if found is None or found[1] <= now:
            return None
        return found[0]

    def _remember(self, sort: str, page: int, key: tuple[dt.datetime, int], now: float) -> None:
        self._boundaries[(sort, page)] = (key, now + PAGE_BOUNDARY_TTL_S)
        self._boundaries.move_to_end((sort, page))
        while len(self._boundaries) > PAGE_BOUNDARIES_MAX:
            self._boundaries.popitem(last=False)
