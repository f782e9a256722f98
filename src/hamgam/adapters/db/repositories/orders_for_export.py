"""The store's orders as the export reads and changes them (``hamgam.ports.export.OrdersForExport``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


class SqlOrdersForExport:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def lock(self, order_id: int) -> dict[str, Any]:
        row = (
            (
                await self._conn.execute(
                    text("""SELECT o.*, c.mobile AS customer_mobile FROM store_order o
                        JOIN customer c ON c.id = o.customer_id WHERE o.id = :id FOR UPDATE OF o"""),
                    {"id": order_id},
                )
            )
            .mappings()
            .one()
        )
        return dict(row)

    async def status(self, order_id: int) -> str | None:
        return await self._conn.scalar(text("SELECT status FROM store_order WHERE id = :o"), {"o": order_id})

    async def keep_mahak_person(self, customer_id: int, person_id: int | None) -> None:
        await self._conn.execute(
            text("""UPDATE customer SET mahak_person_id = COALESCE(mahak_person_id, :p), updated_at = now()
                    WHERE id = :c"""),
            {"p": person_id, "c": customer_id},
        )
