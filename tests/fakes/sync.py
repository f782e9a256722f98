"""In-memory sync: the sync repository and a delivery, for unit tests without a database.

``FakeSyncRepository`` keeps runs, batches, cursors, rewinds and the synced rows in dicts and follows the
PostgreSQL repository's rules that the services rely on: a batch is applied once, a row only moves to a newer
RowVersion, the cursor only moves forward (except through a healed rewind), a dead letter and its batch's
settling happen together.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hamgam.domain.dead_letters import FailedMessage
from hamgam.domain.sync import cursor as cursors
from hamgam.domain.sync.batch import ApplyCounts, Batch
from hamgam.domain.sync.rejection import Rejection
from hamgam.ports.sync import RecordBatch


@dataclass
class FakeBatch:
    id: int
    run_id: int
    entity: str
    seq: int
    row_count: int
    row_version_min: int
    row_version_max: int
    status: str
    attempts: int = 0
    error: str | None = None


class FakeSyncRepository:
    """``hamgam.ports.sync.SyncRepository`` in memory. ``failures`` are raised by ``apply_batch``, one per call,
    before anything changes (as a rolled-back transaction would)."""

    def __init__(self) -> None:
        self.cursors: dict[str, int] = {}
        #: entity -> mahak_id -> row
        self.rows: dict[str, dict[int, dict[str, Any]]] = {}
        self.runs: dict[int, dict[str, Any]] = {}
        self.batches: dict[int, FakeBatch] = {}
        self.rejected: list[Rejection] = []
        self.rewinds: dict[int, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.dead_letters: list[FailedMessage] = []
        self.audit: list[tuple[str, str, dict[str, Any]]] = []
        self.failures: list[Exception] = []

    # -- cursors
    async def cursor(self, entity: str) -> int:
        return self.cursors.get(entity, 0)

    async def advance_cursor(self, entity: str, row_version: int) -> None:
        self.cursors[entity] = cursors.advanced(self.cursors.get(entity, 0), row_version)

    async def highest_held(self, entity: str) -> int:
        return max((r["row_version"] for r in self.rows.get(entity, {}).values()), default=0)

    async def rows_held(self, entity: str) -> int:
        return len(self.rows.get(entity, {}))

    # -- rewinds
    async def open_rewind(self, entity: str) -> dict[str, Any] | None:
        return next((r for r in self.rewinds.values() if r["entity"] == entity and r["healed_at"] is None), None)

    async def record_rewind(self, entity: str, cursor: int, evidence: str) -> int:
        found = await self.open_rewind(entity)
        if found is not None:
            return int(found["id"])
        rewind_id = len(self.rewinds) + 1
        self.rewinds[rewind_id] = {
            "id": rewind_id,
            "entity": entity,
            "cursor_row_version": cursor,
            "evidence": evidence,
            "healed_at": None,
        }
        self.audit.append(("sync.rewind.detected", f"sync:{entity}", {"rewind_id": rewind_id}))
        return rewind_id

    async def heal_rewind(self, rewind_id: int, run_id: int, cursor: int, report: dict[str, Any]) -> None:
        rewind = self.rewinds[rewind_id]
        if rewind["healed_at"] is not None:
            return
        rewind.update(healed_at=dt.datetime.now(dt.UTC), heal_run_id=run_id, report=report)
        self.cursors[rewind["entity"]] = cursor
        self.audit.append(("sync.rewind.healed", f"sync:{rewind['entity']}", {"rewind_id": rewind_id}))

    # -- runs and batches
    async def start_run(self, entity: str, kind: str, from_row_version: int) -> int:
        for run in self.runs.values():
            if run["entity"] == entity and run["status"] == "running":
                run["status"] = "aborted"
        run_id = len(self.runs) + 1
        self.runs[run_id] = {
            "id": run_id,
            "entity": entity,
            "kind": kind,
            "status": "running",
            "from_row_version": from_row_version,
            "to_row_version": None,
            "requests": 0,
            "batches": 0,
            "rows_fetched": 0,
            "rows_inserted": 0,
            "rows_updated": 0,
            "rows_stale": 0,
            "rows_deleted": 0,
            "rows_rejected": 0,
            "retries": 0,
            "dead_lettered": 0,
            "error": None,
            "report": None,
        }
        return run_id

    async def record_batch(
        self, run_id: int, entity: str, seq: int, rows: int, rv_min: int, rv_max: int, rejected: Sequence[Rejection]
    ) -> int:
        self.rejected.extend(rejected)
        batch_id = len(self.batches) + 1
        status = "applied" if rows == 0 else "pending"
        self.batches[batch_id] = FakeBatch(batch_id, run_id, entity, seq, rows, rv_min, rv_max, status)
        run = self.runs[run_id]
        run["batches"] += 1
        run["rows_fetched"] += rows + len(rejected)
        run["rows_rejected"] += len(rejected)
        return batch_id

    @contextlib.asynccontextmanager
    async def batch_recording(self) -> AsyncIterator[RecordBatch]:
        yield self.record_batch

    async def note_fetched(self, run_id: int, requests: int, to_row_version: int) -> None:
        self.runs[run_id].update(requests=requests, to_row_version=to_row_version)

    async def run_progress(self, run_id: int) -> dict[str, int]:
        counts = {"pending": 0, "applied": 0, "dead": 0}
        for batch in self.batches.values():
            if batch.run_id == run_id:
                counts[batch.status] += 1
        return counts

    async def settled_top(self, run_id: int) -> int | None:
        return cursors.settled_top(
            cursors.BatchState(b.seq, b.status != "pending", b.row_version_max)
            for b in self.batches.values()
            if b.run_id == run_id
        )

    async def finish_run(
        self, run_id: int, status: str, error: str | None = None, report: dict[str, Any] | None = None
    ) -> None:
        self.runs[run_id].update(status=status, error=error, report=report)

    async def run(self, run_id: int) -> dict[str, Any]:
        return dict(self.runs[run_id])

    async def mark_vanished(self, entity: str, run_id: int, up_to_row_version: int | None) -> int:
        return 0

    # -- the worker's side
    async def apply_batch(self, batch: Batch) -> ApplyCounts | None:
        if self.failures:
            raise self.failures.pop(0)
        stored = self.batches[batch.batch_id]
        if stored.status == "applied":
            return None
        table = self.rows.setdefault(batch.entity, {})
        inserted = updated = stale = 0
        for row in batch.rows:
            held = table.get(row["mahak_id"])
            if held is None:
                inserted += 1
            elif held["row_version"] < row["row_version"]:
                updated += 1
            else:
                stale += 1
                continue
            table[row["mahak_id"]] = dict(row)
        stored.status = "applied"
        counts = ApplyCounts(inserted, updated, stale)
        run = self.runs[batch.run_id]
        self.rejected.extend(batch.rejected)
        run["rows_rejected"] += len(batch.rejected)
        run["rows_inserted"] += inserted
        run["rows_updated"] += updated
        run["rows_stale"] += stale
        return counts

    async def note_retry(self, batch_id: int, run_id: int, error: str) -> None:
        self.batches[batch_id].attempts += 1
        self.batches[batch_id].error = error
        self.runs[run_id]["retries"] += 1

    async def dead_letter_batch(self, letter: FailedMessage, batch_id: int | None, run_id: int | None) -> None:
        self.dead_letters.append(letter)
        if batch_id is None or run_id is None:
            return
        batch = self.batches[batch_id]
        if batch.status == "pending":
            batch.status = "dead"
            batch.error = letter.error
            self.runs[run_id]["dead_lettered"] += 1

    # -- on-demand runs
    async def request_run(self, entity: str | None, kind: str, requested_by: str) -> int:
        self.requests.append({"id": len(self.requests) + 1, "entity": entity, "kind": kind, "taken": False})
        return len(self.requests)

    async def take_requests(self) -> list[dict[str, Any]]:
        taken = [r for r in self.requests if not r["taken"]]
        for request in taken:
            request["taken"] = True
        return [{"id": r["id"], "entity": r["entity"], "kind": r["kind"]} for r in taken]


@dataclass
class FakeDelivery:
    """A ``hamgam.ports.Delivery`` that records how it was settled (``settled``: ``ack``, ``retry``, ``release``)."""

    body: bytes
    attempt: int = 1
    message_id: str = "m-1"
    headers: Mapping[str, Any] = field(default_factory=dict)
    settled: list[str] = field(default_factory=list)
    retry_delay_s: float | None = None
    retry_error: str | None = None

    async def ack(self) -> None:
        self.settled.append("ack")

    async def retry(self, error: str, delay_s: float) -> None:
        self.settled.append("retry")
        self.retry_error, self.retry_delay_s = error, delay_s

    async def release(self) -> None:
        self.settled.append("release")


@dataclass
class FakeSetupSamples:
    """``hamgam.ports.sync.SetupSamples`` in memory: the samples given, counting the reads."""

    samples: list[Any] = field(default_factory=list)
    reads: int = 0

    async def setup_samples(self, limit: int) -> list[Any]:
        self.reads += 1
        return list(self.samples[:limit])


@dataclass
class FakeSyncRequests:
    """The sync requests made (``SyncRepository.request_run``), as (entity, kind, requested_by)."""

    made: list[tuple[str | None, str, str]] = field(default_factory=list)

    async def request_run(self, entity: str | None, kind: str, requested_by: str) -> int:
        self.made.append((entity, kind, requested_by))
        return len(self.made)
