"""After the purchase, through the pages: staff move a paid order on, ship it with a carrier and tracking code
(the buyer sees them in plain Persian and gets them by SMS), print the sales invoice; cancelling asks first."""

from __future__ import annotations

import asyncio
import io
from urllib.parse import urlsplit

from pypdf import PdfReader

from tests.queue_helpers import eventually
from tests.web.conftest import Web

BUYER = "09123456789"
POST_CODE = "123456789012345678901234"


async def _paid_order(web: Web) -> int:
    await web.post("/cart/add", {"detail_id": "1011", "quantity": "1", "back": "/product/101"})
    await web.login_otp(BUYER)
    address = {"recipient_name": "علی رضایی", "mobile": BUYER, "province": "تهران", "city": "تهران",
               "line": "خیابان آزادی", "postal_code": "1314567890"}  # fmt: skip
    placed = await web.post(
        "/checkout", {"shipping_method": "post", "address_id": "new", **address}, from_page="/checkout"
    )
    authority = placed.headers["location"].rsplit("/", 1)[1]
    back = urlsplit(web.container.payment_gateway.pay(authority))
    returned = await web.http.get(f"{back.path}?{back.query}")
    return int(returned.headers["location"].split("/")[3])


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_staff_ship_a_paid_order_and_the_buyer_sees_and_receives_the_tracking_code(web: Web) -> None:
    order_id = await _paid_order(web)
    # the buyer's invoice is there once paid, only for them
    invoice = await web.http.get(f"/account/orders/{order_id}/invoice.pdf")
    assert invoice.status_code == 200 and invoice.headers["content-type"] == "application/pdf"
    assert "فاکتور فروش" in _pdf_text(invoice.content) and "پیراهن نخی مردانه" in _pdf_text(invoice.content)
    # staff take it through accounting by hand; the buyer's page says only that it is being prepared
    await web.login_staff()
    page = f"/admin/orders/{order_id}"
    for status in ("sent_to_accounting", "invoiced"):
        moved = await web.post(f"{page}/status", {"status": status}, from_page=page)
        assert moved.status_code == 303
    admin = (await web.http.get(page)).text
    assert 'id="ship-form"' in admin and f'href="{page}/invoice.pdf"' in admin
    assert f'href="{page}/cancel"' in admin and 'value="cancelled"' not in admin  # cancelling is its own step
    staff_pdf = await web.http.get(f"{page}/invoice.pdf")
    assert staff_pdf.status_code == 200 and "مبلغ کل" in _pdf_text(staff_pdf.content)
    # a code that is not the carrier's is refused and nothing changes
    refused = await web.post(f"{page}/ship", {"carrier": "post", "tracking_code": "12"}, from_page=page)
    assert refused.status_code == 303
    assert "کد رهگیری برای «پست» معتبر نیست" in (await web.http.get(page)).text
    notifier = web.container.store.notifier()
    task = asyncio.create_task(notifier.run())
    try:
        shipped = await web.post(
            f"{page}/ship", {"carrier": "post", "tracking_code": "۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴"}, from_page=page
        )
        assert shipped.status_code == 303
        await eventually(lambda: any("ارسال شد" in m.text for m in web.container.sms.messages_to(BUYER)))
        texts = [m.text for m in web.container.sms.messages_to(BUYER) if "ارسال شد" in m.text]
    finally:
        notifier.stop()
        task.cancel()
    assert texts and "پست" in texts[0] and POST_CODE in texts[0] and f"tracking.post.ir/?id={POST_CODE}" in texts[0]
    admin = (await web.http.get(page)).text
    assert 'id="shipment"' in admin and 'id="ship-form"' not in admin
    # the buyer's page: state in plain Persian, carrier, code left to right, the tracking link
    await web.login_otp(BUYER)
    mine = (await web.http.get(f"/account/orders/{order_id}")).text
    assert "ارسال شد" in mine and "در حال آماده‌سازی" in mine
    assert "تیپاکس" not in mine and "پست" in mine
    assert f'<bdi dir="ltr">{"۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴"}</bdi>' in mine
    assert f'href="https://tracking.post.ir/?id={POST_CODE}"' in mine
    assert "در حال پردازش" not in mine and "صادر" not in mine  # the accounting steps' labels


async def test_another_customer_cannot_get_the_invoice_and_an_unpaid_order_has_none(web: Web) -> None:
    order_id = await _paid_order(web)
    await web.login_otp("09351112233")
    assert (await web.http.get(f"/account/orders/{order_id}/invoice.pdf")).status_code == 404
    await web.post("/cart/add", {"detail_id": "1011", "quantity": "1", "back": "/product/101"})
    address = {"recipient_name": "سارا", "mobile": "09351112233", "province": "تهران", "city": "تهران",
               "line": "خیابان آزادی", "postal_code": "1314567890"}  # fmt: skip
    placed = await web.post(
        "/checkout", {"shipping_method": "post", "address_id": "new", **address}, from_page="/checkout"
    )
    assert placed.status_code == 303
    unpaid = (await web.http.get("/account/orders")).text
    pending_id = int(unpaid.split('href="/account/orders/')[1].split('"')[0])
    refused = await web.http.get(f"/account/orders/{pending_id}/invoice.pdf")
    assert refused.status_code == 303 and refused.headers["location"] == f"/account/orders/{pending_id}"
    assert 'id="invoice-link"' not in (await web.http.get(f"/account/orders/{pending_id}")).text


async def test_cancelling_a_paid_order_takes_a_confirmation_that_says_what_follows(web: Web) -> None:
    order_id = await _paid_order(web)
    await web.login_staff()
    page = f"/admin/orders/{order_id}"
    # a cancel posted without the confirmation only leads to the confirmation page
    direct = await web.post(f"{page}/status", {"status": "cancelled"}, from_page=page)
    assert direct.status_code == 303 and direct.headers["location"] == f"{page}/cancel"
    assert "پرداخت‌شده" in (await web.http.get(page)).text  # still paid
    confirm = (await web.http.get(f"{page}/cancel")).text
    assert "برگشت‌پذیر نیست" in confirm and "این سامانه پول را برنمی‌گرداند" in confirm
    done = await web.post(
        f"{page}/status", {"status": "cancelled", "confirmed": "yes", "reason": "ناموجود"}, from_page=f"{page}/cancel"
    )
    assert done.status_code == 303 and done.headers["location"] == page
    assert "لغوشده" in (await web.http.get(page)).text


async def test_a_buyer_sets_name_email_and_national_code_from_the_account_page(web: Web) -> None:
    await web.login_otp(BUYER)
    bad = await web.post("/account/profile", {"full_name": "علی", "national_code": "1234567890"}, from_page="/account")
    assert bad.status_code == 303
    assert "کد ملی معتبر نیست" in (await web.http.get("/account")).text
    saved = await web.post(
        "/account/profile",
        {"full_name": "علی رضایی", "email": "ali@example.ir", "national_code": "۰۰۱۲۳۴۵۶۷۹"},
        from_page="/account",
    )
    assert saved.status_code == 303
    page = (await web.http.get("/account")).text
    assert "مشخصات شما ذخیره شد" in page
    assert 'value="علی رضایی"' in page and 'value="ali@example.ir"' in page and 'value="0012345679"' in page
