"""Export to Mahak without I/O: job states, client-id kinds, errors, and the shapes Mahak wants.

Amounts stay integer Rial in the store; ``mahak_amount`` converts to the unit the Mahak database keeps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hamgam.domain.errors import PermanentError, TransientError


class JobStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    INVOICED = "invoiced"
    #: Mahak (or the check before sending) refused an item; ``error`` says why.
    REJECTED = "rejected"
    #: Retries ran out (Mahak unreachable for long); the message is in the dead-letter queue.
    FAILED = "failed"
    CANCELLED = "cancelled"
    FLAGGED = "flagged"


class JobKind(StrEnum):
    SALE = "sale"
    RETURN = "return"


class ClientKind(StrEnum):
    """A logical record that owns one Mahak client id, and the Mahak entity it becomes."""

    PERSON = "person"
    VISITOR_PERSON = "visitor_person"
    ORDER = "order"
    ORDER_DETAIL = "order_detail"
    RECEIPT = "receipt"

    @property
    def entity(self) -> str:
        return _ENTITY[self]

    @property
    def save_list(self) -> str:
        """The SaveAllData list (``ports.export.SaveAllData`` attribute) that carries this kind."""
        return _SAVE_LIST[self]


_ENTITY = {
    ClientKind.PERSON: "Person",
    ClientKind.VISITOR_PERSON: "VisitorPerson",
    ClientKind.ORDER: "Order",
    ClientKind.ORDER_DETAIL: "OrderDetail",
    ClientKind.RECEIPT: "Receipt",
}
_SAVE_LIST = {
    ClientKind.PERSON: "people",
    ClientKind.VISITOR_PERSON: "visitor_people",
    ClientKind.ORDER: "orders",
    ClientKind.ORDER_DETAIL: "order_details",
    ClientKind.RECEIPT: "receipts",
}
KIND_BY_SAVE_LIST: dict[str, ClientKind] = {v: k for k, v in _SAVE_LIST.items()}

SALES_INVOICE = 201
SALES_RETURN = 202
PRO_FORMA = 299


def person_key(customer_id: int) -> str:
    return f"customer:{customer_id}"


def order_key(job_id: int) -> str:
    return f"job:{job_id}"


def detail_key(job_id: int, product_detail_id: int) -> str:
    return f"job:{job_id}:detail:{product_detail_id}"


@dataclass(frozen=True)
class ItemError:
    """One item Mahak (or the pre-flight check) refused, as staff see it."""

    list: str
    index: int | None
    client_id: int | None
    property: str | None
    error: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "list": self.list,
            "index": self.index,
            "client_id": self.client_id,
            "property": self.property,
            "error": self.error,
        }


class ExportRejected(PermanentError, ValueError):
    """Mahak (or our own check before sending) refused an item: retrying the same request cannot help.

    Permanent, so the shared retry policy dead-letters it at once; ``items`` go on the export job. Still a
    ``ValueError`` for the callers that catch it as one.
    """

    def __init__(self, message: str, items: list[ItemError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.items = items or []


class ExportNotReady(TransientError):
    """Something the export needs has not arrived from Mahak yet (the sync brings it): transient, the retry
    tiers apply, and only their end dead-letters it."""


class ExportInDoubt(TransientError):
    """Mahak may already hold some rows of this export (a client id it reports as taken): read back, then
    send what is still missing. Transient: the retry tiers apply."""


@dataclass
class Outcome:
    """What one SaveAllData answer means for one export."""

    #: ``(kind, client_id) -> (mahak_id, row_version, code)`` for items Mahak holds.
    confirmed: dict[tuple[ClientKind, int], tuple[int, int | None, str | None]] = field(default_factory=dict)
    in_doubt: list[ItemError] = field(default_factory=list)
    rejected: list[ItemError] = field(default_factory=list)


def client_id_column(kind: ClientKind) -> str:
    """The wire name of the kind's client id (``OrderClientId``)."""
    return f"{kind.entity}ClientId"


def classify_item(
    kind: ClientKind,
    client_id: int,
    index: int,
    accepted: bool,
    entity_id: int | None,
    row_version: int | None,
    code: int | None,
    errors: list[tuple[str | None, str]],
    doubtful_parents: set[str],
    outcome: Outcome,
) -> None:
    """Sort one per-item result into confirmed, in doubt or rejected (keyed on ``Result`` and ``Property``,
    never on the undocumented ``Code``).

    A refusal naming the item's own client id means Mahak already holds a row under it: ours, since client ids
    are per client. With its id it is confirmed; without, it is in doubt. A refusal naming a parent's client id
    whose parent is in doubt is in doubt too; everything else is a rejection.
    """
    if accepted and entity_id:
        outcome.confirmed[(kind, client_id)] = (entity_id, row_version, _code(code))
        return
    properties = {(p or "").lower() for p, _ in errors}
    message = "; ".join(e for _, e in errors) or "refused without a message"
    item = ItemError(kind.save_list, index, client_id, ", ".join(p for p, _ in errors if p) or None, message)
    own = client_id_column(kind).lower()
    if own in properties:
        if entity_id:
            outcome.confirmed[(kind, client_id)] = (entity_id, row_version or None, _code(code))
        else:
            outcome.in_doubt.append(item)
        return
    if properties and properties <= doubtful_parents:
        outcome.in_doubt.append(item)
        return
    outcome.rejected.append(item)


def _code(code: int | None) -> str | None:
    return str(code) if code else None


def mahak_amount(rial: int, money_unit: str) -> Decimal:
    """Integer Rial in the unit the Mahak database keeps (Toman is a tenth of a Rial amount)."""
    return Decimal(rial) / 10 if money_unit == "toman" else Decimal(rial)


def shipping_address(address: dict[str, Any]) -> str:
    """The order's address snapshot as the JSON *string* Mahak wants (title, address, postalcode, mobile,
    cityid)."""
    parts = [address.get("province"), address.get("city"), address.get("line")]
    text = "، ".join(str(p) for p in parts if p)
    recipient = address.get("recipient_name")
    return json.dumps(
        {
            "title": address.get("title") or recipient or "",
            "address": text,
            "postalcode": address.get("postal_code") or "",
            "mobile": address.get("mobile") or "",
            "cityid": 0,
            "recipient": recipient or "",
        },
        ensure_ascii=False,
    )


def split_name(full_name: str | None, fallback: str) -> tuple[str, str]:
    """``(first, last)`` from a full name; Mahak wants a last name, so a one-word name is the last name."""
    words = (full_name or "").split()
    if not words:
        return "", fallback
    if len(words) == 1:
        return "", words[0]
    return " ".join(words[:-1]), words[-1]
