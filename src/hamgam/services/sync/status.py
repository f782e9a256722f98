"""What the sync looks like now: each entity's cursor, lag and last run (for the CLI, metrics and admin)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hamgam.domain.sync.entities import SYNC_ORDER
from hamgam.ports.sync import SyncReadModel


async def sync_status(reads: SyncReadModel) -> list[dict[str, Any]]:
    """One dict per entity, parents first: cursor, lag (seconds since the start of the last successful run,
    i.e. how old the freshest complete picture is), the last run with its counts, open rejected rows, what was
    last verified (``verified``: the last successful reconciliation or rewind heal, with ``drift``, the rows it
    found different) and the open Mahak rewind if any (``rewind``)."""
    rows = await reads.status_rows()
    verified, rewinds, last_rewinds = rows.verified, rows.open_rewinds, rows.last_rewinds
    last_runs, successes, cursors, rejected = rows.last_runs, rows.successes, rows.cursors, rows.rejected_open
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


async def dead_letters_waiting(reads: SyncReadModel) -> int:
    return await reads.dead_letters_waiting()


def _with_drift(run: dict[str, Any] | None) -> dict[str, Any] | None:
    if run is None:
        return None
    report = run.get("report") or {}
    drift = sum(int(report.get(k) or 0) for k in ("updated", "inserted", "vanished"))
    return {**run, "drift": drift}
