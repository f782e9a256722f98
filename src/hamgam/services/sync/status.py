"""What the sync looks like now: each entity's cursor, lag and last run (for the CLI, metrics and admin)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from hamgam.domain.sync.entities import SYNC_ORDER

_LAST_RUNS = text("""SELECT DISTINCT ON (entity) * FROM sync_run ORDER BY entity, started_at DESC, id DESC""")
_LAST_SUCCESS = text(
    """SELECT entity, max(started_at) AS at FROM sync_run WHERE status = 'succeeded' GROUP BY entity"""
)
_CURSORS = text("SELECT entity, row_version, updated_at FROM sync_cursor")
_DEAD = text("SELECT count(*) FROM dead_letter WHERE replayed_at IS NULL AND purged_at IS NULL")
_REJECTED = text("SELECT entity, count(*) AS n FROM rejected_row WHERE resolved_at IS NULL GROUP BY entity")


async def sync_status(engine: Any) -> list[dict[str, Any]]:
    """One dict per entity, parents first: cursor, lag (seconds since the start of the last successful run,
    i.e. how old the freshest complete picture is), the last run with its counts, and open rejected rows."""
    async with engine.connect() as conn:
        last_runs = {r["entity"]: dict(r) for r in (await conn.execute(_LAST_RUNS)).mappings()}
        successes = {r["entity"]: r["at"] for r in (await conn.execute(_LAST_SUCCESS)).mappings()}
        cursors = {r["entity"]: r["row_version"] for r in (await conn.execute(_CURSORS)).mappings()}
        rejected = {r["entity"]: r["n"] for r in (await conn.execute(_REJECTED)).mappings()}
    now = datetime.now(UTC)
    result = []
    for entity in SYNC_ORDER:
        run = last_runs.get(entity.name)
        if run is not None:
            end = run["finished_at"] or now
            seconds = max((end - run["started_at"]).total_seconds(), 1e-3)
            run["rows_per_s"] = round(run["rows_fetched"] / seconds, 1)
        success = successes.get(entity.name)
        result.append(
            {
                "entity": entity.name,
                "cursor": int(cursors.get(entity.name, 0)),
                "lag_s": (now - success).total_seconds() if success else None,
                "last_run": run,
                "rejected_open": int(rejected.get(entity.name, 0)),
            }
        )
    return result


async def dead_letters_waiting(engine: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(_DEAD) or 0)
