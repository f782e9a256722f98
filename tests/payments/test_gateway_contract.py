"""One behaviour suite for every PaymentGateway: Zarinpal on the simulator, and the in-memory fake."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from hamgam.adapters.payments.memory import InMemoryPaymentGateway
from hamgam.adapters.payments.zarinpal import ZarinpalGateway
from hamgam.domain.payments import PaymentGatewayRejected, VerifyStatus
from hamgam.ports import FullPaymentGateway
from hamgam_sim.zarinpal.server import RunningZarinpal


@dataclass
class Subject:
    gateway: FullPaymentGateway
    pay: Callable[[str], object]
    cancel: Callable[[str], object]


@pytest.fixture(params=["zarinpal-simulator", "memory"])
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    if request.param == "memory":
        fake = InMemoryPaymentGateway()
        yield Subject(fake, fake.pay, fake.cancel)
        return
    zarinpal: RunningZarinpal = request.getfixturevalue("zarinpal")
    async with ZarinpalGateway(base_url=zarinpal.base_url, merchant_id=zarinpal.merchant_id) as adapter:
        yield Subject(adapter, zarinpal.control.pay, zarinpal.control.cancel)


async def open_session(gateway: FullPaymentGateway, amount_rial: int = 50_000) -> str:
    result = await gateway.request_payment(
        amount_rial=amount_rial, callback_url="https://shop.example.ir/cb", description="سفارش", order_id="7"
    )
    assert "/pg/StartPay/" in result.redirect_url and result.authority in result.redirect_url
    return result.authority


async def test_paid_session_verifies_once_then_reports_already_verified(subject: Subject) -> None:
    authority = await open_session(subject.gateway)
    subject.pay(authority)
    first = await subject.gateway.verify(authority, 50_000)
    second = await subject.gateway.verify(authority, 50_000)
    assert [first.status, second.status] == [VerifyStatus.PAID, VerifyStatus.ALREADY_VERIFIED]
    assert first.ref_id == second.ref_id is not None


async def test_outcomes_other_than_paid(subject: Subject) -> None:
    cancelled = await open_session(subject.gateway)
    subject.cancel(cancelled)
    paid = await open_session(subject.gateway)
    subject.pay(paid)
    assert (await subject.gateway.verify(cancelled, 50_000)).status is VerifyStatus.NOT_PAID
    assert (await subject.gateway.verify(paid, 49_990)).status is VerifyStatus.AMOUNT_MISMATCH
    assert (await subject.gateway.verify("A" + "9" * 35, 50_000)).status is VerifyStatus.INVALID


async def test_unverified_and_reverse(subject: Subject) -> None:
    authority = await open_session(subject.gateway)
    subject.pay(authority)
    assert [u.authority for u in await subject.gateway.unverified()] == [authority]
    await subject.gateway.verify(authority, 50_000)
    assert await subject.gateway.unverified() == []
    assert (await subject.gateway.reverse(authority)).reversed


async def test_amount_below_minimum_is_rejected(subject: Subject) -> None:
    with pytest.raises(PaymentGatewayRejected) as caught:
        await open_session(subject.gateway, amount_rial=999)
    assert caught.value.code == -9
