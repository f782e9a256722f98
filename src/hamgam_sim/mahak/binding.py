"""Case-insensitive binding of JSON keys to an entity's columns (Mahak accepts any key casing)."""

from __future__ import annotations

from typing import Any

from hamgam_sim.mahak.entities import Entity


def lower_keys(data: Any) -> dict[str, Any]:
    """A shallow copy of a JSON object with lower-cased keys; ``{}`` for anything else."""
    return {str(k).lower(): v for k, v in data.items()} if isinstance(data, dict) else {}


def bind_columns(entity: Entity, item: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    """``item`` with keys renamed to ``entity``'s column names.

    ``strict`` raises ``ValueError`` on keys that are not columns (the control API, where a typo should
    fail loudly); otherwise they are ignored (SaveAllData, where lists carry extra reference keys).
    """
    bound: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in item.items():
        column = entity.by_lower.get(str(key).lower())
        if column is None:
            unknown.append(str(key))
        else:
            bound[column] = value
    if strict and unknown:
        raise ValueError(f"{entity.name} has no field(s) {unknown}")
    return bound
