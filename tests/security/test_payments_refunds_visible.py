"""A payment its order did not need, which the gateway would not give back, is shown to staff with its amount
(order page and dashboard), and the buyer's result page says honestly what happened to it."""

from __future__ import annotations

from urllib.parse import urlsplit

from hamgam.domain.payments import PaymentGatewayUnavailable
from tests.web.conftest import Web, web  # noqa: F401  (the pages' fixture)

CHECKOUT = {
    "shipping_method": "pickup",
    "address_id": "new",
    "recipient_name": "مریم",
    "mobile": "09121112233",
    "province": "فارس",
    "city": "شیراز",
    "line": "خیابان زند",
    "postal_code": "7134567890",
}


async def test_refund_due_payment_is_listed_for_staff_with_its_amount(web: Web) -> None:  # noqa: F811
    # given a buyer who paid one order in two tabs, the gateway refusing to reverse the second payment
    gateway = web.container.payment_gateway
    await web.login_otp("09121112233")
    await web.post("/cart/add", {"detail_id": "1051"})
    placed = await web.post("/checkout", CHECKOUT, from_page="/checkout")
    first = placed.headers["location"].rsplit("/", 1)[1]
    order_id = (await web.container.store.payments.outcome(first))["order_id"]
    again = await web.post(f"/account/orders/{order_id}/pay", from_page=f"/account/orders/{order_id}")
    second = again.headers["location"].rsplit("/", 1)[1]
    back_first, back_second = urlsplit(gateway.pay(first)), urlsplit(gateway.pay(second))
    await web.http.get(f"{back_first.path}?{back_first.query}")
    original_reverse = gateway.reverse

    async def reverse_unavailable(authority: str):
        raise PaymentGatewayUnavailable("timeout")

    gateway.reverse = reverse_unavailable
    try:
        returned = await web.http.get(f"{back_second.path}?{back_second.query}")
    finally:
        gateway.reverse = original_reverse
    # then the buyer is told the shop will refund this payment
    result = await web.http.get(returned.headers["location"])
    assert 'data-outcome="returned"' in result.text and "بازمی‌گرداند" in result.text
    # and staff see it on the order page, with its amount, and on the dashboard
    amount = (await web.container.store.payments.outcome(second))["amount_rial"]
    toman = f"{amount // 10:,}".translate(str.maketrans("0123456789,", "۰۱۲۳۴۵۶۷۸۹٬"))
    await web.post("/logout")
    await web.login_staff()
    page = (await web.http.get(f"/admin/orders/{order_id}")).text
    assert 'data-payment-status="refund_due"' in page and "باید بازپرداخت شود" in page
    assert 'class="panel notice refund-due"' in page and toman in page
    dashboard = (await web.http.get("/admin")).text
    assert 'id="refunds-due"' in dashboard and f'href="/admin/orders/{order_id}"' in dashboard and toman in dashboard
