"""The Kavenegar adapter against the SMS simulator over real HTTP."""

from __future__ import annotations

import pytest

from hamgam.adapters.sms.kavenegar import KavenegarSms
from hamgam.domain.sms import SmsFailure, SmsRejected, SmsStatus, SmsUnavailable
from hamgam_sim.sms.server import RunningSms

from .conftest import MOBILE


async def test_send_otp_uses_lookup_template_and_can_be_read_back(kavenegar: KavenegarSms, sms: RunningSms) -> None:
    result = await kavenegar.send_otp("+98 912 123 4567", "482913")

    assert (result.status, result.provider_status, result.cost) == (SmsStatus.SENT, 5, 1200.0)
    assert sms.control.last_otp(MOBILE) == "482913"
    [message] = sms.control.outbox(mobile=MOBILE)
    assert message["provider"] == "kavenegar" and message["template"] == "hamgam-otp"
    assert str(message["message_id"]) == result.message_id
    assert message["text"].endswith("482913")


async def test_send_free_text_from_the_line(kavenegar: KavenegarSms, sms: RunningSms) -> None:
    result = await kavenegar.send("۰۹۱۲۱۲۳۴۵۶۷", "سفارش شما ارسال شد")
    [message] = sms.control.outbox()
    assert (message["kind"], message["mobile"], message["text"]) == ("sms", MOBILE, "سفارش شما ارسال شد")
    assert message["message_id"] == int(result.message_id)


async def test_template_tokens_with_spaces_become_dashes(kavenegar: KavenegarSms, sms: RunningSms) -> None:
    sms.control.add_kavenegar_template("order-sent", "سفارش %token با کد رهگیری %token2 ارسال شد. %token10")
    await kavenegar.send_template(
        MOBILE, "order-sent", {"token": "1024", "token2": "AB 12", "token10": "با تشکر از خرید شما"}
    )
    [message] = sms.control.outbox()
    assert message["text"] == "سفارش 1024 با کد رهگیری AB-12 ارسال شد. با تشکر از خرید شما"


async def test_malformed_token_is_rejected_before_sending(kavenegar: KavenegarSms, sms: RunningSms) -> None:
    with pytest.raises(SmsRejected) as caught:
        await kavenegar.send_template(MOBILE, "hamgam-otp", {"token": "a_b"})
    assert caught.value.reason is SmsFailure.TOKEN
    assert sms.control.outbox() == []


async def test_invalid_mobile_is_rejected_before_sending(kavenegar: KavenegarSms, sms: RunningSms) -> None:
    with pytest.raises(SmsRejected) as caught:
        await kavenegar.send_otp("0212345678", "1234")
    assert caught.value.reason is SmsFailure.RECIPIENT
    assert sms.control.outbox() == []


async def test_invalid_api_key_is_auth_failure_and_key_is_not_leaked(sms: RunningSms) -> None:
    async with KavenegarSms(api_key="SECRET-KEY-123", otp_template="hamgam-otp", base_url=sms.base_url) as adapter:
        with pytest.raises(SmsRejected) as caught:
            await adapter.send_otp(MOBILE, "1234")
        assert "SECRET" not in repr(adapter)
    assert (caught.value.code, caught.value.reason, caught.value.http_status) == (403, SmsFailure.AUTH, 403)
    assert "SECRET" not in str(caught.value)


async def test_unknown_template(kavenegar: KavenegarSms) -> None:
    with pytest.raises(SmsRejected) as caught:
        await kavenegar.send_template(MOBILE, "no-such-template", {"token": "1"})
    assert (caught.value.code, caught.value.reason) == (424, SmsFailure.TEMPLATE)


async def test_insufficient_credit(kavenegar: KavenegarSms, sms: RunningSms) -> None:
    sms.control.set_credit("kavenegar", 0)
    with pytest.raises(SmsRejected) as caught:
        await kavenegar.send_otp(MOBILE, "1234")
    assert (caught.value.code, caught.value.reason) == (418, SmsFailure.CREDIT)


async def test_unknown_sender_line(sms: RunningSms) -> None:
    async with KavenegarSms(
        api_key=sms.api_key, otp_template="hamgam-otp", sender="3000999", base_url=sms.base_url
    ) as adapter:
        with pytest.raises(SmsRejected) as caught:
            await adapter.send(MOBILE, "سلام")
    assert (caught.value.code, caught.value.reason) == (412, SmsFailure.SENDER)


async def test_error_in_body_with_http_200_is_still_an_error(kavenegar: KavenegarSms, sms: RunningSms) -> None:
    sms.control.add_fault("error_code", "kavenegar.lookup", code=418, status=200, count=1)
    with pytest.raises(SmsRejected) as caught:
        await kavenegar.send_otp(MOBILE, "1234")
    assert (caught.value.code, caught.value.http_status, caught.value.reason) == (418, 200, SmsFailure.CREDIT)


async def test_server_busy_is_transient(kavenegar: KavenegarSms, sms: RunningSms) -> None:
    sms.control.add_fault("error_code", "kavenegar.send", code=409, count=1)
    with pytest.raises(SmsUnavailable) as caught:
        await kavenegar.send(MOBILE, "x")
    assert caught.value.code == 409
    assert (await kavenegar.send(MOBILE, "x")).message_id


async def test_bare_5xx_is_transient(kavenegar: KavenegarSms, sms: RunningSms) -> None:
    sms.control.add_fault("http_error", "kavenegar.lookup", status=502, count=1)
    with pytest.raises(SmsUnavailable) as caught:
        await kavenegar.send_otp(MOBILE, "1234")
    assert (caught.value.http_status, caught.value.reason) == (502, SmsFailure.PROVIDER)


async def test_timeout_is_transient(kavenegar: KavenegarSms, sms: RunningSms) -> None:
    sms.control.add_fault("timeout", "kavenegar.lookup", delay_s=30, count=1)
    with pytest.raises(SmsUnavailable):
        await kavenegar.send_otp(MOBILE, "1234")
