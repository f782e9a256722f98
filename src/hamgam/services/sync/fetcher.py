"""The fetcher: one run of one entity, from its cursor (or from 0), page by page with bounded memory.

Each page is validated, recorded as a batch (with its invalid rows) and published to the worker pool, which maps
the rows to store rows (``transformer.map_batch``) and upserts them. The run then waits for its batches to settle
and moves the cursor to the watermark: the highest RowVersion below which every batch is applied or held in the
dead-letter queue with its reason. The cursor already follows the watermark while pages are still being fetched,
so a run cut short (a leader killed mid-run) costs only the unsettled tail. A crash anywhere re-fetches from the
last cursor, never skips a row (invariant 1).

A Mahak restored from a backup (or re-created) serves RowVersions below the cursor, and asking for what is newer
than the cursor would never see a change again. Each run therefore first probes for it (one one-row request:
does Mahak still serve anything at or above the cursor?), and a reconciliation also finds rows served with a
lower RowVersion than the store holds, and compares the highest RowVersion it was served with the store's. A
rewind found either way is recorded (audit log, metric, admin banner) and healed at once by a ``rewind`` run: a
re-fetch of the entity from 0 in which Mahak's rows win whatever their RowVersion, rows Mahak no longer has are
logically deleted, and the cursor is put back to what Mahak serves. Until that run succeeds the rewind stays
open and every run of the entity retries it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

import structlog

from hamgam.domain.sync import cursor as cursors
from hamgam.domain.sync.batch import MAHAK_ROWS, Batch
from hamgam.domain.sync.cursor import RunKind
from hamgam.domain.sync.entities import Lane, lane_of
from hamgam.domain.sync.rejection import Rejection
from hamgam.ports import MessageQueue
from hamgam.ports.locks import Locks
from hamgam.ports.sync import EntityKey, MahakGateway, RowViolation, SyncRepository
from hamgam.services.sync.read_ahead import read_ahead
from hamgam.services.sync.transformer import TransformContext

log = structlog.get_logger(__name__)

#: The bulk lane's batches (``hamgam.domain.sync.entities``).
BATCH_TOPIC = "sync.batches"
#: The batches of the fresh and reference lanes (prices, stock, the product links and their small parents):
#: consumed apart, so they never queue behind a bulk entity's thousands of batches.
FRESH_BATCH_TOPIC = "sync.fresh_batches"
#: Every batch topic, the fresh lane's first.
BATCH_TOPICS = (FRESH_BATCH_TOPIC, BATCH_TOPIC)
#: The lock of one entity's runs (``Locks``, keyed by the entity's name), so two schedulers never fetch one
#: entity at once.
ENTITY_RUN_LOCK = "sync.entity_run"


def batch_topic(entity: str) -> str:
    """The topic an entity's batches travel on: the bulk lane's apart from the others'."""
    return BATCH_TOPIC if lane_of(entity) == Lane.BULK else FRESH_BATCH_TOPIC


@dataclass(frozen=True)
class RunResult:
    run_id: int
    entity: str
    kind: str
    status: str
    cursor: int
    stats: dict[str, Any]


class Fetcher(Generic[EntityKey]):
    """Runs entities. ``mahak`` is the Mahak gateway, ``repository`` the sync repository, ``queue`` the broker,
    ``locks`` the cluster-wide locks (one run of an entity at a time)."""

    def __init__(
        self,
        mahak: MahakGateway[EntityKey],
        repository: SyncRepository,
        queue: MessageQueue,
        context: TransformContext,
        *,
        locks: Locks,
        page_size: int,
        entity_key: Callable[[str], EntityKey],
        settle_timeout_s: float = 3600.0,
        poll_s: float = 0.05,
        advance_every_s: float = 1.0,
    ) -> None:
        self.mahak = mahak
        self.repository = repository
        self.queue = queue
        self.locks = locks
        self.context = context
        self.page_size = page_size
        self.settle_timeout_s = settle_timeout_s
        self.poll_s = poll_s
        #: Seconds between cursor moves while a run is still fetching.
        self.advance_every_s = advance_every_s
        #: Turns an entity name into what the Mahak adapter takes (its own enum).
        self.entity_key = entity_key

    async def run(
        self, entity: str, kind: str = "incremental", progress: Callable[[int], None] | None = None
    ) -> RunResult:
        """Fetch, publish and settle one run; returns when the cursor has moved as far as it safely can.

        ``kind``: ``incremental`` (from the cursor), ``full`` (from 0) or ``reconcile`` (from 0, also fixing
        silent edits and logically deleting rows Mahak no longer lists). Any of them becomes a ``rewind`` heal
        when Mahak is found behind the store (module docstring).
        """
        async with self.locks.held(ENTITY_RUN_LOCK, entity) as taken:
            if not taken:
                log.info("sync.run.skipped_busy", entity=entity)
                return RunResult(0, entity, kind, "skipped", await self.repository.cursor(entity), {})
            if await self.check_rewind(entity):
                return await self._heal(entity, progress)
            result = await self._run_locked(entity, kind, progress)
            if kind == RunKind.RECONCILE and result.status == "succeeded":
                served = cursors.served_top(result.stats.get("to_row_version"))
                held = await self.repository.highest_held(entity)
                if cursors.rewind_found_by_reconcile(served, held):
                    await self.repository.record_rewind(
                        entity,
                        result.cursor,
                        f"a full pass was served RowVersions up to {served}; the store holds {held}",
                    )
                # the pass's batches record rows served below the store's RowVersion (``apply_batch``)
                if await self.repository.open_rewind(entity) is not None:
                    return await self._heal(entity, progress)
            return result

    async def check_rewind(self, entity: str) -> bool:
        """Whether ``entity`` has an open rewind, probing Mahak first: with the cursor at C, Mahak must still serve
        some row at or above C (rows are never removed, and a changed row only moves up), so an empty answer from
        C - 1 means Mahak went back below the cursor. A rewind found is recorded (with an audit entry)."""
        if await self.repository.open_rewind(entity) is not None:
            return True
        cursor = await self.repository.cursor(entity)
        if cursor <= 0:
            return False
        rows = await self.mahak.get_raw_page(self.entity_key(entity), cursor - 1, 1)
        if not cursors.mahak_behind_cursor(cursor, len(rows)):
            return False
        log.warning("sync.rewind.detected", entity=entity, cursor=cursor)
        await self.repository.record_rewind(entity, cursor, f"Mahak serves no row at or above the cursor {cursor}")
        return True

    async def _heal(self, entity: str, progress: Callable[[int], None] | None) -> RunResult:
        """The ``rewind`` run; on success the rewind is closed and the cursor put where Mahak now stands."""
        rewind = await self.repository.open_rewind(entity)
        result = await self._run_locked(entity, RunKind.REWIND, progress)
        if rewind is not None and result.status == "succeeded":
            stats = result.stats
            report = stats.get("report") or {}
            cursor = cursors.served_top(stats.get("to_row_version"))
            await self.repository.heal_rewind(rewind["id"], result.run_id, cursor, report)
            log.info("sync.rewind.healed", entity=entity, run_id=result.run_id, cursor=cursor, **report)
            result = RunResult(result.run_id, entity, "rewind", result.status, cursor, stats)
        return result

    async def _run_locked(self, entity: str, kind: str, progress: Callable[[int], None] | None) -> RunResult:
        start, floor = cursors.run_start(kind, await self.repository.cursor(entity))
        run_id = await self.repository.start_run(entity, kind, start)
        log.info("sync.run.start", entity=entity, kind=kind, run_id=run_id, from_row_version=start)
        try:
            top, requests = await self._publish_pages(entity, kind, run_id, start, floor, progress)
            await self.repository.note_fetched(run_id, requests, top)
            status = await self._settle(entity, run_id, floor)
            report = None
            if kind in cursors.RECONCILING and status == "succeeded":
                vanished = await self.repository.mark_vanished(
                    entity, run_id, top if kind == RunKind.RECONCILE else None
                )
                run = await self.repository.run(run_id)
                report = {
                    "updated": run["rows_updated"],
                    "inserted": run["rows_inserted"],
                    "vanished": vanished,
                }
            await self.repository.finish_run(run_id, status, report=report)
        except Exception as exc:
            await self.repository.finish_run(run_id, "failed", error=f"{type(exc).__name__}: {exc}")
            log.warning("sync.run.failed", entity=entity, run_id=run_id, error=str(exc))
            raise
        stats = await self.repository.run(run_id)
        final_cursor = await self.repository.cursor(entity)
        log.info(
            "sync.run.done",
            entity=entity,
            run_id=run_id,
            status=status,
            cursor=final_cursor,
            fetched=stats["rows_fetched"],
            inserted=stats["rows_inserted"],
            updated=stats["rows_updated"],
        )
        return RunResult(run_id, entity, kind, status, final_cursor, stats)

    async def _publish_pages(
        self,
        entity: str,
        kind: str,
        run_id: int,
        start: int,
        floor: int,
        progress: Callable[[int], None] | None,
    ) -> tuple[int, int]:
        seq = 0
        top = start
        topic = batch_topic(entity)
        requests = 0
        next_advance = time.monotonic() + self.advance_every_s
        # The next page is fetched and validated while this one is recorded and published.
        pages_ahead = read_ahead(self.mahak.iter_changes(self.entity_key(entity), start, self.page_size), depth=2)
        async with self.repository.batch_recording() as record_batch, contextlib.aclosing(pages_ahead) as pages:
            async for page in pages:
                requests += 1
                rows = page.wire_rows()
                rejected = [_invalid_to_rejection(entity, v) for v in page.invalid]
                versions = [row.row_version for row in page.rows] or [page.max_row_version]
                seq += 1
                batch_id = await record_batch(
                    run_id, entity, seq, len(rows), min(versions), page.max_row_version, rejected
                )
                if rows:
                    batch = Batch(
                        batch_id,
                        run_id,
                        entity,
                        rows,
                        kind in cursors.RECONCILING,
                        page.max_row_version,
                        authoritative=kind == RunKind.REWIND,
                        version=MAHAK_ROWS,
                        money_unit=str(self.context.unit()),
                    )
                    await self.queue.publish(topic, batch.encode(), message_id=f"batch-{batch_id}")
                top = max(top, page.max_row_version)
                if progress is not None:
                    progress(len(rows) + len(rejected))
                if time.monotonic() >= next_advance:
                    await self._advance(entity, run_id, floor)
                    next_advance = time.monotonic() + self.advance_every_s
        return top, max(requests, 1)

    async def _advance(self, entity: str, run_id: int, floor: int) -> None:
        """Move the cursor to the run's watermark (never below ``floor``; the repository never moves it back)."""
        settled = await self.repository.settled_top(run_id)
        await self.repository.advance_cursor(entity, cursors.watermark(floor, settled))

    async def _settle(self, entity: str, run_id: int, start: int) -> str:
        """Wait for the run's batches, moving the cursor as the settled prefix grows."""
        deadline = time.monotonic() + self.settle_timeout_s
        while True:
            progress = await self.repository.run_progress(run_id)
            await self._advance(entity, run_id, start)
            if progress["pending"] == 0:
                return "succeeded" if progress["dead"] == 0 else "dead_letters"
            if time.monotonic() > deadline:
                return "incomplete"
            await asyncio.sleep(self.poll_s)


def _invalid_to_rejection(entity: str, violation: RowViolation) -> Rejection:
    return Rejection(
        entity=entity,
        mahak_id=violation.row_id,
        row_version=getattr(violation, "row_version", None),  # known only for some violations
        field=violation.field,
        reason=violation.reason,
        raw=violation.raw,
    )
