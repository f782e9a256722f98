"""Sync benchmarks (issue 4), all against real servers on this machine.

1. Initial sync of N products with their details, stock per warehouse and visitor links: the simulator in its own
   process over HTTP → adapter → fetcher (this process) → RabbitMQ → worker processes → PostgreSQL. Baseline in
   the same run: a bare ``INSERT … SELECT unnest(…) ON CONFLICT`` of the same rows, in pages of the same size.
2. A no-change incremental run: requests per entity and rows written.
3. Change-to-store latency with a 2 s poll (scheduler and worker processes just started, the bulk entities being
   walked from RowVersion 0 meanwhile, as after a start at a large catalogue).
4. The fetcher's peak memory (this process's max RSS) — compare the figures of two sizes.

Usage: ``.venv/bin/python bench/bench_sync.py --products 1000000`` (PostgreSQL and RabbitMQ at 127.0.0.1).
Writes the figures to ``--out`` as each stage is measured (a stage that fails is recorded as failed, with
its reason, and the others still run); prints the whole JSON object at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx2
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import pool, text

from hamgam.adapters.db.migrate import upgrade_to_head
from hamgam.adapters.db.schema.catalog import SYNCED_TABLES
from hamgam.adapters.db.upsert import UpsertStatement
from hamgam.bootstrap import build
from hamgam.domain.sync.entities import SYNC_ORDER, Lane, entity_named
from hamgam.logs import configure_logging
from hamgam.settings import Settings

ENTITIES = ["Product", "ProductDetail", "ProductDetailStoreAsset", "VisitorProduct"]
BIN = Path(sys.executable).parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBITMQ = os.environ.get("BENCH_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/")
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin(sql: str) -> None:
    engine = create_sync_engine(
        SERVER.replace("postgresql://", "postgresql+psycopg://"),
        poolclass=pool.NullPool,
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def start_simulator(products: int, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(BIN / "hamgam-sim"), "mahak", "--port", str(port), "--products", str(products)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            httpx2.get(f"http://127.0.0.1:{port}/_control/stats", timeout=2).raise_for_status()
            return process
        except httpx2.HTTPError:
            time.sleep(0.5)
    raise RuntimeError("simulator did not start")


def wait_ready(ports: list[int], timeout_s: float = 300) -> None:
    """Wait until every role's health server answers ``/readyz`` (a role's start-up is not part of a sync)."""
    deadline = time.monotonic() + timeout_s
    for port in ports:
        while True:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the role on health port {port} never became ready")
            time.sleep(0.2)


def role(name: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "hamgam"), name],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(*processes: subprocess.Popen) -> None:
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by the processes ``pids`` (Linux ``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


async def initial_sync(settings: Settings, worker_pids: list[int]) -> dict:
    container = await build(settings)
    try:
        # CPU seconds per 1,000 rows: a figure the machine's load changes far less than the wall clock
        fetcher_cpu = time.process_time()
        workers_cpu = cpu_seconds(worker_pids)
        started = time.perf_counter()
        rows = 0
        per_entity = {}
        for entity in ENTITIES:
            t0 = time.perf_counter()
            result = await container.fetcher.run(entity, "full")
            assert result.status == "succeeded", result
            rows += result.stats["rows_inserted"] + result.stats["rows_updated"]
            per_entity[entity] = {
                "rows": result.stats["rows_fetched"],
                "seconds": round(time.perf_counter() - t0, 2),
            }
        seconds = time.perf_counter() - started
        fetcher_cpu = time.process_time() - fetcher_cpu
        workers_cpu = cpu_seconds(worker_pids) - workers_cpu
        return {
            "rows": rows,
            "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds),
            "fetcher_cpu_s": round(fetcher_cpu, 2),
            "workers_cpu_s": round(workers_cpu, 2),
            "cpu_ms_per_1000_rows": {
                "fetcher": round(1e6 * fetcher_cpu / rows, 1),
                "workers": round(1e6 * workers_cpu / rows, 1),
            },
            "per_entity": per_entity,
            "fetcher_max_rss_mb": round(max_rss_mb(), 1),
        }
    finally:
        await container.aclose()


async def baseline(settings: Settings, page_size: int) -> dict:
    """The same rows again, as bare unnest upserts (no HTTP, no queue, no RowVersion guard), into fresh tables."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from hamgam.adapters.db.engine import async_url

    engine = create_async_engine(async_url(settings.database_url), pool_size=2)
    total_rows = 0
    total_seconds = 0.0
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        for entity in ENTITIES:
            table = SYNCED_TABLES[entity_named(entity).table]
            statement = UpsertStatement(table, reconcile=False)
            names = [c.name for c in statement.data_columns]
            records = await driver.fetch(
                f"SELECT {', '.join(names)}, mahak_id, row_version, deleted_at IS NOT NULL AS deleted FROM {table.name}"
            )
            rows = [dict(r) for r in records]
            for row in rows:
                for column in statement.data_columns:
                    if column.name == "prices_rial":
                        row[column.name] = list(row[column.name])
            await driver.execute(f"CREATE TEMP TABLE bare_{table.name} (LIKE {table.name} INCLUDING ALL)")
            bare_sql = statement.sql.replace(f"INSERT INTO {table.name} AS t", f"INSERT INTO bare_{table.name} AS t")
            bare_sql = bare_sql.split("WHERE t.row_version")[0]  # no guard, no RETURNING: the bare statement
            started = time.perf_counter()
            for i in range(0, len(rows), page_size):
                async with conn.begin():
                    await driver.execute(bare_sql, *statement.arguments(rows[i : i + page_size]))
            total_seconds += time.perf_counter() - started
            total_rows += len(rows)
            await driver.execute(f"DROP TABLE bare_{table.name}")
            del rows, records
    await engine.dispose()
    return {
        "rows": total_rows,
        "seconds": round(total_seconds, 2),
        "rows_per_s": round(total_rows / total_seconds),
    }


async def no_change_run(settings: Settings, sim_url: str) -> dict:
    container = await build(settings)
    try:
        before = httpx2.get(f"{sim_url}/_control/stats").json()["pulls"]
        written = 0
        for entity in ENTITIES:
            result = await container.fetcher.run(entity)
            written += result.stats["rows_inserted"] + result.stats["rows_updated"] + result.stats["rows_deleted"]
        after = httpx2.get(f"{sim_url}/_control/stats").json()["pulls"]
        return {"requests": after - before, "entities": len(ENTITIES), "rows_written": written}
    finally:
        await container.aclose()


def change_latency(env: dict[str, str], sim_url: str, database_url: str, samples: int) -> dict:
    """Change → store with the scheduler just started at a large catalogue: the bulk entities (extra data,
    pictures, people…), never synced by the stages before, are walked from RowVersion 0 meanwhile. The first
    change is made as soon as a bulk entity's run is under way, and each sample notes whether one still was."""
    started_at = time.perf_counter()
    processes = [
        role(
            "scheduler",
            {**env, "HAMGAM_SYNC__INTERVAL_S": "2", "HAMGAM_HEALTH_PORT": str(free_port())},
        ),
        role("worker", {**env, "HAMGAM_HEALTH_PORT": str(free_port())}),
    ]
    # one connection for the whole stage (each statement sees the latest commits): the machine's PostgreSQL is
    # shared, and a connection per poll once met "too many clients"
    engine = create_sync_engine(
        database_url.replace("postgresql://", "postgresql+psycopg://"),
        poolclass=pool.NullPool,
        isolation_level="AUTOCOMMIT",
    )
    conn = engine.connect()
    bulk = [e.name for e in SYNC_ORDER if e.lane == Lane.BULK]

    def bulk_runs_under_way() -> int:
        return int(
            conn.scalar(
                text("SELECT count(*) FROM sync_run WHERE status = 'running' AND entity = ANY(:bulk)"),
                {"bulk": bulk},
            )
        )

    latencies: list[float] = []
    busy = 0
    try:
        while not bulk_runs_under_way():
            if time.perf_counter() - started_at > 300:
                raise RuntimeError("no bulk entity's run started within 300 s of the start")
            time.sleep(0.2)
        first_change_after_s = round(time.perf_counter() - started_at, 1)
        for i in range(samples):
            name = f"تغییر {uuid.uuid4().hex[:6]} {i}"
            started = time.perf_counter()
            httpx2.post(f"{sim_url}/_control/rows/Product", json={"rows": [{"ProductId": 1, "Name": name}]})
            bulk_busy = bulk_runs_under_way() > 0
            while True:
                if conn.scalar(text("SELECT name FROM product WHERE mahak_id = 1")) == name:
                    break
                if time.perf_counter() - started > 60:
                    raise RuntimeError(f"change {i + 1} never reached the store within 60 s")
                time.sleep(0.02)
            latencies.append(time.perf_counter() - started)
            if bulk_busy and bulk_runs_under_way():  # under way before and after the change reached the store
                busy += 1
            time.sleep(0.7)
        last_change_after_s = round(time.perf_counter() - started_at, 1)
        bulk_still_running = bulk_runs_under_way()
    except Exception as exc:  # the samples measured before the failure are figures too
        raise RuntimeError(
            f"{type(exc).__name__}: {exc} — after {len(latencies)} samples: {[round(x, 2) for x in latencies]} s, "
            f"{busy} of them with a bulk run under way"
        ) from exc
    finally:
        stop(*processes)
        conn.close()
        engine.dispose()
    return {
        "samples": samples,
        "median_s": round(statistics.median(latencies), 2),
        "p95_s": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))], 2),
        "max_s": round(max(latencies), 2),
        "latencies_s": [round(x, 2) for x in latencies],
        "samples_with_a_bulk_run_under_way": busy,
        "first_change_after_start_s": first_change_after_s,
        "last_change_after_start_s": last_change_after_s,
        "bulk_runs_still_under_way_at_the_end": bulk_still_running,
    }


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Record:
    """The benchmark's figures, written to ``path`` as each stage is measured: a stage that fails later (or a run
    killed midway) leaves every figure measured before it on disk. A failed stage is recorded as failed, with its
    reason, and the stages after it still run."""

    def __init__(self, path: Path, head: dict[str, Any]) -> None:
        self.path = path
        self.figures: dict[str, Any] = dict(head)
        self.failed: list[str] = []
        self._write()

    def stage(self, name: str, measure: Callable[[], T]) -> T | None:
        """Run one stage: record its figures, or that it failed and why."""
        started = time.perf_counter()
        try:
            value = measure()
        except Exception as exc:  # the reason is the figure: the run goes on and says what failed
            self.failed.append(name)
            self.figures[name] = {
                "status": "failed",
                "error": f"{type(exc).__name__}: {exc}",
                "after_s": round(time.perf_counter() - started, 1),
            }
            self._write()
            return None
        self.figures[name] = value
        self._write()
        return value

    def set(self, name: str, value: Any) -> None:
        self.figures[name] = value
        self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".part")
        partial.write_text(json.dumps(self.figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(partial, self.path)  # never a half-written file


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--latency-samples", type=int, default=10)
    parser.add_argument(
        "--out", type=Path, help="where the figures are written as measured (default: bench/results/sync_N.json)"
    )
    args = parser.parse_args()
    configure_logging("WARNING")
    out = args.out or Path(__file__).parent / "results" / f"sync_{args.products}.json"

    record = Record(
        out,
        {
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{platform.machine()} {os.cpu_count()} cores, "
            f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') // 2**30} GiB, "
            f"Python {platform.python_version()}",
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "products": args.products,
            "page_size": args.page_size,
            "worker_processes": args.workers,
        },
    )
    db = f"hamgam_bench_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{db}"')
    database_url = SERVER.rsplit("/", 1)[0] + f"/{db}"
    port = free_port()
    sim_url = f"http://127.0.0.1:{port}"
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    env = {
        "HAMGAM_DATABASE_URL": database_url,
        "HAMGAM_RABBITMQ_URL": RABBITMQ,
        "HAMGAM_QUEUE_PREFIX": prefix,
        "HAMGAM_MAHAK__BASE_URL": f"{sim_url}/API/v3",
        "HAMGAM_MAHAK__PAGE_SIZE": str(args.page_size),
        "HAMGAM_MAHAK__RATE_PER_S": "10000",
        "HAMGAM_MAHAK__RATE_BURST": "10000",
        "HAMGAM_LOG_LEVEL": "WARNING",
        "HAMGAM_SYNC__WORKERS": "2",
    }
    settings = Settings(
        database_url=database_url,
        rabbitmq_url=RABBITMQ,
        queue_prefix=prefix,
        mahak={
            "base_url": f"{sim_url}/API/v3",
            "page_size": args.page_size,
            "rate_per_s": 10000,
            "rate_burst": 10000,
        },
    )
    simulator: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = []
    try:
        upgrade_to_head(database_url)
        t0 = time.perf_counter()
        simulator = start_simulator(args.products, port)
        record.set("simulator_generation_s", round(time.perf_counter() - t0, 1))
        health_ports = [free_port() for _ in range(args.workers)]
        workers = [role("worker", {**env, "HAMGAM_HEALTH_PORT": str(p)}) for p in health_ports]
        wait_ready(health_ports)  # the sync is timed from running workers, as the baseline from a running server
        sync = record.stage("initial_sync", lambda: asyncio.run(initial_sync(settings, [w.pid for w in workers])))
        record.stage("no_change_run", lambda: asyncio.run(no_change_run(settings, sim_url)))
        stop(*workers)
        workers = []
        base = record.stage("baseline_bare_upsert", lambda: asyncio.run(baseline(settings, args.page_size)))
        if sync is not None and base is not None:
            record.set("ratio", round(sync["rows_per_s"] / base["rows_per_s"], 3))
        if args.latency_samples > 0:  # 0: the stage is left out, not failed for want of samples
            record.stage(
                "change_to_store_latency_2s_poll",
                lambda: change_latency(env, sim_url, database_url, args.latency_samples),
            )
    finally:
        stop(*workers, *([simulator] if simulator is not None else []))
        admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        record.set("load_average_at_end", [round(x, 2) for x in os.getloadavg()])
    print(json.dumps(record.figures, ensure_ascii=False, indent=2))
    if record.failed:
        sys.exit(f"failed stages: {', '.join(record.failed)} (figures of the others in {out})")


if __name__ == "__main__":
    main()
