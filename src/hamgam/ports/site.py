"""The site's persistence ports: footer pages and site settings staff edit, and the walks over the listed
catalogue that the sitemap and the price-comparison feed make (keyset pages in product id order), with the unit
of work that binds them (and the audit log) to one transaction.

Implemented for PostgreSQL by ``hamgam.adapters.db.site_uow.SqlSiteUnitOfWork``; in memory by
``tests/fakes/site.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from hamgam.ports.audit import AuditLog
from hamgam.ports.unit_of_work import UnitOfWork

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ListedProduct:
    """A listed product as the sitemap names it."""

    product_id: int
    #: When its listing last changed, as a W3C datetime in UTC (``2026-03-21T09:00:00Z``): formatted by the
    #: database, since a sitemap file reads 50,000 of them and parsing each into a datetime cost more than the rest.
    lastmod: str


@dataclass(frozen=True, slots=True)
class FeedProduct:
    """A listed product as the price-comparison feed describes it (prices in Rial)."""

    product_id: int
    name: str
    category_name: str | None
    #: The cheapest sellable detail's price; None when no detail has a price.
    price_rial: int | None
    #: Mahak's first price level of that detail (the list price).
    list_price_rial: int | None
    #: Units left to sell over all details.
    available: int
    #: Its store-owned pictures shown on the site (``{"key": ...}``), main picture first.
    images: list[dict[str, str]]
    #: When Mahak's product row was created and last changed.
    created_at: dt.datetime
    updated_at: dt.datetime


class SitePageRepository(Protocol):
    async def list(self) -> list[Row]:
        """Every footer page (``slug``, ``title``, ``has_body``, ``updated_by``, ``updated_at``), in footer order."""

    async def get(self, slug: str) -> Row | None:
        """One page's ``slug``, ``title``, ``body_md``, ``updated_by`` and ``updated_at``."""

    async def save(self, slug: str, title: str, body_md: str, actor: str) -> bool:
        """Set an existing page's title and body; False when there is no page with this slug."""


class SiteSettingRepository(Protocol):
    async def values(self) -> dict[str, str]:
        """Every setting that is set."""

    async def changes(self) -> dict[str, Row]:
        """Who last saved each setting that is set, and when (``updated_by``, ``updated_at``), by key."""

    async def put(self, key: str, value: str, actor: str | None = None) -> None:
        """Set a setting (saved by ``actor``); ``""`` unsets it."""


class ListedCatalog(Protocol):
    """The listed products (``catalog_entry``), walked by product id: each page is one index range read."""

    async def sitemap_starts(self, page_size: int) -> list[int]:
        """The first product id of each page of ``page_size`` listed products, in order (``[]`` when none)."""

    async def sitemap_page(self, start: int, limit: int) -> list[ListedProduct]:
        """Up to ``limit`` listed products with ids ``>= start``, in id order."""

    async def feed_page(self, before: int | None, limit: int, *, offset: int = 0) -> list[FeedProduct]:
        """Up to ``limit`` listed products with ids below ``before`` (all when None), highest id first, skipping
        ``offset`` of them, with their offers (one query)."""

    async def feed_products(self, product_ids: list[int]) -> list[FeedProduct]:
        """The listed products among ``product_ids``, highest id first."""

    async def feed_count(self) -> int:
        """How many products are listed."""

    async def feed_by_update(self, after: tuple[dt.datetime, int] | None, offset: int, limit: int) -> list[FeedProduct]:
        """Up to ``limit`` listed products, latest changed first (``updated_at`` then id, both descending):
        those after ``after`` (the ``(updated_at, product_id)`` of the previous page's last product), skipping
        ``offset`` of them (a page reached without its predecessor's last product)."""


class SiteUnitOfWork(UnitOfWork, Protocol):
    """One transaction over the footer pages, the site settings and the listed catalogue, with the audit log."""

    @property
    def pages(self) -> SitePageRepository: ...
    @property
    def settings(self) -> SiteSettingRepository: ...
    @property
    def catalog(self) -> ListedCatalog: ...
    @property
    def audit(self) -> AuditLog: ...
