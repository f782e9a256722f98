"""Staff operations on products and orders: store-owned fields, visibility, overrides of Mahak-owned fields
(with the sync's conflicts beside them), order status actions. Every change is written to the audit log.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.adapters.db import catalog_read
from hamgam.adapters.db.store_uow import SqlStoreUnitOfWork
from hamgam.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from hamgam.domain.listing import NOT_NULL_FIELDS, TEXT_FIELDS, is_image_entry
from hamgam.domain.orders import STAFF_TARGETS, OrderStatus
from hamgam.services.store.orders import get_order, transition

#: Mahak-owned product columns staff may override locally (the sync keeps Mahak's value beside it and logs a
#: conflict when Mahak changes it). Prices and stock are not overridable: they must match the invoices.
OVERRIDABLE = frozenset({"name", "unit_name", "unit_name2", "mahak_description", "tags"})
#: Store-owned listing fields staff may edit.
LISTING_FIELDS = ("slug", "description", "seo_title", "seo_description", "images", "hidden", "featured")


async def audit(
    conn: Any, actor: str, action: str, target: str, details: dict[str, Any] | None = None
) -> None:
    await conn.execute(
        text(
            "INSERT INTO audit_log (actor, action, target, details) VALUES (:a, :ac, :t, CAST(:d AS jsonb))"
        ),
        {
            "a": actor,
            "ac": action,
            "t": target,
            "d": orjson.dumps(details, default=str).decode() if details else None,
        },
    )


def check_listing(changes: dict[str, Any]) -> None:
    """Refuse (``InvalidInput`` naming the field) a listing change the pages and jobs could not read back:
    unknown fields, ``null`` or a non-boolean for ``hidden``/``featured``, anything but a list of image
    entries for ``images``, anything but text or ``null`` for the text fields."""
    unknown = set(changes) - set(LISTING_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown fields: {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    for name in NOT_NULL_FIELDS:
        if name in changes and changes[name] is None:
            raise InvalidInput(f"«{name}» نمی‌تواند خالی (null) باشد — {name} cannot be null", field=name)
    for name in ("hidden", "featured"):
        if name in changes and not isinstance(changes[name], bool):
            raise InvalidInput(f"«{name}» باید درست یا نادرست باشد — {name} must be true or false", field=name)
    images = changes.get("images", [])
    if not isinstance(images, list) or not all(is_image_entry(e) for e in images):
        raise InvalidInput(
            "«images» باید فهرستی از تصویرها باشد — images must be a list of objects with text values",
            field="images",
        )
    for name in TEXT_FIELDS:
        if changes.get(name) is not None and not isinstance(changes[name], str):
            raise InvalidInput(f"«{name}» باید متن باشد — {name} must be text or null", field=name)


class AdminService:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def list_products(
        self, *, q: str | None, hidden: bool | None, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Every live product (hidden ones too) with its listing flags and open conflicts; newest first."""
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        where = ["p.deleted_at IS NULL"]
        if q:
            from hamgam.services.store.catalog import search_terms

            for i, term in enumerate(search_terms(q)):
                params[f"t{i}"] = "%" + term.replace("%", "").replace("_", "") + "%"
                where.append(f"(p.name_search ILIKE :t{i} OR p.code = :c{i})")
                params[f"c{i}"] = term
        if hidden is not None:
            where.append("coalesce(l.hidden, false) = :hidden")
            params["hidden"] = hidden
        async with self._engine.connect() as conn:
            rows = (
                (
                    await conn.execute(
                        text(f"""SELECT p.mahak_id AS product_id, p.code, p.name, coalesce(l.hidden, false) AS hidden,
                                 coalesce(l.featured, false) AS featured, l.slug,
                                 (SELECT count(*) FROM sync_conflict sc WHERE sc.entity = 'product'
                                    AND sc.mahak_id = p.mahak_id AND sc.resolved_at IS NULL) AS open_conflicts,
                                 count(*) OVER () AS total
                             FROM product p LEFT JOIN product_listing l ON l.product_id = p.mahak_id
                             WHERE {" AND ".join(where)} ORDER BY p.mahak_id DESC OFFSET :offset LIMIT :limit"""),
                        params,
                    )
                )
                .mappings()
                .all()
            )
        total = int(rows[0]["total"]) if rows else 0
        return [{k: v for k, v in r.items() if k != "total"} for r in rows], total

    async def product(self, product_id: int) -> dict[str, Any]:
        """The product as staff see it: Mahak's columns, store-owned fields, overrides and conflicts."""
        async with self._engine.connect() as conn:
            base = (
                (
                    await conn.execute(
                        text("""SELECT mahak_id AS product_id, code, name, unit_name, unit_name2, mahak_description, tags,
                                   category_id, row_version, deleted_at, updated_at FROM product WHERE mahak_id = :p"""),
                        {"p": product_id},
                    )
                )
                .mappings()
                .first()
            )
            if base is None:
                raise NotFound("کالا پیدا نشد — product not found", product_id=product_id)
            extras = await catalog_read.product_extras(conn, product_id)
            overrides = await conn.execute(
                text(
                    "SELECT field, value, set_by, set_at FROM product_override WHERE product_id = :p ORDER BY field"
                ),
                {"p": product_id},
            )
            conflicts = await conn.execute(
                text("""SELECT id, field, local_value, mahak_old_value, mahak_new_value, row_version, created_at,
                               resolved_at FROM sync_conflict WHERE entity = 'product' AND mahak_id = :p ORDER BY id DESC"""),
                {"p": product_id},
            )
            details = await conn.execute(
                text("""SELECT mahak_id AS detail_id, barcode, prices_rial, default_price_level, properties, deleted_at
                        FROM product_detail WHERE product_id = :p ORDER BY mahak_id"""),
                {"p": product_id},
            )
            return dict(base) | {
                "listing": {k: extras.get(k) for k in LISTING_FIELDS},
                "pictures": extras.get("pictures", []),
                "overrides": [dict(r) for r in overrides.mappings()],
                "conflicts": [dict(r) for r in conflicts.mappings()],
                "details": [dict(r) for r in details.mappings()],
            }

    async def update_listing(self, product_id: int, changes: dict[str, Any], actor: str) -> dict[str, Any]:
        """Set store-owned fields (only those given; see ``check_listing``). The sync never writes these.
        ``Conflict`` when another product already has the slug."""
        check_listing(changes)
        try:
            async with self._engine.begin() as conn:
                if not await conn.scalar(text("SELECT 1 FROM product WHERE mahak_id = :p"), {"p": product_id}):
                    raise NotFound("کالا پیدا نشد — product not found", product_id=product_id)
                if changes:
                    await self._write_listing(conn, product_id, changes)
                await audit(conn, actor, "product.listing", f"product:{product_id}", changes)
        except IntegrityError as exc:
            if "slug" not in str(exc.orig):
                raise
            raise Conflict(
                "این نامک (slug) را کالای دیگری دارد — another product uses this slug", field="slug"
            ) from None
        return await self.product(product_id)

    async def _write_listing(self, conn: Any, product_id: int, changes: dict[str, Any]) -> None:
        values = dict(changes)
        if "images" in values:
            values["images"] = orjson.dumps(values["images"]).decode()
        columns = ", ".join(values)
        binds = ", ".join(f"CAST(:{k} AS jsonb)" if k == "images" else f":{k}" for k in values)
        sets = ", ".join(f"{k} = EXCLUDED.{k}" for k in values)
        await conn.execute(
            text(f"""INSERT INTO product_listing (product_id, {columns}) VALUES (:p, {binds})
                     ON CONFLICT (product_id) DO UPDATE SET {sets}, updated_at = now()"""),
            values | {"p": product_id},
        )

    async def set_override(self, product_id: int, field: str, value: Any, actor: str) -> dict[str, Any]:
        if field not in OVERRIDABLE:
            raise InvalidInput(
                f"field cannot be overridden; one of {', '.join(sorted(OVERRIDABLE))}", field="field"
            )
        async with self._engine.begin() as conn:
            if not await conn.scalar(text("SELECT 1 FROM product WHERE mahak_id = :p"), {"p": product_id}):
                raise NotFound("کالا پیدا نشد — product not found", product_id=product_id)
            await conn.execute(
                text("""INSERT INTO product_override (product_id, field, value, set_by) VALUES (:p, :f, CAST(:v AS jsonb), :a)
                        ON CONFLICT (product_id, field) DO UPDATE SET value = EXCLUDED.value, set_by = EXCLUDED.set_by,
                            set_at = now()"""),
                {"p": product_id, "f": field, "v": orjson.dumps(value).decode(), "a": actor},
            )
            await audit(
                conn, actor, "product.override.set", f"product:{product_id}", {"field": field, "value": value}
            )
        return await self.product(product_id)

    async def clear_override(self, product_id: int, field: str, actor: str) -> dict[str, Any]:
        """Drop an override (Mahak's value shows again) and resolve that field's open conflicts."""
        async with self._engine.begin() as conn:
            gone = await conn.scalar(
                text("DELETE FROM product_override WHERE product_id = :p AND field = :f RETURNING field"),
                {"p": product_id, "f": field},
            )
            if gone is None:
                raise NotFound("این فیلد بازنویسی نشده است — no override for this field", field="field")
            await conn.execute(
                text("""UPDATE sync_conflict SET resolved_at = now() WHERE entity = 'product' AND mahak_id = :p
                        AND field = :f AND resolved_at IS NULL"""),
                {"p": product_id, "f": field},
            )
            await audit(conn, actor, "product.override.clear", f"product:{product_id}", {"field": field})
        return await self.product(product_id)

    async def resolve_conflict(self, conflict_id: int, actor: str) -> None:
        """Staff saw the conflict and keep the override."""
        async with self._engine.begin() as conn:
            done = await conn.scalar(
                text(
                    "UPDATE sync_conflict SET resolved_at = now() WHERE id = :i AND resolved_at IS NULL RETURNING id"
                ),
                {"i": conflict_id},
            )
            if done is None:
                raise NotFound("تعارض باز پیدا نشد — no open conflict with this id")
            await audit(conn, actor, "sync_conflict.resolve", f"sync_conflict:{conflict_id}")

    async def change_order_status(
        self, order_id: int, target: OrderStatus, actor: str, reason: str | None
    ) -> dict[str, Any]:
        """A staff action on an order: only the moves staff may make (``STAFF_TARGETS``), checked by the
        state machine, recorded as an order event and in the audit log."""
        if target not in STAFF_TARGETS:
            raise Forbidden(f"وضعیت «{target}» را کارکنان نمی‌توانند تنظیم کنند — staff cannot set {target}")
        async with self._engine.begin() as conn:
            before = await transition(SqlStoreUnitOfWork.joining(conn), order_id, target, actor=actor, reason=reason)
            await audit(
                conn,
                actor,
                "order.status",
                f"order:{order_id}",
                {"to": str(target), "reason": reason, "order_status": before["status"]},
            )
        return await get_order(lambda: SqlStoreUnitOfWork(self._engine), order_id)
