"""Choose the payment gateway from the settings: Zarinpal (live, sandbox or the simulator) or the in-memory fake."""

from __future__ import annotations

from hamgam.adapters.following import Following
from hamgam.adapters.payments.memory import InMemoryPaymentGateway
from hamgam.adapters.payments.zarinpal import ZarinpalGateway
from hamgam.ports import FullPaymentGateway
from hamgam.settings import PaymentProvider, Settings


def payments_base_url(settings: Settings) -> str:
    """The configured gateway, or the simulator ``hamgam up`` serves when none is configured."""
    return settings.payments.base_url or f"http://127.0.0.1:{settings.payments.simulator_port}"


def build_payment_gateway(settings: Settings) -> FullPaymentGateway:
    """The gateway of the settings, rebuilt at the next call when they change (``Following``): the merchant id
    is edited in the admin panel."""
    return Following(lambda: build_payment_gateway_now(settings), lambda: _fingerprint(settings))


def _fingerprint(settings: Settings) -> tuple[object, ...]:
    p = settings.payments
    if p.provider is PaymentProvider.MEMORY:
        return (p.provider,)  # the in-memory gateway keeps its sessions
    return (p.provider, p.base_url, p.startpay_base_url, p.merchant_id.get_secret_value(), p.simulator_port)


def build_payment_gateway_now(settings: Settings) -> FullPaymentGateway:
    p = settings.payments
    if p.provider is PaymentProvider.MEMORY:
        return InMemoryPaymentGateway()
    return ZarinpalGateway(
        base_url=payments_base_url(settings),
        merchant_id=p.merchant_id.get_secret_value(),
        startpay_base_url=p.startpay_base_url,
        timeout_s=p.timeout_s,
        connect_timeout_s=p.connect_timeout_s,
    )
