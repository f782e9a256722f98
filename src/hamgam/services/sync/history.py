"""The sync's recent past for the admin panel: last runs with their counts, open rejected rows, and a series
of rows synced and lag per run for one entity (drawn as a chart)."""

from __future__ import annotations

from typing import Any

from hamgam.ports.sync import SyncReadModel


async def recent_runs(reads: SyncReadModel, *, entity: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    return await reads.recent_runs(entity=entity, limit=limit)


async def open_rejected(reads: SyncReadModel, *, limit: int = 20) -> tuple[list[dict[str, Any]], int]:
    return await reads.open_rejected(limit=limit)


async def series(reads: SyncReadModel, entity: str, *, limit: int = 30) -> list[dict[str, Any]]:
    """The last ``limit`` runs of ``entity``, oldest first, each with ``rows`` (fetched) and ``lag_s``: how old
    the freshest complete picture was when the run started (seconds since the previous successful run
    started; None before the first success)."""
    rows, first_success = await reads.runs_for_series(entity, limit + 1)
    points, last_success = [], first_success
    for row in rows:
        lag = (row["started_at"] - last_success).total_seconds() if last_success else None
        points.append(
            {
                "id": row["id"],
                "at": row["started_at"],
                "status": row["status"],
                "rows": int(row["rows_fetched"]),
                "lag_s": lag,
            }
        )
        if row["status"] == "succeeded":
            last_success = row["started_at"]
    return points[-limit:]
