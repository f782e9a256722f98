"""The simulated bank page. Plain HTML forms, no JavaScript: it works in any browser and in Playwright."""

from __future__ import annotations

from html import escape

from hamgam_sim.zarinpal.state import SimPayment

_STYLE = (
    "body{font-family:Vazirmatn,Tahoma,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
    "button{font:inherit;padding:.6rem 1.4rem;margin-inline-end:.6rem;cursor:pointer}"
    ".pay{background:#0a7d32;color:#fff;border:0}.cancel{background:#eee;border:1px solid #999}"
)


def _page(title: str, body: str, status_note: str = "") -> str:
    return (
        '<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}{status_note}</body></html>"
    )


def start_pay_page(payment: SimPayment) -> str:
    """The buyer chooses: "pay" posts to ``.../pay``, "cancel" to ``.../cancel``; both redirect."""
    base = f"/pg/StartPay/{escape(payment.authority)}"
    unit = "تومان" if payment.currency == "IRT" else "ریال"
    body = (
        f'<p>شرح: <span id="description">{escape(payment.description)}</span></p>'
        f'<p>مبلغ: <bdi id="amount">{payment.amount:,}</bdi> {unit}</p>'
        f'<p>شناسه: <bdi id="authority" dir="ltr">{escape(payment.authority)}</bdi></p>'
        f'<form method="post" action="{base}/pay" style="display:inline">'
        '<button type="submit" class="pay" id="pay" name="action" value="pay">پرداخت (pay)</button></form>'
        f'<form method="post" action="{base}/cancel" style="display:inline">'
        '<button type="submit" class="cancel" id="cancel" name="action" value="cancel">'
        "انصراف (cancel)</button>"
        "</form>"
    )
    return _page("درگاه پرداخت شبیه‌ساز زرین‌پال", body, f"<!-- state: {payment.state} -->")


def no_return_page(payment: SimPayment) -> str:
    """Shown instead of the redirect when a ``drop_callback`` fault is active: the buyer never comes back."""
    return _page(
        "پرداخت ثبت شد",
        f'<p id="outcome">{escape(payment.state)}</p><p>بازگشت به فروشگاه انجام نشد (drop_callback).</p>',
    )


def unknown_authority_page(authority: str) -> str:
    return _page("تراکنش یافت نشد", f'<p>Authority <bdi dir="ltr">{escape(authority)}</bdi> is unknown.</p>')
