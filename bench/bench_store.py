"""Store API benchmark (issue 5 §9): the catalogue through the gateway against a bare Starlette + asyncpg baseline.

1. A fresh database on the PostgreSQL at 127.0.0.1:5432, migrated to head, bulk-loaded with ``INSERT … SELECT
   generate_series``: N products with Persian names (the Mahak simulator's vocabulary; 10 % in Arabic ي/ك
   spelling, 30 % with Arabic or Persian digits) and ``name_search`` normalised as the transformer makes it, their
   details (every 5th product has two), stock in two stores, the site's VisitorProduct links (~92 % of details),
   and the category tree as Mahak serves it: ProductCategory + ExtraData 130 nodes + one ExtraData 10202
   product → leaf link per product (12 top categories × 40 brand leaves = 480 leaves, ~N/480 products each).
   Secondary indexes are dropped during the load and rebuilt from their own definitions; the catalogue's
   triggers (migration 0007) are off during the load and ``catalog_entry`` is built once at the end
   (``catalog_entry_refresh_all()``); then VACUUM ANALYZE.
2. Two servers in their own processes on free loopback ports:
   - the gateway: ``hamgam api`` (uvicorn, the production role; store jobs off, in-memory payment/SMS fakes);
   - the baseline: a bare Starlette app on asyncpg (same uvicorn, same asyncio loop, pool of 20 = the gateway's
     pool_size + max_overflow) that runs **the same SQL**: it calls ``catalog_read.category_nodes`` and
     ``catalog_read.search_products`` with a recording connection, compiles the recorded statements once for
     asyncpg (SQLAlchemy's asyncpg dialect, so the text and casts are what the gateway sends) and executes them
     with raw ``asyncpg`` outside a transaction, on connections with ``catalog_read.SESSION_SETTINGS``, as the
     gateway's read path does. No SQL is copied. Like the core, it reuses the category tree for
     ``CATEGORY_TTL_S``.
   Before measuring, both answers are compared (same items and total).
3. Scenarios: (a) page 1 of a leaf category, (b) search for one Persian word typed with Arabic ي/ك. Each runs on
   each server: one client (unloaded latency), then C concurrent clients (httpx2 AsyncClient, keep-alive) after a
   warm-up, bounded by a request count and a duration; and the statements alone on one asyncpg connection, with
   the server's JIT setting and with ``jit=off`` (PostgreSQL's share of a request).
   Targets: gateway p95 <= 50 ms and requests/s >= 0.7 x the baseline's.

Usage: ``.venv/bin/python bench/bench_store.py`` (defaults: 1,000,000 products, 100 clients, 30 s per run; about
4 minutes). Prints one JSON object. The database is dropped at the end; ``--keep-db`` keeps it (for EXPLAIN) and
``--database-url`` measures such a kept database again without loading.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import psycopg
import psycopg.types.string

BIN = Path(sys.executable).parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
#: The search word: پنیر written with Arabic yeh, as an Arabic keyboard types it.
SEARCH_WORD = "پنير"
#: Leaf category benchmarked: top category 1 (لبنیات) × brand 2 (کاله).
LEAF_CATEGORY = 102
#: The gateway's catalogue pool (``adapters/db/engine.create_read_engine``: pool_size 10 + max_overflow 10).
POOL_MAX = 20
STORES = 2


# ------------------------------------------------------------------------------------------------ utilities


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin(sql: str) -> None:
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(sql)


def stop(*processes: subprocess.Popen) -> None:
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()


def wait_ready(url: str, process: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}")
        try:
            if httpx2.get(url, timeout=2).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not become ready")


# ------------------------------------------------------------------------------------------------ data


def vocabulary() -> dict[str, Any]:
    """Word lists for the SQL generator, in four spellings (Arabic letters, Arabic digits, Persian digits, as
    written) and normalised exactly as the transformer normalises a name."""
    from hamgam.domain.persian import normalize_text
    from hamgam_sim.mahak import names

    spellings = (names.arabize, names.to_arabic_digits, names.to_persian_digits, lambda s: s)
    kinds = [(t, cid, price) for cid, (types, _u, price) in enumerate(names.CATEGORIES.values(), 1) for t in types]
    sizes = names.SIZES

    def variants(words: list[str]) -> list[str]:  # flat: variant v, word w at [v * len(words) + w]
        return [spell(w) for spell in spellings for w in words]

    return {
        "categories": list(names.CATEGORIES),
        "kind_disp": variants([k[0] for k in kinds]),
        "kind_norm": [normalize_text(k[0]) for k in kinds],
        "kind_cat": [k[1] for k in kinds],
        "kind_price": [k[2] for k in kinds],
        "brand_disp": variants(list(names.BRANDS)),
        "brand_norm": [normalize_text(b) for b in names.BRANDS],
        "brand_plain": list(names.BRANDS),
        "size_disp": variants([s[0] for s in sizes]),
        "size_norm": [normalize_text(s[0]) for s in sizes],
        "size_mult": [s[1] for s in sizes],
        "model_disp": [spell("مدل") for spell in spellings],
        "model_norm": normalize_text("مدل"),
        "digits": ["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "0123456789"],
        "colours": list(names.COLOURS),
    }


#: Stock of detail ``d`` in store ``st``, drawn from the simulator's pool (a few negative, as in real shops).
_STOCK = "(ARRAY[-4, -1, 0, 0, 0, 1, 2, 3, 5, 8, 12, 20, 24, 36, 50, 75, 120])[(d::bigint * (7919 + st)) %% 17 + 1]"

#: Per product i: kind k, brand b, size s, model series, spelling variant v (0 Arabic letters 10 %, 1 Arabic
#: digits 8 %, 2 Persian digits 22 %, 3 as written 60 %, like the simulator) and a price jitter.
_PRODUCT_PARTS = """
    SELECT i, i %% {nk} AS k, (i / {nk}) %% {nb} AS b, (i / ({nk} * {nb})) %% {ns} AS s,
           i / ({nk} * {nb} * {ns}) AS series,
           CASE WHEN h < 10 THEN 0 WHEN h < 18 THEN 1 WHEN h < 40 THEN 2 ELSE 3 END AS v, h
    FROM generate_series(1, %(n)s) i, LATERAL (SELECT (i * 2654435761) %% 100 AS h) x"""

_LOAD = [
    (
        "store",
        "INSERT INTO store (mahak_id, code, name, row_version) SELECT s, s::text, 'انبار ' || s, s "
        "FROM generate_series(1, %(stores)s) s",
    ),
    (
        "product_category",
        "INSERT INTO product_category (mahak_id, name, row_version) "
        "SELECT c, %(categories)s[c], c FROM generate_series(1, cardinality(%(categories)s)) c",
    ),
    (
        "extra_data (130 tree)",
        """INSERT INTO extra_data (mahak_id, item_type, item_code, data, row_version)
        SELECT c, 130, c::text,
               jsonb_build_object('CategoryCode', c, 'CategoryName', %(categories)s[c], 'ParentCode', 0), c
        FROM generate_series(1, cardinality(%(categories)s)) c
        UNION ALL
        SELECT c * 100 + b, 130, (c * 100 + b)::text,
               jsonb_build_object('CategoryCode', c * 100 + b, 'CategoryName',
                                  %(categories)s[c] || ' ' || %(brand_plain)s[b], 'ParentCode', c), 1000 + c * 100 + b
        FROM generate_series(1, cardinality(%(categories)s)) c, generate_series(1, cardinality(%(brand_plain)s)) b""",
    ),
    (
        "product",
        """INSERT INTO product (mahak_id, code, category_id, name, name_search, unit_name, unit_name2, unit_ratio,
                                tax_percent, charge_percent, weight, tags, min_quantity, row_version)
        SELECT i, i::text, %(kind_cat)s[k + 1],
               %(kind_disp)s[v * %(nk)s + k + 1] || ' ' || %(brand_disp)s[v * %(nb)s + b + 1] || ' '
                 || %(size_disp)s[v * %(ns)s + s + 1]
                 || CASE WHEN series > 0 THEN ' ' || %(model_disp)s[v + 1] || ' '
                         || translate(series::text, '0123456789', %(digits)s[v + 1]) ELSE '' END,
               %(kind_norm)s[k + 1] || ' ' || %(brand_norm)s[b + 1] || ' ' || %(size_norm)s[s + 1]
                 || CASE WHEN series > 0 THEN ' ' || %(model_norm)s || ' ' || series::text ELSE '' END
                 || ' ' || i::text,
               'عدد', 'کارتن', 12, 0, 0, 500 * %(size_mult)s[s + 1], %(kind_norm)s[k + 1], 0, 1000000 + i
        FROM ({parts}) p""",
    ),
    (
        "product_detail",
        """INSERT INTO product_detail (mahak_id, product_id, properties, barcode, prices_rial, default_price_level,
                                       count1, row_version)
        SELECT d, i, props, '626' || lpad(d::text, 10, '0'),
               ARRAY[price, price * 93 / 100000 * 1000, price * 88 / 100000 * 1000, 0, 0, 0, 0, 0, 0, 0],
               1, (SELECT sum({stock}) FROM generate_series(1, %(stores)s) st), 2000000 + d
        FROM (SELECT i, greatest(10000, (%(kind_price)s[k + 1] * %(size_mult)s[s + 1] * (90 + h %% 35) / 100
                                       )::bigint / 10000 * 10000) AS price, h FROM ({parts}) p) p,
        LATERAL (SELECT i AS d, CASE WHEN i %% 5 = 0 THEN jsonb_build_array(jsonb_build_object(
                        'code', 1, 'value', %(colours)s[i %% 8 + 1])) ELSE '[]'::jsonb END AS props
                 UNION ALL
                 SELECT %(n)s + i,
                        jsonb_build_array(jsonb_build_object('code', 1, 'value', %(colours)s[(i + 1) %% 8 + 1]))
                 WHERE i %% 5 = 0) dd""",
    ),
    (
        "product_detail_stock",
        """INSERT INTO product_detail_stock (mahak_id, product_detail_id, store_id, count1, row_version)
        SELECT d * %(stores)s + st, d, st, {stock}, 3000000 + d * %(stores)s + st
        FROM (SELECT mahak_id AS d FROM product_detail) d, generate_series(1, %(stores)s) st""",
    ),
    (
        "visitor_product",
        """INSERT INTO visitor_product (mahak_id, product_detail_id, visitor_id, count1, price_rial, row_version)
        SELECT mahak_id, mahak_id, 1, count1, 0, 4000000 + mahak_id FROM product_detail
        WHERE (mahak_id * 2654435761 >> 7) %% 12 <> 0""",
    ),
    (
        "extra_data (10202 links)",
        """INSERT INTO extra_data (mahak_id, item_type, item_code, data, row_version)
        SELECT 100000 + i, 10202, i::text,
               jsonb_build_object('ProductCode', i, 'CategoryCode', %(kind_cat)s[k + 1] * 100 + b + 1),
               5000000 + i
        FROM ({parts}) p""",
    ),
]

LOADED_TABLES = (
    "store",
    "product_category",
    "product",
    "product_detail",
    "product_detail_stock",
    "visitor_product",
    "extra_data",
)


def load(database_url: str, products: int) -> dict[str, Any]:
    """Bulk-load the catalogue; returns seconds per step and row counts."""
    words = vocabulary()
    params = {
        **words,
        "n": products,
        "stores": STORES,
        "nk": len(words["kind_norm"]),
        "nb": len(words["brand_norm"]),
        "ns": len(words["size_norm"]),
    }
    steps: dict[str, float] = {}
    with psycopg.connect(database_url, autocommit=True) as conn:
        # text, not psycopg's default "unknown", so that text[] parameters type-check in array functions
        conn.adapters.register_dumper(str, psycopg.types.string.StrDumper)
        conn.execute("SET maintenance_work_mem = '512MB'")
        # Secondary indexes are rebuilt from their own definitions after the load (far faster than maintaining
        # a trigram GIN row by row); primary keys stay.
        indexes = conn.execute(
            """SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [[*LOADED_TABLES, "catalog_entry"]],
        ).fetchall()
        for _table, name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        # The catalogue's triggers (migration 0007) would refresh every product's entry once per loaded table:
        # they are off for the load, and the entries are built once at the end.
        conn.execute("SET session_replication_role = replica")
        for step, sql in _LOAD:
            started = time.perf_counter()
            parts = _PRODUCT_PARTS.format(nk=params["nk"], nb=params["nb"], ns=params["ns"])
            conn.execute(sql.replace("{parts}", parts).replace("{stock}", _STOCK), params)
            steps[step] = round(time.perf_counter() - started, 1)
        conn.execute("RESET session_replication_role")
        started = time.perf_counter()
        for table, _name, definition in indexes:
            if table != "catalog_entry":
                conn.execute(definition)
        steps["indexes"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        conn.execute("SELECT catalog_entry_refresh_all()")
        for table, _name, definition in indexes:
            if table == "catalog_entry":
                conn.execute(definition)
        steps["catalog_entry"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        conn.execute("VACUUM (ANALYZE) " + ", ".join([*LOADED_TABLES, "catalog_entry"]))
        steps["vacuum_analyze"] = round(time.perf_counter() - started, 1)
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in LOADED_TABLES}
        check_name_search(conn)
        leaf = conn.execute(
            "SELECT count(*) FROM extra_data WHERE item_type = 10202 AND (data->>'CategoryCode')::bigint = %s",
            [LEAF_CATEGORY],
        ).fetchone()[0]
    return {"seconds": steps, "rows": counts, "products_in_leaf_category": leaf}


def check_name_search(conn: psycopg.Connection) -> None:
    """``name_search`` must be what the transformer writes: ``normalize_text(f"{name} {code}")``."""
    from hamgam.domain.persian import normalize_text

    rows = conn.execute(
        "SELECT name, code, name_search FROM product WHERE mahak_id <= 100 OR mahak_id % 331 = 0 LIMIT 3100"
    ).fetchall()
    wrong = [r for r in rows if normalize_text(f"{r[0]} {r[1]}") != r[2]]
    if not rows or wrong:
        raise AssertionError(f"name_search differs from the transformer's for {len(wrong)} rows, e.g. {wrong[:2]}")


# ------------------------------------------------------------------------------------------------ baseline


class _Recorder:
    """Stands in for an ``AsyncConnection``: records what ``catalog_read`` executes instead of running it."""

    def __init__(self, rows: list[dict[str, Any]] | None = None) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []
        self._rows = rows or []

    async def execute(self, clause: Any, params: dict[str, Any] | None = None) -> Any:
        self.calls.append((clause, dict(params or {})))
        rows = self._rows

        class _Result:
            def mappings(self) -> list[dict[str, Any]]:
                return rows

            def __iter__(self) -> Any:
                return (tuple(r.values()) for r in rows)

        return _Result()


class CatalogueSql:
    """The statements the gateway's catalogue runs for ``GET /products?q=&category=`` (first page, 24 per page),
    taken from ``catalog_read`` itself and compiled once each with SQLAlchemy's asyncpg dialect, run on a raw
    asyncpg connection."""

    def __init__(self) -> None:
        from sqlalchemy.dialects.postgresql.asyncpg import dialect

        from hamgam.settings import SyncSettings

        self._dialect = dialect()
        self._rules = SyncSettings()
        self._compiled: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._nodes: tuple[Any, dict[str, Any]] | None = None
        self._tree: tuple[float, list[dict[str, Any]]] | None = None

    def _statement(self, clause: Any, params: dict[str, Any]) -> tuple[str, list[Any]]:
        if clause.text not in self._compiled:
            used = {name: value for name, value in params.items() if name in clause._bindparams}
            compiled = clause.bindparams(**used).compile(dialect=self._dialect)
            self._compiled[clause.text] = (compiled.string, tuple(compiled.positiontup or ()))
        sql, order = self._compiled[clause.text]
        return sql, [params[name] for name in order]

    async def products(self, conn: Any, q: str | None, category: int | None, per_page: int = 24) -> dict[str, Any]:
        from hamgam.adapters.db import catalog_read
        from hamgam.adapters.db.catalog_read import ProductQuery
        from hamgam.services.store.catalog import CATEGORY_TTL_S, COUNT_LIMIT, descendants, search_terms

        categories = None
        if category is not None:
            if self._nodes is None:
                recorder = _Recorder([{"code": 0, "name": "", "parent_code": None}])  # a tree exists
                await catalog_read.category_nodes(recorder)  # type: ignore[arg-type]
                self._nodes = recorder.calls[0]
            now = time.monotonic()
            if self._tree is None or self._tree[0] <= now:  # reused as long as the core reuses its own
                self._tree = (now + CATEGORY_TTL_S, [dict(r) for r in await conn.fetch(*self._args(*self._nodes))])
            categories = tuple(descendants(self._tree[1], category))
        recorder = _Recorder()
        query = ProductQuery(
            terms=search_terms(q), category_ids=categories, offset=0, limit=per_page, count_limit=COUNT_LIMIT
        )
        await catalog_read.search_products(recorder, self._rules, query)  # type: ignore[arg-type]
        # autocommit, as the gateway's read path (``adapters/db/read_only.py``); one statement without a fuzzy pass
        rows = [dict(r) for r in await conn.fetch(*self._args(*recorder.calls[-1]))]
        page = catalog_read.products_page(rows, query)
        return {
            "items": page.items,
            "total": page.total,
            "total_exact": page.total_exact,
            "page": 1,
            "per_page": per_page,
        }

    def _args(self, clause: Any, params: dict[str, Any]) -> list[Any]:
        sql, args = self._statement(clause, params)
        return [sql, *args]


def read_settings() -> dict[str, str]:
    """The session settings of the gateway's catalogue connections (``engine.create_read_engine``)."""
    from hamgam.adapters.db.catalog_read import SESSION_SETTINGS

    return dict(SESSION_SETTINGS)


def machine(sharing: str) -> str:
    """This machine as the benchmarks record it (architecture, cores, memory, Python) and what shares its cores."""
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**30
    return (
        f"{platform.machine()} {os.cpu_count()} cores, {memory_gib} GiB, Python {platform.python_version()}; {sharing}"
    )


def gateway_env(database_url: str, port: int, workdir: str, log_level: str) -> dict[str, str]:
    """The environment of a benchmarked ``hamgam api``: this machine's, without its HAMGAM_ settings, plus the
    database, a loopback port, no store jobs, in-memory payment/SMS fakes, a fresh JWT secret and a Mahak URL
    nothing answers on (a role refuses to start without one; the benchmarks never call Mahak)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAMGAM_")}
    return env | {
        "HAMGAM_DATABASE_URL": database_url,
        "HAMGAM_API_HOST": "127.0.0.1",
        "HAMGAM_API_PORT": str(port),
        "HAMGAM_SHOP__RUN_JOBS": "false",
        "HAMGAM_PAYMENTS__PROVIDER": "memory",
        "HAMGAM_SMS__PROVIDER": "memory",
        "HAMGAM_MAHAK__BASE_URL": "http://127.0.0.1:9/API/v3",
        "HAMGAM_AUTH__JWT_SECRET": secrets.token_urlsafe(48),
        "HAMGAM_DATA_DIR": workdir,
        "HAMGAM_LOG_LEVEL": log_level,
        "HAMGAM_LOG_JSON": "true",
    }


def baseline_app(database_url: str) -> Any:
    """Bare Starlette + asyncpg serving ``CatalogueSql``: no FastAPI, no SQLAlchemy at run time, no middleware."""
    import asyncpg
    import orjson
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    catalogue = CatalogueSql()
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(
            database_url, min_size=POOL_MAX, max_size=POOL_MAX, server_settings=read_settings()
        )
        try:
            yield
        finally:
            await state["pool"].close()

    async def products(request: Request) -> Response:
        category = request.query_params.get("category")
        async with state["pool"].acquire() as conn:
            body = await catalogue.products(
                conn, request.query_params.get("q"), int(category) if category is not None else None
            )
        return Response(orjson.dumps(body), media_type="application/json")

    async def healthz(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(routes=[Route("/products", products), Route("/healthz", healthz)], lifespan=lifespan)


def serve_baseline(database_url: str, port: int) -> None:
    import uvicorn

    # The gateway's uvicorn runs inside ``asyncio.run`` (hamgam.entrypoints.runtime), so on the stock asyncio
    # loop; the baseline uses the same loop (and uvicorn's default HTTP parser, as the gateway does).
    uvicorn.run(
        baseline_app(database_url), host="127.0.0.1", port=port, loop="asyncio", log_level="warning", access_log=False
    )


async def sql_only(
    database_url: str, q: str | None, category: int | None, runs: int = 7, **server_settings: str
) -> dict[str, Any]:
    """The statements alone, one after another on one connection (no HTTP): PostgreSQL's share of a request."""
    import asyncpg

    catalogue = CatalogueSql()
    conn = await asyncpg.connect(database_url, server_settings=read_settings() | server_settings)
    try:
        await catalogue.products(conn, q, category)  # prepare and warm
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            await catalogue.products(conn, q, category)
            times.append(time.perf_counter() - started)
    finally:
        await conn.close()
    return {"runs": runs, "median_ms": round(statistics.median(times) * 1000, 1)}


# ------------------------------------------------------------------------------------------------ load generator


async def measure(url: str, clients: int, max_requests: int, seconds: float, warmup_s: float) -> dict[str, Any]:
    """``clients`` coroutines, each sending its next request when the previous answers (closed loop)."""
    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    #: Failed requests by HTTP status or exception class.
    errors: collections.Counter[str] = collections.Counter()
    async with httpx2.AsyncClient(limits=limits, timeout=60) as client:

        async def run(until: float, record: bool) -> None:
            while time.perf_counter() < until and (not record or len(latencies) < max_requests):
                started = time.perf_counter()
                try:
                    response = await client.get(url)
                    failure = None if response.status_code == 200 else str(response.status_code)
                except httpx2.HTTPError as exc:
                    failure = type(exc).__name__
                if record:
                    if failure is None:
                        latencies.append(time.perf_counter() - started)
                    else:
                        errors[failure] += 1

        if warmup_s:
            until = time.perf_counter() + warmup_s
            await asyncio.gather(*(run(until, False) for _ in range(clients)))
        started = time.perf_counter()
        await asyncio.gather(*(run(started + seconds, True) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1) if ordered else float("nan")

    return {
        "clients": clients,
        "requests": len(ordered),
        "errors": sum(errors.values()),
        **({"error_kinds": dict(errors)} if errors else {}),
        "seconds": round(elapsed, 1),
        "rps": round(len(ordered) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else None,
    }


def same_answer(gateway_url: str, baseline_url: str) -> int:
    a, b = httpx2.get(gateway_url, timeout=120).json(), httpx2.get(baseline_url, timeout=120).json()
    # The baseline serves every column the read model returns; the API's response model leaves some out (the list
    # price, which only the pages show): compare what the API serves.
    served = {key for item in a.get("items", []) for key in item}
    b = {**b, "items": [{k: v for k, v in item.items() if k in served} for item in b.get("items", [])]}
    if a != b:
        raise AssertionError(f"gateway and baseline disagree:\n{json.dumps(a)[:400]}\n{json.dumps(b)[:400]}")
    return int(a["total"])


# ------------------------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30.0, help="measured duration of each loaded run")
    parser.add_argument("--max-requests", type=int, default=50_000, help="cap on measured requests of each run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load before each run")
    parser.add_argument("--log-level", default="INFO", help="gateway log level (INFO, the default, logs every request)")
    parser.add_argument("--keep-db", action="store_true", help="keep the database (for EXPLAIN)")
    parser.add_argument("--database-url", help="reuse a database this script loaded (kept with --keep-db)")
    parser.add_argument("--server-logs", help="directory for the servers' output (default: discarded)")
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline:
        serve_baseline(args.database_url, args.serve_baseline)
        return

    run_started = time.perf_counter()
    load_before = os.getloadavg()
    created = args.database_url is None
    db = f"hamgam_bench_store_{uuid.uuid4().hex[:8]}"
    database_url = args.database_url or SERVER.rsplit("/", 1)[0] + f"/{db}"
    if args.keep_db:
        print(f"database: {database_url}", file=sys.stderr)
    processes: list[subprocess.Popen] = []
    result: dict[str, Any] = {}
    try:
        if created:
            admin(f'CREATE DATABASE "{db}"')
            from hamgam.adapters.db.migrate import upgrade_to_head

            upgrade_to_head(database_url)
            result["load"] = load(database_url, args.products)
        with psycopg.connect(database_url) as conn:
            jit = conn.execute("SHOW jit").fetchone()[0]
            version = conn.execute("SHOW server_version").fetchone()[0]
        gateway_port, baseline_port = free_port(), free_port()
        workdir = tempfile.mkdtemp(prefix="hamgam-bench-store-")
        env = gateway_env(database_url, gateway_port, workdir, args.log_level)

        def spawn(name: str, command: list[str]) -> subprocess.Popen:
            out = open(Path(args.server_logs) / f"{name}.log", "wb") if args.server_logs else subprocess.DEVNULL
            return subprocess.Popen(command, stdout=out, stderr=out, cwd=workdir, env=env)

        processes.append(spawn("gateway", [str(BIN / "hamgam"), "api"]))
        processes.append(
            spawn(
                "baseline",
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--serve-baseline",
                    str(baseline_port),
                    "--database-url",
                    database_url,
                ],
            )
        )
        gateway = f"http://127.0.0.1:{gateway_port}/api/v1/products"
        baseline = f"http://127.0.0.1:{baseline_port}/products"
        wait_ready(f"http://127.0.0.1:{gateway_port}/healthz", processes[0])
        wait_ready(f"http://127.0.0.1:{baseline_port}/healthz", processes[1])
        scenarios = {
            "category_page": (None, LEAF_CATEGORY, f"?category={LEAF_CATEGORY}"),
            "search_arabic_spelling": (SEARCH_WORD, None, "?q=" + SEARCH_WORD),
        }
        for name, (q, category, query) in scenarios.items():
            runs: dict[str, Any] = {
                "request": f"GET /api/v1/products{query}",
                "matches": same_answer(gateway + query, baseline + query),
                "sql_only": asyncio.run(sql_only(database_url, q, category)),
                "sql_only_jit_off": asyncio.run(sql_only(database_url, q, category, jit="off")),
            }
            for server, url in (("gateway", gateway + query), ("baseline", baseline + query)):
                one = asyncio.run(measure(url, 1, 200, 5.0, 0.5))
                loaded = asyncio.run(measure(url, args.clients, args.max_requests, args.seconds, args.warmup))
                runs[server] = {**loaded, "one_client": {k: one[k] for k in ("requests", "p50_ms", "p95_ms")}}
            runs["rps_ratio"] = round(runs["gateway"]["rps"] / runs["baseline"]["rps"], 2)
            runs["targets_met"] = {
                "p95_le_50ms": runs["gateway"]["p95_ms"] <= 50,
                "rps_ge_0.7x_baseline": runs["rps_ratio"] >= 0.7,
            }
            result[name] = runs
    finally:
        stop(*processes)
        if created and not args.keep_db:
            admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    print(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d %H:%M"),
                "machine": machine("load generator, both servers and PostgreSQL share the cores"),
                "load_average_1m": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},
                "postgres": {"version": version, "jit": jit},
                "products": args.products,
                "clients": args.clients,
                "gateway": "hamgam api (uvicorn, asyncio loop, catalogue reads on a pool of 10+10 in autocommit "
                f"without pre-ping, store jobs off, log level {args.log_level})",
                "baseline": f"Starlette + asyncpg pool of {POOL_MAX}, the SQL catalog_read builds (not copied)",
                **result,
                "total_s": round(time.perf_counter() - run_started, 1),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
