"""Admin API for staff: products (store-owned fields, visibility, overrides, conflicts), orders, customers,
settings. Staff role at least; role and account changes need admin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from hamgam.domain.accounts import Role
from hamgam.domain.persian import InvalidIdentifier, normalize_mobile
from hamgam.entrypoints.api.deps import Admin, ContainerDep, Core, Id, Staff, require
from hamgam.entrypoints.api.errors import ERROR_RESPONSES
from hamgam.entrypoints.api.responses import pdf_response
from hamgam.entrypoints.api.schemas import DisabledIn, ListingIn, OrderStatusIn, OverrideIn, RoleIn, ShipmentIn
from hamgam.services.store.orders import get_order, list_orders
from hamgam.settings import public_settings

router = APIRouter(
    prefix="/admin", tags=["admin"], responses=ERROR_RESPONSES, dependencies=[Depends(require(Role.STAFF))]
)
Page = Annotated[int, Query(ge=1, le=10_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]


@router.get("/products")
async def products(
    core: Core,
    _: Staff,
    q: Annotated[str | None, Query(max_length=200)] = None,
    hidden: bool | None = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    items, total = await core.admin.list_products(q=q, hidden=hidden, offset=(page - 1) * per_page, limit=per_page)
    return {"items": items, "total": total, "page": page, "per_page": per_page}


@router.get("/products/{product_id}")
async def product(core: Core, _: Staff, product_id: Id) -> dict[str, Any]:
    """Mahak's columns, store-owned fields, local overrides and the sync conflicts beside them."""
    return await core.admin.product(product_id)


@router.patch("/products/{product_id}/listing")
async def update_listing(core: Core, me: Staff, product_id: Id, body: ListingIn) -> dict[str, Any]:
    """Description, images, SEO, visibility (``hidden``): the store's own fields; only those sent change.

    ``null`` clears ``slug``, ``description``, ``seo_title`` or ``seo_description``. ``images``, ``hidden`` and
    ``featured`` have no cleared state: ``null`` is a 422 naming the field (send ``[]`` or ``false``). A slug
    another product has is a 409."""
    return await core.admin.update_listing(product_id, body.model_dump(exclude_unset=True), me.actor)


@router.put("/products/{product_id}/overrides/{field}")
async def set_override(
    core: Core, me: Staff, product_id: Id, field: Annotated[str, Path(max_length=64)], body: OverrideIn
) -> dict[str, Any]:
    return await core.admin.set_override(product_id, field, body.value, me.actor)


@router.delete("/products/{product_id}/overrides/{field}")
async def clear_override(
    core: Core, me: Staff, product_id: Id, field: Annotated[str, Path(max_length=64)]
) -> dict[str, Any]:
    return await core.admin.clear_override(product_id, field, me.actor)


@router.post("/conflicts/{conflict_id}/resolve", status_code=204)
async def resolve_conflict(core: Core, me: Staff, conflict_id: Id) -> None:
    await core.admin.resolve_conflict(conflict_id, me.actor)


@router.get("/orders")
async def orders(
    container: ContainerDep,
    _: Staff,
    status: Annotated[str | None, Query(max_length=32)] = None,
    mobile: Annotated[str | None, Query(max_length=32)] = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    try:
        mobile = normalize_mobile(mobile) if mobile else None
    except InvalidIdentifier:
        mobile = "-"
    items, total = await list_orders(
        container.store.uow, status=status, mobile=mobile, offset=(page - 1) * per_page, limit=per_page
    )
    return {"items": items, "total": total, "page": page, "per_page": per_page}


@router.get("/orders/{order_id}")
async def order(container: ContainerDep, _: Staff, order_id: Id) -> dict[str, Any]:
    return await get_order(container.store.uow, order_id)


@router.post("/orders/{order_id}/status")
async def change_status(core: Core, me: Staff, order_id: Id, body: OrderStatusIn) -> dict[str, Any]:
    """Move an order (delivered, cancelled…); the state machine decides what is allowed. Cancelling cannot be
    undone: without ``"confirm": true`` it is a 409 ``confirmation_required`` whose ``details.follows`` lists
    what would follow (stock back on sale; a paid order's money not returned by this system), and nothing
    changes. Shipping goes through ``/shipment`` (carrier and tracking code)."""
    result = await core.change_order_status(order_id, body.status, me.actor, body.reason, confirmed=body.confirm)
    await core.publish_events()
    return result


@router.post("/orders/{order_id}/shipment")
async def ship(core: Core, me: Staff, order_id: Id, body: ShipmentIn) -> dict[str, Any]:
    """Mark the order shipped with its carrier and tracking code; the buyer sees them and gets them by SMS.
    409 when the order cannot be shipped now (or already was), 400 when the code is not one of the carrier's."""
    return await core.ship_order(order_id, str(body.carrier), body.tracking_code, me.actor)


@router.get(
    "/orders/{order_id}/invoice.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The sales invoice"}},
)
async def invoice(core: Core, _: Staff, order_id: Id) -> Response:
    """The order's sales invoice (فاکتور فروش) as a PDF; 409 while the order is not paid."""
    return pdf_response(await core.invoices.sales_invoice(order_id))


@router.get("/customers")
async def customers(
    core: Core,
    _: Staff,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Page = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    items, total = await core.accounts.list_customers(q=q, offset=(page - 1) * per_page, limit=per_page)
    return {"items": items, "total": total, "page": page, "per_page": per_page}


@router.get("/customers/{customer_id}")
async def customer(core: Core, _: Staff, customer_id: Id) -> dict[str, Any]:
    return await core.accounts.profile(customer_id) | {"addresses": await core.accounts.addresses(customer_id)}


@router.put("/customers/{customer_id}/role")
async def set_role(container: ContainerDep, me: Admin, customer_id: Id, body: RoleIn) -> dict[str, Any]:
    """Not your own role (403), and never the last active admin's (409). The account is logged out."""
    return await container.store.accounts.set_role(me.customer_id, customer_id, Role(body.role), actor=me.actor)


@router.put("/customers/{customer_id}/disabled")
async def set_disabled(container: ContainerDep, me: Admin, customer_id: Id, body: DisabledIn) -> dict[str, Any]:
    """Not your own account (403), and never the last active admin (409). Disabling logs the account out."""
    return await container.store.accounts.set_disabled(me.customer_id, customer_id, body.disabled, actor=me.actor)


@router.get("/settings")
async def settings(container: ContainerDep, _: Admin) -> dict[str, Any]:
    """The running configuration, secrets masked (``SecretStr`` fields and the credentials inside URLs), and under
    ``shop_settings`` the settings edited in the admin panel, each with its source (``default``, ``env``,
    ``admin``); a secret's value is only ``set`` or ``unset``."""
    shown = public_settings(container.settings)
    if container.shop_settings is not None:
        shown["shop_settings"] = {
            row.spec.key: {"value": row.shown, "source": str(row.source), "secret": row.spec.secret}
            for row in await container.shop_settings.rows()
        }
    return shown
