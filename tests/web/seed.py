"""A small catalogue written straight into the synced tables (no Mahak sync): categories, products with
variants (properties), prices and stock, for the page tests, the browser tests and the screenshots."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.domain.persian import normalize_text

CATEGORIES = [(1, "پوشاک"), (2, "لوازم خانگی"), (3, "کتاب")]
PROPERTIES = [(1, "رنگ"), (2, "اندازه")]
#: (product id, name, category, [(detail id, properties, price rial, stock)])
PRODUCTS: list[tuple[int, str, int, list[tuple[int, list[dict[str, Any]], int, int]]]] = [
    (101, "پیراهن نخی مردانه", 1, [
        (1011, [{"code": 1, "value": "آبی"}, {"code": 2, "value": "L"}], 1_250_000, 8),
        (1012, [{"code": 1, "value": "سفید"}, {"code": 2, "value": "M"}], 1_250_000, 3),
    ]),
    (102, "شال زمستانی", 1, [(1021, [], 850_000, 12)]),
    (103, "کتری برقی استیل", 2, [(1031, [], 3_490_000, 5)]),
    (104, "قوری چینی گل‌سرخی", 2, [(1041, [], 1_980_000, 0)]),
    (105, "کتاب شاهنامه فردوسی", 3, [(1051, [], 4_500_000, 20)]),
    (106, "دیوان حافظ", 3, [(1061, [], 2_200_000, 15)]),
]  # fmt: skip


async def seed_catalogue(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for code, name in CATEGORIES:
            await conn.execute(
                text("INSERT INTO product_category (mahak_id, name, row_version) VALUES (:c, :n, 1)"),
                {"c": code, "n": name},
            )
        for code, name in PROPERTIES:
            await conn.execute(
                text("""INSERT INTO property_description (mahak_id, code, name, row_version)
                        VALUES (:c, :code, :n, 1)"""),
                {"c": code, "code": str(code), "n": name},
            )
        for product_id, name, category, details in PRODUCTS:
            await conn.execute(
                text("""INSERT INTO product (mahak_id, name, name_search, code, category_id, unit_name, row_version)
                        VALUES (:p, :n, :s, :code, :cat, 'عدد', 1)"""),
                {"p": product_id, "n": name, "s": normalize_text(name), "code": f"P{product_id}", "cat": category},
            )
            for detail_id, props, price, stock in details:
                await conn.execute(
                    text("""INSERT INTO product_detail (mahak_id, product_id, properties, prices_rial,
                                default_price_level, row_version)
                            VALUES (:d, :p, CAST(:props AS jsonb), :prices, 1, 1)"""),
                    {
                        "d": detail_id,
                        "p": product_id,
                        "props": orjson.dumps(props).decode(),
                        "prices": [price] + [0] * 9,
                    },
                )
                await conn.execute(
                    text("""INSERT INTO visitor_product (mahak_id, product_detail_id, visitor_id, count1, row_version)
                            VALUES (:d, :d, 1, :s, 1)"""),
                    {"d": detail_id, "s": stock},
                )
        await conn.execute(
            text("INSERT INTO product_listing (product_id, featured, description) VALUES (105, true, :d)"),
            {"d": "چاپ نفیس با جلد سخت.\nمناسب هدیه."},
        )


async def seed_dead_letter(engine: AsyncEngine, body: bytes = b'{"order_id": 1}') -> int:
    from hamgam.adapters.db.dead_letters import DeadLetterStore

    return await DeadLetterStore(engine).add(
        topic="sms.events",
        message_id="m-1",
        body=body,
        headers={"x-attempt": 5},
        error="SmsUnavailable: provider timed out",
        attempts=5,
    )


async def seed_sync_runs(engine: AsyncEngine, entity: str = "Product", runs: int = 14) -> None:
    """A few finished sync runs (one failed), so the sync monitor has a history and a chart to show."""
    async with engine.begin() as conn:
        for i in range(runs):
            failed = i == runs - 4
            await conn.execute(
                text("""INSERT INTO sync_run (entity, kind, status, started_at, finished_at, from_row_version,
                            to_row_version, requests, batches, rows_fetched, rows_inserted, rows_updated, error)
                        VALUES (:e, 'incremental', :s, now() - make_interval(mins => :ago),
                                now() - make_interval(mins => :ago) + interval '4 seconds', :f, :t, 2, 1, :n, :ins,
                                :upd, :err)"""),
                {
                    "e": entity,
                    "s": "failed" if failed else "succeeded",
                    "ago": (runs - i) * 3,
                    "f": i * 100,
                    "t": i * 100 + 90,
                    "n": 40 + (i * 37) % 120,
                    "ins": 5,
                    "upd": 30,
                    "err": "MahakUnavailable: 503 from Mahak" if failed else None,
                },
            )
        await conn.execute(
            text("INSERT INTO sync_cursor (entity, row_version) VALUES (:e, 1390) ON CONFLICT DO NOTHING"),
            {"e": entity},
        )


#: Known sales for the report tests, paid around 1 Farvardin 1405 (2026-03-21) in Tehran time (UTC+03:30):
#: (order id, status, paid at (UTC), shipping rial, [(product id, name, quantity, unit price rial)]).
SALES: list[tuple[int, str, str | None, int, list[tuple[int, str, int, int]]]] = [
    # 1404/12/29, 23:00 Tehran: the last day of Esfand 1404
    (9001, "paid", "2026-03-20T19:30:00+00:00", 300_000, [(101, "پیراهن نخی مردانه", 2, 1_250_000)]),
    # 1405/01/01, 00:10 Tehran (still 20 March in UTC): the first day of Farvardin 1405
    (9002, "delivered", "2026-03-20T20:40:00+00:00", 0, [(103, "کتری برقی استیل", 1, 3_490_000),
                                                         (101, "پیراهن نخی مردانه", 1, 1_250_000)]),
    # 1405/01/02
    (9003, "invoiced", "2026-03-22T08:00:00+00:00", 300_000, [(105, "کتاب شاهنامه فردوسی", 3, 4_500_000)]),
    # cancelled after payment, never paid, expired: not sales
    (9004, "cancelled", "2026-03-22T09:00:00+00:00", 0, [(106, "دیوان حافظ", 9, 2_200_000)]),
    (9005, "pending_payment", None, 0, [(106, "دیوان حافظ", 7, 2_200_000)]),
    # a product gone from the catalogue since: its name on the order, no category
    (9006, "shipped", "2026-03-22T10:00:00+00:00", 0, [(999, "کالای حذف‌شده", 4, 100_000)]),
]  # fmt: skip


async def seed_sales(engine: AsyncEngine, sales: list | None = None) -> None:
    """``SALES`` (or ``sales``) as orders of one customer, placed when paid (or now, if never paid)."""
    async with engine.begin() as conn:
        customer = (
            await conn.execute(
                text("""INSERT INTO customer (mobile, full_name) VALUES ('09350000000', 'خریدار گزارش')
                        ON CONFLICT (mobile) DO UPDATE SET full_name = excluded.full_name RETURNING id""")
            )
        ).scalar_one()
        for order_id, status, paid_at, shipping, lines in sales or SALES:
            items = sum(q * p for _, _, q, p in lines)
            await conn.execute(
                text("""INSERT INTO store_order (id, customer_id, status, items_rial, shipping_rial, vat_rial,
                            total_rial, shipping_method, address, created_at, paid_at)
                        VALUES (:id, :c, :st, :items, :ship, 0, :total, 'post', '{}'::jsonb,
                                coalesce(CAST(:paid AS timestamptz), now()), CAST(:paid AS timestamptz))"""),
                {"id": order_id, "c": customer, "st": status, "items": items, "ship": shipping,
                 "total": items + shipping, "paid": dt.datetime.fromisoformat(paid_at) if paid_at else None},
            )  # fmt: skip
            for product_id, name, quantity, price in lines:
                await conn.execute(
                    text("""INSERT INTO order_line (order_id, product_detail_id, product_id, name, quantity,
                                unit_price_rial, total_rial)
                            VALUES (:o, :d, :p, :n, :q, :u, :t)"""),
                    {"o": order_id, "d": product_id * 10 + 1, "p": product_id, "n": name, "q": quantity,
                     "u": price, "t": quantity * price},
                )  # fmt: skip
