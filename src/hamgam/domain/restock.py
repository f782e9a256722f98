"""«خبرم کن» (notify me): a buyer waits for an out-of-stock product or one of its variants.

A request is pending until the stock comes back; then exactly one SMS event is written (with the request marked
notified, in the transaction that brought the stock back) and the SMS names the product and links to its page.
"""

from __future__ import annotations

from typing import Any

#: The event type of a restock SMS (topic ``hamgam.domain.sms.SMS_TOPIC``).
RESTOCKED = "product.restocked"


def message_id(request_id: int) -> str:
    """The outbox message id of a request's SMS: one per request, so it can never be written twice."""
    return f"restock-{request_id}"


def event(*, mobile: str, product_id: int, name: str, url: str) -> dict[str, Any]:
    return {"type": RESTOCKED, "mobile": mobile, "product_id": product_id, "name": name, "url": url}


def product_path(product_id: int) -> str:
    return f"/product/{product_id}"
