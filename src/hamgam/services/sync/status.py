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


async def sync_status(engine: Any) -> list[dict[str, Any]]:
    """One dict per entity, parents first: cursor, lag (seconds since the start of the last successful run,
    i.e. how old the freshest complete picture is), the last run with its counts, open rejected rows, what was
    last verified (``verified``: the last successful reconciliation or rewind heal, with ``drift``, the rows it
    found different) and the open Mahak rewind if any (``rewind``)."""
    async with engine.connect() as conn:
        verified = {r["entity"]: dict(r) for r in (await conn.execute(_VERIFIED)).mappings()}
        rewinds = {r["entity"]: dict(r) for r in (await conn.execute(_OPEN_REWINDS)).mappings()}
        last_rewinds = {r["entity"]: r["at"] for r in (await conn.execute(_LAST_REWINDS)).mappings()}
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
                "verified": _with_drift(verified.get(entity.name)),
                "rewind": rewinds.get(entity.name),
                "last_rewind_at": last_rewinds.get(entity.name),
            }
        )
    return result


async def dead_letters_waiting(engine: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(_DEAD) or 0)


def _with_drift(run: dict[str, Any] | None) -> dict[str, Any] | None:
    if run is None:
        return None
    report = run.get("report") or {}
    drift = sum(int(report.get(k) or 0) for k in ("updated", "inserted", "vanished"))
    return {**run, "drift": drift}
