"""Fulfilling orders from the admin pages: the selected orders' invoices, packing lists and labels printed as one
PDF, many orders shipped from one form (each reported), an order's own printouts, and refunds recorded on the
order page (a refused amount keeps what was typed) that the buyer then sees in their own words."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import text

from tests.unit.test_fulfilment_pdf import barcodes_on
from tests.web.conftest import Web
from tests.web.test_after_purchase import BUYER, _paid_order

TIPAX = "1234567890"


async def _invoiced(web: Web, count: int) -> list[int]:
    ids = [await _paid_order(web) for _ in range(count)]
    await web.login_staff()
    for order_id in ids:
        page = f"/admin/orders/{order_id}"
        for status in ("sent_to_accounting", "invoiced"):
            assert (await web.post(f"{page}/status", {"status": status}, from_page=page)).status_code == 303
    return ids


async def test_selected_orders_print_as_one_pdf_and_ship_from_one_form(web: Web) -> None:
    first, second, third = await _invoiced(web, 3)
    listing = (await web.http.get("/admin/orders")).text
    assert 'id="batch"' in listing and 'id="select-all"' in listing
    assert all(f'name="id" value="{n}" form="batch"' in listing for n in (first, second, third))
    # one document, a page per order, the labels' barcodes carry the order numbers
    labels = await web.http.get("/admin/orders/print.pdf", params=[("kind", "label"), ("id", first), ("id", second)])
    assert labels.status_code == 200 and labels.headers["content-type"] == "application/pdf"
    assert [barcodes_on(labels.content, n) for n in (0, 1)] == [[str(first)], [str(second)]]
    for kind, word in (("invoice", "فاکتور فروش"), ("packing", "فهرست بسته‌بندی")):
        printed = await web.http.get("/admin/orders/print.pdf", params=[("kind", kind), ("id", first), ("id", third)])
        pages = PdfReader(io.BytesIO(printed.content)).pages
        assert len(pages) == 2 and all(word in p.extract_text() for p in pages)
    nothing = await web.http.get("/admin/orders/print.pdf", params={"kind": "label"})
    assert nothing.status_code == 303 and "هیچ سفارشی انتخاب نشده است" in (await web.http.get("/admin/orders")).text
    # the ship form lists the selected orders; one bad code is refused, the others are shipped
    form = (await web.http.get("/admin/orders/ship", params=[("id", first), ("id", second), ("id", third)])).text
    assert all(f'name="tracking_code_{n}"' in form for n in (first, second, third))
    result = await web.post(
        "/admin/orders/ship",
        {"order_id": [str(first), str(second), str(third)], f"carrier_{first}": "tipax",
         f"tracking_code_{first}": TIPAX, f"carrier_{second}": "post", f"tracking_code_{second}": "12",
         f"carrier_{third}": "courier", f"tracking_code_{third}": "PK-3"},
        from_page="/admin/orders",
    )  # fmt: skip
    assert result.status_code == 200
    html = result.text
    assert re.search(rf'id="ship-row-{first}"[^>]*data-result="shipped"', html)
    assert re.search(rf'id="ship-row-{second}"[^>]*data-result="refused"', html)
    assert "کد رهگیری برای «پست» معتبر نیست" in html and 'value="12"' in html  # reason, and the code typed kept
    assert re.search(rf'id="ship-row-{third}"[^>]*data-result="shipped"', html)
    assert "ارسال شد: ۲" in html
    assert 'id="shipment"' in (await web.http.get(f"/admin/orders/{first}")).text
    # an order's own printouts
    for kind in ("packing", "label"):
        own = await web.http.get(f"/admin/orders/{second}/{kind}.pdf")
        assert own.status_code == 200 and own.content.startswith(b"%PDF-")


async def test_refunds_are_recorded_on_the_order_page_and_the_buyer_sees_them(web: Web) -> None:
    (order_id,) = await _invoiced(web, 1)
    page = f"/admin/orders/{order_id}"
    admin = (await web.http.get(page)).text
    assert 'id="refund-form"' in admin
    async with web.container.engine.connect() as conn:
        found = await conn.execute(text("SELECT total_rial FROM store_order WHERE id = :i"), {"i": order_id})
        total = int(found.scalar_one())
    toman = total // 10
    # too much: the page comes back with the reason beside the amount and everything typed kept
    too_much = await web.post(
        f"{page}/refund", {"amount": str(toman + 1), "method": "card_to_card", "note": "کالای آسیب‌دیده"}, from_page=page
    )
    assert too_much.status_code == 400
    assert 'id="refund-amount-err"' in too_much.text and "بیشتر است" in too_much.text
    assert f'value="{toman + 1}"' in too_much.text and "کالای آسیب‌دیده</textarea>" in too_much.text
    assert re.search(r'<option value="card_to_card"\s+selected', too_much.text)
    part = await web.post(f"{page}/refund", {"amount": "۱۰۰٬۰۰۰", "method": "card_to_card", "note": ""}, from_page=page)
    assert part.status_code == 303
    admin = (await web.http.get(page)).text
    assert 'id="refund-table"' in admin and "کارت به کارت" in admin and "بازپرداخت ثبت شد" in admin
    rest = await web.post(f"{page}/refund", {"amount": str(toman - 100_000), "method": "cash"}, from_page=page)
    assert rest.status_code == 303
    admin = (await web.http.get(page)).text
    assert 'id="refund-form"' not in admin and 'id="mahak-return"' in admin
    await web.login_otp(BUYER)
    mine = (await web.http.get(f"/account/orders/{order_id}")).text
    assert 'id="refunds"' in mine and "واریز به کارت شما" in mine and "نقدی" in mine
    assert "تمام مبلغی که پرداخت کرده بودید" in mine
