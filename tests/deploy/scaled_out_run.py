"""One scaled-out run under ``kill -9``, start to finish, returning its figures and the problems its checks found.

Timeline: the sampler starts, then every role and the killer (the first sync runs under kills from its start);
the poller starts once the gateways answer; buyers start as soon as their products are on sale and pay while the
sync goes on; the killer stops once the buyers are done (and at least ``min_kills`` kills happened); then the run
waits until Mahak is quiet (every export sent, no stock move pending) and every entity has synced once more after
that, and checks.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from hamgam.adapters.db.engine import async_url
from hamgam.domain.sync.entities import SYNC_ORDER
from hamgam.services.sync.fetcher import ENTITY_RUN_LOCK
from hamgam_sim.mahak.catalogue import DEMO_VISITOR_ID
from hamgam_sim.mahak.control import ControlClient
from tests.deploy import scaled_out_checks as checks
from tests.deploy.scaled_out import Cluster, Shape, kill_at_random, running_cluster
from tests.deploy.scaled_out_load import Recorder, latency_summary, poll, run_buyers, sellable_details
from tests.integration.store_equals_mahak import assert_store_matches_mahak

#: What the poller reads every 100 ms: one catalogue page of a category the simulator always has.
POLL_PATH = "/products?category=102&per_page=5"
#: Each detail bought is bought by at most this many buyers, and has at least twice as many units.
BUYERS_PER_DETAIL = 10


def _note(cluster: Cluster, started: float, message: str) -> None:
    """A line of the run's progress, in ``harness.log`` next to the processes' logs and on stderr."""
    line = f"[{time.monotonic() - started:7.1f} s] {message}"
    print(line, file=sys.stderr, flush=True)
    with open(cluster.work_dir / "harness.log", "a") as log:
        log.write(line + "\n")


@dataclass
class Outcome:
    figures: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)


async def _track_sync(engine: Any, products: int, started: float, marks: dict[str, float]) -> None:
    """Note when every product is in the store and when every entity has had a successful run."""
    while "first_cycle_s" not in marks:
        async with engine.connect() as conn:
            count = await conn.scalar(text("SELECT count(*) FROM product"))
            synced = await conn.scalar(text("SELECT count(DISTINCT entity) FROM sync_run WHERE status = 'succeeded'"))
        if count >= products and "products_synced_s" not in marks:
            marks["products_synced_s"] = time.monotonic() - started
        if synced >= len(SYNC_ORDER) and "products_synced_s" in marks:
            marks["first_cycle_s"] = time.monotonic() - started
        await asyncio.sleep(1.0)


def _candidates(control: ControlClient, wanted: int, stock_floor: int) -> dict[int, int]:
    """Details of the site's visitor with ample stock, earliest RowVersion first (synced first): detail -> product."""
    links = [
        r
        for r in control.rows("VisitorProduct", live=True)
        if r["VisitorId"] == DEMO_VISITOR_ID and r["Count1"] >= stock_floor
    ]
    links.sort(key=lambda r: r["RowVersion"])
    ids = [r["ProductDetailId"] for r in links[: wanted * 3]]
    return {d["ProductDetailId"]: d["ProductId"] for d in control.rows("ProductDetail", ids=ids)}


async def _settled(engine: Any, control: ControlClient, timeout_s: float) -> tuple[float, list[str]]:
    """Wait until Mahak is quiet and every entity has synced after it; returns when, and why not if it never did.

    Quiet: no export job pending and no stock move pending in the simulator. Then every entity needs a run that
    started after that moment and succeeded, and Mahak's highest RowVersion must not have moved meanwhile.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        async with engine.connect() as conn:
            jobs = dict(
                (
                    await conn.execute(
                        text("SELECT status, count(*) FROM export_job WHERE kind = 'sale' GROUP BY status")
                    )
                ).all()
            )
        if set(jobs) - {"pending", "sent", "invoiced"}:
            return time.monotonic(), [f"export jobs ended {jobs}"]
        if jobs.get("pending") or control.stats()["pending_stock_moves"]:
            await asyncio.sleep(1.0)
            continue
        top = control.max_row_version()
        async with engine.connect() as conn:
            quiet_since = await conn.scalar(text("SELECT now()"))
        while time.monotonic() < deadline:
            async with engine.connect() as conn:
                fresh = await conn.scalar(
                    text("SELECT count(DISTINCT entity) FROM sync_run WHERE status = 'succeeded' AND started_at > :t"),
                    {"t": quiet_since},
                )
            if fresh >= len(SYNC_ORDER):
                break
            await asyncio.sleep(1.0)
        if control.max_row_version() == top:
            return time.monotonic(), []
    return time.monotonic(), [f"not settled within {timeout_s} s"]


async def _unfinished_live_runs(engine: Any) -> int:
    """Runs still open because a live leader is running them right now (not left behind by a kill)."""
    async with engine.connect() as conn:
        return await conn.scalar(
            text(
                """SELECT count(*) FROM sync_run r WHERE r.finished_at IS NULL
                 AND r.id = (SELECT max(id) FROM sync_run s WHERE s.entity = r.entity)
                 AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
                             AND l.objsubid = 2 AND l.classid::bigint = (hashtext(:lock)::bigint & 4294967295)
                             AND l.objid::bigint = (hashtext(r.entity)::bigint & 4294967295)
                             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))"""
            ),
            {"lock": ENTITY_RUN_LOCK},
        )


async def run_under_kills(
    shape: Shape, *, db_prefix: str, queue_prefix: str, settle_timeout_s: float, keep_logs: bool = False
) -> Outcome:
    outcome = Outcome()
    async with running_cluster(shape, db_prefix=db_prefix, queue_prefix=queue_prefix, keep_logs=keep_logs) as cluster:
        engine = create_async_engine(async_url(cluster.database_url), pool_size=2)
        control = ControlClient(cluster.sims.mahak_url)
        try:
            await _drive(cluster, engine, control, outcome, settle_timeout_s)
        finally:
            control.close()
            await engine.dispose()
        if keep_logs:
            outcome.figures["logs"] = str(cluster.work_dir)
    return outcome


async def _drive(
    cluster: Cluster, engine: Any, control: ControlClient, outcome: Outcome, settle_timeout_s: float
) -> None:
    shape, supervisor = cluster.shape, cluster.supervisor
    started = time.monotonic()
    catalogue = control.stats()["counts"]
    stop = asyncio.Event()
    polls, buys, marks = Recorder(), Recorder(), {}
    sampler = checks.LeaderSampler(cluster.database_url, supervisor)
    background = [
        asyncio.create_task(sampler.run(stop)),
        asyncio.create_task(_track_sync(engine, catalogue["Product"], started, marks)),
    ]
    cluster.start_roles()
    background.append(asyncio.create_task(supervisor.watch()))
    buyers_done = False
    killer = asyncio.create_task(
        kill_at_random(
            supervisor,
            shape,
            lambda: buyers_done,
            cluster.gateway_ready,
            lambda message: _note(cluster, started, message),
        )
    )
    try:
        await cluster.wait_gateways()
        _note(cluster, started, f"gateways ready; marks {marks}")
        background.append(asyncio.create_task(poll(cluster.api_url, POLL_PATH, stop, polls)))
        per_detail = BUYERS_PER_DETAIL
        needed = max(1, -(-shape.orders // per_detail))
        candidates = await asyncio.to_thread(_candidates, control, needed, 2 * per_detail)
        _note(cluster, started, f"{len(candidates)} candidate details; waiting for {needed} on sale")
        details = await sellable_details(cluster.api_url, candidates, needed, 2 * per_detail, timeout_s=1800)
        buying_from = time.monotonic()
        _note(cluster, started, f"buying; {len(supervisor.kills)} kills so far; marks {marks}")
        purchases = await run_buyers(
            cluster.api_url,
            f"http://127.0.0.1:{cluster.sims.sms_port}",
            details,
            shape.orders,
            shape.buyer_concurrency,
            buys,
            shape.seed,
            shape.buyer_arrival_s,
        )
        buying_until = max((p.paid_at for p in purchases if p.paid_at), default=time.monotonic())
        buyers_done = True
        _note(cluster, started, f"bought: {Counter(p.status for p in purchases)}; {len(supervisor.kills)} kills")
        await killer
        kills = supervisor.kills
        _note(
            cluster,
            started,
            f"killing stopped after {len(kills)} kills: {Counter(k.role for k in kills)}; marks {marks}",
        )
        await cluster.wait_gateways()
        recovered_at, settle_problems = await _settled(engine, control, settle_timeout_s)
        _note(cluster, started, f"settled {settle_problems or 'ok'}; checking")
    finally:
        killer.cancel()
        stop.set()
        supervisor.stopping = True
        await asyncio.gather(*background, killer, return_exceptions=True)
        supervisor.stopping = False
    first_kill, last_kill = kills[0].at, kills[-1].at
    scheduler_kills = sum(1 for k in kills if k.role == "scheduler")
    outcome.problems["settle"] = settle_problems
    outcome.problems["leadership"] = checks.leadership_problems(sampler.samples, supervisor)
    outcome.problems["runs"] = await checks.overlapping_runs(
        engine, scheduler_kills + await _unfinished_live_runs(engine)
    )
    invoice_problems, invoice_counts = await checks.invoice_problems(engine, control)
    outcome.problems["invoices"] = invoice_problems
    outcome.problems["serving"] = checks.serving_problems(polls.calls, purchases)
    outcome.problems["unexpected_exits"] = [f"{r}-{s} exited {code}" for r, s, code in supervisor.unexpected_exits]
    outcome.problems["store_equals_mahak"] = await _store_differences(cluster, engine, control)
    _note(
        cluster,
        started,
        f"checked: {sum(map(len, outcome.problems.values()))} problems; kills at "
        f"{[(round(k.at - started, 1), k.role, k.slot) for k in kills]}",
    )
    paid = [p for p in purchases if p.status == "paid"]
    outcome.figures |= {
        "products": catalogue["Product"],
        "orders": shape.orders,
        "paid": len(paid),
        **invoice_counts,
        "processes": {r: shape.replicas(r) for r in ("api", "scheduler", "worker", "exporter")},
        "kills": len(kills),
        "kills_by_role": {r: sum(1 for k in kills if k.role == r) for r in ("api", "scheduler", "worker", "exporter")},
        "kill_phase_s": round(last_kill - first_kill, 1),
        "incarnations": len(supervisor.history),
        "leader_samples": len(sampler.samples),
        "leader_changes": _leader_changes(sampler.samples),
        "products_synced_s": _round(marks.get("products_synced_s")),
        "first_full_sync_s": _round(marks.get("first_cycle_s")),
        "products_per_s": _rate(catalogue["Product"], marks.get("products_synced_s")),
        "buying_s": round(buying_until - buying_from, 1),
        "orders_paid_per_s": _rate(len(paid), buying_until - buying_from),
        "recovery_after_last_kill_s": round(recovered_at - last_kill, 1),
        "poller_during_kills": latency_summary(polls.calls, first_kill, last_kill),
        "poller_all": latency_summary(polls.calls, started, recovered_at),
        "buyer_requests_during_kills": latency_summary(buys.calls, first_kill, last_kill),
        "buyer_retried_calls": sum(1 for c in buys.calls if c.retried),
    }


def _leader_changes(samples: list[checks.Sample]) -> int:
    leaders = [s.leaders[0] for s in samples if s.leaders]
    return sum(1 for a, b in itertools.pairwise(leaders) if a != b)


def _rate(count: int, seconds: float | None) -> float | None:
    return round(count / seconds, 1) if seconds else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


async def _store_differences(cluster: Cluster, engine: Any, control: ControlClient) -> list[str]:
    """``assert_store_matches_mahak`` over every synced entity, its failure turned into a problem."""
    from types import SimpleNamespace

    visitor = SimpleNamespace(session=SimpleNamespace(visitor_id=DEMO_VISITOR_ID))
    try:
        await assert_store_matches_mahak(SimpleNamespace(engine=engine, mahak=visitor), control)
    except AssertionError as exc:
        return str(exc).splitlines()[:20]
    return []
