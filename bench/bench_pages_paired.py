"""Two trees' pages by CPU per request, interleaved: two gateways already running (``hamgam api`` of each tree on
the same database), batches of sequential requests sent to one then the other (the order alternating by round),
each batch's CPU read from the gateway's ``/proc``. The paired ratio of a round compares two batches measured
seconds apart, so what else runs on the machine weighs on both alike.

Usage: ``.venv/bin/python bench/bench_pages_paired.py --a PORT:PID --b PORT:PID --paths /category/102,/``.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

import httpx2
from bench_pages import process_cpu_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", required=True, help="PORT:PID of the baseline gateway")
    parser.add_argument("--b", required=True, help="PORT:PID of the candidate gateway")
    parser.add_argument("--paths", required=True, help="comma-separated paths")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--batch", type=int, default=50, help="sequential requests of one batch")
    args = parser.parse_args()
    gateways = {name: tuple(int(x) for x in value.split(":")) for name, value in (("a", args.a), ("b", args.b))}
    paths = args.paths.split(",")
    clients = {
        name: httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) for name, (port, _) in gateways.items()
    }
    for path in paths:
        for client in clients.values():
            for _ in range(20):
                client.get(path).raise_for_status()
    cpu_ms: dict[str, dict[str, list[float]]] = {p: {"a": [], "b": []} for p in paths}
    load_before = os.getloadavg()
    for round_no in range(args.rounds):
        for path in paths:
            for name in ("a", "b") if round_no % 2 == 0 else ("b", "a"):
                pid = gateways[name][1]
                started = process_cpu_s(pid)
                for _ in range(args.batch):
                    clients[name].get(path).raise_for_status()
                cpu_ms[path][name].append(1000 * (process_cpu_s(pid) - started) / args.batch)
    result = {"load_average_before": load_before, "load_average_after": os.getloadavg(), "rounds": args.rounds}
    for path, runs in cpu_ms.items():
        mean_a, mean_b = statistics.fmean(runs["a"]), statistics.fmean(runs["b"])
        result[path] = {
            "a_cpu_ms_per_request": round(mean_a, 3),
            "b_cpu_ms_per_request": round(mean_b, 3),
            "b_over_a": round(mean_b / mean_a, 3),
            "median_paired_ratio": round(
                statistics.median(b / a for a, b in zip(runs["a"], runs["b"], strict=True) if a), 3
            ),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
