"""What a scaled-out run under ``kill -9`` must show, as checks that return their problems (empty: passed).

Leadership is observed from outside, in PostgreSQL: a sampler reads ``pg_locks`` every 100 ms for the scheduler's
leader lock (``LEADER_LOCK``) and the fetcher's per-entity run locks (``ENTITY_RUN_LOCK``), and maps
each holding backend to the OS process on the other end of its TCP connection (``/proc``), so every sample says
which supervised process led and which fetched.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from hamgam.adapters.db.engine import async_url
from hamgam.domain.sync.entities import SYNC_ORDER
from hamgam.services.sync.fetcher import ENTITY_RUN_LOCK
from hamgam.services.sync.scheduler import LEADER_LOCK
from tests.deploy.scaled_out import Supervisor

_LOCKS = text(
    """SELECT l.objsubid, l.classid::bigint AS classid, l.objid::bigint AS objid, l.pid, a.client_port
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND l.objsubid = 2 AND l.classid::bigint IN (:leader_ns, :entity_ns)"""
)


@dataclass
class Sample:
    at: float
    #: OS pids of the processes holding the leader lock (None: a backend whose client is already gone).
    leaders: list[int | None]
    #: ``(entity, OS pid)`` of every held entity-run lock.
    fetching: list[tuple[str, int | None]]


def _sockets_to_postgres() -> dict[int, str]:
    """Local TCP port -> socket inode of every connection to port 5432 on this machine."""
    found: dict[int, str] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as lines:
                next(lines)
                for line in lines:
                    parts = line.split()
                    local, remote, inode = parts[1], parts[2], parts[9]
                    if int(remote.rsplit(":", 1)[1], 16) == 5432:
                        found[int(local.rsplit(":", 1)[1], 16)] = inode
        except FileNotFoundError:
            continue
    return found


def _owner(inode: str, pids: list[int]) -> int | None:
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return pid
                except OSError:
                    continue
        except OSError:
            continue
    return None


@dataclass
class LeaderSampler:
    """Samples lock holders every ``every_s`` until stopped; ``samples`` is the record the checks read."""

    database_url: str
    supervisor: Supervisor
    every_s: float = 0.1
    samples: list[Sample] = field(default_factory=list)
    _owners: dict[tuple[int, int], int | None] = field(default_factory=dict)

    def _process_of(self, backend_pid: int, client_port: int | None) -> int | None:
        key = (backend_pid, client_port or 0)
        if key not in self._owners or self._owners[key] is None:
            inode = _sockets_to_postgres().get(client_port or -1)
            pids = [i.pid for i in self.supervisor.history if i.alive]
            self._owners[key] = _owner(inode, pids) if inode else None
        return self._owners[key]

    async def run(self, stop: asyncio.Event) -> None:
        engine = create_async_engine(async_url(self.database_url), pool_size=1)
        try:
            async with engine.connect() as conn:
                names = [e.name for e in SYNC_ORDER]
                hashes = (
                    await conn.execute(text("SELECT e, hashtext(e) FROM unnest(CAST(:n AS text[])) e"), {"n": names})
                ).all()
                entity_of = {h & 0xFFFFFFFF: e for e, h in hashes}
                # A lock of ``hamgam.ports.locks`` is the pair (hashtext(name), key): the name is the class id.
                namespaces = (
                    await conn.execute(
                        text("SELECT hashtext(:leader), hashtext(:entity)"),
                        {"leader": LEADER_LOCK, "entity": ENTITY_RUN_LOCK},
                    )
                ).one()
                leader_ns, entity_ns = (h & 0xFFFFFFFF for h in namespaces)
                params = {"leader_ns": leader_ns, "entity_ns": entity_ns}
                while not stop.is_set():
                    at = time.monotonic()
                    rows = (await conn.execute(_LOCKS, params)).mappings().all()
                    await conn.commit()
                    self.samples.append(
                        Sample(
                            at,
                            [self._process_of(r["pid"], r["client_port"]) for r in rows if r["classid"] == leader_ns],
                            [
                                (
                                    entity_of.get(r["objid"], str(r["objid"])),
                                    self._process_of(r["pid"], r["client_port"]),
                                )
                                for r in rows
                                if r["classid"] == entity_ns
                            ],
                        )
                    )
                    await asyncio.sleep(max(0.0, at + self.every_s - time.monotonic()))
        finally:
            await engine.dispose()


def leadership_problems(samples: list[Sample], supervisor: Supervisor) -> list[str]:
    """One scheduler leads at a time, and only the leader fetches.

    1. No sample shows two holders of the leader lock (PostgreSQL grants it to one session; this confirms the
       lock the schedulers use is the one observed).
    2. Every holder is a supervised *scheduler* process.
    3. Leadership moves only when the leader dies: a process that held the lock and is followed by another
       must have been killed before the other was first seen holding it, and never holds it again. A scheduler
       that let go of the lock while alive (a pooled, recycled or timed-out lock connection) fails here, and so
       does a second scheduler that took a lock the first still believed it held.
    4. Every backend holding an entity-run lock belongs to the process that leads in that sample, or to a
       process already killed (its backend lingers a moment). A follower, or a deposed leader still finishing
       its cycle, fetching next to the new leader (two leaders acting at once) fails here.
    """
    processes = supervisor.by_pid()
    problems: list[str] = []
    previous: int | None = None
    retired: set[int] = set()

    def killed_by(pid: int | None, at: float) -> bool:
        incarnation = processes.get(pid) if pid is not None else None
        return incarnation is not None and incarnation.killed_at is not None and incarnation.killed_at <= at

    for sample in samples:
        if len(sample.leaders) > 1:
            problems.append(f"t={sample.at:.1f}: {len(sample.leaders)} holders of the leader lock")
        leader = sample.leaders[0] if sample.leaders else None
        if leader is not None:
            role = processes[leader].role if leader in processes else "unknown process"
            if role != "scheduler":
                problems.append(f"t={sample.at:.1f}: the leader lock is held by {role} pid {leader}")
            if leader in retired:
                problems.append(f"t={sample.at:.1f}: pid {leader} leads again after another scheduler led")
            if previous is not None and leader != previous:
                if not killed_by(previous, sample.at):
                    problems.append(
                        f"t={sample.at:.1f}: leadership moved {previous} -> {leader} while {previous} lived"
                    )
                retired.add(previous)
            previous = leader
        for entity, pid in sample.fetching:
            if pid is not None and pid != leader and not killed_by(pid, sample.at):
                problems.append(f"t={sample.at:.1f}: pid {pid} fetches {entity} while {leader} leads")
    return problems[:20]


_OVERLAPS = text(
    """WITH runs AS (
         SELECT r.id, r.entity, r.started_at, r.finished_at IS NULL AS unfinished,
                COALESCE(r.finished_at, GREATEST(r.started_at, r.fetched_at,
                         (SELECT max(b.created_at) FROM sync_batch b WHERE b.run_id = r.id))) AS ended_at
         FROM sync_run r)
       SELECT a.entity, a.id AS first, b.id AS second, a.started_at AS a_start, a.ended_at AS a_end,
              b.started_at AS b_start
       FROM runs a JOIN runs b ON a.entity = b.entity AND a.id < b.id
       WHERE b.started_at < a.ended_at AND a.started_at < b.ended_at
       LIMIT 20"""
)


async def overlapping_runs(engine: Any, scheduler_kills: int) -> list[str]:
    """No two fetch runs of one entity overlap in time in ``sync_run``, and only killed leaders left runs open.

    A run that ended ran from ``started_at`` to ``finished_at``. A run a killed leader left ``running`` has no
    end; its last sign of life (fetched_at, or the creation of its last batch) stands in for it, which can only
    shorten it, so an overlap found is a real one. This guards the per-entity run lock, which is what keeps two
    schedulers (or a cycle and an on-demand run) from fetching one entity at once; the sampler cannot see short
    runs that start and end between two samples, and this can.
    """
    async with engine.connect() as conn:
        overlaps = (await conn.execute(_OVERLAPS)).mappings().all()
        unfinished = await conn.scalar(text("SELECT count(*) FROM sync_run WHERE finished_at IS NULL"))
    problems = [
        f"{o['entity']}: runs {o['first']} ({o['a_start']}–{o['a_end']}) and {o['second']} "
        f"(from {o['b_start']}) overlap"
        for o in overlaps
    ]
    if unfinished > scheduler_kills:
        problems.append(f"{unfinished} runs never finished, but only {scheduler_kills} schedulers were killed")
    return problems


_ORDER_OF_INVOICE = re.compile(r"Hamgam online order (\d+)\s*$")


async def invoice_problems(engine: Any, control: Any) -> tuple[list[str], dict[str, int]]:
    """Every paid order is exactly one sales invoice in Mahak, under its own client id, and no invoice names an
    order that was not paid.

    The exporter writes ``Hamgam online order <id>`` in the invoice's description and sends the order under the
    client id allocated for its export job (``mahak_client_id``, kind ``order``); both are matched.
    """
    async with engine.connect() as conn:
        paid = set((await conn.scalars(text("SELECT id FROM store_order WHERE paid_at IS NOT NULL"))).all())
        client_ids = dict(
            (
                await conn.execute(
                    text(
                        """SELECT j.order_id, c.client_id FROM export_job j
               JOIN mahak_client_id c ON c.job_id = j.id AND c.kind = 'order'
               WHERE j.kind = 'sale'"""
                    )
                )
            ).all()
        )
    invoices = [r for r in control.rows("Order") if r.get("OrderType") == 201 and not r.get("Deleted")]
    by_order: Counter[int] = Counter()
    by_client_id: Counter[int] = Counter()
    for row in invoices:
        match = _ORDER_OF_INVOICE.search(row.get("Description") or "")
        if match:
            by_order[int(match.group(1))] += 1
            by_client_id[row.get("OrderClientId")] += 1
    problems = [f"order {o}: paid, no invoice in Mahak" for o in sorted(paid - by_order.keys())[:10]]
    problems += [f"order {o}: {n} invoices in Mahak" for o, n in sorted(by_order.items()) if n > 1][:10]
    problems += [f"order {o}: invoiced but never paid" for o in sorted(by_order.keys() - paid)[:10]]
    problems += [f"client id {c}: {n} invoices" for c, n in by_client_id.items() if n > 1][:10]
    problems += [
        f"order {o}: invoice not under its client id {client_ids.get(o)}"
        for o in sorted(paid)
        if client_ids.get(o) not in by_client_id
    ][:10]
    return problems, {"paid_orders": len(paid), "hamgam_invoices": sum(by_order.values())}


def serving_problems(polls: list[Any], purchases: list[Any]) -> list[str]:
    """The gateways kept serving: every poll that failed succeeded on its first retry, every call ended well,
    and every buyer's payment was verified."""
    problems = [
        f"poll at t={c.attempts[0].at:.1f} failed and so did its first retry: {[a.outcome for a in c.attempts]}"
        for c in polls
        if c.retried and not c.first_retry_ok
    ][:10]
    problems += [f"buyer {p.mobile}: {p.error or p.status}" for p in purchases if p.status != "paid"][:10]
    return problems
