"""The order SMS names each item with the variant the buyer chose (``hamgam.services.store.notifier.render``)."""

from hamgam.services.store.notifier import render

PAID = {"type": "order.paid", "order_id": 12, "mobile": "09120000000", "total_rial": 30_000_000}


def test_paid_sms_lists_items_with_their_variant():
    event = PAID | {"items": [{"name": "قابلمه رامک", "variant": "رنگ: صورتی، سایز: XL", "quantity": 2}]}
    assert render(event) == (
        "سفارش ۱۲: قابلمه رامک (رنگ: صورتی، سایز: XL) × ۲ پرداخت شد. مبلغ: ۳٬۰۰۰٬۰۰۰ تومان. سپاس از خرید شما."
    )


def test_items_without_variant_and_long_orders_stay_short():
    items = [{"name": f"کالای {i}", "variant": "", "quantity": 1} for i in range(1, 6)]
    text = render({"type": "order.shipped", "order_id": 7, "mobile": "0912", "total_rial": 0, "items": items})
    assert text == "سفارش ۷: کالای ۱ × ۱، کالای ۲ × ۱، کالای ۳ × ۱ و ۲ قلم دیگر ارسال شد."


def test_an_event_without_items_reads_as_before():
    assert render(PAID) == "سفارش ۱۲ پرداخت شد. مبلغ: ۳٬۰۰۰٬۰۰۰ تومان. سپاس از خرید شما."
