"""The SMS.ir adapter against the SMS simulator over real HTTP."""

from __future__ import annotations

import pytest

from hamgam.adapters.sms.smsir import SmsIrSms
from hamgam.domain.sms import SmsFailure, SmsRejected, SmsStatus, SmsUnavailable
from hamgam_sim.sms.server import RunningSms
from hamgam_sim.sms.state import SMSIR_OTP_TEMPLATE_ID

from .conftest import MOBILE


async def test_send_otp_uses_verify_template_and_can_be_read_back(smsir: SmsIrSms, sms: RunningSms) -> None:
    result = await smsir.send_otp("989121234567", "482913")

    assert (result.status, result.cost) == (SmsStatus.QUEUED, 1.0)
    assert sms.control.last_otp(MOBILE) == "482913"
    [message] = sms.control.outbox(provider="smsir")
    assert message["params"] == {"Code": "482913"} and message["template"] == str(SMSIR_OTP_TEMPLATE_ID)
    assert str(message["message_id"]) == result.message_id


async def test_send_free_text_through_bulk(smsir: SmsIrSms, sms: RunningSms) -> None:
    result = await smsir.send(MOBILE, "سفارش شما ارسال شد")
    [message] = sms.control.outbox()
    assert (message["kind"], message["text"], message["sender"]) == (
        "sms",
        "سفارش شما ارسال شد",
        "30004505000017",
    )
    assert message["message_id"] == int(result.message_id)


async def test_free_text_without_line_is_rejected_before_sending(sms: RunningSms) -> None:
    async with SmsIrSms(api_key=sms.api_key, otp_template_id=1, base_url=sms.base_url) as adapter:
        with pytest.raises(SmsRejected) as caught:
            await adapter.send(MOBILE, "x")
    assert caught.value.reason is SmsFailure.SENDER
    assert sms.control.outbox() == []


async def test_invalid_api_key(sms: RunningSms) -> None:
    async with SmsIrSms(api_key="SECRET-KEY-123", otp_template_id=SMSIR_OTP_TEMPLATE_ID, base_url=sms.base_url) as a:
        with pytest.raises(SmsRejected) as caught:
            await a.send_otp(MOBILE, "1234")
    assert (caught.value.code, caught.value.http_status, caught.value.reason) == (10, 401, SmsFailure.AUTH)


async def test_unknown_template(smsir: SmsIrSms) -> None:
    with pytest.raises(SmsRejected) as caught:
        await smsir.send_template(MOBILE, "424242", {"Code": "1"})
    assert (caught.value.code, caught.value.reason) == (113, SmsFailure.TEMPLATE)


async def test_insufficient_credit(smsir: SmsIrSms, sms: RunningSms) -> None:
    sms.control.set_credit("smsir", 0)
    with pytest.raises(SmsRejected) as caught:
        await smsir.send_otp(MOBILE, "1234")
    assert (caught.value.code, caught.value.reason) == (102, SmsFailure.CREDIT)


async def test_blacklisted_mobile(smsir: SmsIrSms, sms: RunningSms) -> None:
    sms.control.blacklist(MOBILE)
    with pytest.raises(SmsRejected) as caught:
        await smsir.send_otp(MOBILE, "1234")
    assert (caught.value.code, caught.value.reason) == (115, SmsFailure.RECIPIENT)


async def test_long_parameter_is_rejected_before_sending(smsir: SmsIrSms, sms: RunningSms) -> None:
    with pytest.raises(SmsRejected) as caught:
        await smsir.send_template(MOBILE, str(SMSIR_OTP_TEMPLATE_ID), {"Code": "1" * 26})
    assert caught.value.reason is SmsFailure.TOKEN
    assert sms.control.outbox() == []


async def test_provider_parameter_error_code_is_mapped(smsir: SmsIrSms, sms: RunningSms) -> None:
    sms.control.add_fault("error_code", "smsir.verify", code=114, count=1)
    with pytest.raises(SmsRejected) as caught:
        await smsir.send_otp(MOBILE, "1234")
    assert (caught.value.code, caught.value.reason) == (114, SmsFailure.TOKEN)


async def test_rate_limit_is_transient(smsir: SmsIrSms, sms: RunningSms) -> None:
    sms.control.add_fault("error_code", "smsir.verify", code=20, count=1)
    with pytest.raises(SmsUnavailable) as caught:
        await smsir.send_otp(MOBILE, "1234")
    assert (caught.value.code, caught.value.http_status, caught.value.reason) == (
        20,
        429,
        SmsFailure.RATE_LIMIT,
    )
    assert (await smsir.send_otp(MOBILE, "1234")).message_id


async def test_timeout_is_transient(smsir: SmsIrSms, sms: RunningSms) -> None:
    sms.control.add_fault("timeout", "smsir.bulk", delay_s=30, count=1)
    with pytest.raises(SmsUnavailable) as caught:
        await smsir.send(MOBILE, "x")
    assert caught.value.reason is SmsFailure.PROVIDER


async def test_credit_reports_the_balance(smsir: SmsIrSms, sms: RunningSms) -> None:
    sms.control.set_credit("smsir", 42)
    await smsir.send_otp(MOBILE, "1")
    assert await smsir.credit() == 41.0
