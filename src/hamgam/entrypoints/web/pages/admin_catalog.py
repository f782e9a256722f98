"""Admin panel: dashboard, products (store-owned fields, images, visibility; Mahak-owned fields read-only with
their overrides and conflicts), customers (the settings page is ``admin_settings``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import File, Form, Query, UploadFile
from fastapi.responses import StreamingResponse

from hamgam.domain.accounts import Role, has_role
from hamgam.domain.errors import Conflict, Forbidden, InvalidInput, StoreError
from hamgam.domain.orders import OrderStatus, buyer_state
from hamgam.domain.persian import to_latin_digits
from hamgam.domain.sync.freshness import freshness
from hamgam.entrypoints.web.deps import AdminPage, StaffPage, safe_next
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.labels import FIELD_LABELS
from hamgam.entrypoints.web.pages.account import BUYER_STATE_LABELS, STATUS_LABELS
from hamgam.entrypoints.web.pages.charts import day_chart, freshness_bars, list_bars, sync_chart
from hamgam.entrypoints.web.pages.common import MAX_PAGE, Id, page_router, parse_int
from hamgam.entrypoints.web.report_files import spreadsheet_text
from hamgam.services.store.admin import OVERRIDABLE
from hamgam.services.store.images import MAX_IMAGES
from hamgam.services.store.orders import list_orders
from hamgam.services.sync.history import series
from hamgam.services.sync.status import dead_letters_waiting, sync_status

router = page_router()
PER_PAGE = 30
Q = Annotated[str | None, Query(max_length=200)]
PageNo = Annotated[str | None, Query(alias="page", max_length=10)]
Key = Annotated[str, Form(max_length=300)]
MAHAK_FIELDS = (
    "code",
    "name",
    "unit_name",
    "unit_name2",
    "mahak_description",
    "tags",
    "category_id",
    "unit_ratio",
    "tax_percent",
    "charge_percent",
    "weight",
    "width",
    "height",
    "length",
    "min_quantity",
    "row_version",
    "updated_at",
)


@router.get("/admin")
async def dashboard(page: StaffPage):
    entities = await sync_status(page.container.sync_reads)
    interval = page.container.settings.sync.interval_s
    unhealthy = [
        e
        for e in entities
        if e["rewind"]
        or (e["last_run"] and e["last_run"]["status"] == "failed")
        or (e["lag_s"] is not None and e["lag_s"] > 3 * interval)
    ]
    # "in step" is what a reconciliation verified, not the absence of errors
    verified = [e["verified"] for e in entities if e["verified"]]
    recent, _ = await list_orders(page.container.store.uow, offset=0, limit=8)
    sales = await page.core.reports.dashboard()
    sync = page.container.settings.sync
    fresh = [freshness(e["entity"], e["lag_s"], sync.lag_objective_s, sync.lag_objectives_s) for e in entities]
    chart_entity = "ProductDetail" if any(e["entity"] == "ProductDetail" for e in entities) else entities[0]["entity"]
    return page.render(
        "admin/dashboard.html",
        sales=sales,
        sales_chart=day_chart(sales["days"], "net_rial"),
        top_quantity=list_bars(sales["top_quantity"], "quantity"),
        top_revenue=list_bars(sales["top_revenue"], "revenue_rial"),
        statuses=list_bars(
            [
                {"status": s.value, "buyer": buyer_state(s).value, "n": sales["statuses"].get(s.value, 0)}
                for s in OrderStatus
            ],
            "n",
        ),
        freshness=freshness_bars(fresh),
        late=sum(1 for f in fresh if f.state == "late"),
        chart_entity=chart_entity,
        chart=sync_chart(await series(page.container.sync_reads, chart_entity)),
        figures=await page.core.dashboard.today(),
        entities=entities,
        unhealthy=unhealthy,
        dead=await dead_letters_waiting(page.container.sync_reads),
        recent=recent,
        refunds=await page.core.dashboard.refunds_due(),
        never_synced=sum(1 for e in entities if e["last_run"] is None),
        setup_pending=(
            page.container.setup is not None
            and page.user is not None
            and has_role(page.user.role, Role.ADMIN)
            and not await page.container.setup.is_done()
        ),
        unverified=len(entities) - len(verified),
        verified_at=min((v["finished_at"] for v in verified), default=None),
        drift=sum(v["drift"] for v in verified),
        labels=STATUS_LABELS,
        buyer_labels=BUYER_STATE_LABELS,
    )


@router.get("/admin/products")
async def products(
    page: StaffPage,
    q: Q = None,
    hidden: Annotated[str | None, Query(max_length=5)] = None,
    page_: PageNo = None,
):
    number = parse_int(page_, low=1, high=MAX_PAGE) or 1
    flag = {"1": True, "0": False}.get(hidden or "")
    items, total = await page.core.admin.list_products(q=q, hidden=flag, offset=(number - 1) * PER_PAGE, limit=PER_PAGE)
    return page.render(
        "admin/products.html",
        products=items,
        total=total,
        q=q or "",
        hidden=hidden or "",
        page_number=number,
        pages=max(1, -(-total // PER_PAGE)),
    )


#: The bulk actions of the product list, as the flash reports them.
BULK_DONE = {
    "hide": N_("%(n)s of %(chosen)s chosen products hidden from the store."),
    "show": N_("%(n)s of %(chosen)s chosen products shown in the store."),
    "feature": N_("%(n)s of %(chosen)s chosen products featured on the home page."),
    "unfeature": N_("%(n)s of %(chosen)s chosen products no longer featured."),
}


@router.post("/admin/products/bulk")
async def bulk(
    page: StaffPage,
    action: Annotated[str, Form(max_length=16)] = "",
    ids: Annotated[list[str] | None, Form()] = None,
    back: Annotated[str, Form(max_length=300)] = "",
):
    """Hide, show, feature or unfeature the products ticked on the list, in one transaction."""
    assert page.user is not None
    to = safe_next(back, "/admin/products")
    chosen = [n for n in (parse_int(i, low=1, high=2**62) for i in ids or []) if n is not None]
    if action not in BULK_DONE:
        return page.redirect(to, flash=N_("Choose what to do with the chosen products."), kind="error")
    if not chosen:
        return page.redirect(to, flash=N_("Choose at least one product."), kind="error")
    try:
        changed = await page.core.admin.bulk_listing(chosen, action, page.user.actor)
    except InvalidInput as exc:
        return page.redirect(to, flash=page.error_text(exc), kind="error")
    done = page.locale.gettext(BULK_DONE[action]) % {
        "n": page.locale.number(changed),
        "chosen": page.locale.number(len(set(chosen))),
    }
    return page.redirect(to, flash=done)


#: The catalogue export's columns: header (message id) and how a row's cell is written.
EXPORT_COLUMNS = (
    N_("Code"),
    N_("Name in the store"),
    N_("Name in Mahak"),
    N_("Price (Rial)"),
    N_("List price (Rial)"),
    N_("Stock"),
    N_("Shown in the store"),
    N_("Featured"),
    N_("Category"),
    N_("Overrides"),
)


def _export_lines(page: StaffPage, rows: list[dict[str, Any]]) -> str:
    gettext = page.locale.gettext
    yes, no = gettext(N_("Yes")), gettext(N_("No"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for r in rows:
        overridden = "، ".join(gettext(FIELD_LABELS[f]) if f in FIELD_LABELS else f for f in r["overrides"])
        cells = (
            r["code"] or r["product_id"],
            r["name"],
            r["mahak_name"],
            r["price_rial"],
            r["list_price_rial"],
            r["available"],
            yes if r["visible"] else no,
            yes if r["featured"] else no,
            r["category"] or "",
            overridden,
        )
        writer.writerow([spreadsheet_text(c) for c in cells])
    return out.getvalue()


@router.get("/admin/products/export.csv")
async def export_csv(page: StaffPage):
    """The whole catalogue as CSV for a spreadsheet: UTF-8 with a BOM (Excel then reads Persian), Persian
    headers, one product a line, streamed page by page (the catalogue is read by keyset, never whole)."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow([page.locale.gettext(h) for h in EXPORT_COLUMNS])

    async def lines() -> AsyncIterator[str]:
        yield "\ufeff" + header.getvalue()
        async for rows in page.core.catalog.export():
            yield _export_lines(page, rows)

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="catalogue-{stamp}.csv"', "Cache-Control": "no-store"},
    )


async def _product(
    page: StaffPage, product_id: int, *, errors: dict | None = None, status_code: int = 200, block: str | None = None
):
    item = await page.core.admin.product(product_id)
    images = await page.container.images.images(product_id) if page.container.images else []
    try:
        selling = await page.core.catalog.product(product_id)
    except StoreError:
        selling = None
    overrides = {o["field"]: o for o in item["overrides"]}
    return page.render(
        "admin/product.html",
        status_code=status_code,
        block=block,
        product=item,
        images=images,
        selling=selling,
        overrides=overrides,
        overridable=sorted(OVERRIDABLE),
        mahak_fields=MAHAK_FIELDS,
        errors=errors or {},
        max_upload=page.container.settings.web.max_upload_bytes,
    )


@router.get("/admin/products/{product_id}")
async def product(page: StaffPage, product_id: Id):
    return await _product(page, product_id)


@router.post("/admin/products/{product_id}/listing")
async def listing(
    page: StaffPage,
    product_id: Id,
    description: Annotated[str, Form(max_length=20_000)] = "",
    seo_title: Annotated[str, Form(max_length=200)] = "",
    seo_description: Annotated[str, Form(max_length=2000)] = "",
    slug: Annotated[str, Form(max_length=200)] = "",
    hidden: Annotated[str, Form(max_length=5)] = "",
    featured: Annotated[str, Form(max_length=5)] = "",
):
    assert page.user is not None
    slug = slug.strip()
    if slug and not all(c.isalnum() or c in "-_" for c in slug):
        return await _product(
            page, product_id, errors={"slug": N_("Use letters, digits, - and _ only.")}, status_code=400
        )
    changes: dict[str, Any] = {
        "description": description.strip() or None,
        "seo_title": seo_title.strip() or None,
        "seo_description": seo_description.strip() or None,
        "slug": slug or None,
        "hidden": bool(hidden),
        "featured": bool(featured),
    }
    try:
        await page.core.admin.update_listing(product_id, changes, page.user.actor)
    except Conflict:
        return await _product(page, product_id, errors={"slug": N_("Another product uses this slug.")}, status_code=409)
    except StoreError as exc:
        return await _product(page, product_id, errors={"listing": page.error_text(exc)}, status_code=400)
    return page.redirect(f"/admin/products/{product_id}", flash=N_("Saved."))


@router.post("/admin/products/{product_id}/visibility")
async def visibility(
    page: StaffPage,
    product_id: Id,
    hidden: Annotated[str, Form(max_length=5)] = "",
    back: Annotated[str, Form(max_length=300)] = "",
):
    assert page.user is not None
    await page.core.admin.update_listing(product_id, {"hidden": hidden == "1"}, page.user.actor)
    return page.redirect(
        safe_next(back, f"/admin/products/{product_id}"),
        flash=N_("Hidden from the store.") if hidden == "1" else N_("Shown in the store."),
    )


@router.post("/admin/products/{product_id}/override")
async def set_override(
    page: StaffPage,
    product_id: Id,
    field: Annotated[str, Form(max_length=64)],
    value: Annotated[str, Form(max_length=2000)],
):
    assert page.user is not None
    try:
        await page.core.admin.set_override(product_id, field, value, page.user.actor)
    except InvalidInput as exc:
        return await _product(page, product_id, errors={"override": page.error_text(exc)}, status_code=400)
    return page.redirect(f"/admin/products/{product_id}", flash=N_("Override saved."))


@router.post("/admin/products/{product_id}/override/clear")
async def clear_override(page: StaffPage, product_id: Id, field: Annotated[str, Form(max_length=64)]):
    assert page.user is not None
    await page.core.admin.clear_override(product_id, field, page.user.actor)
    return page.redirect(f"/admin/products/{product_id}", flash=N_("Mahak's value is used again."))


@router.post("/admin/conflicts/{conflict_id}/resolve")
async def resolve_conflict(page: StaffPage, conflict_id: Id, product_id: Annotated[int, Form(ge=1)]):
    assert page.user is not None
    await page.core.admin.resolve_conflict(conflict_id, page.user.actor)
    return page.redirect(f"/admin/products/{product_id}", flash=N_("Conflict marked as seen."))


@router.post("/admin/products/{product_id}/images")
async def upload_image(
    page: StaffPage,
    product_id: Id,
    image: Annotated[UploadFile, File()],
    alt: Annotated[str, Form(max_length=200)] = "",
):
    assert page.user is not None and page.container.images is not None
    limit = page.container.settings.web.max_upload_bytes
    data = await image.read(limit + 1)
    try:
        await page.container.images.upload(product_id, data, alt=alt, actor=page.user.actor)
    except InvalidInput as exc:
        return await _product(page, product_id, errors={"image": page.error_text(exc)}, status_code=400)
    return page.redirect(f"/admin/products/{product_id}", flash=N_("Image added."))


@router.post("/admin/products/{product_id}/images/move")
async def move_image(page: StaffPage, product_id: Id, key: Key, delta: Annotated[int, Form(ge=-50, le=50)]):
    assert page.user is not None and page.container.images is not None
    await page.container.images.move(product_id, key, delta, page.user.actor)
    return page.redirect(f"/admin/products/{product_id}#images")


@router.post("/admin/products/{product_id}/images/order")
async def order_images(page: StaffPage, product_id: Id, keys: Annotated[list[str] | None, Form()] = None):
    """The images in the order staff dragged them to (htmx: the images section comes back in its new order)."""
    assert page.user is not None and page.container.images is not None
    errors = {}
    try:
        if keys is None or len(keys) > MAX_IMAGES or any(len(k) > 300 for k in keys):
            raise Conflict("فهرست تصویرها نامعتبر است — bad image list", field="images")
        await page.container.images.reorder(product_id, keys, page.user.actor)
    except Conflict as exc:
        errors["image"] = page.error_text(exc)
    if page.htmx:
        return await _product(page, product_id, errors=errors, block="images")
    if errors:
        return page.redirect(f"/admin/products/{product_id}#images", flash=errors["image"], kind="error")
    return page.redirect(f"/admin/products/{product_id}#images", flash=N_("Image order saved."))


@router.post("/admin/products/{product_id}/images/remove")
async def remove_image(page: StaffPage, product_id: Id, key: Key):
    assert page.user is not None and page.container.images is not None
    await page.container.images.remove(product_id, key, page.user.actor)
    return page.redirect(f"/admin/products/{product_id}#images", flash=N_("Image removed."))


@router.get("/admin/customers")
async def customers(page: StaffPage, q: Q = None, page_: PageNo = None):
    number = parse_int(page_, low=1, high=MAX_PAGE) or 1
    # staff type the mobile in Persian digits as often as in Latin ones; mobiles are stored in Latin digits
    wanted = to_latin_digits(q).strip() if q else None
    items, total = await page.core.accounts.list_customers(
        q=wanted or None, offset=(number - 1) * PER_PAGE, limit=PER_PAGE
    )
    return page.render(
        "admin/customers.html",
        customers=items,
        total=total,
        q=q or "",
        page_number=number,
        pages=max(1, -(-total // PER_PAGE)),
    )


@router.get("/admin/customers/{customer_id}")
async def customer(page: StaffPage, customer_id: Id):
    profile = await page.core.accounts.profile(customer_id)
    orders, total = await list_orders(page.container.store.uow, customer_id=customer_id, offset=0, limit=20)
    return page.render(
        "admin/customer.html",
        profile=profile | {"disabled_at": await page.core.dashboard.customer_disabled_at(customer_id)},
        orders=orders,
        total=total,
        labels=STATUS_LABELS,
        addresses=await page.core.accounts.addresses(customer_id),
        roles=[str(r) for r in Role],
    )


@router.post("/admin/customers/{customer_id}/role")
async def set_role(page: AdminPage, customer_id: Id, role: Annotated[str, Form(max_length=16)]):
    assert page.user is not None
    if role not in {str(r) for r in Role}:
        return page.redirect(f"/admin/customers/{customer_id}", flash=N_("Unknown role."), kind="error")
    try:
        await page.core.accounts.set_role(page.user.customer_id, customer_id, Role(role), actor=page.user.actor)
    except (Forbidden, Conflict) as exc:
        return page.redirect(f"/admin/customers/{customer_id}", flash=page.error_text(exc), kind="error")
    return page.redirect(f"/admin/customers/{customer_id}", flash=N_("Role changed."))


@router.post("/admin/customers/{customer_id}/disabled")
async def set_disabled(page: AdminPage, customer_id: Id, disabled: Annotated[str, Form(max_length=5)] = ""):
    assert page.user is not None
    flag = disabled == "1"
    try:
        await page.core.accounts.set_disabled(page.user.customer_id, customer_id, flag, actor=page.user.actor)
    except (Forbidden, Conflict) as exc:
        return page.redirect(f"/admin/customers/{customer_id}", flash=page.error_text(exc), kind="error")
    return page.redirect(
        f"/admin/customers/{customer_id}", flash=N_("Account disabled.") if flag else N_("Account enabled.")
    )
