"""The store core service as one object: what the gateway calls in-process when co-located.

``StoreCore`` bundles the store's services over their units of work; ``build_store_core`` wires them from the
settings and the ports (payment gateway, SMS, rate limiter). The composition root (``hamgam.bootstrap``)
calls it once per process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hamgam.domain.accounts import Role, needs_second_factor
from hamgam.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from hamgam.domain.orders import STAFF_TARGETS, OrderStatus, check_confirmed, check_transition
from hamgam.ports import FullPaymentGateway, MessageQueue, RateLimiter, SmsSender
from hamgam.ports.accounts import AccountsUnitOfWork
from hamgam.ports.admin import AdminUnitOfWork
from hamgam.ports.catalog import CatalogReadUnitOfWork, CatalogUnitOfWork
from hamgam.ports.documents import FulfilmentRenderer, InvoiceRenderer
from hamgam.ports.store import PaidOrderListener, StoreUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.services.auth.tokens import TokenService
from hamgam.services.store import events, jobs
from hamgam.services.store.accounts import AccountService
from hamgam.services.store.admin import AdminService
from hamgam.services.store.cart import CartService
from hamgam.services.store.catalog import CatalogService
from hamgam.services.store.checkout import CheckoutService
from hamgam.services.store.dashboard import DashboardService
from hamgam.services.store.invoices import InvoiceService, seller_party
from hamgam.services.store.notifier import SmsNotifier, Templates
from hamgam.services.store.orders import get_order, list_orders, lock_order, transition
from hamgam.services.store.payments import PaymentService
from hamgam.services.store.refunds import record_refund
from hamgam.services.store.reports import SalesReports
from hamgam.services.store.restock import RestockService
from hamgam.services.store.shipping import ShipmentOutcome, ShipmentRequest, ship_many, ship_order
from hamgam.services.store.shipping_methods import ShippingMethodsService
from hamgam.settings import Settings

CALLBACK_PATH = "/api/v1/payments/callback"


def callback_url(settings: Settings) -> str:
    """Built from configuration only, never from a request's Host header (iran.md §1.6.6)."""
    if settings.payments.callback_url:
        return settings.payments.callback_url
    base = settings.shop.public_base_url or f"http://{settings.api_host}:{settings.api_port}"
    return base.rstrip("/") + CALLBACK_PATH


def pepper_from(secret: str) -> bytes:
    """The key of the stored hashes of refresh tokens and one-time codes, derived from the JWT secret."""
    return hashlib.sha256(b"hamgam-secret-hash:" + secret.encode()).digest()


@dataclass(frozen=True, slots=True)
class CodeRequired:
    """A staff password login's first step succeeded: a code was sent, the ``challenge`` completes it."""

    challenge: str
    #: Seconds the challenge stays valid.
    expires_in: int
    mobile: str
    #: Digits in the code.
    length: int


@dataclass
class StoreCore:
    queue: MessageQueue
    catalog: CatalogService
    carts: CartService
    checkout: CheckoutService
    #: The merchant's shipping methods (the admin's shipping page).
    shipping: ShippingMethodsService
    payments: PaymentService
    accounts: AccountService
    tokens: TokenService
    admin: AdminService
    sms: SmsSender
    #: «خبرم کن»: buyers waiting for out-of-stock products.
    restock: RestockService
    #: Seconds a guest cart lives after its last change (``shop.guest_cart_ttl_s``).
    guest_cart_ttl_s: int
    #: Opens the store's transactions (orders, payments, carts, stock, events).
    uow: UnitOfWorkFactory[StoreUnitOfWork]
    #: The staff dashboard's figures and the staff pages' audit entries.
    dashboard: DashboardService
    #: Orders' sales invoices as printable documents.
    invoices: InvoiceService
    #: Sales by day, month, product and category for the dashboard and the reports page.
    reports: SalesReports
    #: The shop's current SMS texts (the admin panel's settings), read by the SMS consumer before each message;
    #: None: the default texts.
    sms_templates: Callable[[], Awaitable[Templates]] | None = None

    # --- password login (two steps for staff) ---

    async def password_login(self, mobile: str, password: str, *, client: str) -> dict[str, Any] | CodeRequired:
        """A customer's right password logs them in (the caller starts a password session). A staff or admin
        account gets ``CodeRequired`` instead: a one-time code is texted to its mobile and the challenge must
        come back with it (``finish_password_login``)."""
        customer = await self.accounts.login_password(mobile, password, client=client)
        if not needs_second_factor(Role(customer["role"])):
            return customer
        sent = await self.accounts.request_otp(customer["mobile"], client=client)
        challenge, ttl = self.tokens.challenge(customer["id"])
        return CodeRequired(challenge=challenge, expires_in=ttl, mobile=sent["mobile"], length=sent["length"])

    async def finish_password_login(self, challenge: str, code: str) -> dict[str, Any]:
        """The second step: the customer whose password was right, once the code sent to them is right too;
        the caller starts a session proved by both factors."""
        return await self.accounts.verify_second_factor(self.tokens.open_challenge(challenge), code)

    # --- orders (thin enough to live here) ---

    async def customer_orders(self, customer_id: int, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        return await list_orders(self.uow, customer_id=customer_id, offset=offset, limit=limit)

    async def customer_order(self, customer_id: int, order_id: int) -> dict[str, Any]:
        return await get_order(self.uow, order_id, customer_id=customer_id)

    async def cancel_by_customer(self, customer_id: int, order_id: int) -> dict[str, Any]:
        """A customer may cancel their own order while it waits for payment; its stock comes back."""
        async with self.uow() as uow:
            row = await uow.orders.lock(order_id)
            if row is None or row["customer_id"] != customer_id:
                raise NotFound("سفارش پیدا نشد — order not found", order_id=order_id)
            if row["status"] != OrderStatus.PENDING_PAYMENT:
                raise Conflict("فقط سفارش در انتظار پرداخت لغو می‌شود — only an order awaiting payment can be cancelled")
            await transition(
                uow,
                order_id,
                OrderStatus.CANCELLED,
                actor=f"customer:{customer_id}",
                reason="cancelled by the customer",
            )
        await self.publish_events()
        return await get_order(self.uow, order_id, customer_id=customer_id)

    async def change_order_status(
        self, order_id: int, target: OrderStatus, actor: str, reason: str | None, *, confirmed: bool = False
    ) -> dict[str, Any]:
        """A staff action on an order: only the moves staff may make (``STAFF_TARGETS``), checked by the
        state machine, recorded as an order event and in the audit log in the same transaction. A move that
        needs confirmation (``NEEDS_CONFIRMATION``: cancelling) without ``confirmed`` is ``ConfirmationRequired``
        saying what would follow, and nothing changes."""
        if target not in STAFF_TARGETS:
            raise Forbidden(f"وضعیت «{target}» را کارکنان نمی‌توانند تنظیم کنند — staff cannot set {target}")
        if target is OrderStatus.SHIPPED:
            await self._refuse_shipping_without_carrier(order_id)
        async with self.uow() as uow:
            current = await lock_order(uow, order_id)
            check_transition(OrderStatus(current["status"]), target)
            check_confirmed(current, target, confirmed=confirmed)
            before = await transition(uow, order_id, target, actor=actor, reason=reason)
            await uow.audit.record(
                actor,
                "order.status",
                f"order:{order_id}",
                {"to": str(target), "reason": reason, "order_status": before["status"]},
            )
        return await get_order(self.uow, order_id)

    async def _refuse_shipping_without_carrier(self, order_id: int) -> None:
        """``Conflict`` when the order cannot be shipped now, else ``InvalidInput``: a shipment needs its
        carrier and tracking code (``ship_order``)."""
        async with self.uow() as uow:
            order = await uow.orders.lock(order_id)
            if order is None:
                raise NotFound("سفارش پیدا نشد — order not found", order_id=order_id)
            check_transition(OrderStatus(order["status"]), OrderStatus.SHIPPED)
        raise InvalidInput(
            "برای ارسال، شرکت حمل و کد رهگیری لازم است — shipping needs a carrier and a tracking code",
            field="carrier",
        )

    async def ship_order(self, order_id: int, carrier: str, tracking_code: str, actor: str) -> dict[str, Any]:
        """Staff hand the order to a carrier (see ``services.store.shipping``); the buyer is texted once the
        events are published. Returns the order."""
        await ship_order(self.uow, order_id, carrier=carrier, tracking_code=tracking_code, actor=actor)
        await self.publish_events()
        return await get_order(self.uow, order_id)

    async def ship_orders(self, requests: list[ShipmentRequest], actor: str) -> list[ShipmentOutcome]:
        """Ship many orders, each on its own (``services.store.shipping.ship_many``); the buyers of those shipped
        are texted once the events are published."""
        outcomes = await ship_many(self.uow, requests, actor=actor)
        await self.publish_events()
        return outcomes

    async def refund_order(
        self, order_id: int, *, amount_rial: int, method: str, note: str, actor: str
    ) -> dict[str, Any]:
        """Record a refund paid out to the buyer (``services.store.refunds.record_refund``)."""
        return await record_refund(self.uow, order_id, amount_rial=amount_rial, method=method, note=note, actor=actor)

    # --- background work ---

    async def publish_events(self) -> int:
        return await events.relay(self.uow, self.queue)

    async def run_jobs_once(self) -> None:
        """Reconcile payments first (a paid order must not expire), then expire, relay, clean up and purge
        expired guest carts."""
        await self.payments.reconcile()
        await jobs.release_expired(self.uow)
        await self.publish_events()
        await jobs.cleanup(self.uow)
        await jobs.purge_guest_carts(self.uow, self.guest_cart_ttl_s)

    def notifier(self) -> SmsNotifier:
        return SmsNotifier(self.queue, self.sms, templates=self.sms_templates)


def build_store_core(
    settings: Settings,
    queue: MessageQueue,
    *,
    gateway: FullPaymentGateway,
    sms: SmsSender,
    limiter: RateLimiter,
    jwt_secret: str,
    accounts_uow: UnitOfWorkFactory[AccountsUnitOfWork],
    admin_uow: UnitOfWorkFactory[AdminUnitOfWork],
    store_uow: UnitOfWorkFactory[StoreUnitOfWork],
    paid_orders: PaidOrderListener,
    catalog_uow: UnitOfWorkFactory[CatalogUnitOfWork],
    catalog_reads: UnitOfWorkFactory[CatalogReadUnitOfWork],
    invoice_renderer: InvoiceRenderer,
    fulfilment_renderer: FulfilmentRenderer | None = None,
) -> StoreCore:
    """``store_uow`` opens the store's transactions; ``paid_orders`` is told when an order becomes paid (in that
    transaction); ``catalog_reads`` serves the storefront's catalogue."""
    shop, auth = settings.shop, settings.auth
    pepper = pepper_from(jwt_secret)
    carts = CartService(store_uow, shop, limiter)
    catalog = CatalogService(catalog_reads, search_ttl_s=shop.search_cache_ttl_s)
    return StoreCore(
        queue=queue,
        catalog=catalog,
        carts=carts,
        checkout=CheckoutService(store_uow, shop),
        shipping=ShippingMethodsService(store_uow),
        payments=PaymentService(
            store_uow,
            gateway,
            callback_url=callback_url(settings),
            provider=settings.payments.provider.value,
            reconcile_after_s=shop.reconcile_after_s,
            paid_orders=paid_orders,
        ),
        accounts=AccountService(accounts_uow, sms, limiter, shop=shop, auth=auth, pepper=pepper),
        tokens=TokenService(
            accounts_uow,
            secret=jwt_secret,
            issuer=auth.jwt_issuer,
            access_ttl_s=auth.access_ttl_s,
            refresh_ttl_s=auth.refresh_ttl_s,
            pepper=pepper,
            challenge_ttl_s=auth.challenge_ttl_s,
        ),
        admin=AdminService(admin_uow, listing_changed=catalog.forget_searches),
        sms=sms,
        restock=RestockService(store_uow),
        guest_cart_ttl_s=shop.guest_cart_ttl_s,
        uow=store_uow,
        dashboard=DashboardService(catalog_uow),
        reports=SalesReports(catalog_uow),
        invoices=InvoiceService(
            store_uow,
            invoice_renderer,
            # read at each invoice: the shop's identity is edited in the admin panel (``shop`` follows it)
            lambda: seller_party(
                shop.seller_name,
                address=shop.seller_address,
                phone=shop.seller_phone,
                national_id=shop.seller_national_id,
            ),
            fulfilment=fulfilment_renderer,
        ),
    )
