"""Orders, their lines and their history (``store_order``, ``order_line``, ``order_event``)
(``hamgam.ports.store.OrderRepository``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.domain.checkout import PricedLine

_ORDER_COLUMNS = """o.id, o.customer_id, o.status, o.items_rial, o.vat_rial, o.shipping_rial, o.total_rial,
    o.shipping_method, o.address, o.note, o.reserved_until, o.created_at, o.updated_at, o.paid_at"""


class SqlOrderRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def create(
        self,
        *,
        customer_id: int,
        status: str,
        items_rial: int,
        vat_rial: int,
        shipping_rial: int,
        total_rial: int,
        prices_include_vat: bool,
        shipping_method: str,
        address: Mapping[str, Any],
        note: str | None,
        reserved_until: dt.datetime,
    ) -> int:
        order_id: int = (
            await self._conn.execute(
                text("""INSERT INTO store_order (customer_id, status, items_rial, vat_rial, shipping_rial,
                            total_rial, prices_include_vat, shipping_method, address, note, reserved_until)
                        VALUES (:c, :s, :i, :v, :sh, :t, :pv, :m, CAST(:a AS jsonb), :n, :u) RETURNING id"""),
                {
                    "c": customer_id,
                    "s": status,
                    "i": items_rial,
                    "v": vat_rial,
                    "pv": prices_include_vat,
                    "sh": shipping_rial,
                    "t": total_rial,
                    "m": shipping_method,
                    "a": orjson.dumps(dict(address)).decode(),
                    "n": note,
                    "u": reserved_until,
                },
            )
        ).scalar_one()
        return int(order_id)

    async def add_lines(self, order_id: int, lines: Sequence[PricedLine]) -> None:
        await self._conn.execute(
            text("""INSERT INTO order_line (order_id, product_detail_id, product_id, name, variant, quantity,
                        unit_price_rial, total_rial, tax_percent, charge_percent)
                    VALUES (:o, :d, :p, :n, :v, :q, :u, :t, :tp, :cp)"""),
            [
                {
                    "o": order_id,
                    "d": ln.product_detail_id,
                    "p": ln.product_id,
                    "n": ln.name,
                    "v": ln.variant,
                    "q": ln.quantity,
                    "u": ln.unit_price_rial,
                    "t": ln.total_rial,
                    "tp": ln.rates.tax,
                    "cp": ln.rates.charge,
                }
                for ln in lines
            ],
        )

    async def lock(self, order_id: int) -> dict[str, Any] | None:
        row = (
            (
                await self._conn.execute(
                    text("""SELECT o.*, c.mobile AS customer_mobile FROM store_order o
                        JOIN customer c ON c.id = o.customer_id WHERE o.id = :id FOR UPDATE OF o"""),
                    {"id": order_id},
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else dict(row)

    async def set_status(self, order_id: int, status: str, *, paid: bool = False) -> None:
        stamp = ", paid_at = now()" if paid else ""
        await self._conn.execute(
            text(f"UPDATE store_order SET status = :s, updated_at = now(){stamp} WHERE id = :id"),
            {"s": status, "id": order_id},
        )

    async def add_event(
        self, order_id: int, from_status: str | None, to_status: str, actor: str, reason: str | None
    ) -> None:
        await self._conn.execute(
            text(
                "INSERT INTO order_event (order_id, from_status, to_status, actor, reason) VALUES (:o, :f, :t, :a, :r)"
            ),
            {"o": order_id, "f": from_status, "t": to_status, "a": actor, "r": reason},
        )

    async def get(self, order_id: int, *, customer_id: int | None = None) -> dict[str, Any] | None:
        owner = "AND o.customer_id = :c" if customer_id is not None else ""
        conn = self._conn
        order = (
            (
                await conn.execute(
                    text(f"SELECT {_ORDER_COLUMNS} FROM store_order o WHERE o.id = :id {owner}"),
                    {"id": order_id, "c": customer_id},
                )
            )
            .mappings()
            .first()
        )
        if order is None:
            return None
        lines = await conn.execute(
            text("""SELECT product_detail_id, product_id, name, variant, quantity, unit_price_rial, total_rial
                    FROM order_line WHERE order_id = :id ORDER BY product_detail_id"""),
            {"id": order_id},
        )
        order_events = await conn.execute(
            text("SELECT from_status, to_status, actor, reason, at FROM order_event WHERE order_id = :id ORDER BY id"),
            {"id": order_id},
        )
        payments = await conn.execute(
            text("""SELECT id, authority, amount_rial, status, ref_id, card_pan, created_at, verified_at
                    FROM payment WHERE order_id = :id ORDER BY id"""),
            {"id": order_id},
        )
        return dict(order) | {
            "lines": [dict(r) for r in lines.mappings()],
            "events": [dict(r) for r in order_events.mappings()],
            "payments": [dict(r) for r in payments.mappings()],
        }

    async def page(
        self,
        *,
        customer_id: int | None,
        status: str | None,
        mobile: str | None,
        offset: int,
        limit: int,
    ) -> tuple[list[dict[str, Any]], int]:
        where = ["true"]
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        if customer_id is not None:
            where.append("o.customer_id = :c")
            params["c"] = customer_id
        if status is not None:
            where.append("o.status = :s")
            params["s"] = status
        if mobile is not None:
            where.append("c.mobile = :m")
            params["m"] = mobile
        rows = (
            (
                await self._conn.execute(
                    text(f"""SELECT {_ORDER_COLUMNS}, c.mobile AS customer_mobile, count(*) OVER () AS total
                         FROM store_order o JOIN customer c ON c.id = o.customer_id
                         WHERE {" AND ".join(where)} ORDER BY o.id DESC OFFSET :offset LIMIT :limit"""),
                    params,
                )
            )
            .mappings()
            .all()
        )
        total = int(rows[0]["total"]) if rows else 0
        return [{k: v for k, v in r.items() if k != "total"} for r in rows], total

    async def payable(self, order_id: int, customer_id: int) -> dict[str, Any] | None:
        row = (
            (
                await self._conn.execute(
                    text("""SELECT o.id, o.status, o.total_rial, o.reserved_until > now() AS held, c.mobile
                        FROM store_order o JOIN customer c ON c.id = o.customer_id
                        WHERE o.id = :id AND o.customer_id = :c"""),
                    {"id": order_id, "c": customer_id},
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else dict(row)

    async def still_held(self, order_id: int) -> bool:
        return bool(
            await self._conn.scalar(
                text("SELECT reserved_until > now() FROM store_order WHERE id = :id"), {"id": order_id}
            )
        )

    async def lock_expirable(self, limit: int) -> list[int]:
        # Skips orders a verify holds, orders with a payment being verified or of unknown outcome, and orders
        # with a payment not checked with the gateway since the hold ended.
        ids: Sequence[Any] = (
            (
                await self._conn.execute(
                    text("""SELECT o.id FROM store_order o
                        WHERE o.status = 'pending_payment' AND o.reserved_until < now()
                          AND NOT EXISTS (SELECT 1 FROM payment p WHERE p.order_id = o.id
                              AND (p.status IN ('unknown', 'verifying')
                                   OR (p.status IN ('pending', 'failed')
                                       AND (p.checked_at IS NULL OR p.checked_at < o.reserved_until))))
                        ORDER BY o.id LIMIT :n FOR UPDATE SKIP LOCKED"""),
                    {"n": limit},
                )
            )
            .scalars()
            .all()
        )
        return [int(i) for i in ids]
