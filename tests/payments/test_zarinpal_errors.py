"""Zarinpal error replies and network failures: rejected (permanent) or unavailable (transient)."""

from __future__ import annotations

import socket
import time

import pytest

from hamgam.adapters.payments.zarinpal import ZarinpalGateway
from hamgam.domain.payments import PaymentGatewayRejected, PaymentGatewayUnavailable, VerifyStatus
from hamgam_sim.zarinpal.server import RunningZarinpal

from .test_zarinpal_flow import AMOUNT_RIAL, CALLBACK, open_session


async def test_amount_below_minimum_is_validation_error_with_details(gateway: ZarinpalGateway) -> None:
    with pytest.raises(PaymentGatewayRejected) as caught:
        await gateway.request_payment(amount_rial=500, callback_url=CALLBACK, description="x")
    assert caught.value.code == -9
    assert caught.value.http_status == 422
    assert "at least 1000" in caught.value.message


async def test_description_over_500_chars_is_validation_error(gateway: ZarinpalGateway) -> None:
    with pytest.raises(PaymentGatewayRejected) as caught:
        await gateway.request_payment(amount_rial=AMOUNT_RIAL, callback_url=CALLBACK, description="ب" * 501)
    assert caught.value.code == -9
    assert "description" in caught.value.message


async def test_amount_over_maximum_is_refused(gateway: ZarinpalGateway) -> None:
    with pytest.raises(PaymentGatewayRejected) as caught:
        await gateway.request_payment(amount_rial=1_000_000_010, callback_url=CALLBACK, description="x")
    assert caught.value.code == -41


async def test_unknown_merchant_is_refused(zarinpal: RunningZarinpal) -> None:
    async with ZarinpalGateway(
        base_url=zarinpal.base_url, merchant_id="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
    ) as stranger:
        with pytest.raises(PaymentGatewayRejected) as caught:
            await open_session(stranger)
    assert (caught.value.code, caught.value.http_status) == (-10, 401)
    assert "aaaaaaaa" not in str(caught.value)


async def test_inactive_merchant_is_refused(gateway: ZarinpalGateway, zarinpal: RunningZarinpal) -> None:
    zarinpal.control.set_merchant(zarinpal.merchant_id, active=False)
    with pytest.raises(PaymentGatewayRejected) as caught:
        await open_session(gateway)
    assert caught.value.code == -11


async def test_callback_on_unregistered_domain_is_refused(gateway: ZarinpalGateway, zarinpal: RunningZarinpal) -> None:
    zarinpal.control.set_merchant(zarinpal.merchant_id, callback_hosts=["other.example.ir"])
    with pytest.raises(PaymentGatewayRejected) as caught:
        await open_session(gateway)
    assert caught.value.code == -14


async def test_bare_5xx_is_unavailable(gateway: ZarinpalGateway, zarinpal: RunningZarinpal) -> None:
    zarinpal.control.add_fault("http_error", "request", status=502, count=1)
    with pytest.raises(PaymentGatewayUnavailable) as caught:
        await open_session(gateway)
    assert (caught.value.code, caught.value.http_status) == (None, 502)
    # the fault was used up: the next call goes through
    assert (await open_session(gateway)).authority


async def test_too_many_attempts_code_is_unavailable(gateway: ZarinpalGateway, zarinpal: RunningZarinpal) -> None:
    zarinpal.control.add_fault("error_code", "request", code=-12, count=1)
    with pytest.raises(PaymentGatewayUnavailable) as caught:
        await open_session(gateway)
    assert (caught.value.code, caught.value.http_status) == (-12, 429)


async def test_unexpected_error_on_verify_is_unavailable_not_failed(
    gateway: ZarinpalGateway, zarinpal: RunningZarinpal
) -> None:
    session = await open_session(gateway)
    zarinpal.control.pay(session.authority)
    zarinpal.control.add_fault("error_code", "verify", code=-52, count=1)

    with pytest.raises(PaymentGatewayUnavailable) as caught:
        await gateway.verify(session.authority, AMOUNT_RIAL)
    assert caught.value.code == -52
    assert (await gateway.verify(session.authority, AMOUNT_RIAL)).status is VerifyStatus.PAID


async def test_verify_timeout_is_unavailable_and_outcome_is_settled_by_retry(
    gateway: ZarinpalGateway, zarinpal: RunningZarinpal
) -> None:
    # given a gateway that hangs on verify far longer than our client waits
    session = await open_session(gateway)
    zarinpal.control.pay(session.authority)
    zarinpal.control.add_fault("timeout", "verify", delay_s=30, count=1)

    # when verify times out (our client gives up long before the 30 s hang ends)
    with pytest.raises(PaymentGatewayUnavailable):
        await gateway.verify(session.authority, AMOUNT_RIAL)

    # then the outcome was unknown: the hung request may still land, and a retry settles it as a success
    zarinpal.control.clear_faults()
    retry = await gateway.verify(session.authority, AMOUNT_RIAL)
    assert retry.is_success


async def test_latency_below_timeout_still_succeeds(gateway: ZarinpalGateway, zarinpal: RunningZarinpal) -> None:
    zarinpal.control.add_fault("latency", "request", delay_s=0.2, count=1)
    started = time.monotonic()
    session = await open_session(gateway)
    assert session.authority and time.monotonic() - started >= 0.2


async def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    async with ZarinpalGateway(
        base_url=f"http://127.0.0.1:{closed_port}", merchant_id="00000000-0000-4000-8000-000000000000"
    ) as gateway:
        with pytest.raises(PaymentGatewayUnavailable):
            await gateway.verify("A" + "0" * 35, AMOUNT_RIAL)


async def test_non_positive_amount_is_refused_before_any_call(gateway: ZarinpalGateway) -> None:
    with pytest.raises(ValueError):
        await gateway.verify("A" + "0" * 35, 0)
