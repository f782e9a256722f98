"""Open-loop load benchmark (issue 17 point 2): the catalogue's pages and API calls at a fixed arrival rate, each
request's latency measured from the time it was due, so that queueing is not hidden.

The closed-loop benchmarks (``bench_store.py``, ``bench_pages.py``) run C clients back to back: when the server
slows down the clients send less, and the wait of the requests that would have arrived meanwhile is never measured.
Here request k is due at t0 + k / rate whatever became of the earlier ones (``--poisson SEED``: Poisson arrivals at
the same mean rate instead); each request runs on its own task, so a slow answer never delays the next send; its
latency is answer time − due time, not − actual send time. A request not answered ``--timeout`` seconds after it was
due is a timeout.

1. The database: ``--database-url`` reuses a loaded catalogue and only reads it; without it a fresh database is
   created, migrated, loaded by ``bench_store.load`` with ``--products`` products, and dropped at the end.
2. The gateway: ``hamgam api`` in its own process (``--gateways N``: N processes sharing the port with
   SO_REUSEPORT), with ``bench_store.gateway_env``.
3. The scenarios: the paths of ``bench_pages.scenarios`` (``category_page``, ``category_api``, ``product_page``,
   ``product_api``, ``search_page``, ``search_api``, ``home_page``, ``home_api``) and ``healthz``, which costs the
   gateway next to nothing and so shows the load generator's own overhead and send lag.
4. Each scenario at each ``--rate``: ``--warmup`` seconds of arrivals, not counted, then ``--seconds`` measured
   (one schedule, no pause between the two), then the answers still awaited. Each run has gateways of its own,
   started for it once a request to its path answers 200 and measured once they are idle (under 0.05 core, none
   of their PostgreSQL connections busy): an overloaded run leaves thousands of requests queued in its gateway.

Figures per run: requests offered and answered per second; latency p50/p95/p99/max from the due time, where a
failed or timed-out request counts as slower than any answer (so p95 is only finite when fewer than 5 % failed);
errors and timeouts; how late the sender itself started each request (send lag p50/p99/max); the CPU of the load
generator and of the gateway (cores and ms per request); how busy the machine's cores were; the 1-minute load
average. A run whose sender fell behind (send lag p99 above ``--max-lag-ms``) is flagged invalid: its latencies
include the generator's delay. The goals: p95 ≤ 50 ms for the category and product pages and their API calls,
≤ 150 ms for the search (a broad word, ``bench_store.SEARCH_WORD``).

The load generator runs in this process on one asyncio loop with a plain HTTP/1.1 client on asyncio streams
(``--client raw``); ``--client httpx2``, the closed-loop benchmarks' client, costs several times its CPU per request
and its pool slows down as requests pile up in flight, so there the sender falls behind first (``healthz`` shows
both).

Usage, from the repository root (``--database-url`` left out: a fresh 1,000,000-product database is loaded for
the run, about 70 s more, and dropped after it)::

    DB=postgresql://postgres@127.0.0.1:5432/hamgam_bench_1m
    .venv/bin/python bench/bench_open_loop.py --database-url $DB --rate 50 200 > bench/results/open_loop_1000000.json

Defaults: the six catalogue scenarios and healthz, 30 s measured after a 5 s warm-up, fixed arrivals, 10 s
timeout, one gateway, ``--client raw``. About 20 minutes for the two rates, most of it in runs the gateway cannot
keep up with. Prints one JSON object on stdout and one line per run on stderr as it is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx2
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_pages
import bench_store

#: The catalogue scenarios measured by default, each ``<bench_pages scenario>_<page|api>``.
CATALOGUE = ("category_page", "category_api", "product_page", "product_api", "search_page", "search_api")
#: Goal for the p95 latency of each scenario kind (issue 17 point 2), milliseconds.
GOAL_P95_MS = {"category": 50.0, "product": 50.0, "search": 150.0}
#: Delay between building the schedule and its first request, seconds.
START_DELAY_S = 0.1
#: The gateway counts as idle once it uses less than this share of a core.
IDLE_CORES = 0.05

#: Sends ``GET path`` and returns the HTTP status once the whole body is read.
Get = Callable[[str], Awaitable[int]]


# ------------------------------------------------------------------------------------------------ schedule


def arrival_offsets(rate: float, duration_s: float, poisson_seed: int | None = None) -> list[float]:
    """Due times of the requests of a run, seconds from its start, in ascending order, all below ``duration_s``.

    Fixed arrivals: request k is due at k / rate (``ceil(rate × duration)`` requests, the last one under
    ``duration_s``). Poisson arrivals: exponential gaps of mean 1 / rate drawn from ``random.Random(seed)``, so a
    seed always gives the same schedule.
    """
    if rate <= 0 or duration_s <= 0:
        raise ValueError("rate and duration must be positive")
    if poisson_seed is None:
        return [k / rate for k in range(math.ceil(rate * duration_s)) if k / rate < duration_s]
    draw = random.Random(poisson_seed)
    offsets: list[float] = []
    due = draw.expovariate(rate)
    while due < duration_s:
        offsets.append(due)
        due += draw.expovariate(rate)
    return offsets


# ------------------------------------------------------------------------------------------------ figures


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One request: when it was due (seconds from the start of the run), how late its task started, and when it
    was answered (seconds after it was due; None when it failed)."""

    due_s: float
    send_lag_s: float
    latency_s: float | None
    failure: str | None = None


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of ascending ``ordered``: the smallest value with at least ``p`` of all values at
    or below it."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def _ms(seconds: float) -> float | None:
    """Milliseconds, one decimal; None for an infinite value (a failure)."""
    return None if math.isinf(seconds) else round(seconds * 1000, 1)


def summarize(outcomes: Sequence[Outcome], measured_from_s: float, measured_s: float, max_lag_ms: float) -> dict:
    """The figures of the requests due at or after ``measured_from_s`` (the warm-up's are left out).

    Latency percentiles take every measured request, a failure as slower than any answer; the answered rate is
    the successful answers over the time from the first measured due time to the last answer. The run is valid
    when the sender's p99 lag is at most ``max_lag_ms``.
    """
    measured = [o for o in outcomes if o.due_s >= measured_from_s]
    ok = [o for o in measured if o.failure is None]
    failures = collections.Counter(o.failure for o in measured if o.failure is not None)
    latencies = sorted(math.inf if o.latency_s is None else o.latency_s for o in measured)
    lags = sorted(o.send_lag_s for o in measured)
    answered_until = max((o.due_s + o.latency_s for o in ok if o.latency_s is not None), default=measured_from_s)
    answered_window = max(answered_until - measured_from_s, measured_s)
    lag_p99_ms = _ms(percentile(lags, 0.99)) if lags else None
    invalid = []
    if not measured:
        invalid.append("no request measured")
    if lag_p99_ms is not None and lag_p99_ms > max_lag_ms:
        invalid.append(f"the sender fell behind: send lag p99 {lag_p99_ms} ms > {max_lag_ms} ms")
    return {
        "requests": len(measured),
        "ok": len(ok),
        "errors": sum(n for kind, n in failures.items() if kind != "timeout"),
        "timeouts": failures["timeout"],
        **({"failure_kinds": dict(failures)} if failures else {}),
        "offered_rps": round(len(measured) / measured_s, 1),
        "answered_rps": round(len(ok) / answered_window, 1),
        "latency_ms": {name: _ms(percentile(latencies, p)) for name, p in _PERCENTILES},
        "send_lag_ms": {"p50": _ms(percentile(lags, 0.5)), "p99": lag_p99_ms, "max": _ms(lags[-1]) if lags else None},
        "valid": not invalid,
        **({"invalid_because": invalid} if invalid else {}),
    }


_PERCENTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))


def goal_p95_ms(scenario: str) -> float | None:
    return GOAL_P95_MS.get(scenario.split("_", 1)[0])


# ------------------------------------------------------------------------------------------------ load generator


async def open_loop(get: Get, path: str, offsets: Sequence[float], timeout_s: float) -> tuple[list[Outcome], int]:
    """Send ``GET path`` at each of ``offsets`` (seconds from now), each on its own task; returns the outcomes in
    schedule order and the most requests in flight at once. Waits for every answer or timeout."""
    loop = asyncio.get_running_loop()
    outcomes: list[Outcome | None] = [None] * len(offsets)
    in_flight = most_in_flight = 0

    async def one(k: int, due: float) -> None:
        nonlocal in_flight, most_in_flight
        started = loop.time()
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        failure: str | None
        try:
            async with asyncio.timeout_at(due + timeout_s):
                status = await get(path)
            failure = None if status == 200 else str(status)
        except TimeoutError:
            failure = "timeout"
        except Exception as exc:  # counted by kind, whatever the client raised
            failure = type(exc).__name__
        answered = loop.time()
        in_flight -= 1
        latency = answered - due if failure is None else None
        outcomes[k] = Outcome(offsets[k], started - due, latency, failure)

    start = loop.time() + START_DELAY_S
    tasks = []
    for k, offset in enumerate(offsets):
        due = start + offset
        if (wait := due - loop.time()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(k, due)))
    await asyncio.gather(*tasks)
    return [o for o in outcomes if o is not None], most_in_flight


@contextlib.asynccontextmanager
async def raw_get(base: str, connections: int) -> Any:
    """``Get`` on plain asyncio streams: HTTP/1.1 keep-alive, at most ``connections`` connections, reused last in
    first out, one opened whenever none is idle.

    httpx2's pool walks every waiting request and connection on each change, so with hundreds of requests in flight
    (a server that has fallen behind) it costs the generator milliseconds per request and the sender falls behind;
    here a request costs the same however many are in flight. A request cancelled by its timeout closes its
    connection (its answer may still be on the way).
    """
    split = urllib.parse.urlsplit(base)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    slots = asyncio.Semaphore(connections)

    async def get(path: str) -> int:
        async with slots:
            while idle and idle[-1][0].at_eof():  # closed by the server (keep-alive timeout)
                idle.pop()[1].close()
            reader, writer = idle.pop() if idle else await asyncio.open_connection(host, port)
            try:
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {split.netloc}\r\n\r\n".encode("ascii"))
                status, length, chunked, close = _head(await reader.readuntil(b"\r\n\r\n"))
                if chunked:
                    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                        await reader.readexactly(size + 2)
                    await reader.readuntil(b"\r\n")  # no trailers: the empty line after the last chunk
                else:
                    await reader.readexactly(length)
            except BaseException:
                writer.close()
                raise
            if close:
                writer.close()
            else:
                idle.append((reader, writer))
            return status

    try:
        yield get
    finally:
        for _reader, writer in idle:
            writer.close()


def _head(head: bytes) -> tuple[int, int, bool, bool]:
    """Status, content length, chunked, and whether the server closes the connection, from a response head."""
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    return (
        int(lines[0].split()[1]),
        int(headers.get("content-length", "0")),
        headers.get("transfer-encoding") == "chunked",
        headers.get("connection") == "close",
    )


@contextlib.asynccontextmanager
async def httpx2_get(base: str, connections: int) -> Any:
    """``Get`` on an httpx2 client with a pool of ``connections`` keep-alive connections (the timeout is the
    schedule's, not the client's): the client of the closed-loop benchmarks, kept to compare the generators."""
    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx2.AsyncClient(base_url=base, limits=limits, timeout=None) as client:

        async def get(path: str) -> int:
            return (await client.get(path)).status_code

        yield get


CLIENTS = {"raw": raw_get, "httpx2": httpx2_get}


# ------------------------------------------------------------------------------------------------ machine


def cpu_times() -> tuple[float, float]:
    """This process's user + system CPU seconds, and the machine's busy core-seconds (``/proc/stat``)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]  # idle + iowait
    return usage.ru_utime + usage.ru_stime, (sum(fields) - idle) / bench_pages.CLOCK_TICKS


def gateways_cpu_s(pids: Sequence[int]) -> float:
    return sum(bench_pages.process_cpu_s(pid) for pid in pids)


def postgres_ports(pids: Sequence[int], server_port: int) -> list[int]:
    """The local ports of the processes' TCP connections to ``server_port`` (Linux ``/proc``)."""
    inodes = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if (target := os.readlink(fd)).startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            _sl, local, remote, *_rest, inode = line.split()[:10]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == server_port:
                ports.append(int(local.rsplit(":", 1)[1], 16))
    return ports


def settle(pids: Sequence[int], database_url: str, max_wait_s: float = 60.0) -> float:
    """Wait until the gateways are idle: under ``IDLE_CORES`` of CPU over a second and none of their PostgreSQL
    connections in a statement or transaction; returns the seconds waited."""
    server_port = urllib.parse.urlsplit(database_url).port or 5432
    started = time.monotonic()
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.monotonic() - started < max_wait_s:
            before = gateways_cpu_s(pids)
            time.sleep(1.0)
            busy = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE client_port = ANY(%s) AND state <> 'idle'",
                [postgres_ports(pids, server_port)],
            ).fetchone()[0]
            if gateways_cpu_s(pids) - before < IDLE_CORES and not busy:
                break
    return round(time.monotonic() - started, 1)


@contextlib.contextmanager
def gateways(
    database_url: str, count: int, log_level: str, limit_concurrency: int | None = None
) -> Iterator[tuple[str, list[int]]]:
    """``count`` ``hamgam api`` processes on one free loopback port, each with ``limit_concurrency`` (None: the
    settings' default); yields the base URL and their pids."""
    port = bench_store.free_port()
    workdir = tempfile.mkdtemp(prefix="hamgam-bench-open-loop-")
    env = bench_store.gateway_env(database_url, port, workdir, log_level)
    if count > 1:
        env["HAMGAM_API_REUSE_PORT"] = "true"
    if limit_concurrency is not None:
        env["HAMGAM_API_LIMIT_CONCURRENCY"] = str(limit_concurrency)
    processes = [
        subprocess.Popen(
            [str(bench_store.BIN / "hamgam"), "api"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=workdir,
            env=env,
        )
        for _ in range(count)
    ]
    try:
        base = f"http://127.0.0.1:{port}"
        for process in processes:
            bench_store.wait_ready(f"{base}/healthz", process, timeout_s=180)  # slow on a loaded machine
        yield base, [p.pid for p in processes]
    finally:
        bench_store.stop(*processes)


@contextlib.contextmanager
def catalogue(database_url: str | None, products: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """The loaded database to measure: ``database_url`` as it is, or a fresh one loaded with ``products``
    products and dropped afterwards. Yields its URL and what the load reported (empty when reused)."""
    if database_url is not None:
        yield database_url, {}
        return
    db = f"hamgam_bench_open_loop_{uuid.uuid4().hex[:8]}"
    url = bench_store.SERVER.rsplit("/", 1)[0] + f"/{db}"
    bench_store.admin(f'CREATE DATABASE "{db}"')
    try:
        from hamgam.adapters.db.migrate import upgrade_to_head

        upgrade_to_head(url)
        yield url, bench_store.load(url, products)
    finally:
        bench_store.admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


# ------------------------------------------------------------------------------------------------ main


def scenario_paths(database_url: str) -> dict[str, str]:
    """Every scenario's path: ``bench_pages.scenarios`` as ``<name>_page`` and ``<name>_api``, and ``healthz``."""
    with psycopg.connect(database_url) as conn:
        products = conn.execute("SELECT count(*) FROM product").fetchone()[0]
    pairs = bench_pages.scenarios(bench_pages.sample_product_id(database_url, products))
    paths = {
        f"{name}_{kind}": path for name, (page, api) in pairs.items() for kind, path in (("page", page), ("api", api))
    }
    return paths | {"healthz": "/healthz"}


def run_one(get_factory: Callable[[], Any], path: str, args: argparse.Namespace, rate: float, pids: list[int]) -> dict:
    offsets = arrival_offsets(rate, args.warmup + args.seconds, args.poisson)
    load_before = os.getloadavg()[0]
    own_before, busy_before = cpu_times()
    gateway_before = gateways_cpu_s(pids)
    started = time.monotonic()

    async def measure() -> tuple[list[Outcome], int]:
        async with get_factory() as get:
            return await open_loop(get, path, offsets, args.timeout)

    outcomes, most_in_flight = asyncio.run(measure())
    wall_s = time.monotonic() - started
    own, busy = (after - before for after, before in zip(cpu_times(), (own_before, busy_before), strict=True))
    gateway = gateways_cpu_s(pids) - gateway_before
    answered = sum(o.failure is None for o in outcomes)
    return {
        "path": path,
        "rate": rate,
        **summarize(outcomes, args.warmup, args.seconds, args.max_lag_ms),
        "most_in_flight": most_in_flight,
        "generator_cpu": {"cores": round(own / wall_s, 3), "ms_per_request": round(1000 * own / len(offsets), 2)},
        "gateway_cpu": {
            "cores": round(gateway / wall_s, 3),
            "ms_per_answer": round(1000 * gateway / answered, 2) if answered else None,
        },
        "machine_busy_cores": round(busy / wall_s, 2),
        "load_average_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
    }


def measure_scenario(name: str, path: str, rate: float, database_url: str, args: argparse.Namespace) -> dict:
    """One run on fresh gateways (what an overloaded run left queued in the last ones cannot slow this one): a
    request to check the path answers, then the open-loop run once the gateways are idle."""
    with gateways(database_url, args.gateways, args.log_level, args.limit_concurrency) as (base, pids):
        status = httpx2.get(base + path, timeout=120).status_code
        if status != 200:
            print(f"{name} {rate:g}/s: GET {path} answered {status}, not measured", file=sys.stderr, flush=True)
            return {"path": path, "rate": rate, "not_measured": f"GET answered {status}"}
        waited = settle(pids, database_url)
        run = run_one(lambda: CLIENTS[args.client](base, args.connections), path, args, rate, pids)
    goal = goal_p95_ms(name)
    if goal is not None:
        p95 = run["latency_ms"]["p95"]
        run |= {"goal_p95_ms": goal, "goal_met": p95 is not None and p95 <= goal}
    run["settled_s"] = waited
    print(f"{name} {rate:g}/s: {json.dumps(run, ensure_ascii=False)}", file=sys.stderr, flush=True)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, nargs="+", default=[200.0], help="requests per second offered")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured duration of each run")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of arrivals before the measured ones")
    parser.add_argument("--scenarios", nargs="+", default=[*CATALOGUE, "healthz"], metavar="SCENARIO")
    parser.add_argument("--poisson", type=int, metavar="SEED", help="Poisson arrivals drawn with this seed")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds after its due time a request fails")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="raw", help="the load generator's HTTP client")
    parser.add_argument("--connections", type=int, default=1000, help="the client's connection pool")
    parser.add_argument("--max-lag-ms", type=float, default=10.0, help="send lag p99 above which a run is invalid")
    parser.add_argument("--gateways", type=int, default=1, help="gateway processes sharing the port")
    parser.add_argument("--log-level", default="WARNING", help="the gateway's log level")
    parser.add_argument(
        "--limit-concurrency", type=int, help="the gateways' HAMGAM_API_LIMIT_CONCURRENCY (default: the settings')"
    )
    parser.add_argument("--database-url", help="measure this loaded database (read only) instead of loading one")
    parser.add_argument("--products", type=int, default=1_000_000, help="products loaded without --database-url")
    args = parser.parse_args()

    run_started = time.perf_counter()
    result: dict[str, Any] = {}
    with catalogue(args.database_url, args.products) as (database_url, loaded):
        paths = scenario_paths(database_url)
        unknown = set(args.scenarios) - set(paths)
        if unknown:
            parser.error(f"unknown scenarios {sorted(unknown)}; known: {sorted(paths)}")
        with psycopg.connect(database_url) as conn:
            products = conn.execute("SELECT count(*) FROM product").fetchone()[0]
            postgres = conn.execute("SHOW server_version").fetchone()[0]
        try:
            for name in args.scenarios:
                for rate in args.rate:
                    run = measure_scenario(name, paths[name], rate, database_url, args)
                    result.setdefault(name, {})[f"{rate:g}/s"] = run
        finally:
            print(
                json.dumps(
                    {
                        "date": time.strftime("%Y-%m-%d %H:%M"),
                        "machine": bench_store.machine("load generator, gateway and PostgreSQL share the cores"),
                        "postgres": postgres,
                        "products": products,
                        **({"load": loaded} if loaded else {}),
                        "gateways": args.gateways,
                        "limit_concurrency": args.limit_concurrency,
                        "client": args.client,
                        "arrivals": "fixed" if args.poisson is None else f"poisson, seed {args.poisson}",
                        "seconds": args.seconds,
                        "warmup_s": args.warmup,
                        "timeout_s": args.timeout,
                        **result,
                        "total_s": round(time.perf_counter() - run_started, 1),
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )


if __name__ == "__main__":
    main()
