"""Mahak's data as the sync stored it, read by the export (``hamgam.ports.export.SyncedMahakData``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

#: The customer columns a person may be matched by (``export.match_person_by``).
_MATCH_COLUMNS = {"mobile": "mobile", "national_code": "national_code"}


class SqlSyncedMahakData:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def live_person(self, customer: dict[str, Any], match_by: list[str]) -> int | None:
        """A synced, live Mahak person matching the customer by the configured keys, in order."""
        for key in match_by:
            value = customer.get("mobile" if key == "mobile" else "national_code")
            if not value:
                continue
            column = _MATCH_COLUMNS.get(key, "national_code")
            found = await self._conn.scalar(
                text(f"""SELECT mahak_id FROM person WHERE deleted_at IS NULL AND {column} = :v
                         ORDER BY mahak_id LIMIT 1"""),
                {"v": value},
            )
            if found is not None:
                return int(found)
        return None

    async def visitor_link_exists(self, visitor_id: int, person_id: int) -> bool:
        return bool(
            await self._conn.scalar(
                text("""SELECT EXISTS (SELECT 1 FROM visitor_person WHERE visitor_id = :v AND person_id = :p
                        AND deleted_at IS NULL)"""),
                {"v": visitor_id, "p": person_id},
            )
        )

    async def default_person_group(self) -> int | None:
        value = await self._conn.scalar(text("SELECT min(mahak_id) FROM person_group WHERE deleted_at IS NULL"))
        return int(value) if value is not None else None

    async def settings_value(self, code: int) -> str | None:
        return await self._conn.scalar(
            text("SELECT value FROM setting WHERE code = :c AND deleted_at IS NULL ORDER BY mahak_id DESC LIMIT 1"),
            {"c": code},
        )

    async def visitor_defaults(self, visitor_id: int) -> dict[str, Any]:
        row = (
            (
                await self._conn.execute(
                    text("SELECT store_code, cash_code FROM visitor WHERE mahak_id = :v"), {"v": visitor_id}
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else {}

    async def live_stores(self) -> list[tuple[int, str | None]]:
        rows = await self._conn.execute(
            text("SELECT mahak_id, code FROM store WHERE deleted_at IS NULL ORDER BY mahak_id")
        )
        return [(int(r.mahak_id), r.code) for r in rows]

    async def store_stock(self, detail_id: int, store_ids: list[int]) -> dict[int, float]:
        rows = await self._conn.execute(
            text("""SELECT store_id, count1 FROM product_detail_stock
                    WHERE product_detail_id = :d AND store_id = ANY(:s) AND deleted_at IS NULL"""),
            {"d": detail_id, "s": store_ids},
        )
        return {int(r.store_id): float(r.count1 or 0) for r in rows}
