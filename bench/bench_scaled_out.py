"""Scaled out under ``kill -9`` (issue "Deployment", part 5), full size, against real servers on this machine.

2 gateways behind one port, 2 schedulers, 3 workers and 2 exporters, each its real command in its own process, on
one PostgreSQL database and one RabbitMQ. While N products sync and M buyers sign up, check out and pay through
the gateways, a random process of a random role is SIGKILLed every ~K s and restarted a second later. Then the run
waits until Mahak is quiet and every entity has synced once more, and checks what the bounded CI version
(``tests/deploy/test_scaled_out.py``) checks: store equals Mahak, one invoice per paid order, one leader at a
time, no overlapping runs, gateways kept serving.

Figures: products/s (all N products in the store, from the start), orders paid/s (first buyer to last payment),
p50/p95/p99 of the poller (``GET /api/v1/products`` every 100 ms) and of the buyers' requests during the kills,
and the recovery time from the last kill until Mahak holds every invoice and the store equals it again.

Usage: ``.venv/bin/python bench/bench_scaled_out.py --products 200000 --orders 1000 --kill-every 3``. Prints one
JSON object; exits 1 when a check found a problem.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.deploy.scaled_out import Shape
from tests.deploy.scaled_out_run import run_under_kills


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--orders", type=int, default=1_000)
    parser.add_argument("--kill-every", type=float, default=3.0, help="seconds between kills (jittered ±30 %%)")
    parser.add_argument("--min-kills", type=int, default=20)
    parser.add_argument("--buyers", type=int, default=16, help="buyers at once")
    parser.add_argument("--settle-timeout", type=float, default=1800.0)
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    shape = Shape(
        products=args.products,
        orders=args.orders,
        kill_every_s=args.kill_every,
        min_kills=args.min_kills,
        buyer_concurrency=args.buyers,
    )
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    outcome = asyncio.run(
        run_under_kills(
            shape,
            db_prefix="hamgam_bench_scaled",
            queue_prefix=f"bench{uuid.uuid4().hex[:6]}",
            settle_timeout_s=args.settle_timeout,
            keep_logs=args.keep_logs,
        )
    )
    result = {
        "benchmark": "scaled out under kill -9",
        **outcome.figures,
        "problems": {name: found for name, found in outcome.problems.items() if found},
        "wall_s": round(time.monotonic() - started, 1),
        "load_average_1m_before": round(load_before, 2),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "command": " ".join(["bench/bench_scaled_out.py", *sys.argv[1:]]),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    sys.exit(1 if result["problems"] else 0)


if __name__ == "__main__":
    main()
