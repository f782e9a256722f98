"""Staff's view and edits of products in PostgreSQL (``hamgam.ports.admin.ProductAdminRepository``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.adapters.db import catalog_read
from hamgam.ports.admin import Row, SlugTaken

#: Listing columns ``save_listing`` may set (they are spliced into the statement).
_LISTING_COLUMNS = frozenset({"slug", "description", "seo_title", "seo_description", "images", "hidden", "featured"})
#: Listing flags ``set_flag`` may set.
_FLAGS = frozenset({"hidden", "featured"})


class SqlProductAdminRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def _rows(self, sql: str, params: dict[str, Any]) -> list[Row]:
        return [dict(r) for r in (await self._conn.execute(text(sql), params)).mappings()]

    async def search(
        self, terms: Sequence[str], *, hidden: bool | None, offset: int, limit: int
    ) -> tuple[list[Row], int]:
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        where = ["p.deleted_at IS NULL"]
        for i, term in enumerate(terms):
            params[f"t{i}"] = "%" + term.replace("%", "").replace("_", "") + "%"
            where.append(f"(p.name_search ILIKE :t{i} OR p.code = :c{i})")
            params[f"c{i}"] = term
        if hidden is not None:
            where.append("coalesce(l.hidden, false) = :hidden")
            params["hidden"] = hidden
        rows = await self._rows(
            f"""SELECT p.mahak_id AS product_id, p.code, p.name, coalesce(l.hidden, false) AS hidden,
                    coalesce(l.featured, false) AS featured, l.slug,
                    (SELECT count(*) FROM sync_conflict sc WHERE sc.entity = 'product'
                       AND sc.mahak_id = p.mahak_id AND sc.resolved_at IS NULL) AS open_conflicts,
                    count(*) OVER () AS total
                FROM product p LEFT JOIN product_listing l ON l.product_id = p.mahak_id
                WHERE {" AND ".join(where)} ORDER BY p.mahak_id DESC OFFSET :offset LIMIT :limit""",
            params,
        )
        total = int(rows[0]["total"]) if rows else 0
        return [{k: v for k, v in r.items() if k != "total"} for r in rows], total

    async def exists(self, product_id: int) -> bool:
        return bool(await self._conn.scalar(text("SELECT 1 FROM product WHERE mahak_id = :p"), {"p": product_id}))

    async def get(self, product_id: int) -> Row | None:
        rows = await self._rows(
            """SELECT mahak_id AS product_id, code, name, unit_name, unit_name2, mahak_description, tags,
                      category_id, unit_ratio, tax_percent, charge_percent, weight, width, height, length,
                      min_quantity, row_version, deleted_at, updated_at FROM product WHERE mahak_id = :p""",
            {"p": product_id},
        )
        return rows[0] if rows else None

    async def extras(self, product_id: int) -> Row:
        return await catalog_read.product_extras(self._conn, product_id)

    async def overrides(self, product_id: int) -> list[Row]:
        return await self._rows(
            "SELECT field, value, set_by, set_at FROM product_override WHERE product_id = :p ORDER BY field",
            {"p": product_id},
        )

    async def conflicts(self, product_id: int) -> list[Row]:
        return await self._rows(
            """SELECT id, field, local_value, mahak_old_value, mahak_new_value, row_version, created_at,
                      resolved_at FROM sync_conflict WHERE entity = 'product' AND mahak_id = :p ORDER BY id DESC""",
            {"p": product_id},
        )

    async def details(self, product_id: int) -> list[Row]:
        return await self._rows(
            """SELECT mahak_id AS detail_id, barcode, prices_rial, default_price_level, properties, deleted_at
               FROM product_detail WHERE product_id = :p ORDER BY mahak_id""",
            {"p": product_id},
        )

    async def save_listing(self, product_id: int, changes: Mapping[str, Any]) -> None:
        unknown = set(changes) - _LISTING_COLUMNS
        if unknown:
            raise ValueError(f"not listing columns: {sorted(unknown)}")
        values = dict(changes)
        if "images" in values:
            values["images"] = orjson.dumps(values["images"]).decode()
        columns = ", ".join(values)
        binds = ", ".join(f"CAST(:{k} AS jsonb)" if k == "images" else f":{k}" for k in values)
        sets = ", ".join(f"{k} = EXCLUDED.{k}" for k in values)
        try:
            await self._conn.execute(
                text(f"""INSERT INTO product_listing (product_id, {columns}) VALUES (:p, {binds})
                         ON CONFLICT (product_id) DO UPDATE SET {sets}, updated_at = now()"""),
                values | {"p": product_id},
            )
        except IntegrityError as exc:
            if "slug" not in str(exc.orig):
                raise
            raise SlugTaken(product_id) from exc

    async def set_flag(self, product_ids: Sequence[int], column: str, value: bool) -> list[int]:
        if column not in _FLAGS:
            raise ValueError(f"not a listing flag: {column}")
        result = await self._conn.execute(
            text(f"""INSERT INTO product_listing (product_id, {column})
                     SELECT p.mahak_id, :v FROM product p LEFT JOIN product_listing l ON l.product_id = p.mahak_id
                     WHERE p.mahak_id = ANY(:ids) AND coalesce(l.{column}, false) <> :v
                     ORDER BY p.mahak_id
                     ON CONFLICT (product_id) DO UPDATE SET {column} = EXCLUDED.{column}, updated_at = now()
                     RETURNING product_id"""),
            {"ids": list(product_ids), "v": value},
        )
        return sorted(result.scalars())

    async def set_override(
        self, product_id: int, field: str, value: Any, actor: str, *, search: str | None = None
    ) -> None:
        await self._conn.execute(
            text("""INSERT INTO product_override (product_id, field, value, set_by, search)
                    VALUES (:p, :f, CAST(:v AS jsonb), :a, :s)
                    ON CONFLICT (product_id, field) DO UPDATE SET value = EXCLUDED.value, set_by = EXCLUDED.set_by,
                        search = EXCLUDED.search, set_at = now()"""),
            {"p": product_id, "f": field, "v": orjson.dumps(value).decode(), "a": actor, "s": search},
        )

    async def clear_override(self, product_id: int, field: str) -> bool:
        gone = await self._conn.scalar(
            text("DELETE FROM product_override WHERE product_id = :p AND field = :f RETURNING field"),
            {"p": product_id, "f": field},
        )
        if gone is None:
            return False
        await self._conn.execute(
            text("""UPDATE sync_conflict SET resolved_at = now() WHERE entity = 'product' AND mahak_id = :p
                    AND field = :f AND resolved_at IS NULL"""),
            {"p": product_id, "f": field},
        )
        return True

    async def resolve_conflict(self, conflict_id: int) -> bool:
        done = await self._conn.scalar(
            text("UPDATE sync_conflict SET resolved_at = now() WHERE id = :i AND resolved_at IS NULL RETURNING id"),
            {"i": conflict_id},
        )
        return done is not None
