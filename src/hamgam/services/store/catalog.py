"""The catalogue customers see: category tree, search with filters, sorting and paging, product pages.

Everything goes through the catalogue repository (``hamgam.ports.catalog.CatalogRepository``), which applies the
listing rule, so hidden, deleted and unlinked products never show, and stock is what is left after the store's
own holds.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from hamgam.domain import variants
from hamgam.domain.errors import InvalidInput, NotFound
from hamgam.domain.listing import cover_of, split_tags
from hamgam.domain.persian import normalize_text
from hamgam.ports.catalog import CatalogReadUnitOfWork, ProductPage, ProductQuery, Ranking
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.ttl_cache import TtlCache

SORTS = ("relevance", "name", "price_asc", "price_desc", "newest")
MAX_PER_PAGE = 100
#: Matches counted exactly; past this, a listing says "more than 1,000" (``total_exact`` false) rather than
#: read the details of every match of a broad word or category.
COUNT_LIMIT = 1000
#: Longest query searched (characters after normalisation) and most words in it.
MAX_QUERY_CHARS = 100
MAX_TERMS = 8
#: A search matching fewer products than this is tried again with one typo allowed per word.
FUZZY_BELOW = 5
#: Seconds the category tree is reused between requests: it changes only when the sync brings a change, and
#: every filtered listing needs it (reading 130 nodes cost more than the listing's own query).
CATEGORY_TTL_S = 10.0
#: Related products: a few in stock from the product's category, from its newest ``RELATED_READ`` (read by
#: index and kept when in stock, rather than filtering every detail of the category on stock), each category's
#: list reused for ``RELATED_TTL_S`` seconds (product pages of one category share it) and at most
#: ``RELATED_CATEGORIES`` lists kept.
RELATED_SHOWN = 4
RELATED_READ = 12
RELATED_TTL_S = 30.0
RELATED_CATEGORIES = 1024
#: A search by words in relevance order without a price or stock filter keeps its ranking (``Ranking``: the
#: matches' ids in order, the exact count, whether the fuzzy pass found them) for ``SEARCH_TTL_S`` seconds, by
#: its words and category: a broad word's ranking reads every match (~140 ms of PostgreSQL at 1,000,000
#: products, a typo's fuzzy pass ~1 s), while a page from it reads only its own rows' offers, so their price
#: and stock are always fresh. A ranking depends only on the names and the listing, which change when the sync
#: brings a change (every 3 minutes): 60 s keeps a rename at most a minute behind the rest of the store, and a
#: popular word costs one ranking a minute per process. ``SEARCH_RANKINGS`` queries are kept (least recently
#: used first out), each with its first ``SEARCH_RANKED_IDS`` ids (41 pages of 24); a page beyond them is read
#: as before. A ranking computes the similarity of about that many matches, so the first request of a broad
#: word costs 1.1-1.3x the full statement with 1,000 ids, 2.3-2.5x with 5,000 (BENCHMARKS.md).
SEARCH_TTL_S = 60.0
SEARCH_RANKINGS = 256
SEARCH_RANKED_IDS = 1000
#: Products read per transaction by the catalogue export.
EXPORT_PAGE = 1000


def search_terms(query: str | None) -> tuple[str, ...]:
    """Normalise a query exactly as ``product.name_search`` was (ی/ي, ک/ك, digits, ZWNJ) and split it."""
    printable = "".join(ch if ch.isprintable() else " " for ch in (query or ""))
    normalized = normalize_text(printable)[:MAX_QUERY_CHARS]
    return tuple(dict.fromkeys(normalized.split()))[:MAX_TERMS]


def _ranked(query: ProductQuery) -> bool:
    """A search whose page can be cut from a cached ranking: words, relevance order, no price or stock filter."""
    return (
        bool(query.terms)
        and query.sort == "relevance"
        and query.min_price_rial is None
        and query.max_price_rial is None
        and not query.in_stock
        and query.product_ids is None
    )


def build_tree(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nest ``{code, name, parent_code}`` nodes; a node whose parent is unknown becomes a root."""
    by_code = {n["code"]: {**n, "children": []} for n in nodes}
    roots = []
    for node in sorted(by_code.values(), key=lambda n: n["code"]):
        parent = by_code.get(node["parent_code"])
        if parent is not None and parent is not node:
            parent["children"].append(node)
        else:
            roots.append(node)
    return roots


def descendants(nodes: list[dict[str, Any]], code: int) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for n in nodes:
        children.setdefault(n["parent_code"], []).append(n["code"])
    found, todo = {code}, [code]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


class CatalogService:
    def __init__(
        self,
        uow: UnitOfWorkFactory[CatalogReadUnitOfWork],
        *,
        category_ttl_s: float = CATEGORY_TTL_S,
        related_ttl_s: float = RELATED_TTL_S,
        search_ttl_s: float = SEARCH_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``*_ttl_s``: how long each cache reuses what it read (0: never; ``search_ttl_s`` 0 also reads every
        search by words as one statement, ranking and offers together); ``clock``: monotonic seconds."""
        self._uow = uow
        self._search_ttl_s = search_ttl_s
        self._nodes: TtlCache[None, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = TtlCache(
            category_ttl_s, 1, clock=clock
        )
        self._related: TtlCache[int, list[dict[str, Any]]] = TtlCache(related_ttl_s, RELATED_CATEGORIES, clock=clock)
        self._rankings: TtlCache[tuple[tuple[str, ...], tuple[int, ...] | None], Ranking] = TtlCache(
            search_ttl_s, SEARCH_RANKINGS, clock=clock
        )

    async def _read_categories(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The category nodes and their tree, read and built once per ``category_ttl_s``."""

        async def read() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            async with self._uow() as uow:
                nodes = await uow.catalog.category_nodes()
            return nodes, build_tree(nodes)

        return await self._nodes.get(None, read)

    async def categories(self) -> list[dict[str, Any]]:
        """The category tree (shared between requests until it is read again: callers do not change it)."""
        return (await self._read_categories())[1]

    async def _category_nodes(self) -> list[dict[str, Any]]:
        return (await self._read_categories())[0]

    async def search(
        self,
        *,
        q: str | None = None,
        category: int | None = None,
        min_price_rial: int | None = None,
        max_price_rial: int | None = None,
        in_stock: bool = False,
        sort: str = "name",
        page: int = 1,
        per_page: int = 24,
    ) -> dict[str, Any]:
        """A page of sellable products. Every spelling of a name finds it (the query is normalised the same way
        as the stored name); each word must match, and when few products do, a word one typo away matches too.
        ``relevance`` orders a search: exact name or code, then names starting with it, then the other matches
        by similarity. ``category`` includes its sub-categories.

        ``total`` is the number of matches when ``total_exact``; otherwise more than ``total`` match (counted up
        to ``COUNT_LIMIT``, or to the end of the page asked for when that is further)."""
        if sort not in SORTS:
            raise InvalidInput(f"ترتیب نامعتبر — sort must be one of {', '.join(SORTS)}", field="sort")
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            raise InvalidInput(f"page ≥ 1 and per_page in 1..{MAX_PER_PAGE}", field="page")
        if min_price_rial is not None and max_price_rial is not None and min_price_rial > max_price_rial:
            raise InvalidInput("حداقل قیمت از حداکثر بیشتر است — min_price exceeds max_price", field="min_price")
        categories = None
        if category is not None:
            categories = tuple(sorted(descendants(await self._category_nodes(), category)))
        query = ProductQuery(
            terms=search_terms(q),
            category_ids=categories,
            min_price_rial=min_price_rial,
            max_price_rial=max_price_rial,
            in_stock=in_stock,
            sort=sort,
            offset=(page - 1) * per_page,
            limit=per_page,
            count_limit=COUNT_LIMIT,
            fuzzy_below=FUZZY_BELOW,
        )
        if self._search_ttl_s > 0 and _ranked(query):
            found = await self._ranked_page(query)
        else:
            async with self._uow() as uow:
                found = await uow.catalog.search(query)
        return {
            "items": found.items,
            "total": found.total,
            "total_exact": found.total_exact,
            "page": page,
            "per_page": per_page,
        }

    async def related(self, product: Mapping[str, Any]) -> list[dict[str, Any]]:
        """A few other products of ``product``'s category (sub-categories included) that are in stock, newest
        first; none for a product without a category."""
        category = product.get("category_id")
        if category is None:
            return []
        others = await self._related.get(category, lambda: self._in_stock_with_covers(category))
        return [p for p in others if p["product_id"] != product["product_id"]][:RELATED_SHOWN]

    def forget_searches(self) -> None:
        """Drop the kept search rankings (staff changed a name or the listing: the next search ranks anew)."""
        self._rankings.clear()

    async def _ranked_page(self, query: ProductQuery) -> ProductPage:
        """``query``'s page cut from its cached ranking, with its rows' offers read now. A page beyond the
        ranking's ids is read by the full statement. A product of the page no longer listed means the ranking
        is stale: it is ranked again, once (so the page stays full and the count right)."""
        key = (query.terms, query.category_ids)

        async def rank() -> Ranking:
            async with self._uow() as uow:
                return await uow.catalog.ranking(query, SEARCH_RANKED_IDS)

        end = query.offset + query.limit
        for attempt in range(2):
            ranking = await self._rankings.get(key, rank)
            if end > len(ranking.product_ids) and not ranking.complete:
                break
            ids = ranking.product_ids[query.offset : end]
            async with self._uow() as uow:
                items = await uow.catalog.offers(ids)
            if len(items) == len(ids) or attempt:
                return ProductPage(items, ranking.total, True)
            self._rankings.discard(key, ranking)
        async with self._uow() as uow:
            return await uow.catalog.search(query)

    async def _in_stock_with_covers(self, category: int) -> list[dict[str, Any]]:
        """The category's newest ``RELATED_READ`` products that are in stock, each with its ``cover``."""
        codes = tuple(descendants(await self._category_nodes(), category))
        async with self._uow() as uow:
            query = ProductQuery(category_ids=codes, sort="newest", limit=RELATED_READ, count_limit=0)
            in_stock = [p for p in (await uow.catalog.search(query)).items if p["available"] > 0]
            images = await uow.images.images_of([p["product_id"] for p in in_stock]) if in_stock else {}
        return [p | {"cover": cover_of(images.get(p["product_id"], []))} for p in in_stock]

    async def newest(self, limit: int = 8) -> list[dict[str, Any]]:
        """The newest sellable products in stock (the home page's list): no total is counted, so only about
        ``limit`` products are read, however large the catalogue."""
        async with self._uow() as uow:
            found = await uow.catalog.search(ProductQuery(in_stock=True, sort="newest", limit=limit, count_limit=0))
        return found.items

    async def product(self, product_id: int) -> dict[str, Any]:
        """A product page: the sellable product, its details (price, what is available) and store-owned
        fields. A hidden, deleted or unlinked product is ``NotFound``."""
        async with self._uow() as uow:
            rows = (await uow.catalog.search(ProductQuery(product_ids=(product_id,), limit=1, count_limit=0))).items
            if not rows:
                raise NotFound("کالا پیدا نشد — product not found", product_id=product_id)
            details = await uow.catalog.product_details(product_id)
            extras = await uow.catalog.product_extras(product_id)
        told = {d["detail_id"]: variants.variant_properties(d["properties"], d["property_names"]) for d in details}
        return rows[0] | {
            # Mahak's fields as staff overrode them (the override wins; the read-model applies it)
            "unit_name": extras["unit_name"],
            "unit_name2": extras.get("unit_name2"),
            "description": extras["description"] or extras["mahak_description"],
            "tags": split_tags(extras.get("tags")),
            "images": extras["images"],
            "pictures": extras["pictures"],
            "seo_title": extras["seo_title"],
            "seo_description": extras["seo_description"],
            "slug": extras["slug"],
            "details": [
                {
                    "detail_id": d["detail_id"],
                    "properties": [
                        p | {"name": d["property_names"].get(str(p["code"]))} for p in d["properties"] or []
                    ],
                    "barcode": d["barcode"],
                    "price_rial": d["price_rial"],
                    #: Price1, shown struck through when the shop price is below it (a level or Mahak's discount)
                    "list_price_rial": (d.get("prices_rial") or [None])[0],
                    "available": max(max(int(d["stock_mahak"]), 0) - d["reserved"], 0),
                }
                for d in details
            ],
            # by detail id (as text, for JSON): its variant by property names and the choice (code → value) naming it
            "variant_of": {
                str(d): {"label": variants.variant_label(props), "choice": variants.choice_of(props)}
                for d, props in told.items()
            },
            "selectors": [
                {"code": sel.code, "name": sel.name, "options": list(sel.values)}
                for sel in variants.selectors(list(told.values()))
            ],
        }

    async def export(self, *, page_size: int | None = None) -> AsyncIterator[list[dict[str, Any]]]:
        """The whole catalogue for staff (``CatalogRepository.export_page``: hidden and unlisted products too), page
        by page in product id order (keyset: each page its own short transaction, so a large catalogue streams
        without holding one open), each row with its ``category`` name."""
        size = page_size or EXPORT_PAGE
        names = {n["code"]: n["name"] for n in await self._category_nodes()}
        after = 0
        while True:
            async with self._uow() as uow:
                rows = await uow.catalog.export_page(after, size)
            if not rows:
                return
            yield [r | {"category": names.get(r["category_id"])} for r in rows]
            if len(rows) < size:
                return
            after = rows[-1]["product_id"]

    async def variant_detail(self, product_id: int, choice: Mapping[str, str]) -> int:
        """The detail of ``product_id`` whose properties are the buyer's ``choice`` (property code → value),
        from one selector per property; ``NotFound`` when the product has no such variant on sale."""
        item = await self.product(product_id)
        for d in item["details"]:
            if variants.matches(item["variant_of"][str(d["detail_id"])]["choice"], choice):
                return int(d["detail_id"])
        raise NotFound(
            "این ترکیب از کالا برای فروش نیست — no variant of the product has that combination",
            product_id=product_id,
        )

    async def featured(self, limit: int = 8) -> list[dict[str, Any]]:
        """Sellable products staff marked featured (``product_listing.featured``), newest first."""
        async with self._uow() as uow:
            ids = await uow.catalog.featured_ids(limit * 4)
            if not ids:
                return []
            found = await uow.catalog.search(
                ProductQuery(product_ids=tuple(ids), sort="newest", limit=limit, count_limit=0)
            )
        return found.items
