"""The store's repositories in memory (``hamgam.ports.store``), for unit tests without a database.

``StoreData`` is the committed state (the "database"). A ``FakeStoreUnitOfWork`` works on a copy of it: changes
become visible to others only when the block ends normally; an exception throws the copy away. Units of work
that overlap are not isolated from each other beyond that (the last to commit wins), which is enough for
tests that run one step at a time.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from hamgam.domain import stock
from hamgam.domain.checkout import Address, PricedLine
from hamgam.domain.invoice import Rates
from hamgam.domain.shipping_rates import ShippingKind, ShippingRate

HOLDING = ("held", "committed", "sent")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class FakeSellable:
    detail_id: int
    product_id: int
    name: str
    price_rial: int
    available: int
    variant: str = ""


@dataclass
class Product:
    """A product detail as the catalogue would show it: Mahak's stock and the store's price."""

    detail_id: int
    product_id: int
    name: str
    price_rial: int
    on_hand: float
    rates: Rates = field(default_factory=Rates)
    variant: str = ""
    #: Mahak's product Weight in grams (None: not set).
    weight_g: float | None = None


def default_shipping() -> dict[int, ShippingRate]:
    """The methods migration 0017 seeds a fresh shop with."""
    return {
        1: ShippingRate(id=1, code="post", title="پست پیشتاز", base_rial=450_000, position=1),
        2: ShippingRate(id=2, code="courier", title="پیک (تهران)", base_rial=700_000, position=2),
        3: ShippingRate(id=3, code="pickup", title="تحویل حضوری", kind=ShippingKind.PICKUP, position=3),
    }


@dataclass
class StoreData:
    """Everything the store keeps, committed."""

    products: dict[int, Product] = field(default_factory=dict)
    customers: dict[int, str] = field(default_factory=dict)  # id -> mobile
    addresses: dict[tuple[int, int], Address] = field(default_factory=dict)  # (customer, id) -> address
    carts: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    cart_lines: dict[uuid.UUID, dict[int, int]] = field(default_factory=dict)  # insertion order = added order
    holds: dict[int, int] = field(default_factory=dict)  # detail -> reserved units (stock_hold)
    ledger: list[dict[str, Any]] = field(default_factory=list)  # stock_reservation rows
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    order_lines: dict[int, list[PricedLine]] = field(default_factory=dict)
    order_events: list[dict[str, Any]] = field(default_factory=list)
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    housekeeping_runs: int = 0
    #: «خبرم کن» requests by id: ``customer_id, mobile, product_id, detail_id, created_at, notified_at``.
    restock: dict[int, dict[str, Any]] = field(default_factory=dict)
    shipments: dict[int, dict[str, Any]] = field(default_factory=dict)  # order id -> shipment row
    shipping: dict[int, ShippingRate] = field(default_factory=default_shipping)  # id -> method
    refunds: list[dict[str, Any]] = field(default_factory=list)
    #: ``(actor, action, target, details)`` written through the unit of work's audit log.
    audit: list[tuple[str, str, str, Any]] = field(default_factory=list)
    #: Orders a ``RecordingPaidOrders`` listener was told about.
    paid_announced: list[int] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_product(self, detail_id: int, *, price_rial: int = 1_000_000, on_hand: float = 10, **kw: Any) -> None:
        self.products[detail_id] = Product(
            detail_id, kw.pop("product_id", detail_id * 10), kw.pop("name", f"کالای {detail_id}"), price_rial,
            on_hand, **kw,
        )  # fmt: skip

    def available(self, detail_id: int) -> int:
        return stock.available(self.products[detail_id].on_hand, self.holds.get(detail_id, 0))


class _Repo:
    def __init__(self, data: StoreData) -> None:
        self._d = data


class FakeSellableReader(_Repo):
    async def sellable(self, detail_ids: Sequence[int]) -> list[FakeSellable]:
        found = [self._d.products[d] for d in sorted(set(detail_ids)) if d in self._d.products]
        return [
            FakeSellable(p.detail_id, p.product_id, p.name, p.price_rial, self._d.available(p.detail_id), p.variant)
            for p in found
        ]

    async def product_rates(self, product_ids: Sequence[int], *, charge_vat: bool) -> dict[int, Rates]:
        rates = {p.product_id: p.rates for p in self._d.products.values()}
        return {i: rates[i] for i in product_ids if i in rates}


class FakeCartRepository(_Repo):
    def _live(self, cart_id: uuid.UUID, ttl_s: int) -> bool:
        cart = self._d.carts.get(cart_id)
        return (
            cart is not None
            and cart["customer_id"] is None
            and cart["status"] == "active"
            and cart["updated_at"] > now() - dt.timedelta(seconds=ttl_s)
        )

    async def create_guest(self, cart_id: uuid.UUID) -> None:
        self._d.carts[cart_id] = {"customer_id": None, "status": "active", "updated_at": now()}
        self._d.cart_lines[cart_id] = {}

    async def customer_cart(self, customer_id: int) -> uuid.UUID:
        for cart_id, cart in self._d.carts.items():
            if cart["customer_id"] == customer_id and cart["status"] == "active":
                return cart_id
        cart_id = uuid.uuid4()
        self._d.carts[cart_id] = {"customer_id": customer_id, "status": "active", "updated_at": now()}
        self._d.cart_lines[cart_id] = {}
        return cart_id

    async def guest_live(self, cart_id: uuid.UUID, ttl_s: int) -> bool:
        return self._live(cart_id, ttl_s)

    async def lock(self, cart_id: uuid.UUID) -> None:
        return None

    async def lines(self, cart_id: uuid.UUID, *, by_detail: bool = False) -> list[tuple[int, int]]:
        lines = list(self._d.cart_lines.get(cart_id, {}).items())
        return sorted(lines) if by_detail else lines

    async def put_line(self, cart_id: uuid.UUID, product_detail_id: int, quantity: int) -> None:
        self._d.cart_lines.setdefault(cart_id, {})[product_detail_id] = quantity

    async def remove_line(self, cart_id: uuid.UUID, product_detail_id: int) -> None:
        self._d.cart_lines.get(cart_id, {}).pop(product_detail_id, None)

    async def clear(self, cart_id: uuid.UUID) -> None:
        self._d.cart_lines[cart_id] = {}

    async def touch(self, cart_id: uuid.UUID) -> str | None:
        cart = self._d.carts.get(cart_id)
        if cart is None:
            return None
        cart["updated_at"] = now()
        return str(cart["status"])

    async def mark_ordered(self, cart_id: uuid.UUID) -> None:
        self._d.carts[cart_id] |= {"status": "ordered", "updated_at": now()}

    async def merge_guest(self, guest_cart_id: uuid.UUID, ttl_s: int) -> uuid.UUID | None:
        if not self._live(guest_cart_id, ttl_s):
            return None
        self._d.carts[guest_cart_id] |= {"status": "merged", "updated_at": now()}
        return guest_cart_id

    async def add_lines_from(self, target: uuid.UUID, source: uuid.UUID, *, cap: int) -> None:
        lines = self._d.cart_lines.setdefault(target, {})
        for detail, quantity in self._d.cart_lines.get(source, {}).items():
            lines[detail] = min(lines[detail] + quantity, cap) if detail in lines else quantity

    async def purge_guests(self, ttl_s: int, limit: int) -> int:
        old = [
            cart_id
            for cart_id, cart in self._d.carts.items()
            if cart["customer_id"] is None and cart["updated_at"] < now() - dt.timedelta(seconds=ttl_s)
        ][:limit]
        for cart_id in old:
            del self._d.carts[cart_id]
            self._d.cart_lines.pop(cart_id, None)
        return len(old)

    async def saved_address(self, customer_id: int, address_id: int) -> Address | None:
        return self._d.addresses.get((customer_id, address_id))


class FakeOrderRepository(_Repo):
    async def create(self, *, address: Mapping[str, Any], **columns: Any) -> int:
        order_id = next(self._d.ids)
        self._d.orders[order_id] = {
            "id": order_id,
            "address": dict(address),
            "paid_at": None,
            "created_at": now(),
        } | columns
        return order_id

    async def add_lines(self, order_id: int, lines: Sequence[PricedLine]) -> None:
        self._d.order_lines.setdefault(order_id, []).extend(lines)

    async def lock(self, order_id: int) -> dict[str, Any] | None:
        order = self._d.orders.get(order_id)
        if order is None:
            return None
        return dict(order) | {"customer_mobile": self._d.customers.get(order["customer_id"])}

    async def set_status(self, order_id: int, status: str, *, paid: bool = False) -> None:
        self._d.orders[order_id]["status"] = status
        if paid:
            self._d.orders[order_id]["paid_at"] = now()

    async def add_event(
        self, order_id: int, from_status: str | None, to_status: str, actor: str, reason: str | None
    ) -> None:
        self._d.order_events.append(
            {"order_id": order_id, "from_status": from_status, "to_status": to_status, "actor": actor, "reason": reason}
        )

    async def get(self, order_id: int, *, customer_id: int | None = None) -> dict[str, Any] | None:
        order = self._d.orders.get(order_id)
        if order is None or (customer_id is not None and order["customer_id"] != customer_id):
            return None
        return dict(order) | {
            "lines": [
                {
                    "product_detail_id": ln.product_detail_id,
                    "product_id": ln.product_id,
                    "name": ln.name,
                    "variant": ln.variant,
                    "quantity": ln.quantity,
                    "unit_price_rial": ln.unit_price_rial,
                    "total_rial": ln.total_rial,
                }
                for ln in sorted(self._d.order_lines.get(order_id, []), key=lambda ln: ln.product_detail_id)
            ],
            "events": [e for e in self._d.order_events if e["order_id"] == order_id],
            "payments": [p for p in self._d.payments.values() if p["order_id"] == order_id],
        }

    async def page(
        self, *, customer_id: int | None, status: str | None, mobile: str | None, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int]:
        found = [
            o
            for o in sorted(self._d.orders.values(), key=lambda o: -o["id"])
            if (customer_id is None or o["customer_id"] == customer_id)
            and (status is None or o["status"] == status)
            and (mobile is None or self._d.customers.get(o["customer_id"]) == mobile)
        ]
        return found[offset : offset + limit], len(found)

    async def payable(self, order_id: int, customer_id: int) -> dict[str, Any] | None:
        order = self._d.orders.get(order_id)
        if order is None or order["customer_id"] != customer_id:
            return None
        return {
            "id": order_id,
            "status": order["status"],
            "total_rial": order["total_rial"],
            "held": order["reserved_until"] > now(),
            "mobile": self._d.customers.get(customer_id),
        }

    async def still_held(self, order_id: int) -> bool:
        return bool(self._d.orders[order_id]["reserved_until"] > now())

    async def lock_expirable(self, limit: int) -> list[int]:
        def unsettled(order: dict[str, Any]) -> bool:
            return any(
                p["status"] in ("unknown", "verifying")
                or (
                    p["status"] in ("pending", "failed")
                    and (p["checked_at"] is None or p["checked_at"] < order["reserved_until"])
                )
                for p in self._d.payments.values()
                if p["order_id"] == order["id"]
            )

        return sorted(
            o["id"]
            for o in self._d.orders.values()
            if o["status"] == "pending_payment" and o["reserved_until"] < now() and not unsettled(o)
        )[:limit]


class FakePaymentRepository(_Repo):
    async def add(self, *, order_id: int, provider: str, authority: str, amount_rial: int) -> None:
        self._d.payments[authority] = {
            "id": next(self._d.ids), "order_id": order_id, "provider": provider, "authority": authority,
            "amount_rial": amount_rial, "status": "pending", "ref_id": None, "card_pan": None, "error": None,
            "created_at": now(), "checked_at": None, "verified_at": None, "reversed_at": None,
        }  # fmt: skip

    async def lock(self, authority: str) -> dict[str, Any] | None:
        found = self._d.payments.get(authority)
        return None if found is None else dict(found)

    def _update(self, authority: str, **values: Any) -> None:
        self._d.payments[authority].update(values)

    async def set_status(self, authority: str, status: str, *, error: str | None) -> None:
        self._update(authority, status=status, error=error, checked_at=now())

    async def mark_paid(self, authority: str, *, ref_id: int | str | None, card_pan: str | None) -> None:
        self._update(
            authority, status="paid", ref_id=ref_id, card_pan=card_pan, verified_at=now(), checked_at=now(), error=None
        )

    async def mark_refund_due(
        self, authority: str, *, ref_id: int | str | None, card_pan: str | None, error: str
    ) -> None:
        self._update(
            authority, status="refund_due", ref_id=ref_id, card_pan=card_pan, verified_at=now(), checked_at=now(),
            error=error,
        )  # fmt: skip

    async def mark_reversed(self, authority: str, *, error: str) -> None:
        if self._d.payments[authority]["status"] == "refund_due":
            self._update(authority, status="reversed", reversed_at=now(), checked_at=now(), error=error)

    async def note_refund_failure(self, authority: str, *, error: str) -> None:
        if self._d.payments[authority]["status"] == "refund_due":
            self._update(authority, error=error, checked_at=now())

    async def note_checked(self, authority: str, *, error: str) -> None:
        if self._d.payments[authority]["status"] in ("pending", "failed"):
            self._update(authority, error=error, checked_at=now())

    async def outcome(self, authority: str) -> dict[str, Any] | None:
        pay = self._d.payments.get(authority)
        if pay is None:
            return None
        return {
            "order_id": pay["order_id"],
            "payment_status": pay["status"],
            "ref_id": pay["ref_id"],
            "amount_rial": pay["amount_rial"],
            "order_status": self._d.orders[pay["order_id"]]["status"],
        }

    async def to_reconcile(self, listed: Sequence[str], *, after_s: float, limit: int) -> list[tuple[str, str]]:
        before = now() - dt.timedelta(seconds=after_s)

        def due(p: dict[str, Any]) -> bool:
            order = self._d.orders[p["order_id"]]
            if p["status"] in ("paid", "reversed", "refund_due"):
                return False
            checked = p["checked_at"]
            return (
                p["authority"] in listed
                or p["status"] == "unknown"
                or (p["status"] == "verifying" and checked is not None and checked < before)
                or (
                    order["status"] == "pending_payment"
                    and p["status"] != "verifying"
                    and (
                        (checked or p["created_at"]) < before
                        or (order["reserved_until"] < now() and (checked is None or checked < order["reserved_until"]))
                    )
                )
            )

        found = sorted(
            (p for p in self._d.payments.values() if due(p)),
            key=lambda p: (self._d.orders[p["order_id"]]["reserved_until"], p["id"]),
        )
        return [(p["authority"], p["status"]) for p in found[:limit]]

    async def fail_pending(self, order_ids: Sequence[int], *, error: str) -> None:
        for p in self._d.payments.values():
            if p["order_id"] in order_ids and p["status"] == "pending":
                p.update(status="failed", error=error)


class FakeStockLedger(_Repo):
    async def ensure_counters(self, detail_ids: Sequence[int]) -> None:
        for d in detail_ids:
            self._d.holds.setdefault(d, 0)

    async def try_reserve(self, detail_id: int, quantity: int) -> bool:
        product = self._d.products.get(detail_id)
        if product is None or quantity > stock.available(product.on_hand, self._d.holds[detail_id]):
            return False
        self._d.holds[detail_id] += quantity
        return True

    async def add_holds(
        self, order_id: int, lines: Sequence[tuple[int, int]], *, state: str, expires_at: dt.datetime
    ) -> None:
        for d, q in lines:
            self._d.ledger.append(
                {"order_id": order_id, "product_detail_id": d, "quantity": q, "state": state, "expires_at": expires_at}
            )

    async def move(self, order_id: int, from_states: Sequence[str], to_state: str) -> list[tuple[int, int]]:
        moved = []
        for row in self._d.ledger:
            if row["order_id"] == order_id and row["state"] in from_states:
                row["state"] = to_state
                if to_state != "held":
                    row["expires_at"] = None
                moved.append((row["product_detail_id"], row["quantity"]))
        return moved

    async def lower_counter(self, detail_id: int, quantity: int) -> None:
        self._d.holds[detail_id] -= quantity
        assert self._d.holds[detail_id] >= 0, "reserved_non_negative"


class FakeEventOutbox(_Repo):
    async def add(self, topic: str, message_id: str, body: bytes) -> None:
        self._d.events.append(
            {"id": next(self._d.ids), "topic": topic, "message_id": message_id, "body": body, "published": False}
        )

    async def lock_unpublished(self, limit: int) -> list[dict[str, Any]]:
        return [dict(e) for e in self._d.events if not e["published"]][:limit]

    async def mark_published(self, event_id: int) -> None:
        for e in self._d.events:
            if e["id"] == event_id:
                e["published"] = True


class FakeShipmentRepository(_Repo):
    async def add(self, order_id: int, *, carrier: str, tracking_code: str, actor: str) -> dict[str, Any]:
        if order_id in self._d.shipments:
            raise ValueError(f"order {order_id} already has a shipment")
        row = {"order_id": order_id, "carrier": carrier, "tracking_code": tracking_code, "shipped_at": now(),
               "actor": actor}  # fmt: skip
        self._d.shipments[order_id] = row
        return dict(row)

    async def get(self, order_id: int) -> dict[str, Any] | None:
        row = self._d.shipments.get(order_id)
        return None if row is None else dict(row)


class FakeShippingMethodRepository(_Repo):
    async def list(self, *, active_only: bool) -> list[ShippingRate]:
        found = [m for m in self._d.shipping.values() if m.active or not active_only]
        return sorted(found, key=lambda m: (m.position, m.id or 0))

    async def get(self, method_id: int) -> ShippingRate | None:
        return self._d.shipping.get(method_id)

    async def add(self, rate: ShippingRate) -> int:
        if any(m.code == rate.code for m in self._d.shipping.values()):
            raise ValueError(f"shipping method {rate.code} exists")
        new_id = max(self._d.shipping, default=0) + 1
        self._d.shipping[new_id] = dataclasses.replace(rate, id=new_id)
        return new_id

    async def update(self, rate: ShippingRate) -> bool:
        old = self._d.shipping.get(rate.id or 0)
        if old is None:
            return False
        self._d.shipping[old.id or 0] = dataclasses.replace(rate, code=old.code)
        return True

    async def weights_g(self, product_ids: Sequence[int]) -> dict[int, float]:
        weights = {p.product_id: p.weight_g for p in self._d.products.values() if p.weight_g}
        return {i: float(w) for i, w in weights.items() if i in product_ids and w}


class FakeRefundRepository(_Repo):
    async def add(
        self, order_id: int, *, amount_rial: int, method: str, note: str, full: bool, actor: str
    ) -> dict[str, Any]:
        row = {"id": len(self._d.refunds) + 1, "order_id": order_id, "amount_rial": amount_rial, "method": method,
               "note": note, "is_full": full, "actor": actor, "created_at": now()}  # fmt: skip
        self._d.refunds.append(row)
        return dict(row)

    async def for_order(self, order_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in self._d.refunds if r["order_id"] == order_id]


class FakeStoreAuditLog(_Repo):
    async def record(self, actor: str, action: str, target: str, details: Any = None) -> None:
        self._d.audit.append((actor, action, target, details))


class FakeRestockRequests(_Repo):
    async def add(self, customer_id: int, mobile: str, product_id: int, detail_id: int | None) -> str | None:
        details = [p for p in self._d.products.values() if p.product_id == product_id]
        if not details or (detail_id is not None and detail_id not in {p.detail_id for p in details}):
            return None
        for r in self._d.restock.values():
            if (r["customer_id"], r["product_id"], r["detail_id"]) == (customer_id, product_id, detail_id) and (
                r["notified_at"] is None
            ):
                return "exists"
        request_id = next(self._d.ids)
        self._d.restock[request_id] = {"id": request_id, "customer_id": customer_id, "mobile": mobile,
                                       "product_id": product_id, "detail_id": detail_id, "created_at": now(),
                                       "notified_at": None}  # fmt: skip
        return "created"

    async def cancel(self, customer_id: int, request_id: int) -> bool:
        r = self._d.restock.get(request_id)
        if r is None or r["customer_id"] != customer_id or r["notified_at"] is not None:
            return False
        del self._d.restock[request_id]
        return True

    async def pending(self, customer_id: int) -> list[dict[str, Any]]:
        names = {p.product_id: p.name for p in self._d.products.values()}
        rows = [r for r in self._d.restock.values() if r["customer_id"] == customer_id and r["notified_at"] is None]
        return [
            {k: r[k] for k in ("id", "product_id", "detail_id", "created_at")} | {"name": names.get(r["product_id"])}
            for r in sorted(rows, key=lambda r: -r["id"])
        ]


class FakeHousekeeping(_Repo):
    async def forget_old_windows_and_codes(self) -> None:
        self._d.housekeeping_runs += 1


class FakeStoreUnitOfWork:
    """``hamgam.ports.store.StoreUnitOfWork`` over a ``StoreData``: commit on success, nothing on failure."""

    def __init__(self, data: StoreData) -> None:
        self._data = data
        self.committed = False

    async def __aenter__(self) -> Self:
        self._work = copy.deepcopy(self._data)
        self.catalog = FakeSellableReader(self._work)
        self.carts = FakeCartRepository(self._work)
        self.orders = FakeOrderRepository(self._work)
        self.payments = FakePaymentRepository(self._work)
        self.stock = FakeStockLedger(self._work)
        self.events = FakeEventOutbox(self._work)
        self.housekeeping = FakeHousekeeping(self._work)
        self.restock = FakeRestockRequests(self._work)
        self.shipments = FakeShipmentRepository(self._work)
        self.shipping = FakeShippingMethodRepository(self._work)
        self.refunds = FakeRefundRepository(self._work)
        self.audit = FakeStoreAuditLog(self._work)
        return self

    @property
    def working(self) -> StoreData:
        """The state this unit of work changes (committed when it ends without an exception)."""
        return self._work

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self._data.__dict__.update(self._work.__dict__)
            self.committed = True


class RecordingPaidOrders:
    """A ``PaidOrderListener`` writing down the orders it is told about (``StoreData.paid_announced``) in the
    unit of work's copy, so that an announcement is kept only when the payment commits."""

    async def order_paid(self, uow: Any, order_id: int) -> None:
        assert isinstance(uow, FakeStoreUnitOfWork)
        uow.working.paid_announced.append(order_id)


def store_uow(data: StoreData) -> Any:
    """The factory a service is given."""
    return lambda: FakeStoreUnitOfWork(data)
