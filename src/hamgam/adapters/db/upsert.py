"""The upsert engine: one bulk ``INSERT … SELECT unnest(…) ON CONFLICT`` per batch, guarded by RowVersion.

A row is applied only when its RowVersion is newer than the stored one, so a batch applied twice, or an older
batch after a newer one, changes nothing (invariant 2). A reconciliation batch also applies a row whose RowVersion
did not move but whose data did (Mahak's silent edits). An authoritative batch (healing a Mahak restored from a
backup, whose RowVersions went back below the store's) applies every row that differs in data or RowVersion,
so the store ends equal to Mahak and later changes pass the guard again. Logical deletes ride along: ``deleted`` sets
``deleted_at`` (kept from the first delete), a live row clears it, so a re-created record comes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import ARRAY, BigInteger, Boolean, DateTime, Float, Integer, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

from hamgam.domain.sync.batch import ApplyCounts

#: Columns the upsert manages itself rather than reading from the row dicts.
MANAGED = frozenset({"mahak_id", "row_version", "deleted_at", "created_at", "updated_at"})


def _pg_array_type(column_type: Any) -> tuple[str, str]:
    """The array type a column travels in, and the cast that turns an element back into the column type."""
    if isinstance(column_type, BigInteger):
        return "bigint[]", ""
    if isinstance(column_type, Integer):
        return "integer[]", ""
    if isinstance(column_type, Float):
        return "double precision[]", ""
    if isinstance(column_type, Boolean):
        return "boolean[]", ""
    if isinstance(column_type, JSONB):
        return "text[]", "::jsonb"
    if isinstance(column_type, ARRAY):
        return "text[]", "::bigint[]"
    if isinstance(column_type, DateTime):
        return "text[]", "::timestamp" if not column_type.timezone else "::timestamptz"
    if isinstance(column_type, Text):
        return "text[]", ""
    raise TypeError(f"no array mapping for {column_type!r}")


class UpsertStatement:
    """The prepared SQL of one table, built once from its SQLAlchemy definition."""

    def __init__(self, table: Table, *, reconcile: bool, authoritative: bool = False) -> None:
        self.table = table
        self.data_columns = [c for c in table.columns if c.name not in MANAGED]
        array_types = [_pg_array_type(c.type) for c in self.data_columns]
        names = [c.name for c in self.data_columns]
        params = ", ".join(
            [f"${i + 1}::{t}" for i, (t, _) in enumerate(array_types)]
            + [
                f"${len(names) + 1}::bigint[]",
                f"${len(names) + 2}::bigint[]",
                f"${len(names) + 3}::boolean[]",
            ]
        )
        selects = ", ".join(f"u.{n}{cast}" for n, (_, cast) in zip(names, array_types, strict=True))
        updates = ", ".join(f"{n} = excluded.{n}" for n in names)
        guard = "t.row_version < excluded.row_version"
        old = ", ".join([f"t.{n}" for n in names] + ["t.deleted_at IS NULL"])
        new = ", ".join([f"excluded.{n}" for n in names] + ["excluded.deleted_at IS NULL"])
        if authoritative:
            guard = f"(t.row_version <> excluded.row_version OR ({old}) IS DISTINCT FROM ({new}))"
        elif reconcile:
            guard = f"({guard} OR (t.row_version = excluded.row_version AND ({old}) IS DISTINCT FROM ({new})))"
        self.sql = f"""
            INSERT INTO {table.name} AS t ({", ".join(names)}, mahak_id, row_version, deleted_at)
            SELECT {selects}, u.mahak_id, u.row_version, CASE WHEN u.deleted THEN now() END
            FROM unnest({params}) AS u({", ".join(names)}, mahak_id, row_version, deleted)
            ON CONFLICT (mahak_id) DO UPDATE SET {updates},
                row_version = excluded.row_version,
                deleted_at = CASE WHEN excluded.deleted_at IS NULL THEN NULL
                                  ELSE coalesce(t.deleted_at, excluded.deleted_at) END,
                updated_at = now()
            WHERE {guard}
            RETURNING (xmax = 0) AS inserted, deleted_at IS NOT NULL AS deleted
        """
        self._encoders = [_encoder(c.type) for c in self.data_columns]

    def arguments(self, rows: Sequence[dict[str, Any]]) -> list[list[Any]]:
        """Column-wise arrays of ``rows``, in the statement's parameter order."""
        args = [
            [encode(row.get(c.name)) for row in rows]
            for c, encode in zip(self.data_columns, self._encoders, strict=True)
        ]
        args.append([row["mahak_id"] for row in rows])
        args.append([row["row_version"] for row in rows])
        args.append([bool(row.get("deleted")) for row in rows])
        return args


def _encoder(column_type: Any):
    if isinstance(column_type, JSONB):
        return lambda v: None if v is None else orjson.dumps(v).decode()
    if isinstance(column_type, ARRAY):
        return lambda v: None if v is None else "{" + ",".join(str(int(x)) for x in v) + "}"
    if isinstance(column_type, Float):
        return lambda v: None if v is None else float(v)
    if isinstance(column_type, Boolean):
        return lambda v: bool(v)
    if isinstance(column_type, (BigInteger, Integer)):
        return lambda v: None if v is None else int(v)
    if isinstance(column_type, Text):
        return lambda v: None if v is None else str(v)
    return lambda v: v


def latest_per_id(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per Mahak id (the highest RowVersion), sorted by id so concurrent batches lock in one order."""
    latest: dict[int, dict[str, Any]] = {}
    for row in rows:
        kept = latest.get(row["mahak_id"])
        if kept is None or row["row_version"] > kept["row_version"]:
            latest[row["mahak_id"]] = row
    return [latest[k] for k in sorted(latest)]


async def upsert_rows(
    driver_connection: Any, statement: UpsertStatement, rows: Sequence[dict[str, Any]]
) -> ApplyCounts:
    """Apply ``rows`` in the caller's transaction (an asyncpg connection); counts what changed.

    Idempotent: rows not newer than what is stored are counted as stale and leave the table as it was.
    """
    unique = latest_per_id(rows)
    if not unique:
        return ApplyCounts()
    records = await driver_connection.fetch(statement.sql, *statement.arguments(unique))
    inserted = sum(1 for r in records if r["inserted"])
    deleted = sum(1 for r in records if r["deleted"])
    return ApplyCounts(
        inserted=inserted,
        updated=len(records) - inserted,
        stale=len(rows) - len(records),
        deleted=deleted,
    )
