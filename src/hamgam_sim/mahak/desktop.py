"""Changes made "in the desktop app": what the control API applies as one change batch each."""

from __future__ import annotations

from typing import Any

from hamgam_sim.mahak.binding import bind_columns
from hamgam_sim.mahak.builder import DESKTOP_SYNC_ID
from hamgam_sim.mahak.clock import tehran_now
from hamgam_sim.mahak.entities import entity_named
from hamgam_sim.mahak.reading import serve_row
from hamgam_sim.mahak.store import ChangeBatch, Database


class RowNotFound(KeyError):
    """A control request named a row id that does not exist."""


def upsert_rows(
    db: Database, batch: ChangeBatch, entity_name: str, items: list[dict[str, Any]], *, silent: bool
) -> list[dict[str, Any]]:
    """Create or update rows as the desktop app would, all in ``batch``; returns them as served.

    An item whose ``<X>Id`` names an existing row updates just the fields it gives; any other item
    creates a row (with the given id, or the next free one), defaults filling the missing fields.
    ``silent`` updates keep the stored RowVersion, so cursors never see them (creates always bump).
    """
    entity = entity_named(entity_name)
    table = db[entity.name]
    now = tehran_now()
    stored = []
    for item in items:
        fields = bind_columns(entity, item, strict=True)
        fields.pop("RowVersion", None)
        row_id = fields.get(entity.id_column)
        old = table.get(row_id) if row_id is not None else None
        if old is not None:
            values = dict(zip(entity.columns, old, strict=True))
            values.update(fields, UpdateDate=now, UpdateSyncId=DESKTOP_SYNC_ID)
            new = tuple(values[c] for c in entity.columns)
            stored.append(table.put(new, None if silent else batch.stamp()))
            continue
        row_id = int(row_id) if row_id is not None else table.next_id
        values = dict(zip(entity.columns, entity.defaults, strict=True))
        values.update(
            {
                entity.id_column: row_id,
                entity.client_id_column: row_id,
                "CreateDate": now,
                "UpdateDate": now,
                "CreateSyncId": DESKTOP_SYNC_ID,
                "UpdateSyncId": DESKTOP_SYNC_ID,
            }
        )
        if entity.has_code:
            values[entity.code_column] = row_id
        values.update(fields)
        stored.append(table.put(tuple(values[c] for c in entity.columns), batch.stamp()))
    return [serve_row(table, row) for row in stored]


def delete_rows(db: Database, batch: ChangeBatch, entity_name: str, ids: list[int]) -> list[dict[str, Any]]:
    """Logically delete rows in ``batch``: ``Deleted=true`` and a new RowVersion, nothing removed.

    Raises ``RowNotFound`` (before changing anything) if an id does not exist.
    """
    entity = entity_named(entity_name)
    table = db[entity.name]
    missing = [row_id for row_id in ids if table.get(row_id) is None]
    if missing:
        raise RowNotFound(f"{entity.name} has no row(s) {missing}")
    now = tehran_now()
    deleted_pos, update_pos = entity.index["Deleted"], entity.index["UpdateDate"]
    stored = []
    for row_id in ids:
        row = list(table.rows[row_id])
        row[deleted_pos], row[update_pos] = True, now
        stored.append(table.put(tuple(row), batch.stamp()))
    return [serve_row(table, row) for row in stored]
