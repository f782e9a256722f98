"""Conflict logging: Mahak changed a field that the store overrides locally.

The override stays (the store's value keeps showing) and the Mahak value is stored beside it; the change is
written to ``sync_conflict`` so staff can see it and decide. Nothing is silently lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

#: Synced tables whose Mahak-owned fields the store may override, and the override table of each.
OVERRIDE_TABLES = {"product": "product_override"}


class ConflictLogger:
    async def log(self, driver: Any, table: str, rows: Sequence[dict[str, Any]]) -> int:
        """Record a conflict for each overridden field that a newer incoming row changes; returns how many."""
        override_table = OVERRIDE_TABLES.get(table)
        if override_table is None or not rows:
            return 0
        incoming = {row["mahak_id"]: row for row in rows}
        overrides = await driver.fetch(
            f"SELECT product_id, field, value FROM {override_table} WHERE product_id = ANY($1::bigint[])",
            list(incoming),
        )
        if not overrides:
            return 0
        current = {
            r["mahak_id"]: r
            for r in await driver.fetch(
                f"SELECT * FROM {table} WHERE mahak_id = ANY($1::bigint[]) ORDER BY mahak_id FOR UPDATE",
                list({o["product_id"] for o in overrides}),
            )
        }
        conflicts = []
        for override in overrides:
            row = incoming[override["product_id"]]
            stored = current.get(override["product_id"])
            field = override["field"]
            if stored is None or row["row_version"] <= stored["row_version"] or field not in row:
                continue
            if row[field] != stored[field]:
                conflicts.append(
                    (
                        table,
                        row["mahak_id"],
                        field,
                        override["value"],
                        _json(stored[field]),
                        _json(row[field]),
                        row["row_version"],
                    )
                )
        if conflicts:
            await driver.executemany(
                """INSERT INTO sync_conflict (entity, mahak_id, field, local_value, mahak_old_value, mahak_new_value,
                   row_version) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7)""",
                [(t, i, f, _json(lv), o, n, rv) for t, i, f, lv, o, n, rv in conflicts],
            )
        return len(conflicts)


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()
