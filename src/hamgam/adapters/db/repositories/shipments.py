"""The shipment of an order (``shipment``) (``hamgam.ports.store.ShipmentRepository``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


class SqlShipmentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, order_id: int, *, carrier: str, tracking_code: str, actor: str) -> dict[str, Any]:
        row = (
            (
                await self._conn.execute(
                    text("""INSERT INTO shipment (order_id, carrier, tracking_code, actor) VALUES (:o, :c, :t, :a)
                        RETURNING order_id, carrier, tracking_code, shipped_at, actor"""),
                    {"o": order_id, "c": carrier, "t": tracking_code, "a": actor},
                )
            )
            .mappings()
            .one()
        )
        return dict(row)

    async def get(self, order_id: int) -> dict[str, Any] | None:
        row = (
            (
                await self._conn.execute(
                    text("""SELECT order_id, carrier, tracking_code, shipped_at, actor FROM shipment
                        WHERE order_id = :o"""),
                    {"o": order_id},
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else dict(row)
