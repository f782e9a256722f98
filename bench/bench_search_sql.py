"""Search statements alone: ``EXPLAIN (ANALYZE, BUFFERS)`` of what ``catalog_read.search_products`` runs for a few
kinds of query, on a loaded catalogue (``bench_store.load``), as the gateway runs them (asyncpg, custom plans, the
fuzzy pass's threshold when it runs).

Queries: the pages benchmark's broad word (``bench_store.SEARCH_WORD``), a rare word, two words, a product code
and a typo of the broad word (no plain match: the fuzzy pass). Each statement runs ``--runs`` times after one
unmeasured run; the figure is the median of PostgreSQL's own execution time (planning apart). With
``--plans`` the plan of each statement is printed as text on stderr. ``--baseline-src OTHER_TREE/src`` measures
that tree's ``catalog_read`` statements too, interleaved with this tree's run by run (a paired comparison on a
busy machine), and says whether both answer the same page.

Usage: ``.venv/bin/python bench/bench_search_sql.py --database-url postgresql://…/hamgam_bench_1m`` (read only).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType
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


async def explain(conn: AsyncConnection, statement: str, params: dict[str, Any]) -> dict[str, Any]:
    async with conn.begin():
        plan = (await conn.execute(text("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement), params)).scalar()
        return plan[0]


async def plan_text(conn: AsyncConnection, statement: str, params: dict[str, Any]) -> str:
    async with conn.begin():
        rows = await conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + statement), params)
        return "\n".join(r[0] for r in rows)


def baseline_module(src: str) -> ModuleType:
    """``catalog_read`` of another tree (``src``: its ``src`` directory), beside this one's."""
    path = Path(src) / "hamgam" / "adapters" / "db" / "catalog_read.py"
    spec = importlib.util.spec_from_file_location("baseline_catalog_read", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


async def statements_of(
    conn: AsyncConnection, reader: ModuleType, rules: SyncSettings, query: ProductQuery
) -> tuple[list[tuple[str, str, dict[str, Any]]], Any]:
    """The statements ``reader.search_products`` runs for ``query`` (the plain pass, and the fuzzy pass when
    the plain one finds few); and the page it answers."""
    async with conn.begin():
        page = await reader.search_products(conn, rules, query)
    plain, params = reader.products_statement(rules, query)
    statements: list[tuple[str, str, dict[str, Any]]] = [("plain", plain, params)]
    async with conn.begin():
        rows = [dict(r) for r in (await conn.execute(text(plain), params)).mappings()]
    if reader.products_page(rows, query).total < query.fuzzy_below:
        fuzzy, fuzzy_params = reader.products_statement(rules, query, fuzzy=True)
        statements.append(("fuzzy", fuzzy, fuzzy_params))
    return statements, page


async def measure(database_url: str, runs: int, show_plans: bool, baseline: ModuleType | None) -> dict[str, Any]:
    # the read connections' own settings (custom plans, the fuzzy pass's bound), as the gateway's read engine has
    engine = create_async_engine(
        database_url.replace("postgresql://", "postgresql+asyncpg://"),
        connect_args={"server_settings": dict(catalog_read.SESSION_SETTINGS)},
    )
    rules = SyncSettings()
    trees = {"": catalog_read} | ({"baseline_": baseline} if baseline is not None else {})
    result: dict[str, Any] = {}
    try:
        async with engine.connect() as conn:
            for name, q in QUERIES.items():
                query = search_query(q)
                entry: dict[str, Any] = {"q": q}
                runs_of: dict[str, tuple[str, dict[str, Any]]] = {}
                for prefix, reader in trees.items():
                    statements, page = await statements_of(conn, reader, rules, query)
                    entry[f"{prefix}total"] = page.total
                    entry[f"{prefix}items"] = [i["product_id"] for i in page.items]
                    for kind, statement, params in statements:
                        runs_of[prefix + kind] = (statement, params)
                        await explain(conn, statement, params)
                times: dict[str, list[float]] = {k: [] for k in runs_of}
                plans: dict[str, Any] = {}
                for _ in range(runs):  # the trees' statements interleaved
                    for key, (statement, params) in runs_of.items():
                        plans[key] = await explain(conn, statement, params)
                        times[key].append(plans[key]["Execution Time"])
                for key, (statement, params) in runs_of.items():
                    entry[key] = {
                        "execution_ms_median": round(statistics.median(times[key]), 2),
                        "execution_ms_min": round(min(times[key]), 2),
                        "shared_hit": plans[key]["Plan"].get("Shared Hit Blocks"),
                        "shared_read": plans[key]["Plan"].get("Shared Read Blocks"),
                    }
                    if show_plans:
                        print(f"--- {name} ({q}) {key}", file=sys.stderr)
                        print(await plan_text(conn, statement, params), file=sys.stderr, flush=True)
                if baseline is not None:
                    entry["same_page_as_baseline"] = entry["items"] == entry["baseline_items"]
                result[name] = entry
    finally:
        await engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--plans", action="store_true", help="print each statement's plan on stderr")
    parser.add_argument("--baseline-src", help="another tree's src directory: its statements too, interleaved")
    args = parser.parse_args()
    started = time.perf_counter()
    baseline = baseline_module(args.baseline_src) if args.baseline_src else None
    queries = asyncio.run(measure(args.database_url, args.runs, args.plans, baseline))
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
