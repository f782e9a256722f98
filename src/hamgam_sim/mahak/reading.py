"""GetAllData: turning cursors into pages, with the switchable quirks of the real service.

A row is served as a PascalCase dict with a ``DataHash`` derived from its data columns, so the hash
changes whenever data changes, even on a silent edit that keeps the RowVersion.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from typing import Any

from hamgam_sim.mahak.entities import ENTITIES, NOISY_DELETE_ENTITIES, VISITOR_SCOPED, Entity
from hamgam_sim.mahak.store import Database, EntityTable, Row
from hamgam_sim.mahak.switches import Switches

#: Columns left out of DataHash: bookkeeping, not data.
_TAIL_WITHOUT_DELETED = 5
NOISY_DELETE_EVERY = 3  #: "noisy child deletes" hits live rows whose id is a multiple of this
DUPLICATE_EVERY = 4  #: "duplicate rows" repeats every this-many-th row of a page


def serve_row(table: EntityTable, row: Row) -> dict[str, Any]:
    """The wire form of one stored row."""
    served = table.as_dict(row)
    data = row[: len(row) - _TAIL_WITHOUT_DELETED]
    served["DataHash"] = f"{zlib.crc32(repr(data).encode()):08x}"
    return served


def page_limit(requested: Any, switches: Switches) -> int | None:
    """Rows per entity for one pull: as asked (or the default), never above the server cap."""
    size = requested if isinstance(requested, int) and requested > 0 else switches.default_page_size
    if switches.page_size_cap is not None:
        size = switches.page_size_cap if size is None else min(size, switches.page_size_cap)
    return size


def _row_filter(entity: Entity, visitor_id: int, order_types: list[int] | None) -> Callable[[Row], bool] | None:
    checks: list[Callable[[Row], bool]] = []
    if entity.name in VISITOR_SCOPED:
        pos = entity.index["VisitorId"]
        checks.append(lambda row: row[pos] == visitor_id)
    if entity.name == "Order" and order_types:
        pos_type, wanted = entity.index["OrderType"], set(order_types)
        checks.append(lambda row: row[pos_type] in wanted)
    if not checks:
        return None
    return lambda row: all(check(row) for check in checks)


def pull_objects(
    db: Database, switches: Switches, body: dict[str, Any], *, visitor_id: int, rnd: random.Random
) -> dict[str, list[dict[str, Any]] | None]:
    """``Data.Objects`` for one GetAllData request whose keys are already lower-cased.

    An entity whose cursor is absent (or null), or that this Mahak does not serve, is ``None``; the others are
    pages of rows after the cursor, in RowVersion order unless the "unsorted" switch shuffles them.
    """
    limit = page_limit(body.get("pagesize"), switches)
    current_visitor = body.get("currentvisitorid") or visitor_id
    order_types = body.get("ordertypes") or None
    objects: dict[str, list[dict[str, Any]] | None] = {}
    for entity in ENTITIES:
        cursor = body.get(entity.cursor_key)
        if cursor is None or entity.name in switches.unserved_lists:
            objects[entity.list_key] = None
            continue
        table = db[entity.name]
        rows = table.changed_since(
            int(cursor),
            inclusive=switches.cursor_filter == ">=",
            limit=limit,
            keep=_row_filter(entity, int(current_visitor), order_types),
        )
        objects[entity.list_key] = _quirks(entity, [serve_row(table, row) for row in rows], switches, rnd)
    return objects


def _quirks(entity: Entity, page: list[dict[str, Any]], switches: Switches, rnd: random.Random) -> list[dict]:
    if switches.noisy_child_deletes and entity.name in NOISY_DELETE_ENTITIES:
        for row in page:
            if row[entity.id_column] % NOISY_DELETE_EVERY == 0:
                row["Deleted"] = True
    if switches.duplicate_rows:
        with_copies: list[dict[str, Any]] = []
        for i, row in enumerate(page):
            with_copies.append(row)
            if i % DUPLICATE_EVERY == 0:
                # an older copy after the fresh one: a client that lets the last copy win goes wrong
                with_copies.append({**row, "RowVersion": row["RowVersion"] - 1, "DataHash": "00000000"})
        page = with_copies
    if switches.unsorted:
        rnd.shuffle(page)
    return page
