"""The sync's central invariant as one assertion: every synced table equals what Mahak holds.

Mahak's rows are read back through the simulator's control API, mapped with the same transformer the sync uses,
and compared column by column with the store (deleted rows included, with their delete flag).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from hamgam.adapters.db.upsert import MANAGED
from hamgam.adapters.mahak.paging import validate_row
from hamgam.adapters.mahak.wire import Entity
from hamgam.domain.sync.entities import SYNC_ORDER, SyncedEntity
from hamgam.services.sync.transformer import TransformContext, transform


def expected_rows(entity: SyncedEntity, raw_rows: list[dict[str, Any]], ctx: TransformContext) -> dict[int, dict]:
    parsed = [validate_row(Entity(entity.name), raw) for raw in raw_rows]
    valid = [row for row in parsed if not isinstance(row, Exception)]
    return {row["mahak_id"]: row for row in transform(entity.name, valid, ctx).rows}


async def store_rows(engine: Any, entity: SyncedEntity) -> dict[int, dict]:
    async with engine.connect() as conn:
        rows = (await conn.execute(text(f"SELECT * FROM {entity.table}"))).mappings()
        return {r["mahak_id"]: dict(r) for r in rows}


def differences(entity: SyncedEntity, expected: dict[int, dict], stored: dict[int, dict]) -> list[str]:
    problems = []
    for mahak_id in sorted(expected.keys() - stored.keys())[:5]:
        problems.append(f"{entity.name} {mahak_id}: missing in the store")
    for mahak_id in sorted(stored.keys() - expected.keys())[:5]:
        if stored[mahak_id]["deleted_at"] is None:
            problems.append(f"{entity.name} {mahak_id}: live in the store but unknown to Mahak")
    for mahak_id in sorted(expected.keys() & stored.keys()):
        want, have = expected[mahak_id], stored[mahak_id]
        if want["row_version"] != have["row_version"]:
            problems.append(f"{entity.name} {mahak_id}: row_version {have['row_version']} != {want['row_version']}")
        if want["deleted"] != (have["deleted_at"] is not None):
            problems.append(f"{entity.name} {mahak_id}: deleted {have['deleted_at'] is not None} != {want['deleted']}")
        for column, value in want.items():
            if column in MANAGED or column == "deleted":
                continue
            stored_value = have[column]
            if column.endswith("_date") and stored_value is not None:
                stored_value = stored_value.isoformat()
            if stored_value != value:
                problems.append(f"{entity.name} {mahak_id}.{column}: {stored_value!r} != {value!r}")
        if len(problems) > 20:
            break
    return problems


async def assert_store_matches_mahak(
    engine: Any, control: Any, ctx: TransformContext | None = None, entities: list[SyncedEntity] | None = None
) -> None:
    ctx = ctx or TransformContext()
    problems: list[str] = []
    for entity in entities or SYNC_ORDER:
        expected = expected_rows(entity, control.rows(entity.name), ctx)
        problems += differences(entity, expected, await store_rows(engine, entity))
    assert not problems, "store differs from Mahak:\n" + "\n".join(problems[:40])
