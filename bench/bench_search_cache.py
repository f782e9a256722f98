"""A search's cost with and without the ranking cache (``CatalogService``'s ``search_ttl_s``), in process, on a
loaded catalogue: for each query, interleaved round after round,

- ``whole``: the full statement (``search_ttl_s`` 0, as before the cache): ranking and offers in one;
- ``miss``: a fresh cache's first request of the word: the ranking (its first ``SEARCH_RANKED_IDS`` ids and
  the count, the fuzzy pass when taken) then the page's offers;
- ``hit``: the same word again, page 1 and page 2: the page's offers only.

Wall milliseconds per request (median and min of the rounds), one request at a time; the load average at the
start and the end. Usage: ``.venv/bin/python bench/bench_search_cache.py --database-url URL [--rounds 7]``.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from typing import Any

from hamgam.adapters.db import catalog_read
from hamgam.adapters.db.engine import create_read_engine
from hamgam.bootstrap import catalog_reads
from hamgam.services.store import catalog
from hamgam.services.store.catalog import SEARCH_TTL_S, CatalogService
from hamgam.settings import SyncSettings

#: A broad word (13,094 matches at 1,000,000 products), a typo of it (the fuzzy pass), two words, a rare word.
QUERIES = ("پنير", "پنیز", "پنیر کاله", "98765")


async def timed(catalog: CatalogService, q: str, page: int = 1) -> tuple[float, int]:
    start = time.perf_counter()
    found = await catalog.search(q=q, sort="relevance", page=page)
    return (time.perf_counter() - start) * 1000, found["total"]


async def run(database_url: str, rounds: int, queries: tuple[str, ...]) -> dict[str, Any]:
    engine = create_read_engine(database_url, catalog_read.SESSION_SETTINGS, pool_size=2)
    reads = catalog_reads(engine, SyncSettings())
    whole = CatalogService(reads, search_ttl_s=0.0)
    times: dict[str, dict[str, list[float]]] = {
        q: {"whole": [], "miss": [], "hit": [], "hit_page2": []} for q in queries
    }
    totals: dict[str, int] = {}
    try:
        await timed(whole, queries[0])  # connections opened, statements parsed
        for _ in range(rounds):
            for q in queries:
                cached = CatalogService(reads, search_ttl_s=SEARCH_TTL_S)
                ms, totals[q] = await timed(whole, q)
                times[q]["whole"].append(ms)
                times[q]["miss"].append((await timed(cached, q))[0])
                times[q]["hit"].append((await timed(cached, q))[0])
                times[q]["hit_page2"].append((await timed(cached, q, 2))[0])
    finally:
        await engine.dispose()
    return {
        q: {"total": totals[q]}
        | {k: {"median_ms": round(statistics.median(v), 1), "min_ms": round(min(v), 1)} for k, v in runs.items()}
        for q, runs in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--ranked-ids", type=int, help="ids a ranking keeps (default: SEARCH_RANKED_IDS)")
    parser.add_argument("--queries", help="comma-separated queries (default: QUERIES)")
    args = parser.parse_args()
    if args.ranked_ids:
        catalog.SEARCH_RANKED_IDS = args.ranked_ids
    queries = tuple(args.queries.split(",")) if args.queries else QUERIES
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    result = asyncio.run(run(args.database_url, args.rounds, queries))
    print(
        json.dumps(
            {
                "started": started,
                "rounds": args.rounds,
                "ranked_ids": catalog.SEARCH_RANKED_IDS,
                "load_before": load_before,
                "load_after": os.getloadavg(),
            }
            | {"queries": result},
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
