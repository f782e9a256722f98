"""Scaled out on one machine under ``kill -9`` (bounded version; the full one is ``bench/bench_scaled_out.py``).

2 gateways behind one port, 2 schedulers, 3 workers and 2 exporters, each its real command in its own process, on
one PostgreSQL database and one RabbitMQ. While 3,000 products sync and 30 buyers pay, a random process of a
random role is SIGKILLed every ~4 s (every role at least once, at least 8 kills) and restarted a second later.
Afterwards the store equals Mahak, every paid order is exactly one invoice, one scheduler led at a time and only
it fetched, no two runs of an entity overlapped, and the gateways kept serving (each failed request's retry
succeeded).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from hamgam.adapters.db.engine import async_url
from tests.deploy.scaled_out import RABBITMQ_URL, SERVER_URL, Incarnation, Shape, Supervisor
from tests.deploy.scaled_out_checks import Sample, leadership_problems, overlapping_runs
from tests.deploy.scaled_out_run import run_under_kills
from tests.services import missing, port_open

SHAPE = Shape(products=3_000, orders=30, kill_every_s=4.0, min_kills=8, buyer_concurrency=4, buyer_arrival_s=1.0)


async def test_scaled_out_cluster_survives_kill_minus_9_of_every_role() -> None:
    # given real PostgreSQL and RabbitMQ servers
    for name, url, port in (("PostgreSQL", SERVER_URL, 5432), ("RabbitMQ", RABBITMQ_URL, 5672)):
        if not port_open("127.0.0.1", port):
            missing(f"{name} at {url}")
    # when the cluster syncs and sells while processes of every role are killed and restarted
    outcome = await run_under_kills(
        SHAPE,
        db_prefix="hamgam_t_scaled",
        queue_prefix=f"t{uuid.uuid4().hex[:10]}",
        settle_timeout_s=180,
        keep_logs=bool(os.environ.get("SCALED_OUT_KEEP_LOGS")),
    )
    figures, problems = outcome.figures, outcome.problems
    print(json.dumps(figures, indent=1))
    # then every role was killed, and every check holds
    assert figures["kills"] >= SHAPE.min_kills, figures
    assert all(n >= 1 for n in figures["kills_by_role"].values()), figures["kills_by_role"]
    assert figures["paid"] == SHAPE.orders == figures["paid_orders"] == figures["hamgam_invoices"], figures
    assert figures["leader_samples"] > 100, figures
    assert {name: found for name, found in problems.items() if found} == {}, figures


# -- the checks themselves can fail ---------------------------------------------------------------------------


class _Process:
    def __init__(self, pid: int) -> None:
        self.pid = pid

    def poll(self) -> int | None:
        return None


def _supervisor(*schedulers: tuple[int, float | None]) -> Supervisor:
    """Scheduler incarnations ``(pid, killed_at)``."""
    supervisor = Supervisor(env_of=lambda role, slot: {}, logs=Path("."), restart_delay_s=0)
    for slot, (pid, killed_at) in enumerate(schedulers):
        supervisor.history.append(Incarnation("scheduler", slot, _Process(pid), 0.0, killed_at=killed_at))
    return supervisor


def test_leadership_check_accepts_a_handover_after_the_leader_died() -> None:
    supervisor = _supervisor((101, 5.0), (102, None))
    samples = [
        Sample(1.0, [101], [("Product", 101)]),
        Sample(5.1, [101], [("Product", 101)]),  # the dead leader's backend lingers a moment
        Sample(6.0, [102], [("Product", 101), ("Setting", 102)]),
        Sample(7.0, [102], [("Store", 102)]),
    ]
    assert leadership_problems(samples, supervisor) == []


def test_leadership_check_catches_two_leaders_a_live_handover_and_a_follower_fetching() -> None:
    supervisor = _supervisor((101, None), (102, None))
    assert leadership_problems([Sample(1.0, [101, 102], [])], supervisor)
    assert leadership_problems([Sample(1.0, [101], []), Sample(2.0, [102], [])], supervisor)
    assert leadership_problems([Sample(1.0, [101], [("Product", 102)])], supervisor)
    killed_first = _supervisor((101, 1.5), (102, None))
    assert leadership_problems([Sample(1.0, [101], []), Sample(2.0, [102], []), Sample(3.0, [101], [])], killed_first)


async def test_overlap_check_catches_two_runs_of_one_entity_at_once(database_url: str) -> None:
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.begin() as conn:
            # given a finished run, a later one, and one left open by a killed leader whose last batch came late
            await conn.execute(
                text(
                    """INSERT INTO sync_run (id, entity, kind, status, started_at, finished_at, from_row_version)
                   VALUES (1, 'Product', 'incremental', 'succeeded', '2026-01-01 10:00', '2026-01-01 10:01', 0),
                          (2, 'Product', 'incremental', 'succeeded', '2026-01-01 10:02', '2026-01-01 10:03', 0),
                          (3, 'Store', 'incremental', 'running', '2026-01-01 10:00', NULL, 0)"""
                )
            )
        # then sequential runs pass, and one open run is allowed for one killed scheduler
        assert await overlapping_runs(engine, scheduler_kills=1) == []
        assert await overlapping_runs(engine, scheduler_kills=0)  # an open run nobody killed
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    """INSERT INTO sync_batch (run_id, entity, seq, row_version_min, row_version_max, row_count,
                                           created_at)
                   VALUES (3, 'Store', 1, 1, 2, 2, '2026-01-01 10:05')"""
                )
            )
            await conn.execute(
                text(
                    """INSERT INTO sync_run (id, entity, kind, status, started_at, finished_at, from_row_version)
                   VALUES (4, 'Store', 'incremental', 'succeeded', '2026-01-01 10:04', '2026-01-01 10:06', 0),
                          (5, 'Product', 'full', 'succeeded', '2026-01-01 10:00:30', '2026-01-01 10:00:40', 0)"""
                )
            )
        # when runs overlap: run 4 started while run 3 still published; run 5 ran inside run 1
        problems = await overlapping_runs(engine, scheduler_kills=1)
        # then both are found
        assert len(problems) == 2, problems
    finally:
        await engine.dispose()
