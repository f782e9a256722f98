"""Pages benchmark (issue 7 §6): home, category, search and product pages at C concurrent clients against the
JSON API for the same data, in the same run, on a large catalogue; and the weight of each page without images.

1. A fresh database on the PostgreSQL at 127.0.0.1:5432, migrated, bulk-loaded by ``bench_store.load``
   (``INSERT … SELECT generate_series`` into the synced tables: N products with Persian names, their details,
   stock, VisitorProduct links and Mahak's category tree). No code is copied from ``bench_store``; it is
   imported.
2. The gateway with its pages: ``hamgam api`` (uvicorn, the production role; store jobs off, in-memory
   payment/SMS fakes) on a free loopback port.
3. For each scenario, page and API in turn: one client (unloaded latency), then C clients in a closed loop
   (httpx2, keep-alive) after a warm-up, bounded by a request count and a duration (``bench_store.measure``).
   The API call is the one the page makes for its product list (same sort, same page size), so the difference
   is what rendering HTML costs (plus, on the home page, the featured list and the category tree).
4. The gateway's own CPU time per request (``--cpu-requests`` sequential requests of each page and API call,
   user + system time of the ``hamgam api`` process from ``/proc``): unlike the rates, this figure hardly moves
   with what else runs on the machine, so two trees can be compared on a busy one.
5. Page weight: each page and everything it loads (stylesheet, script, fonts; no images) fetched as a first
   visit with ``Accept-Encoding: gzip``, bytes on the wire.

Usage: ``.venv/bin/python bench/bench_pages.py`` (defaults: 1,000,000 products, 100 clients, 15 s per run).
Prints one JSON object. The database is dropped at the end unless ``--keep-db``; ``--database-url`` reuses one;
``--pages search,product`` runs those scenarios only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_store

PER_PAGE = 24
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds the process ``pid`` has used (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_per_request_ms(base: str, path: str, pid: int, requests: int) -> float:
    """The server ``pid``'s CPU milliseconds per request of ``path``, over ``requests`` sequential requests after
    ten unmeasured ones."""
    with httpx2.Client(base_url=base, timeout=120) as client:
        for _ in range(10):
            client.get(path).raise_for_status()
        started = process_cpu_s(pid)
        for _ in range(requests):
            client.get(path).raise_for_status()
        return round(1000 * (process_cpu_s(pid) - started) / requests, 2)


def sample_product_id(database_url: str, products: int) -> int:
    """The product the product scenario shows: the first one on sale past the middle of the catalogue."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT product_id FROM product_detail d JOIN visitor_product v ON v.product_detail_id = d.mahak_id "
            "WHERE d.product_id > %s ORDER BY d.product_id LIMIT 1",
            [products // 2],
        ).fetchone()[0]


def scenarios(product_id: int) -> dict[str, tuple[str, str]]:
    word = quote(bench_store.SEARCH_WORD)
    leaf = bench_store.LEAF_CATEGORY
    return {
        "home": ("/", "/api/v1/products?sort=newest&per_page=8&in_stock=true"),
        "category": (f"/category/{leaf}", f"/api/v1/products?category={leaf}&sort=newest&per_page={PER_PAGE}"),
        "search": (f"/search?q={word}", f"/api/v1/products?q={word}&sort=relevance&per_page={PER_PAGE}"),
        "product": (f"/product/{product_id}", f"/api/v1/products/{product_id}"),
    }


_ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')
_FONT = re.compile(r"url\((\.\./fonts/[^)]+)\)")


def page_weight(base: str, path: str) -> dict[str, int]:
    """Bytes on the wire for a first visit of ``path`` without images: HTML, CSS, JS and fonts."""
    sizes: dict[str, int] = {}
    with httpx2.Client(base_url=base, headers={"Accept-Encoding": "gzip"}, timeout=120) as client:

        def fetch(url: str) -> str:
            response = client.get(url)
            response.raise_for_status()
            sizes[url.split("?")[0]] = response.num_bytes_downloaded
            return response.text

        html = fetch(path)
        for asset in dict.fromkeys(_ASSET.findall(html)):
            body = fetch(asset)
            if asset.split("?")[0].endswith(".css"):
                for font in dict.fromkeys(_FONT.findall(body)):
                    fetch("/static/" + font.removeprefix("../"))
    return {"total_bytes": sum(sizes.values()), "html_bytes": sizes[path.split("?")[0]], "files": len(sizes)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15.0, help="measured duration of each run")
    parser.add_argument("--max-requests", type=int, default=20_000, help="cap on measured requests of each run")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--cpu-requests", type=int, default=200, help="sequential requests of the CPU figure")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--database-url", help="reuse a loaded database instead of creating one")
    parser.add_argument("--pages", help="comma-separated scenarios to run (home,category,search,product); all if unset")
    args = parser.parse_args()
    known = list(scenarios(0))
    pages = known if args.pages is None else [p.strip() for p in args.pages.split(",") if p.strip()]
    if not pages or any(p not in known for p in pages):
        parser.error(f"--pages takes a comma-separated list of {', '.join(known)}")

    run_started = time.perf_counter()
    created = args.database_url is None
    db = f"hamgam_bench_pages_{uuid.uuid4().hex[:8]}"
    database_url = args.database_url or bench_store.SERVER.rsplit("/", 1)[0] + f"/{db}"
    process: subprocess.Popen | None = None
    result: dict[str, Any] = {}
    try:
        if created:
            bench_store.admin(f'CREATE DATABASE "{db}"')
            from hamgam.adapters.db.migrate import upgrade_to_head

            upgrade_to_head(database_url)
            result["load"] = bench_store.load(database_url, args.products)
        product_id = sample_product_id(database_url, args.products)
        port = bench_store.free_port()
        workdir = tempfile.mkdtemp(prefix="hamgam-bench-pages-")
        env = bench_store.gateway_env(database_url, port, workdir, args.log_level)
        process = subprocess.Popen(
            [str(bench_store.BIN / "hamgam"), "api"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=workdir,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        bench_store.wait_ready(f"{base}/healthz", process)
        for name, (page, api) in scenarios(product_id).items():
            if name not in pages:
                continue
            runs: dict[str, Any] = {"page_path": page, "api_path": api, "weight": page_weight(base, page)}
            for kind, path in (("page", page), ("api", api)):
                unloaded = asyncio.run(bench_store.measure(base + path, 1, 100, 4.0, 0.5))
                loaded = asyncio.run(
                    bench_store.measure(base + path, args.clients, args.max_requests, args.seconds, args.warmup)
                )
                runs[kind] = {
                    "one_client": {k: unloaded[k] for k in ("requests", "p50_ms", "p95_ms")},
                    "cpu_ms_per_request": cpu_per_request_ms(base, path, process.pid, args.cpu_requests),
                    **loaded,
                }
            runs["page_rps_vs_api"] = round(runs["page"]["rps"] / runs["api"]["rps"], 2) if runs["api"]["rps"] else None
            runs["weight_under_150kb"] = runs["weight"]["total_bytes"] < 150 * 1024
            result[name] = runs
            print(f"{name}: {json.dumps(runs, ensure_ascii=False)}", file=sys.stderr, flush=True)
    finally:
        if process is not None:
            bench_store.stop(process)
        if created and not args.keep_db:
            bench_store.admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    print(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "machine": bench_store.machine("load generator, gateway and PostgreSQL share the cores"),
                "postgres": psycopg.connect(bench_store.SERVER).execute("SHOW server_version").fetchone()[0],
                "products": args.products,
                "clients": args.clients,
                "seconds_per_run": args.seconds,
                **({"database_url": database_url} if args.keep_db else {}),
                **result,
                "total_s": round(time.perf_counter() - run_started, 1),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
