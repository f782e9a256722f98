"""Search statements alone: ``EXPLAIN (ANALYZE, BUFFERS)`` of what ``catalog_read.search_products`` runs for a few
kinds of query, on a loaded catalogue (``bench_store.load``), as the gateway runs them (asyncpg, custom plans, the
fuzzy pass's threshold when it runs).

Queries: the pages benchmark's broad word (``bench_store.SEARCH_WORD``), a rare word, two words, a product code
and a typo of the broad word (no plain match: the fuzzy pass). Each statement runs ``--runs`` times after one
unmeasured run; the figure is the median of PostgreSQL's own execution time (planning apart). With
``--plans`` the plan of the last run of each statement is printed as text on stderr.

Usage: ``.venv/bin/python bench/bench_search_sql.py --database-url postgresql://…/hamgam_bench_1m`` (read only).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_store

from hamgam.adapters.db import catalog_read
from hamgam.ports.catalog import ProductQuery
from hamgam.services.store import catalog
from hamgam.settings import SyncSettings

#: name -> the query as a buyer types it.
QUERIES = {
    "broad": bench_store.SEARCH_WORD,
    "rare": "98765",
    "two_words": "پنیر کاله",
    "code": "123457",
    "typo": "پنیز",
}


def search_query(q: str) -> ProductQuery:
    """The query the search page and its API call make (``CatalogService.search``, relevance, first page)."""
    return ProductQuery(
        terms=catalog.search_terms(q),
        sort="relevance",
        limit=24,
        count_limit=catalog.COUNT_LIMIT,
        fuzzy_below=catalog.FUZZY_BELOW,
    )


async def explain(conn: AsyncConnection, statement: str, params: dict[str, Any], setup: list[str]) -> dict[str, Any]:
    async with conn.begin():
        for sql in setup:
            await conn.execute(text(sql))
        plan = (await conn.execute(text("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement), params)).scalar()
        return plan[0]


async def plan_text(conn: AsyncConnection, statement: str, params: dict[str, Any], setup: list[str]) -> str:
    async with conn.begin():
        for sql in setup:
            await conn.execute(text(sql))
        rows = await conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + statement), params)
        return "\n".join(r[0] for r in rows)


async def measure(database_url: str, runs: int, show_plans: bool) -> dict[str, Any]:
    engine = create_async_engine(database_url.replace("postgresql://", "postgresql+asyncpg://"))
    rules = SyncSettings()
    result: dict[str, Any] = {}
    try:
        async with engine.connect() as conn:
            for name, q in QUERIES.items():
                query = search_query(q)
                async with conn.begin():
                    page = await catalog_read.search_products(conn, rules, query)
                plain, params = catalog_read.products_statement(rules, query)
                statements = [("plain", plain, params, [catalog_read.CUSTOM_PLANS])]
                async with conn.begin():
                    await conn.execute(text(catalog_read.CUSTOM_PLANS))
                    rows = [dict(r) for r in (await conn.execute(text(plain), params)).mappings()]
                if catalog_read.products_page(rows, query).total < query.fuzzy_below:
                    fuzzy = catalog_read.products_statement(rules, query, fuzzy=True)
                    setup = [catalog_read.CUSTOM_PLANS, catalog_read.FUZZY_THRESHOLD]
                    statements.append(("fuzzy", *fuzzy, setup))
                entry: dict[str, Any] = {
                    "q": q,
                    "total": page.total,
                    "total_exact": page.total_exact,
                    "first": [i["name"] for i in page.items[:3]],
                }
                for kind, statement, params, setup in statements:
                    await explain(conn, statement, params, setup)
                    times, planning = [], []
                    for _ in range(runs):
                        plan = await explain(conn, statement, params, setup)
                        times.append(plan["Execution Time"])
                        planning.append(plan["Planning Time"])
                    entry[kind] = {
                        "execution_ms_median": round(statistics.median(times), 2),
                        "execution_ms_min": round(min(times), 2),
                        "planning_ms_median": round(statistics.median(planning), 2),
                        "shared_hit": plan["Plan"].get("Shared Hit Blocks"),
                        "shared_read": plan["Plan"].get("Shared Read Blocks"),
                    }
                    if show_plans:
                        print(f"--- {name} ({q}) {kind}", file=sys.stderr)
                        print(await plan_text(conn, statement, params, setup), file=sys.stderr, flush=True)
                result[name] = entry
    finally:
        await engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--plans", action="store_true", help="print each statement's plan on stderr")
    args = parser.parse_args()
    started = time.perf_counter()
    queries = asyncio.run(measure(args.database_url, args.runs, args.plans))
    print(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d %H:%M"),
                "load_average": os.getloadavg(),
                "runs": args.runs,
                **queries,
                "total_s": round(time.perf_counter() - started, 1),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
