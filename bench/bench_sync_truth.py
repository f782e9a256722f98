"""Equality run: the store sells exactly what Mahak offers, through send/receive rounds, on both queues.

For each queue (the PostgreSQL-backed queue and RabbitMQ): a fresh migrated database, the Mahak simulator (in this
process, over HTTP) with N products and ProductDetail ``Deleted`` flags served as noise on live rows, and the sync
(fetcher and two worker consumers in this process). After the initial sync of the catalogue's offer (Product,
ProductDetail, VisitorProduct), R send/receive rounds each take a random share of the offered details off the
site's "sent products" list and put back half of those taken off before (leaving their old deleted link rows
behind); the sync follows, and the store's sellable details (with their stock) and listed products are compared with
the simulator's own expectation. A reconciliation pass from 0 closes the run and is compared again.

Usage: ``.venv/bin/python bench/bench_sync_truth.py --products 3000 --rounds 5`` (PostgreSQL and RabbitMQ at
127.0.0.1). Prints one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import pool, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.store_equals_mahak import offer_differences

from hamgam.adapters.db.migrate import upgrade_to_head
from hamgam.bootstrap import build
from hamgam.logs import configure_logging
from hamgam.settings import Settings
from hamgam_sim.mahak.server import serve_in_thread
from hamgam_sim.mahak.simulator import MahakSimulator

OFFER_ENTITIES = ("Product", "ProductDetail", "VisitorProduct")
SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBITMQ = os.environ.get("BENCH_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/")


def admin(sql: str) -> None:
    engine = create_sync_engine(
        SERVER.replace("postgresql://", "postgresql+psycopg://"), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


async def sync_offer(container: Any, kind: str = "incremental") -> dict[str, Any]:
    started = time.perf_counter()
    statuses, rows = {}, 0
    for entity in OFFER_ENTITIES:
        result = await container.fetcher.run(entity, kind)
        statuses[entity] = result.status
        rows += int(result.stats.get("rows_inserted", 0)) + int(result.stats.get("rows_updated", 0))
    return {"seconds": round(time.perf_counter() - started, 2), "statuses": statuses, "rows_written": rows}


def counts(differences: dict[str, list[int]]) -> dict[str, int]:
    return {kind: len(ids) for kind, ids in differences.items()}


async def one_queue(queue: str, running: Any, products: int, rounds: int, share: float, seed: int) -> dict:
    running.control.reset(products=products, seed=seed, switches={"noisy_child_deletes": True})
    db = f"bench_truth_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{db}"')
    database_url = SERVER.rsplit("/", 1)[0] + f"/{db}"
    rnd = random.Random(seed)
    report: dict[str, Any] = {"queue": queue}
    try:
        upgrade_to_head(database_url)
        settings = Settings(
            database_url=database_url,
            rabbitmq_url=RABBITMQ if queue == "rabbitmq" else None,
            queue_prefix=f"bench{uuid.uuid4().hex[:6]}",
            mahak={"base_url": running.base_url, "page_size": 500, "rate_per_s": 5000, "rate_burst": 5000},
            sync={"workers": 2, "prefetch": 4, "retry_delays_s": [0.5, 1.0, 2.0]},
        )
        container = await build(settings)
        worker = container.worker()
        worker_task = asyncio.create_task(worker.run())
        try:
            report["initial"] = await sync_offer(container)
            report["initial"]["differences"] = counts(await offer_differences(container, running.control))
            taken_off: list[int] = []
            report["rounds"] = []
            for number in range(1, rounds + 1):
                offered = list(running.control.site_offer())
                off = rnd.sample(offered, max(1, int(len(offered) * share)))
                back = rnd.sample(taken_off, len(taken_off) // 2)
                running.control.send_receive(take_off=off, put_back=back)
                taken_off = [d for d in taken_off if d not in set(back)] + off
                synced = await sync_offer(container)
                report["rounds"].append(
                    {
                        "round": number,
                        "taken_off": len(off),
                        "put_back": len(back),
                        **synced,
                        "offered_by_mahak": len(running.control.site_offer()),
                        "differences": counts(await offer_differences(container, running.control)),
                    }
                )
            report["reconcile"] = await sync_offer(container, "reconcile")
            report["reconcile"]["differences"] = counts(await offer_differences(container, running.control))
            async with container.engine.connect() as conn:
                report["link_rows"], report["deleted_link_rows"] = (
                    await conn.execute(
                        text("SELECT count(*), count(*) FILTER (WHERE deleted_at IS NOT NULL) FROM visitor_product")
                    )
                ).one()
        finally:
            worker.stop()
            await worker_task
            if queue == "rabbitmq":
                from hamgam.adapters.queue.rabbitmq import RabbitQueue
                from hamgam.services.sync.fetcher import BATCH_TOPICS

                if isinstance(container.queue, RabbitQueue):
                    for topic in BATCH_TOPICS:
                        await container.queue.delete_topic(topic)
            await container.aclose()
    finally:
        admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    all_rounds = [report["initial"], *report["rounds"], report["reconcile"]]
    report["equal_after_every_round"] = all(not any(r["differences"].values()) for r in all_rounds)
    return report


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    configure_logging("WARNING", False)
    with serve_in_thread(MahakSimulator(products=args.products, seed=args.seed)) as running:
        runs = [
            await one_queue(queue, running, args.products, args.rounds, args.share, args.seed)
            for queue in ("postgres", "rabbitmq")
        ]
    return {
        "products": args.products,
        "rounds": args.rounds,
        "share_taken_off_per_round": args.share,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--share", type=float, default=0.05, help="share of offered details taken off per round")
    parser.add_argument("--seed", type=int, default=7)
    print(json.dumps(asyncio.run(main_async(parser.parse_args())), indent=2, default=str))


if __name__ == "__main__":
    main()
