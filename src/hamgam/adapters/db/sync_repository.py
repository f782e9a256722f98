"""The sync's PostgreSQL repository: runs, batches, cursors, isolated rows, and applying a batch.

Applying a batch is one transaction: upsert the rows (RowVersion-guarded), log conflicts with local overrides,
remember the ids a reconciliation saw, mark the batch applied and add its counts to its run. The caller acks the
message only after this returns.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict
from typing import Any

import structlog
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hamgam.adapters.db.audit import record_in
from hamgam.adapters.db.conflicts import ConflictLogger
from hamgam.adapters.db.dead_letters import insert_failed_message
from hamgam.adapters.db.repositories.restock import notify_restocked
from hamgam.adapters.db.schema.catalog import SYNCED_TABLES
from hamgam.adapters.db.schema.sync import (
    reconcile_seen,
    rejected_row,
    sync_batch,
    sync_cursor,
    sync_request,
    sync_rewind,
    sync_run,
)
from hamgam.adapters.db.upsert import UpsertStatement, latest_per_id, upsert_rows
from hamgam.domain.dead_letters import FailedMessage
from hamgam.domain.sync.batch import ApplyCounts, Batch
from hamgam.domain.sync.entities import entity_named
from hamgam.domain.sync.rejection import Rejection
from hamgam.ports.sync import RecordBatch
from hamgam.settings import SyncSettings

#: Entities whose rows can put a product back on sale, and the row field naming the detail (None: the product).
log = structlog.get_logger(__name__)

_STOCK_ENTITIES = {
    "ProductDetail": "mahak_id",
    "ProductDetailStoreAsset": "product_detail_id",
    "VisitorProduct": "product_detail_id",
    "Product": None,
}


class SqlSyncRepository:
    """Everything the sync reads and writes in PostgreSQL, over one async engine.

    With the merchant's ``rules``, a batch that puts products back on sale also tells the buyers waiting for them
    («خبرم کن»): their requests are marked notified and the SMS events written in the batch's transaction, the
    link to the product under ``origin``.
    """

    def __init__(self, engine: AsyncEngine, rules: SyncSettings | None = None, origin: str = "") -> None:
        self.engine = engine
        self._rules = rules
        self._origin = origin
        self._statements: dict[tuple[str, bool, bool], UpsertStatement] = {}
        self._conflicts = ConflictLogger()

    def _statement(self, entity: str, reconcile: bool, authoritative: bool) -> UpsertStatement:
        key = (entity, reconcile, authoritative)
        if key not in self._statements:
            table = SYNCED_TABLES[entity_named(entity).table]
            self._statements[key] = UpsertStatement(table, reconcile=reconcile, authoritative=authoritative)
        return self._statements[key]

    # -- cursors ------------------------------------------------------------------------------------------

    async def cursor(self, entity: str) -> int:
        async with self.engine.connect() as conn:
            value = await conn.scalar(select(sync_cursor.c.row_version).where(sync_cursor.c.entity == entity))
        return int(value or 0)

    async def advance_cursor(self, entity: str, row_version: int) -> None:
        """Move the cursor forward to ``row_version``; never backward."""
        async with self.engine.begin() as conn:
            await conn.execute(
                text(
                    """INSERT INTO sync_cursor (entity, row_version) VALUES (:e, :rv)
                       ON CONFLICT (entity) DO UPDATE SET row_version = excluded.row_version, updated_at = now()
                       WHERE sync_cursor.row_version < excluded.row_version"""
                ),
                {"e": entity, "rv": row_version},
            )

    async def set_cursor(self, entity: str, row_version: int) -> None:
        """Put the cursor at ``row_version`` even below where it stands: only a healed rewind does this."""
        async with self.engine.begin() as conn:
            await conn.execute(
                text(
                    """INSERT INTO sync_cursor (entity, row_version) VALUES (:e, :rv)
                       ON CONFLICT (entity) DO UPDATE SET row_version = excluded.row_version, updated_at = now()"""
                ),
                {"e": entity, "rv": row_version},
            )

    async def highest_held(self, entity: str) -> int:
        """The highest RowVersion among the entity's rows in the store (0 when none)."""
        table = entity_named(entity).table
        async with self.engine.connect() as conn:
            return int(await conn.scalar(text(f"SELECT coalesce(max(row_version), 0) FROM {table}")) or 0)

    async def rows_held(self, entity: str) -> int:
        """How many of the entity's rows the store holds: about what a pass from RowVersion 0 reads."""
        table = entity_named(entity).table
        async with self.engine.connect() as conn:
            return int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)

    # -- rewinds ------------------------------------------------------------------------------------------

    async def open_rewind(self, entity: str) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        select(sync_rewind).where(sync_rewind.c.entity == entity, sync_rewind.c.healed_at.is_(None))
                    )
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    async def record_rewind(self, entity: str, cursor: int, evidence: str) -> int:
        """Open a rewind of ``entity`` (or return the one already open), with an audit entry."""
        async with self.engine.begin() as conn:
            rewind_id = await conn.scalar(
                text(
                    """INSERT INTO sync_rewind (entity, cursor_row_version, evidence) VALUES (:e, :c, :ev)
                       ON CONFLICT (entity) WHERE healed_at IS NULL DO NOTHING RETURNING id"""
                ),
                {"e": entity, "c": cursor, "ev": evidence},
            )
            if rewind_id is None:
                return int(
                    (
                        await conn.execute(
                            select(sync_rewind.c.id).where(
                                sync_rewind.c.entity == entity, sync_rewind.c.healed_at.is_(None)
                            )
                        )
                    ).scalar_one()
                )
            await record_in(
                conn,
                "sync",
                "sync.rewind.detected",
                f"sync:{entity}",
                {"rewind_id": rewind_id, "cursor": cursor, "evidence": evidence},
            )
        return int(rewind_id)

    async def heal_rewind(self, rewind_id: int, run_id: int, cursor: int, report: dict[str, Any]) -> None:
        """Close the rewind: the re-fetch ``run_id`` made the store equal to Mahak; the cursor goes to ``cursor``."""
        async with self.engine.begin() as conn:
            entity = await conn.scalar(
                update(sync_rewind)
                .where(sync_rewind.c.id == rewind_id, sync_rewind.c.healed_at.is_(None))
                .values(healed_at=func.now(), heal_run_id=run_id, report=report)
                .returning(sync_rewind.c.entity)
            )
            if entity is None:
                return
            await conn.execute(
                text(
                    """INSERT INTO sync_cursor (entity, row_version) VALUES (:e, :rv)
                       ON CONFLICT (entity) DO UPDATE SET row_version = excluded.row_version, updated_at = now()"""
                ),
                {"e": entity, "rv": cursor},
            )
            await record_in(
                conn,
                "sync",
                "sync.rewind.healed",
                f"sync:{entity}",
                {"rewind_id": rewind_id, "run_id": run_id, "cursor": cursor, **report},
            )

    # -- runs ---------------------------------------------------------------------------------------------

    async def start_run(self, entity: str, kind: str, from_row_version: int) -> int:
        """Record a new run of ``entity``; called under the entity's lock (``try_entity_lock``).

        Holding that lock proves no other run of the entity is alive (a process killed mid-run, even by
        ``kill -9``, loses its connection and with it the lock), so any run still marked ``running`` was cut
        short: it is closed as ``aborted`` with its reason, never left running in the history.
        """
        async with self.engine.begin() as conn:
            await conn.execute(
                update(sync_run)
                .where(sync_run.c.entity == entity, sync_run.c.status == "running")
                .values(
                    status="aborted",
                    finished_at=func.now(),
                    error="the process running it stopped before it finished; the next run took over from the cursor",
                )
            )
            return int(
                await conn.scalar(
                    insert(sync_run)
                    .values(entity=entity, kind=kind, from_row_version=from_row_version)
                    .returning(sync_run.c.id)
                )
            )

    async def record_batch(
        self,
        run_id: int,
        entity: str,
        seq: int,
        rows: int,
        rv_min: int,
        rv_max: int,
        rejected: Sequence[Rejection],
    ) -> int:
        """Record one fetched page (and its isolated rows) before it is published; returns the batch id."""
        async with self.batch_recording() as record:
            return await record(run_id, entity, seq, rows, rv_min, rv_max, rejected)

    @contextlib.asynccontextmanager
    async def batch_recording(self) -> AsyncIterator[RecordBatch]:
        """``record_batch`` over one connection held while the block runs (a run's pages: no pool checkout and
        pre-ping per page); each page is still its own transaction."""
        async with self.engine.connect() as conn:

            async def record(
                run_id: int,
                entity: str,
                seq: int,
                rows: int,
                rv_min: int,
                rv_max: int,
                rejected: Sequence[Rejection],
            ) -> int:
                async with conn.begin():
                    return await self._record_batch(conn, run_id, entity, seq, rows, rv_min, rv_max, rejected)

            yield record

    @staticmethod
    async def _record_batch(
        conn: AsyncConnection,
        run_id: int,
        entity: str,
        seq: int,
        rows: int,
        rv_min: int,
        rv_max: int,
        rejected: Sequence[Rejection],
    ) -> int:
        if rejected:
            await conn.execute(
                insert(rejected_row),
                [{**asdict(r), "run_id": run_id} for r in rejected],
            )
        batch_id = await conn.scalar(
            insert(sync_batch)
            .values(
                run_id=run_id,
                entity=entity,
                seq=seq,
                row_count=rows,
                row_version_min=rv_min,
                row_version_max=rv_max,
                status="applied" if rows == 0 else "pending",
                applied_at=func.now() if rows == 0 else None,
            )
            .returning(sync_batch.c.id)
        )
        await conn.execute(
            update(sync_run)
            .where(sync_run.c.id == run_id)
            .values(
                batches=sync_run.c.batches + 1,
                rows_fetched=sync_run.c.rows_fetched + rows + len(rejected),
                rows_rejected=sync_run.c.rows_rejected + len(rejected),
            )
        )
        return int(batch_id)

    async def note_fetched(self, run_id: int, requests: int, to_row_version: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(sync_run)
                .where(sync_run.c.id == run_id)
                .values(requests=requests, to_row_version=to_row_version, fetched_at=func.now())
            )

    async def run_progress(self, run_id: int) -> dict[str, int]:
        """Batches of the run by status: ``pending``, ``applied``, ``dead``."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                select(sync_batch.c.status, func.count())
                .where(sync_batch.c.run_id == run_id)
                .group_by(sync_batch.c.status)
            )
            counts = {"pending": 0, "applied": 0, "dead": 0}
            counts.update({row[0]: int(row[1]) for row in result})
            return counts

    async def settled_top(self, run_id: int) -> int | None:
        """The highest RowVersion of the run's batches before its first pending one (``domain.sync.cursor``)."""
        async with self.engine.connect() as conn:
            first_pending = await conn.scalar(
                select(func.min(sync_batch.c.seq)).where(
                    sync_batch.c.run_id == run_id, sync_batch.c.status == "pending"
                )
            )
            query = select(func.max(sync_batch.c.row_version_max)).where(sync_batch.c.run_id == run_id)
            if first_pending is not None:
                query = query.where(sync_batch.c.seq < first_pending)
            value = await conn.scalar(query)
        return None if value is None else int(value)

    async def finish_run(
        self, run_id: int, status: str, error: str | None = None, report: dict[str, Any] | None = None
    ) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(sync_run)
                .where(sync_run.c.id == run_id)
                .values(status=status, error=error, report=report, finished_at=func.now())
            )

    async def run(self, run_id: int) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(sync_run).where(sync_run.c.id == run_id))).mappings().one()
        return dict(row)

    # -- applying -----------------------------------------------------------------------------------------

    async def apply_batch(self, batch: Batch) -> ApplyCounts | None:
        """Apply ``batch`` once, with the rows its mapping rejected (``Batch.rejected``). ``None`` when it was
        already applied (a redelivery): nothing changes."""
        async with self.engine.begin() as conn:
            status = await conn.scalar(
                select(sync_batch.c.status).where(sync_batch.c.id == batch.batch_id).with_for_update()
            )
            if status == "applied":
                return None
            driver = (await conn.get_raw_connection()).driver_connection
            if driver is None:
                raise RuntimeError("the connection has no asyncpg connection under it")
            statement = self._statement(batch.entity, batch.reconcile, batch.authoritative)
            behind = await self._rows_behind(driver, statement, batch) if batch.reconcile else 0
            await self._conflicts.log(driver, statement.table.name, batch.rows)
            counts = await upsert_rows(driver, statement, batch.rows)
            await self._notify_restocked(conn, batch)
            if batch.reconcile:
                await driver.execute(
                    "INSERT INTO reconcile_seen (run_id, mahak_id) SELECT $1, unnest($2::bigint[])"
                    " ON CONFLICT DO NOTHING",
                    batch.run_id,
                    [r["mahak_id"] for r in batch.rows],
                )
            if batch.rejected:
                await conn.execute(
                    insert(rejected_row), [{**asdict(r), "run_id": batch.run_id} for r in batch.rejected]
                )
                await conn.execute(
                    update(sync_run)
                    .where(sync_run.c.id == batch.run_id)
                    .values(rows_rejected=sync_run.c.rows_rejected + len(batch.rejected))
                )
            await self._mark_applied(conn, batch, counts)
        if behind and not batch.authoritative:
            await self.record_rewind(
                batch.entity,
                await self.cursor(batch.entity),
                f"a reconciliation was served {behind} rows with a RowVersion below the one the store holds",
            )
        return counts

    async def _notify_restocked(self, conn: AsyncConnection, batch: Batch) -> None:
        if self._rules is None or batch.entity not in _STOCK_ENTITIES:
            return
        field = _STOCK_ENTITIES[batch.entity]
        ids = [int(r[field or "mahak_id"]) for r in batch.rows if r.get(field or "mahak_id") is not None]
        told = await notify_restocked(
            conn, self._rules, self._origin, details=ids if field else (), products=() if field else ids
        )
        if told:
            log.info("restock.notified", entity=batch.entity, batch_id=batch.batch_id, requests=told)

    @staticmethod
    async def _rows_behind(driver: Any, statement: UpsertStatement, batch: Batch) -> int:
        """Rows Mahak serves with a lower RowVersion than the store holds for the same id: a row's RowVersion
        only grows, so this happens only when Mahak went back in time (duplicates in a page: the newest counts)."""
        latest = latest_per_id(batch.rows)
        return int(
            await driver.fetchval(
                f"""SELECT count(*) FROM {statement.table.name} t
                    JOIN unnest($1::bigint[], $2::bigint[]) AS u(mahak_id, row_version) USING (mahak_id)
                    WHERE t.row_version > u.row_version""",
                [r["mahak_id"] for r in latest],
                [r["row_version"] for r in latest],
            )
            or 0
        )

    async def _mark_applied(self, conn: AsyncConnection, batch: Batch, counts: ApplyCounts) -> None:
        await conn.execute(
            update(sync_batch)
            .where(sync_batch.c.id == batch.batch_id)
            .values(status="applied", applied_at=func.now(), error=None)
        )
        await conn.execute(
            update(sync_run)
            .where(sync_run.c.id == batch.run_id)
            .values(
                rows_inserted=sync_run.c.rows_inserted + counts.inserted,
                rows_updated=sync_run.c.rows_updated + counts.updated,
                rows_stale=sync_run.c.rows_stale + counts.stale,
                rows_deleted=sync_run.c.rows_deleted + counts.deleted,
            )
        )

    async def note_retry(self, batch_id: int, run_id: int, error: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(sync_batch)
                .where(sync_batch.c.id == batch_id)
                .values(attempts=sync_batch.c.attempts + 1, error=error)
            )
            await conn.execute(update(sync_run).where(sync_run.c.id == run_id).values(retries=sync_run.c.retries + 1))

    async def dead_letter_batch(self, letter: FailedMessage, batch_id: int | None, run_id: int | None) -> None:
        """Store the dead letter and settle its batch as dead in one transaction (the caller acks after it)."""
        async with self.engine.begin() as conn:
            await insert_failed_message(conn, letter)
            if batch_id is not None and run_id is not None:
                await self._mark_dead(conn, batch_id, run_id, letter.error)

    @staticmethod
    async def _mark_dead(conn: AsyncConnection, batch_id: int, run_id: int, error: str) -> None:
        changed = await conn.execute(
            update(sync_batch)
            .where(sync_batch.c.id == batch_id, sync_batch.c.status == "pending")
            .values(status="dead", error=error)
        )
        if changed.rowcount:
            await conn.execute(
                update(sync_run).where(sync_run.c.id == run_id).values(dead_lettered=sync_run.c.dead_lettered + 1)
            )

    # -- reconciliation -----------------------------------------------------------------------------------

    async def mark_vanished(self, entity: str, run_id: int, up_to_row_version: int | None) -> int:
        """Logically delete live rows that a full pass did not see (Mahak no longer lists them): those up to
        ``up_to_row_version``, or all of them (``None``: a rewind heal, where the store holds RowVersions that
        the restored Mahak never reached)."""
        table = entity_named(entity).table
        async with self.engine.begin() as conn:
            result = await conn.execute(
                text(
                    f"""UPDATE {table} AS t SET deleted_at = now(), updated_at = now()
                        WHERE t.deleted_at IS NULL AND (CAST(:rv AS bigint) IS NULL OR t.row_version <= :rv)
                          AND NOT EXISTS (SELECT 1 FROM reconcile_seen s
                                          WHERE s.run_id = :run AND s.mahak_id = t.mahak_id)"""
                ),
                {"rv": up_to_row_version, "run": run_id},
            )
            await conn.execute(reconcile_seen.delete().where(reconcile_seen.c.run_id == run_id))
        return int(result.rowcount or 0)

    # -- on-demand runs ---------------------------------------------------------------------------------

    async def request_run(self, entity: str | None, kind: str, requested_by: str) -> int:
        async with self.engine.begin() as conn:
            return int(
                await conn.scalar(
                    insert(sync_request)
                    .values(entity=entity, kind=kind, requested_by=requested_by)
                    .returning(sync_request.c.id)
                )
            )

    async def take_requests(self) -> list[dict[str, Any]]:
        async with self.engine.begin() as conn:
            rows = await conn.execute(
                text(
                    """UPDATE sync_request SET taken_at = now() WHERE id IN (
                           SELECT id FROM sync_request WHERE taken_at IS NULL ORDER BY id FOR UPDATE SKIP LOCKED)
                       RETURNING id, entity, kind"""
                )
            )
            return [dict(r) for r in rows.mappings()]
