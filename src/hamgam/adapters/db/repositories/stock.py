"""The stock reservation ledger (``stock_reservation``) and its per-detail counters (``stock_hold``)
(``hamgam.ports.store.StockLedger``).

A reservation is one conditional ``UPDATE`` of the counter that succeeds only while the counter stays within
what may be sold (``hamgam.domain.stock.available`` decided in the database, so concurrent buyers serialise
on the counter row and the loser's ``UPDATE`` matches no row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db.catalog_read import rule_params, sellable_sql
from hamgam.settings import SyncSettings

#: ``hamgam.domain.stock.available(on_hand, reserved + qty) >= 0`` written for the counter row.
_RESERVE = """
UPDATE stock_hold SET reserved_qty = reserved_qty + :qty, updated_at = now()
WHERE product_detail_id = :detail
  AND reserved_qty + :qty <= (SELECT GREATEST(floor(s.stock_mahak)::bigint, 0) FROM ({sellable}) s)
RETURNING reserved_qty
"""


class SqlStockLedger:
    def __init__(self, connection: AsyncConnection, rules: SyncSettings) -> None:
        self._conn = connection
        self._rules = rules

    async def ensure_counters(self, detail_ids: Sequence[int]) -> None:
        await self._conn.execute(
            text(
                "INSERT INTO stock_hold (product_detail_id) SELECT unnest(CAST(:ids AS bigint[])) "
                "ON CONFLICT DO NOTHING"
            ),
            {"ids": list(detail_ids)},
        )

    async def try_reserve(self, detail_id: int, quantity: int) -> bool:
        statement = text(_RESERVE.format(sellable=sellable_sql(self._rules, "AND d.mahak_id = :detail")))
        params = rule_params(self._rules) | {"detail": detail_id, "qty": quantity}
        return (await self._conn.execute(statement, params)).scalar() is not None

    async def add_holds(
        self, order_id: int, lines: Sequence[tuple[int, int]], *, state: str, expires_at: dt.datetime
    ) -> None:
        await self._conn.execute(
            text("""INSERT INTO stock_reservation (order_id, product_detail_id, quantity, state, expires_at)
                    SELECT :order_id, d, q, :state, :expires_at
                    FROM unnest(CAST(:ids AS bigint[]), CAST(:qtys AS int[])) AS t(d, q)"""),
            {
                "order_id": order_id,
                "state": state,
                "expires_at": expires_at,
                "ids": [d for d, _ in lines],
                "qtys": [q for _, q in lines],
            },
        )

    async def move(self, order_id: int, from_states: Sequence[str], to_state: str) -> list[tuple[int, int]]:
        rows = (
            await self._conn.execute(
                text("""UPDATE stock_reservation SET state = :to, updated_at = now(),
                            expires_at = CASE WHEN :to = 'held' THEN expires_at END
                        WHERE order_id = :order_id AND state = ANY(:from_states)
                        RETURNING product_detail_id, quantity, state"""),
                {"order_id": order_id, "from_states": list(from_states), "to": to_state},
            )
        ).all()
        return [(int(r.product_detail_id), int(r.quantity)) for r in rows]

    async def lower_counter(self, detail_id: int, quantity: int) -> None:
        await self._conn.execute(
            text(
                "UPDATE stock_hold SET reserved_qty = reserved_qty - :q, updated_at = now() "
                "WHERE product_detail_id = :d"
            ),
            {"d": detail_id, "q": quantity},
        )
