"""The catalogue's unit of work in memory (``hamgam.ports.catalog.CatalogUnitOfWork``).

One ``CatalogState`` holds what the database would; every unit of work opened by ``FakeCatalogUnitOfWork.factory``
works on it, and a block that raises leaves it as it was (rollback).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from types import TracebackType
from typing import Any, Self

from hamgam.domain.dead_letters import FailedMessage
from hamgam.domain.reports import SALES_FIGURES
from hamgam.ports.catalog import PictureState, ProductPage, ProductQuery, Ranking


@dataclass
class CatalogState:
    #: Category tree nodes ``{code, name, parent_code}``.
    nodes: list[dict[str, Any]] = field(default_factory=list)
    #: Sellable products as the listings return them (``product_id``, ``name``, ``category_id``,
    #: ``min_price_rial``, ``max_price_rial``, ``available``…), by id.
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: Sellable details of each product (``detail_id``, ``properties``, ``barcode``, ``price_rial``,
    #: ``stock_mahak``, ``reserved``).
    details: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    #: Store-owned fields and Mahak's text of each product (as ``product_extras`` returns them).
    extras: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: PropertyDescription names by code (``product_details`` gives each detail those of its codes).
    property_names: dict[str, str] = field(default_factory=dict)
    #: Featured and not hidden, any order (the repository answers newest first).
    featured: list[int] = field(default_factory=list)
    #: Products that exist (whatever their visibility) and their listed images.
    known_products: set[int] = field(default_factory=set)
    images: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    #: Mahak's picture rows as the sync stored them: ``picture_id -> (url, version, live)``; live gallery links
    #: ``(product_id, picture_id)``.
    picture_rows: dict[int, tuple[str, int, bool]] = field(default_factory=dict)
    gallery: set[tuple[int, int]] = field(default_factory=set)
    dead_letters: list[FailedMessage] = field(default_factory=list)
    audit: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    disabled_at: dict[int, dt.datetime] = field(default_factory=dict)
    #: Orders for the sales reports: ``id``, ``status``, ``created_at``, ``paid_at``, the ``*_rial`` sums,
    #: ``lines`` (``product_id``, ``name``, ``quantity``, ``total_rial``) and, when refunded, ``refunded_rial``
    #: and ``refunded_in_full``; ``product_categories`` and ``category_names`` stand for today's catalogue.
    orders: list[dict[str, Any]] = field(default_factory=list)
    product_categories: dict[int, int] = field(default_factory=dict)
    category_names: dict[int, str] = field(default_factory=dict)
    # what was asked, for assertions
    queries: list[ProductQuery] = field(default_factory=list)
    category_reads: int = 0
    figures_since: list[dt.datetime] = field(default_factory=list)
    locked: list[int] = field(default_factory=list)
    #: The catalogue export's rows (as ``export_page`` returns them) and the pages asked for.
    export_rows: list[dict[str, Any]] = field(default_factory=list)
    export_pages: list[tuple[int, int]] = field(default_factory=list)


_SORTS: dict[str, tuple[Callable[[dict[str, Any]], Any], bool]] = {
    "name": (lambda p: (p["name"], p["product_id"]), False),
    "newest": (lambda p: p["product_id"], True),
    "price_asc": (lambda p: (p["min_price_rial"], p["product_id"]), False),
    "price_desc": (lambda p: (-p["max_price_rial"], p["product_id"]), False),
}


class FakeCatalogRepository:
    def __init__(self, state: CatalogState) -> None:
        self._state = state

    async def category_nodes(self) -> list[dict[str, Any]]:
        self._state.category_reads += 1
        return [dict(n) for n in self._state.nodes]

    async def search(self, query: ProductQuery) -> ProductPage:
        self._state.queries.append(query)
        found = [
            p
            for p in self._state.products.values()
            if (query.product_ids is None or p["product_id"] in query.product_ids)
            and (query.category_ids is None or p["category_id"] in query.category_ids)
            and all(term in p["name"] for term in query.terms)
            and (query.min_price_rial is None or p["min_price_rial"] >= query.min_price_rial)
            and (query.max_price_rial is None or p["min_price_rial"] <= query.max_price_rial)
            and (not query.in_stock or p["available"] > 0)
        ]
        key, reverse = _SORTS[query.sort]
        found.sort(key=key, reverse=reverse)
        page = [dict(p) for p in found[query.offset : query.offset + query.limit]]
        return ProductPage(page, len(found), True)

    async def ranking(self, query: ProductQuery, cap: int) -> Ranking:
        found = await self.search(replace(query, sort="name", offset=0, limit=cap))
        return Ranking(tuple(p["product_id"] for p in found.items), found.total, False)

    async def offers(self, product_ids: Sequence[int]) -> list[dict[str, Any]]:
        return [dict(self._state.products[p]) for p in product_ids if p in self._state.products]

    async def product_details(self, product_id: int) -> list[dict[str, Any]]:
        return [
            d | {"property_names": self._names_of(d.get("properties"))} for d in self._state.details.get(product_id, [])
        ]

    def _names_of(self, properties: list[dict[str, Any]] | None) -> dict[str, str]:
        codes = {str(p["code"]) for p in properties or () if p.get("code") is not None}
        return {c: n for c, n in self._state.property_names.items() if c in codes and n}

    async def product_extras(self, product_id: int) -> dict[str, Any]:
        return dict(self._state.extras.get(product_id, {}))

    async def featured_ids(self, limit: int) -> list[int]:
        return sorted(self._state.featured, reverse=True)[:limit]

    async def export_page(self, after: int, limit: int) -> list[dict[str, Any]]:
        self._state.export_pages.append((after, limit))
        rows = sorted((r for r in self._state.export_rows if r["product_id"] > after), key=lambda r: r["product_id"])
        return [dict(r) for r in rows[:limit]]


class FakeImageRepository:
    def __init__(self, state: CatalogState) -> None:
        self._state = state

    async def product_exists(self, product_id: int) -> bool:
        return product_id in self._state.known_products

    async def images(self, product_id: int) -> list[dict[str, Any]]:
        return copy.deepcopy(self._state.images.get(product_id, []))

    async def images_of(self, product_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        return {p: copy.deepcopy(self._state.images[p]) for p in product_ids if p in self._state.images}

    async def append(self, product_id: int, entry: dict[str, str]) -> None:
        self._state.images.setdefault(product_id, []).append(dict(entry))

    async def replace(self, product_id: int, images: list[dict[str, Any]]) -> None:
        if product_id in self._state.images:
            self._state.images[product_id] = copy.deepcopy(images)

    async def picture_state(self, picture_id: int) -> PictureState:
        row = self._state.picture_rows.get(picture_id)
        live = row is not None and row[2]
        linked = sorted(p for p, pic in self._state.gallery if pic == picture_id and p in self._state.known_products)
        listed = sorted(
            p
            for p, entries in self._state.images.items()
            if any(e.get("picture_id") == str(picture_id) for e in entries)
        )
        return PictureState(
            picture_id, None if row is None else row[0], None, 0 if row is None else row[1], live,
            tuple(linked) if live else (), tuple(listed),
        )  # fmt: skip

    async def pictures_to_refresh(self, limit: int, product_ids: Sequence[int] | None = None) -> list[int]:
        due = set()
        for product_id, picture_id in self._state.gallery:
            row = self._state.picture_rows.get(picture_id)
            if row is None or not row[2] or product_id not in self._state.known_products:
                continue
            if product_ids is not None and product_id not in product_ids:
                continue
            entries = self._state.images.get(product_id, [])
            if not any(e.get("picture_id") == str(picture_id) and e.get("version") == str(row[1]) for e in entries):
                due.add(picture_id)
        for product_id, entries in self._state.images.items():
            if product_ids is not None and product_id not in product_ids:
                continue
            for e in entries:
                if e.get("source") != "mahak" or "picture_id" not in e:
                    continue
                picture_id = int(e["picture_id"])
                row = self._state.picture_rows.get(picture_id)
                if row is None or not row[2] or (product_id, picture_id) not in self._state.gallery:
                    due.add(picture_id)
        return sorted(due)[:limit]

    async def lock_product(self, product_id: int) -> None:
        self._state.locked.append(product_id)


class FakeAuditLog:
    def __init__(self, state: CatalogState) -> None:
        self._state = state

    async def record(self, actor: str, action: str, target: str, details: dict[str, Any]) -> None:
        self._state.audit.append((actor, action, target, dict(details)))


class FakePictureDeadLetters:
    def __init__(self, state: CatalogState) -> None:
        self._state = state

    async def add(self, letter: FailedMessage) -> int:
        self._state.dead_letters.append(letter)
        return len(self._state.dead_letters)


class FakeDashboardRepository:
    def __init__(self, state: CatalogState) -> None:
        self._state = state

    async def figures_since(self, start: dt.datetime) -> dict[str, Any]:
        self._state.figures_since.append(start)
        return dict(self._state.figures)

    async def refunds_due(self, limit: int) -> list[dict[str, Any]]:
        return [dict(r) for r in sorted(self._state.refunds, key=lambda r: r["id"])[:limit]]

    async def customer_disabled_at(self, customer_id: int) -> dt.datetime | None:
        return self._state.disabled_at.get(customer_id)


def _kept_rial(order: dict[str, Any], line: dict[str, Any]) -> int:
    """A line's sales less its share of the order's refunds (rounded half away from zero, as PostgreSQL's
    ``round(numeric)``)."""
    refunded = order.get("refunded_rial", 0)
    if not refunded:
        return int(line["total_rial"])
    kept = Decimal(line["total_rial"]) * (order["total_rial"] - refunded) / order["total_rial"]
    return int(kept.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class FakeSalesReportRepository:
    """The PostgreSQL sums over ``CatalogState.orders`` (a sale's day is the Tehran day of ``paid_at``)."""

    def __init__(self, state: CatalogState) -> None:
        self._state = state

    def _sold(self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str]) -> list[dict[str, Any]]:
        return [
            o
            for o in self._state.orders
            if o.get("paid_at") is not None and start <= o["paid_at"] < until and o["status"] in statuses
        ]

    async def sales_by_day(
        self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str]
    ) -> list[dict[str, Any]]:
        from hamgam.domain.jalali import to_tehran

        days: dict[dt.date, dict[str, Any]] = {}
        for o in self._sold(start, until, statuses):
            day = to_tehran(o["paid_at"]).date()
            row = days.setdefault(day, {"day": day} | dict.fromkeys(SALES_FIGURES, 0))
            row["orders"] += 1
            for k in ("items_rial", "shipping_rial", "vat_rial", "total_rial", "refunded_rial"):
                row[k] += o.get(k, 0)
            row["net_rial"] += o.get("total_rial", 0) - o.get("refunded_rial", 0)
        return [days[d] for d in sorted(days)]

    def _products(self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str]) -> list[dict[str, Any]]:
        products: dict[int, dict[str, Any]] = {}
        for o in self._kept(start, until, statuses):
            for line in o["lines"]:
                row = products.setdefault(
                    line["product_id"],
                    {"product_id": line["product_id"], "code": None, "name": line["name"], "quantity": 0,
                     "orders": set(), "revenue_rial": 0},
                )  # fmt: skip
                row["quantity"] += line["quantity"]
                row["revenue_rial"] += _kept_rial(o, line)
                row["orders"].add(o["id"])
        return [r | {"orders": len(r["orders"])} for r in products.values()]

    def _kept(self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str]) -> list[dict[str, Any]]:
        """The sold orders not refunded in full (the products' and categories' sales)."""
        return [o for o in self._sold(start, until, statuses) if not o.get("refunded_in_full")]

    async def sales_by_product(
        self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str], *, by: str, limit: int | None
    ) -> list[dict[str, Any]]:
        first, second = ("quantity", "revenue_rial") if by == "quantity" else ("revenue_rial", "quantity")
        rows = sorted(self._products(start, until, statuses), key=lambda r: (-r[first], -r[second], r["product_id"]))
        return rows if limit is None else rows[:limit]

    async def stream_sales_by_product(
        self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str]
    ) -> AsyncIterator[dict[str, Any]]:
        for row in await self.sales_by_product(start, until, statuses, by="revenue", limit=None):
            yield row

    async def sales_by_category(
        self, start: dt.datetime, until: dt.datetime, statuses: Sequence[str]
    ) -> list[dict[str, Any]]:
        categories: dict[int | None, dict[str, Any]] = {}
        for o in self._kept(start, until, statuses):
            for line in o["lines"]:
                cid = self._state.product_categories.get(line["product_id"])
                row = categories.setdefault(
                    cid,
                    {"category_id": cid, "name": self._state.category_names.get(cid) if cid else None,
                     "quantity": 0, "orders": set(), "revenue_rial": 0},
                )  # fmt: skip
                row["quantity"] += line["quantity"]
                row["revenue_rial"] += _kept_rial(o, line)
                row["orders"].add(o["id"])
        rows = [r | {"orders": len(r["orders"])} for r in categories.values()]
        return sorted(rows, key=lambda r: (-r["revenue_rial"], r["category_id"] is None, r["category_id"] or 0))

    async def orders_by_status(self, start: dt.datetime) -> dict[str, int]:
        counts: dict[str, int] = {}
        for o in self._state.orders:
            if o["created_at"] >= start:
                counts[o["status"]] = counts.get(o["status"], 0) + 1
        return counts


#: What a rollback restores (the records of what was asked are kept).
_STORED = ("images", "audit", "dead_letters")


class FakeCatalogUnitOfWork:
    def __init__(self, state: CatalogState) -> None:
        self.state = state
        self.catalog = FakeCatalogRepository(state)
        self.images = FakeImageRepository(state)
        self.dashboard = FakeDashboardRepository(state)
        self.reports = FakeSalesReportRepository(state)
        self.audit = FakeAuditLog(state)
        self.dead_letters = FakePictureDeadLetters(state)
        self._saved: dict[str, Any] = {}

    @classmethod
    def factory(cls, state: CatalogState) -> Callable[[], FakeCatalogUnitOfWork]:
        return lambda: cls(state)

    async def __aenter__(self) -> Self:
        self._saved = {name: copy.deepcopy(getattr(self.state, name)) for name in _STORED}
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            for name, value in self._saved.items():
                setattr(self.state, name, value)
