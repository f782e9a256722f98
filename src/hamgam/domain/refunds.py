"""Refunds: money given back to a buyer for a paid order, recorded by staff after they paid it out.

A refund names its amount (Rial), how it was paid back and a note. The sum of an order's refunds never exceeds
what the buyer paid. A refund that brings the sum to the whole payment is *full*: the sale goes back to the accounting
software as a return, once. For a cancelled order that return is the one the cancellation starts; for an order
that stands (delivered goods sent back) the full refund starts it. Either way it is the exporter's return
(``ExportSettings.returns``: sent, or flagged for staff), written at most once per order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hamgam.domain.errors import Conflict, InvalidInput
from hamgam.domain.persian import format_toman

#: The longest note kept with a refund (characters).
NOTE_MAX = 500


class RefundMethod(StrEnum):
    CARD_TO_CARD = "card_to_card"
    GATEWAY_REVERSAL = "gateway_reversal"
    CASH = "cash"
    CREDIT = "credit"


#: The method as staff and buyers read it in Persian (PDF, SMS; the pages use the catalogue's translations).
METHOD_NAMES: dict[RefundMethod, str] = {
    RefundMethod.CARD_TO_CARD: "کارت به کارت",
    RefundMethod.GATEWAY_REVERSAL: "برگشت از درگاه پرداخت",
    RefundMethod.CASH: "نقدی",
    RefundMethod.CREDIT: "اعتبار خرید",
}


@dataclass(frozen=True, slots=True)
class RefundRequest:
    amount_rial: int
    method: RefundMethod
    note: str


def refundable_rial(paid_rial: int, refunded_rial: int) -> int:
    """What may still be refunded: paid less the refunds already recorded (never negative)."""
    return max(0, paid_rial - refunded_rial)


def parse_method(raw: str) -> RefundMethod:
    try:
        return RefundMethod(raw.strip())
    except ValueError:
        raise InvalidInput("روش بازپرداخت معتبر نیست — unknown refund method", field="method") from None


def check_refund(*, amount_rial: int, method: str, note: str, paid_rial: int, refunded_rial: int) -> RefundRequest:
    """The refund as recorded, or ``InvalidInput`` naming the field (``amount_rial``, ``method``, ``note``);
    ``Conflict`` when nothing is left to refund (never paid, or refunded in full already)."""
    left = refundable_rial(paid_rial, refunded_rial)
    if paid_rial <= 0:
        raise Conflict("این سفارش پرداخت نشده است و بازپرداختی ندارد — the order was never paid")
    if left == 0:
        raise Conflict("مبلغ این سفارش پیش‌تر به‌طور کامل بازپرداخت شده است — the order was refunded in full")
    chosen = parse_method(method)
    if amount_rial <= 0:
        raise InvalidInput("مبلغ بازپرداخت باید بیشتر از صفر باشد — the amount must be positive", field="amount_rial")
    if amount_rial > left:
        raise InvalidInput(
            f"مبلغ بازپرداخت از مانده قابل بازپرداخت ({format_toman(left)}) بیشتر است — more than the {left} Rial left",
            field="amount_rial",
            left_rial=left,
        )
    text = note.strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput(f"توضیح حداکثر {NOTE_MAX} نویسه است — the note is too long", field="note")
    return RefundRequest(amount_rial, chosen, text)


def is_full(amount_rial: int, *, paid_rial: int, refunded_rial: int) -> bool:
    """Whether this refund completes the payment's return."""
    return refunded_rial + amount_rial >= paid_rial > 0


class MahakReturn(StrEnum):
    """What a full refund means for the sale in the accounting software."""

    #: Not a full refund: the sale stands.
    NONE = "none"
    #: The order is cancelled: its return there is the one the cancellation starts (sent or flagged for staff,
    #: as ``ExportSettings.returns`` says).
    BY_CANCELLATION = "by_cancellation"
    #: Refunded in full while the order stands (delivered goods sent back): the refund starts its return there
    #: (sent, or flagged for staff, as ``ExportSettings.returns`` says).
    BY_REFUND = "by_refund"


def paid_rial(order: Mapping[str, Any]) -> int:
    """What the buyer paid for the order: its total once paid, else nothing."""
    return int(order["total_rial"]) if order.get("paid_at") is not None else 0


def mahak_return(status: str, *, fully_refunded: bool) -> MahakReturn:
    if not fully_refunded:
        return MahakReturn.NONE
    return MahakReturn.BY_CANCELLATION if status == "cancelled" else MahakReturn.BY_REFUND


def summary(order: Mapping[str, Any], refunds: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The order's refunds as pages show them: the rows, the sum, what is left and the accounting follow-up."""
    paid = paid_rial(order)
    refunded = sum(int(r["amount_rial"]) for r in refunds)
    return {
        "items": [dict(r) for r in refunds],
        "refunded_rial": refunded,
        "refundable_rial": refundable_rial(paid, refunded),
        "mahak_return": str(mahak_return(str(order["status"]), fully_refunded=paid > 0 and refunded >= paid)),
    }


def history(events: Sequence[Mapping[str, Any]], refunds: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """An order's history as staff read it: its status changes (``kind`` "status") and its refunds (``kind``
    "refund"), oldest first by ``at``; a refund recorded at the moment of a change comes after it."""
    entries = [{"kind": "status", **e} for e in events]
    entries += [{"kind": "refund", "at": r["created_at"], **r} for r in refunds]
    return sorted(entries, key=lambda e: e["at"])
