"""Figures for the admin dashboard: today's orders and sales (a Tehran day), work waiting for staff."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

TEHRAN = ZoneInfo("Asia/Tehran")


def start_of_today(now: dt.datetime | None = None) -> dt.datetime:
    """Midnight in Tehran today, as an aware datetime (compared with UTC timestamps by PostgreSQL)."""
    local = (now or dt.datetime.now(dt.UTC)).astimezone(TEHRAN)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


async def today(engine: AsyncEngine, now: dt.datetime | None = None) -> dict[str, Any]:
    """Orders placed today, how many of them are paid, sales (Rial) paid today, and the open queues: orders
    awaiting payment, paid orders not yet shipped, open sync conflicts, new customers today."""
    start = start_of_today(now)
    async with engine.connect() as conn:
        row = (
            (
                await conn.execute(
                    text("""SELECT
                    (SELECT count(*) FROM store_order WHERE created_at >= :s) AS orders_today,
                    (SELECT count(*) FROM store_order WHERE paid_at >= :s) AS paid_today,
                    (SELECT coalesce(sum(total_rial), 0) FROM store_order
                      WHERE paid_at >= :s AND status <> 'cancelled') AS sales_today_rial,
                    (SELECT count(*) FROM store_order WHERE status = 'pending_payment') AS awaiting_payment,
                    (SELECT count(*) FROM store_order WHERE status IN ('paid', 'sent_to_accounting', 'invoiced'))
                      AS to_ship,
                    (SELECT count(*) FROM sync_conflict WHERE resolved_at IS NULL) AS open_conflicts,
                    (SELECT count(*) FROM customer WHERE created_at >= :s) AS new_customers"""),
                    {"s": start},
                )
            )
            .mappings()
            .one()
        )
    return dict(row) | {"since": start}


async def refunds_due(engine: AsyncEngine, limit: int = 50) -> list[dict[str, Any]]:
    """Payments that took money their order did not need and the gateway did not give back (``refund_due``):
    staff refund them by hand. Oldest first."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("""SELECT id, order_id, amount_rial, ref_id, card_pan, verified_at FROM payment
                    WHERE status = 'refund_due' ORDER BY id LIMIT :n"""),
            {"n": limit},
        )
        return [dict(r) for r in rows.mappings()]
