"""Staff operations on products: store-owned fields, visibility, overrides of Mahak-owned fields (with the
sync's conflicts beside them). Every change is written to the audit log in its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hamgam.domain.errors import Conflict, InvalidInput, NotFound
from hamgam.domain.listing import NOT_NULL_FIELDS, TEXT_FIELDS, is_image_entry
from hamgam.domain.persian import normalize_text
from hamgam.ports.admin import AdminUnitOfWork, SlugTaken
from hamgam.ports.unit_of_work import UnitOfWorkFactory

#: Mahak-owned product columns staff may override locally (the sync keeps Mahak's value beside it and logs a
#: conflict when Mahak changes it). Prices and stock are not overridable: they must match the invoices.
OVERRIDABLE = frozenset({"name", "unit_name", "unit_name2", "mahak_description", "tags"})
#: Overridden fields the storefront's search finds the product by (their search key is stored beside them).
SEARCHED = frozenset({"name", "tags"})
#: Store-owned listing fields staff may edit.
LISTING_FIELDS = ("slug", "description", "seo_title", "seo_description", "images", "hidden", "featured")
_NO_PRODUCT = "کالا پیدا نشد — product not found"
#: What staff may do to many products at once from the product list: the listing flag and its value.
BULK_ACTIONS: dict[str, tuple[str, bool]] = {
    "hide": ("hidden", True),
    "show": ("hidden", False),
    "feature": ("featured", True),
    "unfeature": ("featured", False),
}
#: Most products one bulk action takes (a page of the list is 30).
MAX_BULK = 500


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
    def __init__(
        self, uow: UnitOfWorkFactory[AdminUnitOfWork], *, listing_changed: Callable[[], None] = lambda: None
    ) -> None:
        """``listing_changed`` is called after staff change what the storefront lists or how it names a product
        (so this process's kept search rankings are dropped rather than served for up to their TTL)."""
        self._uow = uow
        self._listing_changed = listing_changed

    async def list_products(
        self, *, q: str | None, hidden: bool | None, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        """Every live product (hidden ones too) with its listing flags and open conflicts; newest first."""
        terms: list[str] = []
        if q:
            from hamgam.services.store.catalog import search_terms

            terms = list(search_terms(q))
        async with self._uow() as uow:
            return await uow.products.search(terms, hidden=hidden, offset=offset, limit=limit)

    async def product(self, product_id: int) -> dict[str, Any]:
        """The product as staff see it: Mahak's columns, store-owned fields, overrides and conflicts."""
        async with self._uow() as uow:
            base = await uow.products.get(product_id)
            if base is None:
                raise NotFound(_NO_PRODUCT, product_id=product_id)
            extras = await uow.products.extras(product_id)
            return base | {
                "listing": {k: extras.get(k) for k in LISTING_FIELDS},
                "pictures": extras.get("pictures", []),
                "overrides": await uow.products.overrides(product_id),
                "conflicts": await uow.products.conflicts(product_id),
                "details": await uow.products.details(product_id),
            }

    async def update_listing(self, product_id: int, changes: dict[str, Any], actor: str) -> dict[str, Any]:
        """Set store-owned fields (only those given; see ``check_listing``). The sync never writes these.
        ``Conflict`` when another product already has the slug."""
        check_listing(changes)
        try:
            async with self._uow() as uow:
                if not await uow.products.exists(product_id):
                    raise NotFound(_NO_PRODUCT, product_id=product_id)
                if changes:
                    await uow.products.save_listing(product_id, changes)
                await uow.audit.record(actor, "product.listing", f"product:{product_id}", changes)
        except SlugTaken:
            raise Conflict(
                "این نامک (slug) را کالای دیگری دارد — another product uses this slug", field="slug"
            ) from None
        self._listing_changed()
        return await self.product(product_id)

    async def bulk_listing(self, product_ids: Sequence[int], action: str, actor: str) -> int:
        """Hide, show, feature or unfeature the chosen products (``BULK_ACTIONS``) in one transaction; how many
        changed (those already so, and unknown ids, are left alone). Each changed product gets its audit entry,
        as a change on its own page would."""
        if action not in BULK_ACTIONS:
            raise InvalidInput(f"action must be one of {', '.join(BULK_ACTIONS)}", field="action")
        ids = sorted(set(product_ids))
        if not ids:
            raise InvalidInput("هیچ کالایی انتخاب نشده است — no product chosen", field="products")
        if len(ids) > MAX_BULK:
            raise InvalidInput(f"at most {MAX_BULK} products at once", field="products")
        column, value = BULK_ACTIONS[action]
        async with self._uow() as uow:
            changed = await uow.products.set_flag(ids, column, value)
            for product_id in changed:
                await uow.audit.record(
                    actor, "product.listing", f"product:{product_id}", {column: value, "bulk": action}
                )
        self._listing_changed()
        return len(changed)

    async def set_override(self, product_id: int, field: str, value: Any, actor: str) -> dict[str, Any]:
        if field not in OVERRIDABLE:
            raise InvalidInput(f"field cannot be overridden; one of {', '.join(sorted(OVERRIDABLE))}", field="field")
        async with self._uow() as uow:
            if not await uow.products.exists(product_id):
                raise NotFound(_NO_PRODUCT, product_id=product_id)
            search = normalize_text(str(value)) if field in SEARCHED else None
            await uow.products.set_override(product_id, field, value, actor, search=search)
            await uow.audit.record(
                actor, "product.override.set", f"product:{product_id}", {"field": field, "value": value}
            )
        self._listing_changed()
        return await self.product(product_id)

    async def clear_override(self, product_id: int, field: str, actor: str) -> dict[str, Any]:
        """Drop an override (Mahak's value shows again) and resolve that field's open conflicts."""
        async with self._uow() as uow:
            if not await uow.products.clear_override(product_id, field):
                raise NotFound("این فیلد بازنویسی نشده است — no override for this field", field="field")
            await uow.audit.record(actor, "product.override.clear", f"product:{product_id}", {"field": field})
        self._listing_changed()
        return await self.product(product_id)

    async def resolve_conflict(self, conflict_id: int, actor: str) -> None:
        """Staff saw the conflict and keep the override."""
        async with self._uow() as uow:
            if not await uow.products.resolve_conflict(conflict_id):
                raise NotFound("تعارض باز پیدا نشد — no open conflict with this id")
            await uow.audit.record(actor, "sync_conflict.resolve", f"sync_conflict:{conflict_id}")
