"""What staff, the CLI and the metrics read about the sync (and the export's alerts): read-only queries, one
short connection each (``hamgam.ports.sync.SyncReadModel``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.db.catalog_read import rule_params, sellable_sql
from hamgam.domain.setup_detect import Sample
from hamgam.ports.sync import StockCounts, SyncStatusRows
from hamgam.settings import SyncSettings

_LAST_RUNS = text("""SELECT DISTINCT ON (entity) * FROM sync_run ORDER BY entity, started_at DESC, id DESC""")
_LAST_SUCCESS = text(
    """SELECT entity, max(started_at) AS at FROM sync_run WHERE status = 'succeeded' GROUP BY entity"""
)
_CURSORS = text("SELECT entity, row_version, updated_at FROM sync_cursor")
#: What was verified: the last reconciliation (or rewind heal) that succeeded, and the drift it found and fixed.
_VERIFIED = text(
    """SELECT DISTINCT ON (entity) entity, id, kind, finished_at, report FROM sync_run
       WHERE status = 'succeeded' AND kind IN ('reconcile', 'rewind')
       ORDER BY entity, finished_at DESC, id DESC"""
)
_OPEN_REWINDS = text(
    "SELECT entity, id, detected_at, cursor_row_version, evidence FROM sync_rewind WHERE healed_at IS NULL"
)
_LAST_REWINDS = text("SELECT entity, max(detected_at) AS at FROM sync_rewind GROUP BY entity")
_DEAD = text("SELECT count(*) FROM dead_letter WHERE replayed_at IS NULL AND purged_at IS NULL")
_REJECTED = text("SELECT entity, count(*) AS n FROM rejected_row WHERE resolved_at IS NULL GROUP BY entity")

_RUN_COLUMNS = """id, entity, kind, status, started_at, finished_at, rows_fetched, rows_inserted, rows_updated,
    rows_stale, rows_deleted, rows_rejected, retries, dead_lettered, error"""

_EXPORT_FAILED = text(
    "SELECT status, count(DISTINCT order_id) AS n FROM export_job WHERE status = ANY(:statuses) GROUP BY status"
)
#: Exported sales whose Mahak invoice total differs from what the buyer paid (``export/totals.py``).
_EXPORT_TOTAL_MISMATCH = text(
    "SELECT count(DISTINCT order_id) FROM export_job WHERE kind = 'sale' AND total_difference_rial <> 0"
)
#: The PostgreSQL-shared breaker is open while ``open_until`` is ahead (a half-open probe pushes it forward too).
_CIRCUIT_OPEN = text("SELECT EXISTS (SELECT 1 FROM mahak_circuit WHERE open_until > clock_timestamp())")

_WAREHOUSES_HOLDING = text(
    """SELECT store_id, count(*) AS details FROM product_detail_stock
       WHERE deleted_at IS NULL AND count1 > 0 GROUP BY store_id ORDER BY store_id"""
)


#: The first-run setup's sample: live details with a live visitor link (the listing rule's views), their prices,
#: discount, the link's stock and the stock per store; products by id so the preview is stable.
_SETUP_SAMPLE = text(
    """SELECT d.mahak_id, c.name, d.prices_rial, d.default_price_level, d.discount, d.discount_type,
              link.count1 AS visitor_stock,
              coalesce((SELECT jsonb_object_agg(s.store_id::text, s.count1) FROM product_detail_stock s
                        WHERE s.product_detail_id = d.mahak_id AND s.deleted_at IS NULL), '{}'::jsonb) AS stores
       FROM catalog_product c
       JOIN product_detail d ON d.product_id = c.product_id AND d.deleted_at IS NULL
       JOIN LATERAL (SELECT vl.count1 FROM catalog_live_link vl WHERE vl.product_detail_id = d.mahak_id
                     ORDER BY vl.row_version DESC LIMIT 1) link ON true
       WHERE c.live
       ORDER BY c.product_id, d.mahak_id
       LIMIT :limit"""
)


class SyncReads:
    """``hamgam.ports.sync.SyncReadModel`` over one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    # -- status ------------------------------------------------------------------------------------------

    async def status_rows(self) -> SyncStatusRows:
        async with self._engine.connect() as conn:
            verified = {r["entity"]: dict(r) for r in (await conn.execute(_VERIFIED)).mappings()}
            rewinds = {r["entity"]: dict(r) for r in (await conn.execute(_OPEN_REWINDS)).mappings()}
            last_rewinds = {r["entity"]: r["at"] for r in (await conn.execute(_LAST_REWINDS)).mappings()}
            last_runs = {r["entity"]: dict(r) for r in (await conn.execute(_LAST_RUNS)).mappings()}
            successes = {r["entity"]: r["at"] for r in (await conn.execute(_LAST_SUCCESS)).mappings()}
            cursors = {r["entity"]: r["row_version"] for r in (await conn.execute(_CURSORS)).mappings()}
            rejected = {r["entity"]: r["n"] for r in (await conn.execute(_REJECTED)).mappings()}
        return SyncStatusRows(
            verified=verified,
            open_rewinds=rewinds,
            last_rewinds=last_rewinds,
            last_runs=last_runs,
            successes=successes,
            cursors=cursors,
            rejected_open=rejected,
        )

    async def dead_letters_waiting(self) -> int:
        async with self._engine.connect() as conn:
            return int(await conn.scalar(_DEAD) or 0)

    # -- history -----------------------------------------------------------------------------------------

    async def recent_runs(self, *, entity: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                text(f"""SELECT {_RUN_COLUMNS} FROM sync_run WHERE (CAST(:e AS text) IS NULL OR entity = :e)
                         ORDER BY started_at DESC, id DESC LIMIT :n"""),
                {"e": entity, "n": limit},
            )
            return [dict(r) for r in rows.mappings()]

    async def open_rejected(self, *, limit: int = 20) -> tuple[list[dict[str, Any]], int]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                text("""SELECT id, run_id, entity, mahak_id, row_version, field, reason, created_at,
                               count(*) OVER () AS total
                        FROM rejected_row WHERE resolved_at IS NULL ORDER BY id DESC LIMIT :n"""),
                {"n": limit},
            )
            items = [dict(r) for r in rows.mappings()]
        return [{k: v for k, v in r.items() if k != "total"} for r in items], (items[0]["total"] if items else 0)

    async def runs_for_series(self, entity: str, limit: int) -> tuple[list[dict[str, Any]], dt.datetime | None]:
        async with self._engine.connect() as conn:
            rows = (
                (
                    await conn.execute(
                        text("""SELECT id, status, started_at, rows_fetched FROM (
                              SELECT id, status, started_at, rows_fetched FROM sync_run WHERE entity = :e
                              ORDER BY started_at DESC, id DESC LIMIT :n) r ORDER BY started_at, id"""),
                        {"e": entity, "n": limit},
                    )
                )
                .mappings()
                .all()
            )
            first_success = await conn.scalar(
                text("""SELECT max(started_at) FROM sync_run WHERE entity = :e AND status = 'succeeded'
                        AND started_at < :t"""),
                {"e": entity, "t": rows[0]["started_at"] if rows else dt.datetime.now(dt.UTC)},
            )
        return [dict(r) for r in rows], first_success

    # -- the admin API's pages ---------------------------------------------------------------------------

    async def runs_page(self, *, entity: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                text("""SELECT * FROM sync_run WHERE (CAST(:e AS text) IS NULL OR entity = :e)
                        ORDER BY id DESC LIMIT :l OFFSET :o"""),
                {"e": entity, "l": limit, "o": offset},
            )
            return [dict(r) for r in rows.mappings()]

    async def batches_of_run(self, run_id: int) -> list[dict[str, Any]]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(text("SELECT * FROM sync_batch WHERE run_id = :r ORDER BY seq"), {"r": run_id})
            return [dict(r) for r in rows.mappings()]

    async def rejected_page(self, *, entity: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                text("""SELECT * FROM rejected_row
                        WHERE resolved_at IS NULL AND (CAST(:e AS text) IS NULL OR entity = :e)
                        ORDER BY id DESC LIMIT :l OFFSET :o"""),
                {"e": entity, "l": limit, "o": offset},
            )
            return [dict(r) for r in rows.mappings()]

    async def audit_trail(self, target: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """The newest audit entries about ``target`` (a dead letter's history)."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT actor, action, details, at FROM audit_log WHERE target = :t ORDER BY id DESC LIMIT :n"),
                {"t": target, "n": limit},
            )
            return [dict(r) for r in rows.mappings()]

    # -- what the alerts read ----------------------------------------------------------------------------

    async def export_failed_orders(self, statuses: Sequence[str]) -> dict[str, int]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(_EXPORT_FAILED, {"statuses": list(statuses)})
            return {r["status"]: int(r["n"]) for r in rows.mappings()}

    async def export_total_mismatches(self) -> int:
        async with self._engine.connect() as conn:
            return int(await conn.scalar(_EXPORT_TOTAL_MISMATCH) or 0)

    async def mahak_circuit_open(self) -> bool:
        async with self._engine.connect() as conn:
            return bool(await conn.scalar(_CIRCUIT_OPEN))

    # -- stock -------------------------------------------------------------------------------------------

    async def setup_samples(self, limit: int) -> list[Sample]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(_SETUP_SAMPLE, {"limit": limit})).mappings().all()
        return [
            Sample(
                detail_id=int(r["mahak_id"]),
                name=str(r["name"]),
                prices=tuple(int(p or 0) for p in r["prices_rial"]),
                default_level=int(r["default_price_level"]),
                discount=r["discount"],
                discount_type=r["discount_type"],
                visitor_stock=r["visitor_stock"],
                store_stock={int(k): float(v) for k, v in (r["stores"] or {}).items()},
            )
            for r in rows
        ]

    async def stock_counts(self, rules: SyncSettings) -> StockCounts:
        counting = text(
            "SELECT count(*) AS details, count(*) FILTER (WHERE stock_mahak > 0) AS in_stock "
            f"FROM ({sellable_sql(rules)}) s"
        )
        async with self._engine.connect() as conn:
            counts = (await conn.execute(counting, rule_params(rules))).mappings().one()
            holding_rows = (await conn.execute(_WAREHOUSES_HOLDING)).mappings()
            holding = {int(r["store_id"]): int(r["details"]) for r in holding_rows}
        return StockCounts(int(counts["details"]), int(counts["in_stock"]), holding)
