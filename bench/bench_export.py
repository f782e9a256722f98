"""Export benchmark (issue 6): paid orders through the whole path to Mahak, against real servers on this machine.

Path: checkout → payment verified (the export job and its client ids written in that transaction, enqueued in
it with the PostgreSQL queue) → queue → exporter (one SaveAllData per order, every item checked) → order
``sent_to_accounting``. The Mahak simulator runs in its own process over HTTP.

Figures: orders exported per second (first payment to last order sent), and per order the time from payment
(``paid_at``) to ``sent_to_accounting`` (its order event), median and p95.

Usage: ``.venv/bin/python bench/bench_export.py --orders 1000 [--rabbitmq] [--workers 4]``. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from hamgam.adapters.db.migrate import upgrade_to_head
from hamgam.bootstrap import build
from hamgam.domain.checkout import Address
from hamgam.domain.sync.entities import SYNC_ORDER
from hamgam.logs import configure_logging
from hamgam.settings import PaymentProvider, Settings, SmsProvider

sys.path.insert(0, str(Path(__file__).parent))
from bench_sync import RABBITMQ, SERVER, admin, free_port, start_simulator

ADDRESS = Address.parse(
    recipient_name="خریدار آزمایشی",
    mobile="09121112233",
    province="تهران",
    city="تهران",
    line="خیابان آزادی، پلاک ۱",
    postal_code="1314567890",
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def sync_all(container) -> None:
    worker = container.worker()
    task = asyncio.create_task(worker.run())
    try:
        for entity in SYNC_ORDER:
            await container.fetcher.run(entity.name)
    finally:
        worker.stop()
        await task


async def run(args: argparse.Namespace, database_url: str, mahak_url: str) -> dict:
    settings = Settings(
        database_url=database_url,
        rabbitmq_url=RABBITMQ if args.rabbitmq else None,
        queue_prefix=f"bench{uuid.uuid4().hex[:6]}",
        mahak={"base_url": mahak_url, "rate_per_s": 100_000, "rate_burst": 100_000, "timeout_s": 30},
        payments={"provider": PaymentProvider.MEMORY},
        sms={"provider": SmsProvider.MEMORY},
        shop={"run_jobs": False},
        export={"workers": args.workers, "prefetch": 2, "relay_interval_s": 0.2},
    )
    container = await build(settings)
    try:
        control_url = mahak_url.rsplit("/API", 1)[0]
        from hamgam_sim.mahak.control import ControlClient

        with ControlClient(control_url) as control:
            links = control.rows("VisitorProduct", live=True)[: args.details]
            control.upsert_rows(
                "VisitorProduct", [{"VisitorProductId": v["VisitorProductId"], "Count1": 1_000_000} for v in links]
            )
        await sync_all(container)
        async with container.engine.begin() as conn:
            details = (
                await conn.scalars(
                    text("SELECT product_detail_id FROM visitor_product WHERE count1 >= 1000000 ORDER BY 1")
                )
            ).all()
            customers = (
                await conn.scalars(
                    text(
                        "INSERT INTO customer (mobile, full_name)"
                        " SELECT '0935' || lpad(g::text, 7, '0'), 'مشتری ' || g "
                        "FROM generate_series(1, :n) g RETURNING id"
                    ),
                    {"n": args.orders},
                )
            ).all()
        core = container.store
        rnd = random.Random(1)
        # carts and pending orders first, so the timed part is payment → export
        pending: list[tuple[int, int]] = []
        gate = asyncio.Semaphore(16)

        async def place(customer: int) -> None:
            async with gate:
                cart = await core.carts.resolve(customer_id=customer, guest_cart_id=None)
                await core.carts.set_line(cart, rnd.choice(details), rnd.randint(1, 3))
                order = await core.checkout.place_order(customer, shipping_method="post", address=ADDRESS)
                started = await core.payments.start(order["id"], customer)
                container.payment_gateway.pay(started["authority"])
                pending.append((order["id"], started["authority"]))

        await asyncio.gather(*(place(c) for c in customers))
        role = container.export_role()
        exporter_task = asyncio.create_task(role.run())
        started_at = time.monotonic()

        async def pay(authority: str) -> None:
            async with gate:
                outcome = await core.payments.callback(authority, "OK")
                assert outcome["order_status"] == "paid", outcome

        await asyncio.gather(*(pay(a) for _, a in pending))
        paid_s = time.monotonic() - started_at
        while True:
            async with container.engine.connect() as conn:
                left = await conn.scalar(text("SELECT count(*) FROM export_job WHERE status <> 'sent'"))
            if left == 0:
                break
            await asyncio.sleep(0.05)
        total_s = time.monotonic() - started_at
        role.stop()
        await exporter_task
        async with container.engine.connect() as conn:
            latencies = (
                await conn.scalars(
                    text(
                        """SELECT extract(epoch FROM e.at - o.paid_at) FROM store_order o
                   JOIN order_event e ON e.order_id = o.id AND e.to_status = 'sent_to_accounting'"""
                    )
                )
            ).all()
            exported = await conn.scalar(text("SELECT count(*) FROM export_job WHERE status = 'sent'"))
        with ControlClient(control_url) as control:
            invoices = len([o for o in control.rows("Order", live=True) if o["OrderType"] == 201])
        latencies = [float(x) for x in latencies]
        return {
            "benchmark": "export to Mahak",
            "orders": args.orders,
            "queue": "rabbitmq" if args.rabbitmq else "postgres",
            "exporter_workers": args.workers,
            "exported": exported,
            "invoices_in_mahak": invoices,
            "payments_s": round(paid_s, 2),
            "total_s": round(total_s, 2),
            "orders_exported_per_s": round(args.orders / total_s, 1),
            "paid_to_sent_s": {
                "median": round(statistics.median(latencies), 3),
                "p95": round(percentile(latencies, 95), 3),
                "max": round(max(latencies), 3),
            },
        }
    finally:
        await container.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--details", type=int, default=20)
    parser.add_argument("--rabbitmq", action="store_true")
    args = parser.parse_args()
    configure_logging("WARNING", True)
    db = f"hamgam_bench_export_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{db}"')
    port = free_port()
    simulator = start_simulator(200, port)
    try:
        url = SERVER.rsplit("/", 1)[0] + f"/{db}"
        upgrade_to_head(url)
        result = asyncio.run(run(args, url, f"http://127.0.0.1:{port}/API/v3"))
        result |= {
            "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, "
            f"Python {platform.python_version()}",
            "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            "command": " ".join(["bench/bench_export.py", *sys.argv[1:]]),
        }
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
        admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
