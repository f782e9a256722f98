"""Flood benchmark (security issue, point 2): normal clients' catalogue latency alone, then while other
connections flood the gateway with oversized and malformed bodies, in the same run. Goal: p50 and p95 within 2x.

1. A fresh database on the PostgreSQL at 127.0.0.1:5432, migrated, with a small catalogue (``bench_store.load``).
2. The gateway, ``hamgam api`` (uvicorn, the production role; store jobs off, in-memory payment/SMS fakes;
   ``bench_store.gateway_env``) on a free loopback port. ``--src`` runs another checkout's code (``src/``) with
   the same interpreter, to measure the code before a change.
3. Normal clients: C coroutines in a closed loop on ``GET /api/v1/products`` (``bench_store.measure``), first
   alone, then while a separate flood process (so the measuring loop does not also run the flood) keeps these
   going, each kind on its own connections, a new connection per request (the load generator shares the 2 cores
   with the gateway, so each flood connection pauses between requests: unpaced, the flood measures how much CPU
   the load generator takes from the gateway rather than what the gateway does with the requests):
   - ``json_9_5mb``: the reported body, 9.5 MB of JSON with 800,000 unknown keys, to ``/api/v1/auth/register``;
   - ``multipart_6mb``: a 6 MB multipart form to a page (``/cart/add``);
   - ``chunked_json``: JSON streamed without a length (chunked) to ``/api/v1/auth/login``, up to 4 MB;
   - ``unknown_keys``: JSON just under the API cap, made of unknown keys (every one a validation error);
   - ``garbage_json``: 60 KB that is not JSON;
   - ``slow_body``: 50 KB declared, sent 1 KB every 0.5 s.
   Every flood request is bounded (30 s to answer) and the flood stops by itself after its duration.

Usage: ``.venv/bin/python bench/bench_flood.py`` (defaults: 20,000 products, 2 clients, 3 rounds
of 10 s alone and 10 s flooded, each flood connection pausing 0.2 s between its requests). Prints one JSON object:
every round's runs and ratios, what the flood got back (answers by status), and the median ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_store

CATALOGUE = "/api/v1/products?sort=newest&per_page=24"
#: Seconds the flood runs before the flooded measurement starts.
RAMP_S = 3.0
#: Seconds a flood request may take to be answered before the flooder gives up on it.
FLOOD_ANSWER_TIMEOUT_S = 30.0
#: Connections per flood kind.
FLOOD_CONNECTIONS = {
    "json_9_5mb": 3,
    "multipart_6mb": 2,
    "chunked_json": 2,
    "unknown_keys": 3,
    "garbage_json": 3,
    "slow_body": 20,
}


def unknown_keys_json(size_bytes: int) -> bytes:
    """A JSON object of unknown keys, as close to ``size_bytes`` as whole keys allow."""
    parts, size, i = [], 2, 0
    while True:
        item = f'"k{i}":1'
        if size + len(item) + 1 > size_bytes:
            break
        parts.append(item)
        size += len(item) + 1
        i += 1
    return ("{" + ",".join(parts) + "}").encode()


def flood_requests() -> dict[str, tuple[bytes, list[bytes], float]]:
    """Per kind: the request head, its body chunks and the pause between chunks (seconds)."""

    def head(method: str, path: str, headers: dict[str, str]) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", "Host: shop.bench", *(f"{k}: {v}" for k, v in headers.items())]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    huge = unknown_keys_json(9_500_000)
    boundary = "floodboundary"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\n'.encode()
        + b"\0" * 6_000_000
        + f"\r\n--{boundary}--\r\n".encode()
    )
    under_cap = unknown_keys_json(64 * 1024 - 64)
    garbage = b"{" + os.urandom(60_000).hex().encode()[:60_000]
    piece = unknown_keys_json(16 * 1024)[1:-1] + b","

    def framed(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n"

    chunked = [framed(b"{" + piece)] + [framed(piece)] * 255 + [b"0\r\n\r\n"]
    json_type = {"Content-Type": "application/json"}
    return {
        "json_9_5mb": (
            head("POST", "/api/v1/auth/register", json_type | {"Content-Length": str(len(huge))}),
            [huge],
            0.0,
        ),
        "multipart_6mb": (
            head(
                "POST",
                "/cart/add",
                {"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(len(multipart))},
            ),
            [multipart],
            0.0,
        ),
        "chunked_json": (
            head("POST", "/api/v1/auth/login", json_type | {"Transfer-Encoding": "chunked"}),
            chunked,
            0.0,
        ),
        "unknown_keys": (
            head("POST", "/api/v1/auth/register", json_type | {"Content-Length": str(len(under_cap))}),
            [under_cap],
            0.0,
        ),
        "garbage_json": (
            head("POST", "/api/v1/auth/register", json_type | {"Content-Length": str(len(garbage))}),
            [garbage],
            0.0,
        ),
        "slow_body": (
            head("POST", "/api/v1/auth/register", json_type | {"Content-Length": "50000"}),
            [b" " * 1000] * 50,
            0.5,
        ),
    }


async def flood_one(port: int, head: bytes, chunks: list[bytes], pause_s: float) -> str:
    """One request on its own connection; the status it got, or why it got none."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
    except (OSError, TimeoutError) as exc:
        return type(exc).__name__
    try:
        answer = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
        writer.write(head)
        for chunk in chunks:
            if answer.done():
                break
            writer.write(chunk)
            await writer.drain()
            if pause_s:
                await asyncio.sleep(pause_s)
        status_line = await asyncio.wait_for(answer, FLOOD_ANSWER_TIMEOUT_S)
        return status_line.split(b" ", 2)[1].decode()
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        return type(exc).__name__
    finally:
        writer.close()


async def flood(port: int, seconds: float, pause_s: float) -> dict[str, dict[str, int]]:
    requests = flood_requests()
    outcomes: dict[str, collections.Counter[str]] = {kind: collections.Counter() for kind in requests}
    until = time.perf_counter() + seconds

    async def keep_sending(kind: str) -> None:
        head, chunks, chunk_pause_s = requests[kind]
        while time.perf_counter() < until:
            outcomes[kind][await flood_one(port, head, chunks, chunk_pause_s)] += 1
            await asyncio.sleep(pause_s)

    await asyncio.gather(*(keep_sending(kind) for kind, n in FLOOD_CONNECTIONS.items() for _ in range(n)))
    return {kind: dict(counter) for kind, counter in outcomes.items()}


def ratio(loaded: dict[str, Any], alone: dict[str, Any], key: str) -> float | None:
    return round(loaded[key] / alone[key], 2) if alone.get(key) and loaded.get(key) else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=2, help="normal clients (closed loop)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured duration of each run")
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--src", help="the src/ directory of another checkout to run the gateway from")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--rounds", type=int, default=3, help="alone/flooded pairs, run in turn")
    parser.add_argument(
        "--flood-pause-s", type=float, default=0.2, help="pause of each flood connection between its requests"
    )
    parser.add_argument("--flood-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.flood_port:  # the flood process
        print(json.dumps(asyncio.run(flood(args.flood_port, args.seconds, args.flood_pause_s))))
        return

    run_started = time.perf_counter()
    db = f"hamgam_bench_flood_{uuid.uuid4().hex[:8]}"
    database_url = bench_store.SERVER.rsplit("/", 1)[0] + f"/{db}"
    gateway: subprocess.Popen | None = None
    result: dict[str, Any] = {}
    try:
        bench_store.admin(f'CREATE DATABASE "{db}"')
        from hamgam.adapters.db.migrate import upgrade_to_head

        upgrade_to_head(database_url)
        bench_store.load(database_url, args.products)
        port = bench_store.free_port()
        workdir = tempfile.mkdtemp(prefix="hamgam-bench-flood-")
        env = bench_store.gateway_env(database_url, port, workdir, args.log_level)
        if args.src:
            env["PYTHONPATH"] = str(Path(args.src).resolve())
        gateway = subprocess.Popen(
            [sys.executable, "-c", "from hamgam.entrypoints.cli import app; app()", "api"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=workdir,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        bench_store.wait_ready(f"{base}/healthz", gateway)
        url = base + CATALOGUE
        rounds = []
        for number in range(1, args.rounds + 1):
            # alone, then flooded, in turn: the machine's other load shifts both alike
            alone = asyncio.run(bench_store.measure(url, args.clients, args.max_requests, args.seconds, 2.0))
            flooder = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--flood-port",
                    str(port),
                    "--seconds",
                    str(args.seconds + RAMP_S + 1),
                    "--flood-pause-s",
                    str(args.flood_pause_s),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            time.sleep(RAMP_S)
            flooded = asyncio.run(bench_store.measure(url, args.clients, args.max_requests, args.seconds, 0.0))
            out, _ = flooder.communicate(timeout=args.seconds + FLOOD_ANSWER_TIMEOUT_S * 3)
            rounds.append(
                {
                    "alone": alone,
                    "flooded": flooded,
                    "p50_ratio": ratio(flooded, alone, "p50_ms"),
                    "p95_ratio": ratio(flooded, alone, "p95_ms"),
                    "flood_answers": json.loads(out) if out.strip() else None,
                }
            )
            print(f"round {number}: {json.dumps(rounds[-1])}", file=sys.stderr, flush=True)
        result = {
            "flood_connections": FLOOD_CONNECTIONS,
            "flood_pause_s": args.flood_pause_s,
            "rounds": rounds,
            "median_p50_ratio": statistics.median(r["p50_ratio"] for r in rounds if r["p50_ratio"]),
            "median_p95_ratio": statistics.median(r["p95_ratio"] for r in rounds if r["p95_ratio"]),
        }
    finally:
        if gateway is not None:
            bench_store.stop(gateway)
        bench_store.admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    print(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "machine": f"{platform.machine()} {os.cpu_count()} cores, "
                f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') // 2**30} GiB, "
                f"Python {platform.python_version()}; clients, flood and gateway share the cores",
                "postgres": psycopg.connect(bench_store.SERVER).execute("SHOW server_version").fetchone()[0],
                "gateway_src": args.src or "this checkout",
                "products": args.products,
                "clients": args.clients,
                "seconds_per_run": args.seconds,
                "catalogue_call": CATALOGUE,
                **result,
                "total_s": round(time.perf_counter() - run_started, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
