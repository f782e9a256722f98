"""The SMS consumer: reads ``events.sms`` and tells the customer (order paid, order shipped).

It runs apart from the request path, so a slow or failing SMS provider never slows a checkout. Transient
failures retry with a growing delay; after ``max_attempts`` (or a permanent refusal) the event is logged and
dropped: a missing notification must not block the queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
import structlog

from hamgam.domain import restock
from hamgam.domain.persian import format_toman, normalize_text, to_persian_digits
from hamgam.domain.shipping import CARRIER_NAMES, Carrier
from hamgam.domain.shop_settings import PAID_TEXT, RESTOCK_TEXT, SHIPPED_TEXT, fill
from hamgam.domain.sms import SmsRejected, SmsUnavailable
from hamgam.ports import Delivery, MessageQueue, SmsSender
from hamgam.services.store.events import SMS_TOPIC

log = structlog.get_logger(__name__)

RETRY_DELAYS_S = (5.0, 30.0, 120.0, 600.0)


#: Items named in one SMS; the rest are counted («و ۲ قلم دیگر»), to keep the text short.
SMS_ITEMS = 3


def items_text(items: list[dict[str, Any]]) -> str:
    """``قابلمه رامک (رنگ: صورتی، سایز: XL) × ۱، …``: each item with the variant the buyer chose."""
    parts = []
    for item in items[:SMS_ITEMS]:
        variant = f" ({item['variant']})" if item.get("variant") else ""
        parts.append(f"{normalize_text(str(item['name']), for_search=False)}{variant} × {int(item['quantity'])}")
    text = "، ".join(parts)
    if len(items) > SMS_ITEMS:
        text += f" و {len(items) - SMS_ITEMS} قلم دیگر"
    return to_persian_digits(text)


#: The texts of the events, by template name (``paid``, ``shipped``, ``restock``): the shop's settings
#: (``sms.template_<name>``), with ``{placeholders}`` as ``hamgam.domain.shop_settings`` lists them.
Templates = Mapping[str, str]
DEFAULT_TEMPLATES: Templates = {"paid": PAID_TEXT, "shipped": SHIPPED_TEXT, "restock": RESTOCK_TEXT}


def render(event: dict[str, Any], templates: Templates = DEFAULT_TEMPLATES) -> str | None:
    """The Persian text of an event, or None for events we do not text about."""
    if event["type"] == restock.RESTOCKED:
        name = to_persian_digits(normalize_text(str(event["name"]), for_search=False))
        return fill(templates.get("restock") or RESTOCK_TEXT, {"product": f"«{name}»", "link": event["url"]})
    number = to_persian_digits(str(event["order_id"]))
    items = event.get("items") or []
    listed = f": {items_text(items)}" if items else ""
    if event["type"] == "order.paid":
        total = format_toman(int(event["total_rial"]))
        return fill(templates.get("paid") or PAID_TEXT, {"order": number, "items": listed, "total": total})
    if event["type"] == "order.shipped":
        return shipped_text(number, event, listed=listed, template=templates.get("shipped") or SHIPPED_TEXT)
    return None


def shipped_text(number: str, event: dict[str, Any], *, listed: str = "", template: str = SHIPPED_TEXT) -> str:
    """«سفارش ۱۲ ارسال شد.» (with the listed items) and, when the event carries them, the carrier, the tracking
    code and its link (the template's ``{tracking}``)."""
    tracking = ""
    carrier = event.get("carrier")
    if carrier:
        tracking = f" {CARRIER_NAMES[Carrier(carrier)]}، کد رهگیری: {event['tracking_code']}"
        if event.get("tracking_url"):
            tracking += f"\nپیگیری: {event['tracking_url']}"
    return fill(template, {"order": number, "items": listed, "tracking": tracking})


class SmsNotifier:
    def __init__(
        self,
        queue: MessageQueue,
        sms: SmsSender,
        *,
        prefetch: int = 8,
        templates: Callable[[], Awaitable[Templates]] | None = None,
    ) -> None:
        self._queue = queue
        self._sms = sms
        self._prefetch = prefetch
        #: Reads the shop's current SMS texts before each message (they are edited in the admin panel).
        self._templates = templates
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        consume = self._queue.consume(SMS_TOPIC, prefetch=self._prefetch)
        async for delivery in consume:
            if self._stopping.is_set():
                await delivery.release()
                break
            await self.handle(delivery)

    async def handle(self, delivery: Delivery) -> None:
        templates = DEFAULT_TEMPLATES
        if self._templates is not None:
            try:
                templates = await self._templates()
            except Exception as exc:  # the settings could not be read: the default texts still tell the customer
                log.warning("sms.templates_unavailable", error=str(exc))
        try:
            event = orjson.loads(delivery.body)
            text = render(event, templates)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            log.error("sms.bad_event", message_id=delivery.message_id, error=str(exc))
            await delivery.ack()
            return
        if text is None:
            await delivery.ack()
            return
        try:
            await self._sms.send(event["mobile"], text)
        except SmsUnavailable as exc:
            if delivery.attempt <= len(RETRY_DELAYS_S):
                await delivery.retry(str(exc), RETRY_DELAYS_S[delivery.attempt - 1])
                return
            log.error("sms.gave_up", message_id=delivery.message_id, type=event.get("type"), error=str(exc))
        except SmsRejected as exc:
            log.error("sms.rejected", message_id=delivery.message_id, type=event.get("type"), error=str(exc))
        await delivery.ack()
