"""The catalogue's persistence ports: what customers see (categories, listings, product pages), product images
and the staff dashboard's figures and sales reports, behind one unit of work.

Implemented for PostgreSQL by ``hamgam.adapters.db.catalog_uow.SqlCatalogUnitOfWork`` and, for the storefront's
reads, ``SqlCatalogReadUnitOfWork`` (repositories in ``hamgam.adapters.db.repositories``); in memory by
``tests/fakes/catalog.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hamgam.domain.dead_letters import FailedMessage
from hamgam.ports.audit import AuditLog
from hamgam.ports.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ProductQuery:
    """Search and filters over sellable products. ``terms`` are already normalised (``normalize_text``)."""

    terms: tuple[str, ...] = ()
    category_ids: tuple[int, ...] | None = None
    min_price_rial: int | None = None
    max_price_rial: int | None = None
    in_stock: bool = False
    product_ids: tuple[int, ...] | None = None
    #: ``relevance`` (with ``terms``: exact, prefix, other matches, by similarity), ``name``, ``price_asc``,
    #: ``price_desc``, ``newest``.
    sort: str = "name"
    offset: int = 0
    limit: int = 24
    #: Matches are counted exactly up to this many (or to the page's end, if further); past it the total is a
    #: lower bound. 0 counts nothing beyond the page.
    count_limit: int = 1000
    #: With ``terms``: when fewer products than this match plainly, search again letting each word be one typo
    #: away (a trigram fallback, so a broad search never pays for it). 0 never does.
    fuzzy_below: int = 0

    @property
    def scan(self) -> int:
        """Matches a page reads at most: enough to fill it and to tell whether more than the limit exist."""
        return max(self.offset + self.limit, self.count_limit) + 1


@dataclass(frozen=True)
class ProductPage:
    items: list[dict[str, Any]]
    #: The number of matches when ``total_exact``; otherwise more than ``total`` products match.
    total: int
    total_exact: bool


@dataclass(frozen=True)
class Ranking:
    """A word search's order by relevance, without the offers: the first matches' product ids in page order (at
    most the cap asked for), how many match in all, and whether the fuzzy pass found them."""

    product_ids: tuple[int, ...]
    total: int
    fuzzy: bool

    @property
    def complete(self) -> bool:
        """Every match's id is held (a page anywhere can be cut from it)."""
        return len(self.product_ids) >= self.total


@dataclass(frozen=True)
class PictureState:
    """One Mahak picture as the sync last stored it, the products it belongs on, and where it is listed now."""

    picture_id: int
    url: str | None
    file_name: str | None
    #: The picture row's RowVersion (a changed picture has a new one); 0 when the row is unknown.
    version: int
    #: The row exists and is not deleted.
    live: bool
    #: Live products linked to it by live gallery rows (EntityType 102), ascending.
    product_ids: tuple[int, ...]
    #: Products whose images list it now, ascending.
    listed_on: tuple[int, ...]


class PictureDeadLetters(Protocol):
    """The dead-letter store, writing in the catalogue's transaction (pictures that kept failing)."""

    async def add(self, letter: FailedMessage) -> int: ...


class PictureSource(Protocol):
    """Where Mahak's product pictures are downloaded from (the Mahak client)."""

    async def download_picture(self, url_or_file_name: str) -> bytes:
        """The picture's bytes, given Mahak's ``Picture.Url`` or ``Picture.FileName``; ``ValueError`` for an
        address off the Mahak host."""
        ...


class CatalogRepository(Protocol):
    """The sellable catalogue under the merchant's rules (price level, stock source), read only."""

    async def category_nodes(self) -> list[dict[str, Any]]:
        """The category tree's nodes as ``{code, name, parent_code}`` (Mahak's flat list when it has no tree)."""

    async def search(self, query: ProductQuery) -> ProductPage:
        """A page of sellable products (one row each) matching ``query``, and how many match."""

    async def ranking(self, query: ProductQuery, cap: int) -> Ranking:
        """The relevance order of a search by words (``query.terms``, ``sort`` relevance, no price or stock
        filter; ``category_ids`` applies): the first ``cap`` matches' ids in the order ``search`` pages them,
        the exact count, and the fuzzy pass when ``search`` would take it (fewer than ``query.fuzzy_below``)."""

    async def offers(self, product_ids: Sequence[int]) -> list[dict[str, Any]]:
        """The listed products among ``product_ids``, in that order, each as a row of ``search``'s page (its
        fresh name, price range, list price and what is left to sell); products no longer listed are left out."""

    async def product_details(self, product_id: int) -> list[dict[str, Any]]:
        """The sellable details of one product with their properties, barcode and prices, each with
        ``property_names``: the PropertyDescription names of its property codes (``{code: name}``; a code
        matches a description's code or Mahak id, and one without a name is left out)."""

    async def product_extras(self, product_id: int) -> dict[str, Any]:
        """Store-owned fields, Mahak's own text and pictures of a product, whatever its visibility ({} if none)."""

    async def featured_ids(self, limit: int) -> list[int]:
        """Products staff marked featured and did not hide, newest first."""

    async def export_page(self, after: int, limit: int) -> list[dict[str, Any]]:
        """The catalogue export, one page: up to ``limit`` products that are not deleted (listed or not), with
        ids above ``after``, by id: ``product_id, code, name`` (as shown), ``mahak_name, category_id, visible``
        (listed on the storefront), ``hidden, featured, price_rial`` (cheapest live detail at the store's
        level; None without one), ``list_price_rial`` (its Price1), ``available`` (left to sell) and
        ``overrides`` (the fields staff overrode)."""


class ImageRepository(Protocol):
    """The images listed in ``product_listing.images`` and Mahak's pictures as the sync stored them."""

    async def product_exists(self, product_id: int) -> bool: ...

    async def images(self, product_id: int) -> list[dict[str, Any]]:
        """The product's well-formed image entries, in order ([] without a listing)."""

    async def images_of(self, product_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """``images`` of each product that has a listing."""

    async def append(self, product_id: int, entry: dict[str, str]) -> None:
        """List ``entry`` last among the product's images (creating its listing if needed)."""

    async def replace(self, product_id: int, images: list[dict[str, Any]]) -> None:
        """Store ``images`` as the product's whole list."""

    async def picture_state(self, picture_id: int) -> PictureState:
        """What the store holds about one Mahak picture (``live`` False and no products when it has no row)."""

    async def pictures_to_refresh(self, limit: int, product_ids: Sequence[int] | None = None) -> list[int]:
        """Mahak pictures whose listing is out of date, ascending: linked to a live product but not listed there
        at their current version, or listed where no live link (or no live picture) remains. With
        ``product_ids``, only those products' pictures."""

    async def lock_product(self, product_id: int) -> None:
        """Hold the product's images until the transaction ends (concurrent attachers wait)."""


class DashboardRepository(Protocol):
    """The staff dashboard's figures."""

    async def figures_since(self, start: dt.datetime) -> dict[str, Any]:
        """``orders_today``, ``paid_today``, ``sales_today_rial`` (orders since ``start``), and the open queues:
        ``awaiting_payment``, ``to_ship``, ``open_conflicts``, ``new_customers`` (since ``start``)."""

    async def refunds_due(self, limit: int) -> list[dict[str, Any]]:
        """Payments staff must refund by hand, oldest first."""

    async def customer_disabled_at(self, customer_id: int) -> dt.datetime | None:
        """When the customer's account was disabled (None: enabled, or no such customer)."""


class SalesReportRepository(Protocol):
    """Sales aggregated by PostgreSQL over ``[start, until)``: orders paid in that span whose status is one of
    ``statuses`` (the sold ones, ``hamgam.domain.reports.SOLD_STATUSES``). Money in Rial."""

    async def sales_by_day(
        self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Per Tehran day of payment (``day``, a date) with sales, in order: ``orders``, ``items_rial``,
        ``shipping_rial``, ``vat_rial``, ``total_rial``."""

    async def sales_by_product(
        self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str], *, by: str, limit: int | None
    ) -> list[dict[str, Any]]:
        """Per product sold: ``product_id``, ``code``, ``name`` (today's display name, else the name on the
        order), ``quantity``, ``orders``, ``revenue_rial`` (its lines' totals); largest first ``by``
        ``quantity`` or ``revenue``, then product id; at most ``limit`` rows (None: all)."""

    def stream_sales_by_product(
        self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str]
    ) -> AsyncIterator[dict[str, Any]]:
        """The same rows as ``sales_by_product(by="revenue", limit=None)``, read as they are needed (a big shop's
        every product is never held in memory)."""

    async def sales_by_category(
        self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Per category of the products sold (their category today; None: none): ``category_id``, ``name``,
        ``quantity``, ``orders``, ``revenue_rial``; largest revenue first."""

    async def orders_by_status(self, start: dt.datetime) -> dict[str, int]:
        """Orders placed since ``start``, counted by their status now."""


class CoverImages(Protocol):
    """The images of products, read only (product cards)."""

    async def images_of(self, product_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """The well-formed image entries of each product that has a listing."""


class CatalogReadUnitOfWork(UnitOfWork, Protocol):
    """What the storefront reads: the catalogue and its products' images, read only. An implementation may read
    outside a transaction (each read sees what was committed when it ran)."""

    @property
    def catalog(self) -> CatalogRepository: ...
    @property
    def images(self) -> CoverImages: ...


class CatalogUnitOfWork(UnitOfWork, Protocol):
    """One catalogue transaction and the repositories bound to it (images, staff figures; the storefront's
    reads are ``CatalogReadUnitOfWork``'s)."""

    @property
    def images(self) -> ImageRepository: ...
    @property
    def dashboard(self) -> DashboardRepository: ...
    @property
    def reports(self) -> SalesReportRepository: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def dead_letters(self) -> PictureDeadLetters: ...
