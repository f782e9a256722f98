"""Gateway CPU per request of two trees, interleaved: the read path's before/after figure on a busy machine.

Starts ``hamgam api`` from each tree's own environment (``TREE/.venv/bin/hamgam``) on the same database, then, for
``--rounds`` rounds, measures each page and API call on both gateways in turn (``bench_pages.cpu_per_request_ms``:
the process's user + system CPU over ``--requests`` sequential requests), alternating which tree goes first. The
rates of a loaded machine move several-fold between runs; CPU per request hardly does. Each tree's bare baseline
(``bench_store.py``'s Starlette + asyncpg server, run from that tree) is measured the same way on the category
API call (``baseline_category_api``), so the gateway's cost is also compared with the bare one of its own tree.

Usage: ``.venv/bin/python bench/bench_cpu_pair.py --before ../other-tree --database-url postgresql://…``
(``--after`` defaults to this tree). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_pages
import bench_store

LEAF = bench_store.LEAF_CATEGORY
PATHS = {
    "category_api": f"/api/v1/products?category={LEAF}&sort=newest&per_page={bench_pages.PER_PAGE}",
    "product_api": "/api/v1/products/{product}",
    "category_page": f"/category/{LEAF}",
    "product_page": "/product/{product}",
    "home_page": "/",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, help="the other tree (a worktree with its own .venv)")
    parser.add_argument("--after", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--database-url", required=True, help="a database bench_store.load filled")
    parser.add_argument("--product", type=int, default=500_001)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    trees = {"before": args.before, "after": args.after}
    gateways: dict[str, tuple[subprocess.Popen, str]] = {}
    baselines: dict[str, tuple[subprocess.Popen, str]] = {}
    out: dict = {"trees": trees, "load_average_1m": {"start": round(os.getloadavg()[0], 2)}, "rounds": []}
    try:
        for name, tree in trees.items():
            port = bench_store.free_port()
            env = bench_store.gateway_env(args.database_url, port, tempfile.mkdtemp(prefix="hamgam-cpu-"), "WARNING")
            process = subprocess.Popen(
                [str(Path(tree) / ".venv/bin/hamgam"), "api"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            gateways[name] = (process, f"http://127.0.0.1:{port}")
            bench_store.wait_ready(f"{gateways[name][1]}/healthz", process)
            port = bench_store.free_port()
            command = [str(Path(tree) / ".venv/bin/python"), str(Path(tree) / "bench/bench_store.py")]
            process = subprocess.Popen(
                [*command, "--serve-baseline", str(port), "--database-url", args.database_url],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            baselines[name] = (process, f"http://127.0.0.1:{port}")
            bench_store.wait_ready(f"{baselines[name][1]}/healthz", process)
        for r in range(args.rounds):
            order = ("before", "after") if r % 2 == 0 else ("after", "before")
            found: dict = {}
            for key, path in PATHS.items():
                for name in order:
                    process, base = gateways[name]
                    found.setdefault(key, {})[name] = bench_pages.cpu_per_request_ms(
                        base, path.format(product=args.product), process.pid, args.requests
                    )
            for name in order:
                process, base = baselines[name]
                found.setdefault("baseline_category_api", {})[name] = bench_pages.cpu_per_request_ms(
                    base, f"/products?category={LEAF}", process.pid, args.requests
                )
            found["load_average_1m"] = round(os.getloadavg()[0], 2)
            out["rounds"].append(found)
            print(json.dumps(found), file=sys.stderr, flush=True)
    finally:
        bench_store.stop(*(process for process, _ in [*gateways.values(), *baselines.values()]))
    out["load_average_1m"]["end"] = round(os.getloadavg()[0], 2)
    out["after_over_before"] = {
        key: round(sum(r[key]["after"] for r in out["rounds"]) / sum(r[key]["before"] for r in out["rounds"]), 2)
        for key in [*PATHS, "baseline_category_api"]
    }
    out["category_api_over_baseline"] = {
        name: round(
            sum(r["category_api"][name] for r in out["rounds"])
            / sum(r["baseline_category_api"][name] for r in out["rounds"]),
            2,
        )
        for name in trees
    }
    out["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
