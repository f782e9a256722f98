"""The merchant's shipping methods (``shipping_method``) (``hamgam.ports.store.ShippingMethodRepository``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.domain.shipping_rates import ShippingKind, ShippingRate, WeightTier

_COLUMNS = "id, code, title, kind, base_rial, province_rial, weight_tiers, free_over_rial, active, position"


def _rate(row: Mapping[Any, Any]) -> ShippingRate:
    return ShippingRate(
        id=row["id"],
        code=row["code"],
        title=row["title"],
        kind=ShippingKind(row["kind"]),
        base_rial=row["base_rial"],
        province_rial={str(k): int(v) for k, v in (row["province_rial"] or {}).items()},
        weight_tiers=tuple(WeightTier(int(t["over_g"]), int(t["extra_rial"])) for t in row["weight_tiers"] or ()),
        free_over_rial=row["free_over_rial"],
        active=row["active"],
        position=row["position"],
    )


def _params(rate: ShippingRate) -> dict[str, Any]:
    return {
        "code": rate.code,
        "title": rate.title,
        "kind": str(rate.kind),
        "base": rate.base_rial,
        "provinces": orjson.dumps(dict(rate.province_rial)).decode(),
        "tiers": orjson.dumps([{"over_g": t.over_g, "extra_rial": t.extra_rial} for t in rate.weight_tiers]).decode(),
        "free": rate.free_over_rial,
        "active": rate.active,
        "position": rate.position,
    }


class SqlShippingMethodRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def list(self, *, active_only: bool) -> list[ShippingRate]:
        where = "WHERE active" if active_only else ""
        rows = await self._conn.execute(text(f"SELECT {_COLUMNS} FROM shipping_method {where} ORDER BY position, id"))
        return [_rate(r) for r in rows.mappings()]

    async def get(self, method_id: int) -> ShippingRate | None:
        row = (
            (await self._conn.execute(text(f"SELECT {_COLUMNS} FROM shipping_method WHERE id = :i"), {"i": method_id}))
            .mappings()
            .first()
        )
        return None if row is None else _rate(row)

    async def add(self, rate: ShippingRate) -> int:
        result = await self._conn.execute(
            text("""INSERT INTO shipping_method (code, title, kind, base_rial, province_rial, weight_tiers,
                        free_over_rial, active, position)
                    VALUES (:code, :title, :kind, :base, CAST(:provinces AS jsonb), CAST(:tiers AS jsonb), :free,
                        :active, :position)
                    RETURNING id"""),
            _params(rate),
        )
        return int(result.scalar_one())

    async def update(self, rate: ShippingRate) -> bool:
        result = await self._conn.execute(
            text("""UPDATE shipping_method SET title = :title, kind = :kind, base_rial = :base,
                        province_rial = CAST(:provinces AS jsonb), weight_tiers = CAST(:tiers AS jsonb),
                        free_over_rial = :free, active = :active, position = :position, updated_at = now()
                    WHERE id = :id"""),
            {**_params(rate), "id": rate.id},
        )
        return bool(result.rowcount)

    async def weights_g(self, product_ids: Sequence[int]) -> dict[int, float]:
        if not product_ids:
            return {}
        rows = await self._conn.execute(
            text("""SELECT mahak_id, weight FROM product
                    WHERE mahak_id = ANY(:ids) AND weight IS NOT NULL AND weight > 0"""),
            {"ids": list(product_ids)},
        )
        return {int(r.mahak_id): float(r.weight) for r in rows}
