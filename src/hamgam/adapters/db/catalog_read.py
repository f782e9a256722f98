"""What the store may sell, read from the synced tables under the merchant's rules (contract §3, §4):

- a product detail is on sale while its product is live, staff have not hidden it, and a VisitorProduct link
  makes it the site's (Mahak's own rule: visibility is decided on the link, not on the child row's flag);
- its price is ``Price{level}`` in Rial, the level from the settings or the detail's DefaultSellPriceLevel;
- its stock is ``VisitorProduct.Count1`` or the sum of ``Count1`` over the configured warehouses, as Mahak sent it,
  clamped to 0 for selling;
- what is left to sell is that stock minus the store's holds (``stock_hold``: active reservations, paid orders
  not yet exported, and orders sent to Mahak but not yet invoiced).

The same SQL fragments serve the catalogue pages, search and the conditional reservation ``UPDATE``, so the
storefront and checkout can never disagree on what is sellable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.settings import StockSource, SyncSettings

#: ExtraData ItemTypes (contract §3): category tree nodes, and product → category links.
EXTRA_CATEGORY_NODE = 130
EXTRA_PRODUCT_CATEGORY = 10202

#: The live link of a detail that makes it the site's. ``deleted_at`` on child rows is set only for real deletes
#: (the served, unreliable flag is kept apart in ``flagged_deleted`` and trusted by the transformer only when
#: ``sync.trust_child_delete_flags`` is on), so it can be honoured here as it is.
_LINK = """JOIN LATERAL (
    SELECT vp.count1 FROM visitor_product vp
    WHERE vp.product_detail_id = d.mahak_id AND vp.deleted_at IS NULL
    ORDER BY vp.row_version DESC LIMIT 1
) link ON true"""

_PRICE = "d.prices_rial[CASE WHEN :level BETWEEN 1 AND 10 THEN :level ELSE d.default_price_level END]"

_STORES_STOCK = """coalesce((SELECT sum(s.count1) FROM product_detail_stock s
    WHERE s.product_detail_id = d.mahak_id AND s.deleted_at IS NULL AND s.store_id = ANY(:stores)), 0)"""

#: The category code of an ExtraData 10202 link ``x``; ``ix_extra_data_link_category`` indexes this expression.
_LINK_CATEGORY = """CASE WHEN x.data->>'CategoryCode' ~ '^[0-9]{1,18}$'
        THEN (x.data->>'CategoryCode')::bigint END"""

#: The product's category: its newest live ExtraData 10202 link (by product code), else Mahak's
#: ProductCategoryId. ``ix_extra_data_product_link`` makes the lookup one index probe: without it every row
#: scans all the links (one per product), which is quadratic in the catalogue.
_CATEGORY = f"""coalesce((SELECT {_LINK_CATEGORY}
    FROM extra_data x WHERE x.item_type = {EXTRA_PRODUCT_CATEGORY} AND x.deleted_at IS NULL
      AND x.data->>'ProductCode' = coalesce(p.code, p.mahak_id::text)
    ORDER BY x.row_version DESC LIMIT 1), p.category_id)"""

#: Products that may be in ``:cats``, found through indexes: Mahak's category is in it, or any live link points
#: into it. A superset (an older link may point elsewhere than the newest); ``_CATEGORY`` then decides. Without
#: it a category page evaluates ``_CATEGORY`` for every product in the catalogue.
_CATEGORY_CANDIDATES = f"""SELECT c.mahak_id FROM product c WHERE c.category_id = ANY(:cats)
    UNION
    SELECT c.mahak_id FROM extra_data x
    JOIN product c ON coalesce(c.code, c.mahak_id::text) = x.data->>'ProductCode'
    WHERE x.item_type = {EXTRA_PRODUCT_CATEGORY} AND x.deleted_at IS NULL AND {_LINK_CATEGORY} = ANY(:cats)"""

_SELLABLE = """
SELECT d.mahak_id AS detail_id, p.mahak_id AS product_id,
       coalesce(ov.value #>> '{{}}', p.name) AS name, p.code, {category} AS category_id,
       coalesce({price}, 0) AS price_rial,
       {stock} AS stock_mahak, coalesce(h.reserved_qty, 0) AS reserved
FROM product p
JOIN product_detail d ON d.product_id = p.mahak_id
{link}
LEFT JOIN product_listing l ON l.product_id = p.mahak_id
LEFT JOIN product_override ov ON ov.product_id = p.mahak_id AND ov.field = 'name'
LEFT JOIN stock_hold h ON h.product_detail_id = d.mahak_id
WHERE p.deleted_at IS NULL AND d.deleted_at IS NULL AND NOT coalesce(l.hidden, false)
  {filter}
"""


def stock_sql(rules: SyncSettings) -> str:
    """Mahak's stock of detail ``d`` (``d.mahak_id``) as a SQL expression (needs ``link`` for the visitor
    source and ``:stores`` for the stores source): the one definition checkout and catalogue share."""
    return "coalesce(link.count1, 0)" if rules.stock_source is StockSource.VISITOR_PRODUCT else _STORES_STOCK


def sellable_sql(rules: SyncSettings, row_filter: str = "") -> str:
    """The query of sellable details (one row each), with ``row_filter`` ANDed in; see ``rule_params``."""
    return _SELLABLE.format(
        category=_CATEGORY, price=_PRICE, stock=stock_sql(rules), link=_LINK, filter=row_filter
    )


def rule_params(rules: SyncSettings) -> dict[str, Any]:
    return {
        "level": rules.price_level,
        "stores": list(rules.stock_store_ids),
    }


@dataclass(frozen=True)
class SellableDetail:
    detail_id: int
    product_id: int
    name: str
    code: str | None
    category_id: int | None
    price_rial: int
    #: As Mahak sent it (may be negative).
    stock_mahak: float
    #: Units the store holds for its own orders (reservations, paid, sent to Mahak but not invoiced).
    reserved: int = 0

    @property
    def stock_for_sale(self) -> int:
        """Whole units Mahak has for sale: negatives clamp to 0."""
        return max(int(self.stock_mahak), 0)

    @property
    def available(self) -> int:
        """What a buyer may still reserve now."""
        return max(self.stock_for_sale - self.reserved, 0)


async def sellable_details(
    conn: AsyncConnection, rules: SyncSettings, detail_ids: list[int] | None = None
) -> list[SellableDetail]:
    """Every detail on sale (or only ``detail_ids``), ordered by id."""
    params = rule_params(rules)
    row_filter = ""
    if detail_ids is not None:
        row_filter = "AND d.mahak_id = ANY(:ids)"
        params["ids"] = detail_ids
    rows = await conn.execute(text(sellable_sql(rules, row_filter) + " ORDER BY d.mahak_id"), params)
    fields = SellableDetail.__dataclass_fields__
    return [SellableDetail(**{k: r[k] for k in fields}) for r in rows.mappings()]


@dataclass(frozen=True)
class ProductQuery:
    """Search and filters over sellable products. ``terms`` are already normalised (``normalize_text``)."""

    terms: tuple[str, ...] = ()
    category_ids: tuple[int, ...] | None = None
    min_price_rial: int | None = None
    max_price_rial: int | None = None
    in_stock: bool = False
    product_ids: tuple[int, ...] | None = None
    #: ``name``, ``price_asc``, ``price_desc``, ``newest``.
    sort: str = "name"
    offset: int = 0
    limit: int = 24


_SORTS = {
    "name": "name, product_id",
    "price_asc": "min_price_rial, product_id",
    "price_desc": "max_price_rial DESC, product_id",
    "newest": "product_id DESC",
}

#: The category is looked up for the page's rows only (it is the product's, the same for all its details):
#: computed for every match before the LIMIT it was the largest part of a broad search.
_PRODUCTS = """
WITH s AS ({sellable}),
page AS (
SELECT s.product_id, min(s.name) AS name, min(s.code) AS code,
       min(s.price_rial) AS min_price_rial, max(s.price_rial) AS max_price_rial,
       sum(GREATEST(GREATEST(floor(s.stock_mahak)::bigint, 0) - s.reserved, 0))::bigint AS available,
       count(*) AS details, count(*) OVER () AS total
FROM s
GROUP BY s.product_id
HAVING true {having}
ORDER BY {order}
OFFSET :offset LIMIT :limit
)
SELECT page.product_id, page.name, page.code, {category} AS category_id, page.min_price_rial,
       page.max_price_rial, page.available, page.details, page.total
FROM page JOIN product p ON p.mahak_id = page.product_id
ORDER BY {order}
"""


async def search_products(
    conn: AsyncConnection, rules: SyncSettings, query: ProductQuery
) -> tuple[list[dict[str, Any]], int]:
    """One row per sellable product matching ``query`` and the total count of matches (for paging).

    Each search term must occur in the normalised name (ILIKE on ``product.name_search``, trigram-indexed)
    or equal the product code. Price bounds apply to the product's cheapest detail.
    """
    params = rule_params(rules) | {"offset": query.offset, "limit": query.limit}
    where: list[str] = []
    for i, term in enumerate(query.terms):
        params[f"t{i}"] = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params[f"c{i}"] = term
        where.append(f"AND (p.name_search ILIKE :t{i} OR lower(p.code) = :c{i})")
    if query.category_ids is not None:
        params["cats"] = list(query.category_ids)
        where.append(f"AND p.mahak_id IN ({_CATEGORY_CANDIDATES})\n  AND {_CATEGORY} = ANY(:cats)")
    if query.product_ids is not None:
        params["pids"] = list(query.product_ids)
        where.append("AND p.mahak_id = ANY(:pids)")
    having = []
    if query.min_price_rial is not None:
        params["min_p"] = query.min_price_rial
        having.append("AND min(s.price_rial) >= :min_p")
    if query.max_price_rial is not None:
        params["max_p"] = query.max_price_rial
        having.append("AND min(s.price_rial) <= :max_p")
    if query.in_stock:
        having.append("AND sum(GREATEST(GREATEST(floor(s.stock_mahak)::bigint, 0) - s.reserved, 0)) > 0")
    sql = _PRODUCTS.format(
        sellable=sellable_sql(rules, "\n  ".join(where)),
        having=" ".join(having),
        order=_SORTS.get(query.sort, _SORTS["name"]),
        category=_CATEGORY,
    )
    rows = [dict(r) for r in (await conn.execute(text(sql), params)).mappings()]
    total = int(rows[0]["total"]) if rows else 0
    if not rows and query.offset:
        total = await _count(conn, rules, query)
    for row in rows:
        row.pop("total")
    return rows, total


async def _count(conn: AsyncConnection, rules: SyncSettings, query: ProductQuery) -> int:
    """The total when the page is past the end (the window count has no row to ride on)."""
    _rows, total = await search_products(
        conn, rules, ProductQuery(**{**query.__dict__, "offset": 0, "limit": 1})
    )
    return total


async def category_nodes(conn: AsyncConnection) -> list[dict[str, Any]]:
    """The category tree's nodes (ExtraData 130) as ``{code, name, parent_code}``; when Mahak has no tree,
    the flat ProductCategory list."""
    rows = await conn.execute(
        text(
            f"""SELECT DISTINCT ON (code) code, name, parent_code FROM (
                  SELECT (data->>'CategoryCode')::bigint AS code, data->>'CategoryName' AS name,
                         CASE WHEN data->>'ParentCode' ~ '^[0-9]{{1,18}}$' THEN (data->>'ParentCode')::bigint END
                           AS parent_code, row_version
                  FROM extra_data WHERE item_type = {EXTRA_CATEGORY_NODE} AND deleted_at IS NULL
                    AND data->>'CategoryCode' ~ '^[0-9]{{1,18}}$') n
                ORDER BY code, row_version DESC"""
        )
    )
    nodes = [dict(r) for r in rows.mappings()]
    if nodes:
        return nodes
    flat = await conn.execute(
        text(
            "SELECT mahak_id AS code, name, NULL::bigint AS parent_code FROM product_category "
            "WHERE deleted_at IS NULL ORDER BY mahak_id"
        )
    )
    return [dict(r) for r in flat.mappings()]


async def product_details(
    conn: AsyncConnection, rules: SyncSettings, product_id: int
) -> list[dict[str, Any]]:
    """The sellable details of one product with their properties, barcode and Price1..Price10."""
    params = rule_params(rules) | {"pid": product_id}
    sql = f"""SELECT s.*, d.properties, d.barcode, d.prices_rial FROM ({sellable_sql(rules, "AND p.mahak_id = :pid")}) s
              JOIN product_detail d ON d.mahak_id = s.detail_id ORDER BY s.detail_id"""
    return [dict(r) for r in (await conn.execute(text(sql), params)).mappings()]


async def product_extras(conn: AsyncConnection, product_id: int) -> dict[str, Any]:
    """Store-owned fields (listing), Mahak's own text and pictures of a product, whatever its visibility."""
    row = (
        (
            await conn.execute(
                text("""SELECT p.mahak_id AS product_id, p.unit_name, p.mahak_description, p.tags,
                           p.deleted_at IS NOT NULL AS deleted,
                           l.slug, l.description, l.seo_title, l.seo_description, coalesce(l.images, '[]') AS images,
                           coalesce(l.hidden, false) AS hidden, coalesce(l.featured, false) AS featured
                    FROM product p LEFT JOIN product_listing l ON l.product_id = p.mahak_id
                    WHERE p.mahak_id = :pid"""),
                {"pid": product_id},
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return {}
    pictures = await conn.execute(
        text("""SELECT pic.mahak_id AS id, pic.url, pic.file_name, pic.width, pic.height
                FROM photo_gallery g JOIN picture pic ON pic.mahak_id = g.picture_id
                WHERE g.entity_type = 102 AND g.item_code = :pid AND g.deleted_at IS NULL AND pic.deleted_at IS NULL
                ORDER BY g.mahak_id"""),
        {"pid": product_id},
    )
    return dict(row) | {"pictures": [dict(p) for p in pictures.mappings()]}
