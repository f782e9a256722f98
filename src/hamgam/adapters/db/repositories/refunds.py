"""Refunds of orders (``order_refund``) (``hamgam.ports.store.RefundRepository``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_COLUMNS = "id, order_id, amount_rial, method, note, is_full, actor, created_at"


class SqlRefundRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(
        self, order_id: int, *, amount_rial: int, method: str, note: str, full: bool, actor: str
    ) -> dict[str, Any]:
        row = (
            (
                await self._conn.execute(
                    text(f"""INSERT INTO order_refund (order_id, amount_rial, method, note, is_full, actor)
                        VALUES (:o, :a, :m, :n, :f, :actor) RETURNING {_COLUMNS}"""),
                    {"o": order_id, "a": amount_rial, "m": method, "n": note, "f": full, "actor": actor},
                )
            )
            .mappings()
            .one()
        )
        return dict(row)

    async def for_order(self, order_id: int) -> list[dict[str, Any]]:
        rows = (
            (
                await self._conn.execute(
                    text(f"SELECT {_COLUMNS} FROM order_refund WHERE order_id = :o ORDER BY id"), {"o": order_id}
                )
            )
            .mappings()
            .all()
        )
        return [dict(r) for r in rows]
