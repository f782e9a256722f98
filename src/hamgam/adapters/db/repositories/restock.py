"""«خبرم کن» requests (``restock_request``) (``hamgam.ports.store.RestockRequests``), and the sync's side: the
pending requests a batch made sellable again are marked notified and their SMS events written, in the batch's
own transaction (``notify_restocked``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db.catalog_read import rule_params, sellable_sql
from hamgam.domain import restock
from hamgam.domain.sms import SMS_TOPIC
from hamgam.settings import SyncSettings


class SqlRestockRequests:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, customer_id: int, mobile: str, product_id: int, detail_id: int | None) -> str | None:
        """Record a pending request: ``created``, ``exists`` (the buyer already waits for it: no change), or None
        when the product (or the detail of that product) is unknown or deleted."""
        known = await self._conn.scalar(
            text("""SELECT EXISTS (SELECT 1 FROM product p WHERE p.mahak_id = :p AND p.deleted_at IS NULL
                      AND (CAST(:d AS bigint) IS NULL OR EXISTS (
                        SELECT 1 FROM product_detail d WHERE d.mahak_id = :d AND d.product_id = p.mahak_id
                          AND d.deleted_at IS NULL)))"""),
            {"p": product_id, "d": detail_id},
        )
        if not known:
            return None
        created = await self._conn.scalar(
            text("""INSERT INTO restock_request (customer_id, mobile, product_id, detail_id)
                    VALUES (:c, :m, :p, :d)
                    ON CONFLICT (customer_id, product_id, coalesce(detail_id, 0)) WHERE notified_at IS NULL
                    DO NOTHING RETURNING id"""),
            {"c": customer_id, "m": mobile, "p": product_id, "d": detail_id},
        )
        return "created" if created is not None else "exists"

    async def cancel(self, customer_id: int, request_id: int) -> bool:
        """Delete the buyer's pending request; False when there is none by that id (already sent, or not theirs)."""
        deleted = await self._conn.scalar(
            text("""DELETE FROM restock_request WHERE id = :i AND customer_id = :c AND notified_at IS NULL
                    RETURNING id"""),
            {"i": request_id, "c": customer_id},
        )
        return deleted is not None

    async def pending(self, customer_id: int) -> list[dict[str, Any]]:
        """The buyer's pending requests, newest first, with the product's name (as listed, else Mahak's)."""
        rows = await self._conn.execute(
            text("""SELECT r.id, r.product_id, r.detail_id, r.created_at, coalesce(e.name, p.name) AS name
                    FROM restock_request r
                    LEFT JOIN catalog_entry e ON e.product_id = r.product_id
                    LEFT JOIN product p ON p.mahak_id = r.product_id
                    WHERE r.customer_id = :c AND r.notified_at IS NULL ORDER BY r.id DESC"""),
            {"c": customer_id},
        )
        return [dict(r) for r in rows.mappings()]


#: Pending requests among ``:details``/``:products`` whose product (any detail) or detail is on sale again:
#: sellable, priced, and ``hamgam.domain.stock.available`` above zero. Marked notified here; a concurrent batch
#: that saw the same request waits on its row lock and then finds it notified, so each is returned once.
_NOTIFY = """
WITH waiting AS (
  SELECT r.id, r.product_id, r.detail_id FROM restock_request r
  WHERE r.notified_at IS NULL
    AND (r.detail_id = ANY(:details) OR r.product_id = ANY(:products)
         OR (r.detail_id IS NULL
             AND r.product_id IN (SELECT pd.product_id FROM product_detail pd WHERE pd.mahak_id = ANY(:details))))
), ready AS (
  SELECT DISTINCT ON (w.id) w.id, s.name FROM waiting w
  CROSS JOIN LATERAL ({sellable}) s
  WHERE s.price_rial > 0 AND GREATEST(GREATEST(floor(s.stock_mahak)::bigint, 0) - s.reserved, 0) > 0
)
UPDATE restock_request r SET notified_at = now() FROM ready
WHERE r.id = ready.id AND r.notified_at IS NULL
RETURNING r.id, r.mobile, r.product_id, ready.name
"""
_FOR_WAITING = "AND c.product_id = w.product_id AND (w.detail_id IS NULL OR d.mahak_id = w.detail_id)"


async def notify_restocked(
    conn: AsyncConnection,
    rules: SyncSettings,
    origin: str,
    *,
    details: Iterable[int] = (),
    products: Iterable[int] = (),
) -> int:
    """Mark notified the pending requests of these details/products that are on sale again and write one SMS
    event each (message id ``restock-{id}``: unique in the outbox), in the caller's transaction. Returns how many."""
    details, products = sorted(set(details)), sorted(set(products))
    if not details and not products:
        return 0
    params = rule_params(rules) | {"details": details, "products": products}
    rows = (await conn.execute(text(_NOTIFY.format(sellable=sellable_sql(rules, _FOR_WAITING))), params)).mappings()
    told = 0
    for row in rows.all():
        product_id = int(row["product_id"])
        body = restock.event(
            mobile=str(row["mobile"]),
            product_id=product_id,
            name=str(row["name"]),
            url=origin.rstrip("/") + restock.product_path(product_id),
        )
        await conn.execute(
            text("INSERT INTO event_outbox (topic, message_id, body) VALUES (:t, :m, :b) ON CONFLICT DO NOTHING"),
            {"t": SMS_TOPIC, "m": restock.message_id(int(row["id"])), "b": orjson.dumps(body)},
        )
        told += 1
    return told
