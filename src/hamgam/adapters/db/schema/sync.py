"""Tables of the sync machinery: cursors, runs, batches, isolated rows, conflicts, and the audit log."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, Table, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB

from hamgam.adapters.db.schema.base import metadata

#: One cursor per entity: every row with a RowVersion at or below it is durably applied (the watermark).
sync_cursor = Table(
    "sync_cursor",
    metadata,
    Column("entity", Text, primary_key=True),
    Column("row_version", BigInteger, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

#: One row per run of one entity, with its counts, for the admin panel, the CLI and metrics.
sync_run = Table(
    "sync_run",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("entity", Text, nullable=False),
    #: ``incremental`` from the cursor, ``full`` from 0, ``reconcile`` (full pass that also finds vanished rows).
    Column("kind", Text, nullable=False),
    #: ``running``, then ``succeeded``, ``dead_letters``, ``incomplete``, ``failed``, or ``aborted`` (its process
    #: died mid-run; closed by the entity's next run).
    Column("status", Text, nullable=False, server_default="running"),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("fetched_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("from_row_version", BigInteger, nullable=False),
    Column("to_row_version", BigInteger),
    #: Pages received from Mahak (a run with no change counts its one empty answer as 1).
    Column("requests", Integer, nullable=False, server_default="0"),
    Column("batches", Integer, nullable=False, server_default="0"),
    Column("rows_fetched", BigInteger, nullable=False, server_default="0"),
    Column("rows_inserted", BigInteger, nullable=False, server_default="0"),
    Column("rows_updated", BigInteger, nullable=False, server_default="0"),
    Column("rows_stale", BigInteger, nullable=False, server_default="0"),
    Column("rows_deleted", BigInteger, nullable=False, server_default="0"),
    Column("rows_rejected", BigInteger, nullable=False, server_default="0"),
    Column("retries", Integer, nullable=False, server_default="0"),
    Column("dead_lettered", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    #: What a reconciliation fixed: ``{"silent_edits": n, "vanished": n, ...}``.
    Column("report", JSONB),
    Index("ix_sync_run_entity_started", "entity", "started_at"),
)

#: One page of one run: published to the worker pool, applied once, or dead-lettered with its reason.
sync_batch = Table(
    "sync_batch",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("run_id", BigInteger, ForeignKey("sync_run.id", ondelete="CASCADE"), nullable=False),
    Column("entity", Text, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("row_version_min", BigInteger, nullable=False),
    Column("row_version_max", BigInteger, nullable=False),
    Column("row_count", Integer, nullable=False),
    #: ``pending``, ``applied``, ``dead``.
    Column("status", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("applied_at", DateTime(timezone=True)),
    Index("ix_sync_batch_run_seq", "run_id", "seq", unique=True),
    Index("ix_sync_batch_status", "status"),
)

#: Rows the transformer refused, with the reason; the rest of their batch went on.
rejected_row = Table(
    "rejected_row",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("run_id", BigInteger),
    Column("entity", Text, nullable=False),
    Column("mahak_id", BigInteger),
    Column("row_version", BigInteger),
    Column("field", Text),
    Column("reason", Text, nullable=False),
    Column("raw", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("resolved_at", DateTime(timezone=True)),
    Index("ix_rejected_row_entity_id", "entity", "mahak_id"),
)

#: A Mahak-owned field changed in Mahak while the store keeps a local override of it.
sync_conflict = Table(
    "sync_conflict",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("entity", Text, nullable=False),
    Column("mahak_id", BigInteger, nullable=False),
    Column("field", Text, nullable=False),
    Column("local_value", JSONB),
    Column("mahak_old_value", JSONB),
    Column("mahak_new_value", JSONB),
    Column("row_version", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("resolved_at", DateTime(timezone=True)),
    Index("ix_sync_conflict_entity_id", "entity", "mahak_id"),
)

#: Who did what: admin actions, dead-letter edits and replays.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("target", Text),
    Column("details", JSONB),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

#: A Mahak database found behind an entity's cursor (restored or re-created), until a re-fetch heals it.
#: At most one open (not healed) rewind per entity.
sync_rewind = Table(
    "sync_rewind",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("entity", Text, nullable=False),
    Column("detected_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("cursor_row_version", BigInteger, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("healed_at", DateTime(timezone=True)),
    Column("heal_run_id", BigInteger),
    Column("report", JSONB),
    Index("ix_sync_rewind_open", "entity", unique=True, postgresql_where=text("healed_at IS NULL")),
)

#: Ids a reconciliation pass saw in Mahak; what the store has beyond them has vanished from Mahak.
reconcile_seen = Table(
    "reconcile_seen",
    metadata,
    Column("run_id", BigInteger, primary_key=True, autoincrement=False),
    Column("mahak_id", BigInteger, primary_key=True, autoincrement=False),
)

#: An on-demand run asked for by the admin panel or the CLI; the leading scheduler takes it.
sync_request = Table(
    "sync_request",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("entity", Text),
    Column("kind", Text, nullable=False, server_default="incremental"),
    Column("requested_by", Text),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("taken_at", DateTime(timezone=True)),
)
