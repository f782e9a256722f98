"""Admin panel: fulfilling orders from the orders list — print invoices, packing lists or labels of the selected
orders as one PDF, ship many at once (a carrier and a tracking code per order, each result reported),.

Included before ``admin_orders``: its ``/admin/orders/{order_id}`` would otherwise take ``/admin/orders/ship``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from hamgam.domain.errors import StoreError
from hamgam.domain.fulfilment import PrintKind
from hamgam.domain.orders import OrderStatus
from hamgam.domain.shipping import Carrier
from hamgam.entrypoints.web.deps import StaffPage
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.pages.account import CARRIER_LABELS, STATUS_LABELS
from hamgam.entrypoints.web.pages.common import document_response, page_router, parse_int
from hamgam.services.store.invoices import MAX_BATCH
from hamgam.services.store.orders import get_order
from hamgam.services.store.shipping import ShipmentOutcome, ShipmentRequest

router = page_router()
Ids = Annotated[list[str], Query(alias="id", max_length=MAX_BATCH + 1)]


def chosen_ids(raw: list[str]) -> list[int]:
    """The selected order ids, in order, each once (anything not a number left out)."""
    ids = [parse_int(value, low=1) for value in raw]
    return list(dict.fromkeys(n for n in ids if n is not None))


def _back_to_list(page: StaffPage, message: str) -> Any:
    return page.redirect("/admin/orders", flash=message, kind="error")


@router.get("/admin/orders/print.pdf")
async def print_orders(page: StaffPage, kind: Annotated[str, Query(max_length=16)] = "", ids: Ids = []):  # noqa: B006
    """The selected orders' invoices, packing lists or labels as one PDF, each order from a new page."""
    try:
        what = PrintKind(kind)
    except ValueError:
        return _back_to_list(page, N_("Choose what to print."))
    try:
        document = await page.core.invoices.print_orders(what, chosen_ids(ids))
    except StoreError as exc:
        return _back_to_list(page, page.error_text(exc))
    return document_response(document)


async def _ship_rows(page: StaffPage, ids: list[int]) -> list[dict[str, Any]]:
    rows = []
    for order_id in ids:
        order = await get_order(page.container.store.uow, order_id)
        method = order.get("shipping_method") or ""
        rows.append(
            {
                "order": order,
                "ready": order["status"] == OrderStatus.INVOICED and order["shipment"] is None,
                "carrier": method if method in set(Carrier) else "",
                "tracking_code": "",
            }
        )
    return rows


@router.get("/admin/orders/ship")
async def ship_form(page: StaffPage, ids: Ids = []):  # noqa: B006
    """The selected orders, each with a carrier and a tracking code to fill in."""
    wanted = chosen_ids(ids)
    if not wanted:
        return _back_to_list(page, N_("Select at least one order."))
    try:
        rows = await _ship_rows(page, wanted[:MAX_BATCH])
    except StoreError as exc:
        return _back_to_list(page, page.error_text(exc))
    return page.render("admin/orders_ship.html", rows=rows, carriers=CARRIER_LABELS, labels=STATUS_LABELS, done=False)


@router.post("/admin/orders/ship")
async def ship_many(page: StaffPage):
    """Ship each listed order with its carrier and code; the page reports each order (shipped, or refused with
    its reason, keeping what was typed so it can be corrected and sent again)."""
    assert page.user is not None
    form = await page.request.form()
    ids = chosen_ids([str(v) for v in form.getlist("order_id")])[:MAX_BATCH]
    if not ids:
        return _back_to_list(page, N_("Select at least one order."))
    requests = [
        ShipmentRequest(n, str(form.get(f"carrier_{n}") or "")[:16], str(form.get(f"tracking_code_{n}") or "")[:64])
        for n in ids
    ]
    outcomes = await page.core.ship_orders(requests, page.user.actor)
    rows = []
    for request, outcome in zip(requests, outcomes, strict=True):
        rows.append(await _outcome_row(page, request, outcome))
    shipped = sum(o.shipped for o in outcomes)
    return page.render(
        "admin/orders_ship.html",
        rows=rows,
        carriers=CARRIER_LABELS,
        labels=STATUS_LABELS,
        done=True,
        shipped=shipped,
        refused=len(outcomes) - shipped,
    )


async def _outcome_row(page: StaffPage, request: ShipmentRequest, outcome: ShipmentOutcome) -> dict[str, Any]:
    try:
        order = await get_order(page.container.store.uow, request.order_id)
    except StoreError:
        order = {"id": request.order_id, "status": "", "address": {}, "shipment": None}
    return {
        "order": order,
        "ready": not outcome.shipped and order["status"] == OrderStatus.INVOICED,
        "carrier": request.carrier,
        "tracking_code": request.tracking_code,
        "shipped": outcome.shipped,
        "reason": page.locale.error(outcome.reason) if outcome.reason else "",
        "field": outcome.field,
    }
