"""The sync's recent past for the admin panel: last runs with their counts, open rejected rows, and a series
of rows synced and lag per run for one entity (drawn as a chart)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_RUN_COLUMNS = """id, entity, kind, status, started_at, finished_at, rows_fetched, rows_inserted, rows_updated,
    rows_stale, rows_deleted, rows_rejected, retries, dead_lettered, error"""


async def recent_runs(engine: AsyncEngine, *, entity: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(f"""SELECT {_RUN_COLUMNS} FROM sync_run WHERE (CAST(:e AS text) IS NULL OR entity = :e)
                     ORDER BY started_at DESC, id DESC LIMIT :n"""),
            {"e": entity, "n": limit},
        )
        return [dict(r) for r in rows.mappings()]


async def open_rejected(engine: AsyncEngine, *, limit: int = 20) -> tuple[list[dict[str, Any]], int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("""SELECT id, run_id, entity, mahak_id, row_version, field, reason, created_at,
                           count(*) OVER () AS total
                    FROM rejected_row WHERE resolved_at IS NULL ORDER BY id DESC LIMIT :n"""),
            {"n": limit},
        )
        items = [dict(r) for r in rows.mappings()]
    return [{k: v for k, v in r.items() if k != "total"} for r in items], (items[0]["total"] if items else 0)


async def series(engine: AsyncEngine, entity: str, *, limit: int = 30) -> list[dict[str, Any]]:
    """The last ``limit`` runs of ``entity``, oldest first, each with ``rows`` (fetched) and ``lag_s``: how old
    the freshest complete picture was when the run started (seconds since the previous successful run
    started; None before the first success)."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("""SELECT id, status, started_at, rows_fetched FROM (
                          SELECT id, status, started_at, rows_fetched FROM sync_run WHERE entity = :e
                          ORDER BY started_at DESC, id DESC LIMIT :n) r ORDER BY started_at, id"""),
                {"e": entity, "n": limit + 1},
            )
        ).all()
        first_success = await conn.scalar(
            text("""SELECT max(started_at) FROM sync_run WHERE entity = :e AND status = 'succeeded'
                    AND started_at < :t"""),
            {"e": entity, "t": rows[0].started_at if rows else datetime.now(UTC)},
        )
    points, last_success = [], first_success
    for row in rows:
        lag = (row.started_at - last_success).total_seconds() if last_success else None
        points.append(
            {
                "id": row.id,
                "at": row.started_at,
                "status": row.status,
                "rows": int(row.rows_fetched),
                "lag_s": lag,
            }
        )
        if row.status == "succeeded":
            last_success = row.started_at
    return points[-limit:]
