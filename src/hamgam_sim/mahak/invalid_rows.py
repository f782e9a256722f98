"""The "invalid rows" fault: corrupt served rows the way a buggy service or desktop app would."""

from __future__ import annotations

from typing import Any

from hamgam_sim.mahak.entities import ENTITIES, entity_named

UNKNOWN_FOREIGN_KEY = 987_654_321


def _defective(row: dict[str, Any], entity_name: str, defect: str) -> dict[str, Any]:
    entity = entity_named(entity_name)
    own = [name for name in entity.columns[2:] if name not in ("Deleted", "RowVersion") and name in row]
    numeric = [name for name in own if isinstance(row[name], int | float) and not isinstance(row[name], bool)]
    bad = dict(row)
    if defect == "missing_field":
        bad.pop("Price1" if "Price1" in bad else "Name" if "Name" in bad else own[0], None)
    elif defect == "wrong_type":
        target = "Price1" if "Price1" in bad else numeric[0] if numeric else entity.id_column
        bad[target] = "n/a"
    elif defect == "negative_price":
        target = "Price1" if "Price1" in bad else "Price" if "Price" in bad else None
        if target is not None:
            bad[target] = -abs(bad[target] or 0) - 10_000
    elif defect == "unknown_fk":
        keys = [name for name in own if name.endswith("Id") and name not in ("CreateSyncId", "UpdateSyncId")]
        if keys:
            bad[keys[0]] = UNKNOWN_FOREIGN_KEY
    return bad


def inject_invalid_rows(objects: dict[str, list[dict[str, Any]] | None], param: dict[str, Any] | None) -> int:
    """Replace up to ``count`` rows of one list with defective copies; returns how many were hit.

    ``param``: ``{"entity": "ProductDetail", "defect": "missing_field", "count": 1}``. If that entity's
    list is empty or not requested, the first non-empty list is corrupted instead.
    """
    param = param or {}
    defect = param.get("defect", "missing_field")
    default_entity = "ProductDetail" if defect == "negative_price" else "Product"
    entity = entity_named(param.get("entity", default_entity))
    target = (
        entity.list_key if objects.get(entity.list_key) else next((key for key, rows in objects.items() if rows), None)
    )
    if target is None:
        return 0
    if target != entity.list_key:
        entity = next(e for e in ENTITIES if e.list_key == target)
    rows = objects[target] or []
    count = min(int(param.get("count", 1)), len(rows))
    for i in range(count):
        rows[i] = _defective(rows[i], entity.name, defect)
    return count
