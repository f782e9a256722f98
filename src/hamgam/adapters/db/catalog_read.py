"""What the store may sell, read from the synced tables under the merchant's rules (contract §3, §4):

- a product detail is on sale while its product is live, staff have not hidden it, and a VisitorProduct link
  makes it the site's (Mahak's own rule: visibility is decided on the link, not on the child row's flag);
- its price is ``Price{level}`` in Rial, the level from the settings or the detail's DefaultSellPriceLevel;
- its stock is ``VisitorProduct.Count1`` or the sum of ``Count1`` over the configured warehouses, as Mahak sent it,
  clamped to 0 for selling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.settings import StockSource, SyncSettings

_SELLABLE = """
SELECT d.mahak_id AS detail_id, p.mahak_id AS product_id, p.name, p.code, p.category_id,
       d.prices_rial[CASE WHEN :level BETWEEN 1 AND 10 THEN :level ELSE d.default_price_level END] AS price_rial,
       {stock} AS stock_mahak
FROM product p
JOIN product_detail d ON d.product_id = p.mahak_id
JOIN LATERAL (
    SELECT vp.count1 FROM visitor_product vp
    WHERE vp.product_detail_id = d.mahak_id AND (NOT :trust OR vp.deleted_at IS NULL)
    ORDER BY vp.deleted_at IS NULL DESC, vp.row_version DESC LIMIT 1
) link ON true
LEFT JOIN product_listing l ON l.product_id = p.mahak_id
WHERE p.deleted_at IS NULL AND (NOT :trust OR d.deleted_at IS NULL) AND NOT coalesce(l.hidden, false)
  {filter}
ORDER BY d.mahak_id
"""

_STORES_STOCK = """coalesce((SELECT sum(s.count1) FROM product_detail_stock s
    WHERE s.product_detail_id = d.mahak_id AND s.deleted_at IS NULL AND s.store_id = ANY(:stores)), 0)"""


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

    @property
    def stock_for_sale(self) -> int:
        """Whole units that may be sold: negatives clamp to 0."""
        return max(int(self.stock_mahak), 0)


async def sellable_details(
    conn: AsyncConnection, rules: SyncSettings, detail_ids: list[int] | None = None
) -> list[SellableDetail]:
    """Every detail on sale (or only ``detail_ids``), ordered by id."""
    stock = "coalesce(link.count1, 0)" if rules.stock_source is StockSource.VISITOR_PRODUCT else _STORES_STOCK
    params: dict[str, Any] = {
        "level": rules.price_level,
        "trust": rules.trust_child_delete_flags,
        "stores": list(rules.stock_store_ids),
    }
    row_filter = ""
    if detail_ids is not None:
        row_filter = "AND d.mahak_id = ANY(:ids)"
        params["ids"] = detail_ids
    rows = await conn.execute(text(_SELLABLE.format(stock=stock, filter=row_filter)), params)
    return [SellableDetail(**{k: r[k] for k in SellableDetail.__dataclass_fields__}) for r in rows.mappings()]
