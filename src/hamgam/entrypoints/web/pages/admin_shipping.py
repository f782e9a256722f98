"""Admin panel: the merchant's shipping methods (list, add, edit, take off offer, put back). Amounts are typed in
Toman, weights in grams; the cost rule and the form's validation are ``hamgam.domain.shipping_rates``, every
change is audited (``services.store.shipping_methods``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form

from hamgam.domain.errors import InvalidInput
from hamgam.domain.places import province_names
from hamgam.domain.shipping_rates import ShippingKind, ShippingRate, parse_rate
from hamgam.entrypoints.web.deps import AdminPage, Page
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.pages.common import Id, field_errors, page_router, parse_int

router = page_router()
#: Weight tiers shown on the form (filled ones plus empty rows up to this many).
TIER_ROWS = 4
KIND_LABELS = {
    ShippingKind.DELIVERY: N_("Delivery to the buyer's address"),
    ShippingKind.PICKUP: N_("Pickup at the shop (no address)"),
}


def _toman(rial: int | None) -> str:
    return "" if rial is None else str(rial // 10)


def _values(rate: ShippingRate | None) -> dict[str, Any]:
    """The form's fields for ``rate`` (a new method's defaults when None)."""
    if rate is None:
        return {"title": "", "kind": "delivery", "base_toman": "", "free_over_toman": "", "position": "0",
                "active": True, "provinces": {}, "tiers": [("", "")] * TIER_ROWS}  # fmt: skip
    tiers = [(str(t.over_g), _toman(t.extra_rial)) for t in rate.weight_tiers]
    return {
        "title": rate.title,
        "kind": str(rate.kind),
        "base_toman": _toman(rate.base_rial),
        "free_over_toman": _toman(rate.free_over_rial),
        "position": str(rate.position),
        "active": rate.active,
        "provinces": {name: _toman(cost) for name, cost in rate.province_rial.items()},
        "tiers": tiers + [("", "")] * max(TIER_ROWS - len(tiers), 1),
    }


async def _form_values(page: Page) -> dict[str, Any]:
    form = await page.request.form()

    def field(name: str, limit: int = 100) -> str:
        value = form.get(name)
        return value[:limit] if isinstance(value, str) else ""

    provinces = {name: field(f"province_{i}", 20) for i, name in enumerate(province_names())}
    tiers = [(field(f"tier_over_{i}", 20), field(f"tier_extra_{i}", 20)) for i in range(TIER_ROWS * 3)]
    tiers = [t for t in tiers if t != ("", "")]
    return {
        "title": field("title", 200),
        "kind": field("kind", 20),
        "base_toman": field("base_toman", 20),
        "free_over_toman": field("free_over_toman", 20),
        "position": field("position", 10),
        "active": bool(field("active", 5)),
        "provinces": {k: v for k, v in provinces.items() if v.strip()},
        "tiers": tiers + [("", "")] * max(TIER_ROWS - len(tiers), 1),
    }


def _parse(values: dict[str, Any], method_id: int | None) -> ShippingRate:
    return parse_rate(
        code="",
        title=values["title"],
        kind=values["kind"],
        base_toman=values["base_toman"],
        free_over_toman=values["free_over_toman"],
        province_toman=values["provinces"],
        tiers=values["tiers"],
        active=values["active"],
        position=parse_int(values["position"], high=10_000) or 0,
        id=method_id,
    )


async def _edit(page: Page, method_id: int | None, values: dict, *, errors: dict | None = None, status_code=200):
    return page.render(
        "admin/shipping_method.html",
        status_code=status_code,
        method_id=method_id,
        values=values,
        errors=errors or {},
        provinces=province_names(),
        kinds=KIND_LABELS,
        province_errors=any(k.startswith("province:") for k in errors or {}),
        tiers_set=any(over or extra for over, extra in values["tiers"]),
    )


@router.get("/admin/shipping")
async def shipping_methods(page: AdminPage):
    methods = await page.core.shipping.all()
    return page.render("admin/shipping.html", methods=methods, kinds=KIND_LABELS, toman=_toman)


@router.get("/admin/shipping/new")
async def new_method(page: AdminPage):
    return await _edit(page, None, _values(None))


@router.post("/admin/shipping/new")
async def add_method(page: AdminPage):
    assert page.user is not None
    values = await _form_values(page)
    try:
        await page.core.shipping.add(_parse(values, None), actor=page.user.actor)
    except InvalidInput as exc:
        return await _edit(page, None, values, errors=field_errors(page, exc), status_code=400)
    return page.redirect("/admin/shipping", flash=N_("Shipping method added."))


@router.get("/admin/shipping/{method_id}")
async def edit_method(page: AdminPage, method_id: Id):
    return await _edit(page, method_id, _values(await page.core.shipping.get(method_id)))


@router.post("/admin/shipping/{method_id}")
async def save_method(page: AdminPage, method_id: Id):
    assert page.user is not None
    values = await _form_values(page)
    try:
        await page.core.shipping.update(method_id, _parse(values, method_id), actor=page.user.actor)
    except InvalidInput as exc:
        return await _edit(page, method_id, values, errors=field_errors(page, exc), status_code=400)
    return page.redirect("/admin/shipping", flash=N_("Saved."))


@router.post("/admin/shipping/{method_id}/active")
async def set_active(page: AdminPage, method_id: Id, active: Annotated[str, Form(max_length=5)] = ""):
    assert page.user is not None
    on = active == "1"
    await page.core.shipping.set_active(method_id, on, actor=page.user.actor)
    done = N_("The method is offered at checkout again.") if on else N_("The method is no longer offered.")
    return page.redirect("/admin/shipping", flash=done)
