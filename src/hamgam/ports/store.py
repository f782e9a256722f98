"""The store's persistence ports: its unit of work and the repositories it carries, and the port through which
the store announces a paid order.

Implemented for PostgreSQL by ``hamgam.adapters.db.store_uow.SqlStoreUnitOfWork`` (repositories in
``hamgam.adapters.db.repositories``); in memory by ``tests/fakes/store.py``. Rows cross these ports as plain
mappings (column name → value), the shape the services and the pages already use.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from hamgam.domain.checkout import Address, PricedLine
from hamgam.domain.invoice import Rates
from hamgam.domain.shipping_rates import ShippingRate
from hamgam.ports.audit import AuditLog
from hamgam.ports.unit_of_work import UnitOfWork

Row = dict[str, Any]


class Sellable(Protocol):
    """A product detail on sale, as the catalogue reads it for the store (live price and stock)."""

    @property
    def detail_id(self) -> int: ...
    @property
    def product_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def price_rial(self) -> int: ...
    @property
    def available(self) -> int: ...
    @property
    def variant(self) -> str:
        """The variant by its Mahak property names (``رنگ: صورتی، سایز: XL``; '' without properties)."""


class SellableReader(Protocol):
    """What the store may sell now, under the merchant's rules."""

    async def sellable(self, detail_ids: Sequence[int]) -> Sequence[Sellable]:
        """The details of ``detail_ids`` that are on sale, ordered by id (others are missing)."""

    async def product_rates(self, product_ids: Sequence[int], *, charge_vat: bool) -> dict[int, Rates]:
        """``product id -> Rates`` (tax and charge percents) for checkout."""


class CartRepository(Protocol):
    async def create_guest(self, cart_id: uuid.UUID) -> None: ...

    async def customer_cart(self, customer_id: int) -> uuid.UUID:
        """The customer's active cart, created when missing (race-safe)."""

    async def guest_live(self, cart_id: uuid.UUID, ttl_s: int) -> bool:
        """Whether a guest cart is active and changed within ``ttl_s`` seconds."""

    async def lock(self, cart_id: uuid.UUID) -> None:
        """Lock the cart row until the transaction ends."""

    async def lines(self, cart_id: uuid.UUID, *, by_detail: bool = False) -> list[tuple[int, int]]:
        """``(product_detail_id, quantity)`` in the order added, or by detail id."""

    async def put_line(self, cart_id: uuid.UUID, product_detail_id: int, quantity: int) -> None: ...

    async def remove_line(self, cart_id: uuid.UUID, product_detail_id: int) -> None: ...

    async def clear(self, cart_id: uuid.UUID) -> None: ...

    async def touch(self, cart_id: uuid.UUID) -> str | None:
        """Mark the cart changed now; returns its status (None when it does not exist)."""

    async def mark_ordered(self, cart_id: uuid.UUID) -> None: ...

    async def merge_guest(self, guest_cart_id: uuid.UUID, ttl_s: int) -> uuid.UUID | None:
        """Mark a live guest cart merged; returns its id, or None when it was not live."""

    async def add_lines_from(self, target: uuid.UUID, source: uuid.UUID, *, cap: int) -> None:
        """Add ``source``'s lines to ``target`` (quantities add up, capped at ``cap``)."""

    async def purge_guests(self, ttl_s: int, limit: int) -> int:
        """Delete up to ``limit`` guest carts unchanged for ``ttl_s`` seconds; returns how many."""

    async def saved_address(self, customer_id: int, address_id: int) -> Address | None:
        """One of the customer's saved delivery addresses (deleted ones are missing)."""


class OrderRepository(Protocol):
    async def create(
        self,
        *,
        customer_id: int,
        status: str,
        items_rial: int,
        vat_rial: int,
        shipping_rial: int,
        total_rial: int,
        prices_include_vat: bool,
        shipping_method: str,
        address: Mapping[str, Any],
        note: str | None,
        reserved_until: dt.datetime,
    ) -> int: ...

    async def add_lines(self, order_id: int, lines: Sequence[PricedLine]) -> None: ...

    async def lock(self, order_id: int) -> Row | None:
        """The order row with ``customer_mobile``, locked until the transaction ends."""

    async def set_status(self, order_id: int, status: str, *, paid: bool = False) -> None:
        """Change the status (and stamp ``paid_at`` when ``paid``)."""

    async def add_event(
        self, order_id: int, from_status: str | None, to_status: str, actor: str, reason: str | None
    ) -> None: ...

    async def get(self, order_id: int, *, customer_id: int | None = None) -> Row | None:
        """The order with its ``lines``, ``events`` and ``payments``; with ``customer_id``, only that customer's."""

    async def page(
        self,
        *,
        customer_id: int | None,
        status: str | None,
        mobile: str | None,
        offset: int,
        limit: int,
    ) -> tuple[list[Row], int]:
        """Newest first, with the total count of matches."""

    async def payable(self, order_id: int, customer_id: int) -> Row | None:
        """``id, status, total_rial, held`` (hold not ended) and the customer's ``mobile``."""

    async def still_held(self, order_id: int) -> bool: ...

    async def lock_expirable(self, limit: int) -> list[int]:
        """Pending orders whose hold ended and whose payments are all known not paid, locked (skip locked)."""


class PaymentRepository(Protocol):
    async def add(self, *, order_id: int, provider: str, authority: str, amount_rial: int) -> None: ...

    async def lock(self, authority: str) -> Row | None: ...

    async def set_status(self, authority: str, status: str, *, error: str | None) -> None: ...

    async def mark_paid(self, authority: str, *, ref_id: int | str | None, card_pan: str | None) -> None: ...

    async def mark_refund_due(
        self, authority: str, *, ref_id: int | str | None, card_pan: str | None, error: str
    ) -> None: ...

    async def mark_reversed(self, authority: str, *, error: str) -> None:
        """A ``refund_due`` payment given back through the gateway."""

    async def note_refund_failure(self, authority: str, *, error: str) -> None:
        """Why a ``refund_due`` payment could not be given back."""

    async def note_checked(self, authority: str, *, error: str) -> None:
        """A ``pending``/``failed`` payment the gateway says is not paid: checked now."""

    async def outcome(self, authority: str) -> Row | None:
        """``order_id, payment_status, ref_id, amount_rial, order_status``."""

    async def to_reconcile(self, listed: Sequence[str], *, after_s: float, limit: int) -> list[tuple[str, str]]:
        """``(authority, status)`` of the payments to check now, most urgent first."""

    async def fail_pending(self, order_ids: Sequence[int], *, error: str) -> None:
        """Pending payments of expiring orders become failed."""


class ShipmentRepository(Protocol):
    """The parcel of a shipped order (one per order)."""

    async def add(self, order_id: int, *, carrier: str, tracking_code: str, actor: str) -> Row:
        """Record it; returns ``order_id, carrier, tracking_code, shipped_at, actor``."""

    async def get(self, order_id: int) -> Row | None: ...


class ShippingMethodRepository(Protocol):
    """The merchant's shipping methods (``shipping_method``); the cost rule is ``domain.shipping_rates``."""

    async def list(self, *, active_only: bool) -> list[ShippingRate]:
        """By ``position``, then id."""

    async def get(self, method_id: int) -> ShippingRate | None: ...

    async def add(self, rate: ShippingRate) -> int:
        """Insert it (its ``code`` must be new); returns its id."""

    async def update(self, rate: ShippingRate) -> bool:
        """Replace method ``rate.id``'s fields but its code; False when there is none."""

    async def weights_g(self, product_ids: Sequence[int]) -> dict[int, float]:
        """``product id -> Mahak's Weight`` of the products that have one."""


class RefundRepository(Protocol):
    """Money given back to buyers (``hamgam.domain.refunds``), oldest first."""

    async def add(self, order_id: int, *, amount_rial: int, method: str, note: str, full: bool, actor: str) -> Row:
        """Record it; returns ``id, order_id, amount_rial, method, note, is_full, actor, created_at``."""

    async def for_order(self, order_id: int) -> list[Row]: ...


class StockLedger(Protocol):
    """The reservation ledger (``stock_reservation``) and its per-detail counters (``stock_hold``)."""

    async def ensure_counters(self, detail_ids: Sequence[int]) -> None: ...

    async def try_reserve(self, detail_id: int, quantity: int) -> bool:
        """Raise the detail's counter by ``quantity`` only while it stays within what may be sold."""

    async def add_holds(
        self, order_id: int, lines: Sequence[tuple[int, int]], *, state: str, expires_at: dt.datetime
    ) -> None: ...

    async def move(self, order_id: int, from_states: Sequence[str], to_state: str) -> list[tuple[int, int]]:
        """Move the order's rows; returns ``(product_detail_id, quantity)`` of the rows moved."""

    async def lower_counter(self, detail_id: int, quantity: int) -> None: ...


class EventOutbox(Protocol):
    """Events written with the change that caused them (``event_outbox``)."""

    async def add(self, topic: str, message_id: str, body: bytes) -> None: ...

    async def lock_unpublished(self, limit: int) -> list[Row]:
        """``id, topic, message_id, body`` oldest first, locked (skip locked)."""

    async def mark_published(self, event_id: int) -> None: ...


class RestockRequests(Protocol):
    """«خبرم کن» requests (``restock_request``): buyers waiting for a product or detail to be on sale again."""

    async def add(self, customer_id: int, mobile: str, product_id: int, detail_id: int | None) -> str | None:
        """``created``, ``exists`` (already pending: nothing changes), or None for an unknown product/detail."""

    async def cancel(self, customer_id: int, request_id: int) -> bool:
        """Delete the buyer's pending request; False when there is none by that id."""

    async def pending(self, customer_id: int) -> list[Row]:
        """``id, product_id, detail_id, created_at, name`` of the buyer's pending requests, newest first."""


class Housekeeping(Protocol):
    async def forget_old_windows_and_codes(self) -> None:
        """Delete rate-limit windows and one-time codes older than a day."""


class StoreUnitOfWork(UnitOfWork, Protocol):
    """One store transaction and the repositories bound to it."""

    @property
    def catalog(self) -> SellableReader: ...
    @property
    def carts(self) -> CartRepository: ...
    @property
    def orders(self) -> OrderRepository: ...
    @property
    def payments(self) -> PaymentRepository: ...
    @property
    def shipments(self) -> ShipmentRepository: ...
    @property
    def shipping(self) -> ShippingMethodRepository: ...
    @property
    def refunds(self) -> RefundRepository: ...
    @property
    def stock(self) -> StockLedger: ...
    @property
    def events(self) -> EventOutbox: ...
    @property
    def housekeeping(self) -> Housekeeping: ...
    @property
    def restock(self) -> RestockRequests: ...
    @property
    def audit(self) -> AuditLog: ...


class PaidOrderListener(Protocol):
    """Told, inside the transaction that made an order paid, so that work it starts (the order's export to the
    accounting software) commits or rolls back with the payment. The store knows nothing more of it."""

    async def order_paid(self, uow: StoreUnitOfWork, order_id: int) -> None: ...


class NoPaidOrderListener:
    """Nobody listens (a store without export)."""

    async def order_paid(self, uow: StoreUnitOfWork, order_id: int) -> None:
        return None
