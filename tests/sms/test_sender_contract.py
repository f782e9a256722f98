"""One behaviour suite for every SmsSender: deliver an OTP and let the test read it back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from hamgam.adapters.sms.kavenegar import KavenegarSms
from hamgam.adapters.sms.memory import InMemorySms
from hamgam.adapters.sms.smsir import SmsIrSms
from hamgam.domain.sms import SmsFailure, SmsRejected, SmsUnavailable
from hamgam.ports import SmsSender
from hamgam_sim.sms.server import RunningSms
from hamgam_sim.sms.state import KAVENEGAR_OTP_TEMPLATE, SMSIR_LINE, SMSIR_OTP_TEMPLATE_ID


@dataclass
class Subject:
    sender: SmsSender
    last_otp: Callable[[str], str | None]


@pytest.fixture(params=["kavenegar", "smsir", "memory"])
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    if request.param == "memory":
        fake = InMemorySms()
        yield Subject(fake, fake.last_otp)
        return
    sms: RunningSms = request.getfixturevalue("sms")
    adapter: KavenegarSms | SmsIrSms
    if request.param == "kavenegar":
        adapter = KavenegarSms(api_key=sms.api_key, otp_template=KAVENEGAR_OTP_TEMPLATE, base_url=sms.base_url)
    else:
        adapter = SmsIrSms(
            api_key=sms.api_key,
            otp_template_id=SMSIR_OTP_TEMPLATE_ID,
            line_number=str(SMSIR_LINE),
            base_url=sms.base_url,
        )
    async with adapter:
        yield Subject(adapter, sms.control.last_otp)


async def test_otp_reaches_the_mobile_in_any_spelling(subject: Subject) -> None:
    await subject.sender.send_otp("۰۹۱۲ ۱۲۳ ۴۵۶۷", "111111")
    await subject.sender.send_otp("+989121234567", "222222")
    assert subject.last_otp("09121234567") == "222222"
    assert subject.last_otp("09350000000") is None


async def test_free_text_returns_a_message_id(subject: Subject) -> None:
    first = await subject.sender.send("09121234567", "سلام")
    second = await subject.sender.send("09121234567", "سلام")
    assert first.message_id and second.message_id and first.message_id != second.message_id


async def test_landline_is_rejected_as_recipient(subject: Subject) -> None:
    with pytest.raises(SmsRejected) as caught:
        await subject.sender.send_otp("02112345678", "1")
    assert caught.value.reason is SmsFailure.RECIPIENT


async def test_memory_fake_can_fail_on_demand() -> None:
    fake = InMemorySms()
    fake.fail_next(SmsUnavailable("busy", provider="memory", reason=SmsFailure.PROVIDER))
    with pytest.raises(SmsUnavailable):
        await fake.send_otp("09121234567", "1")
    await fake.send_otp("09121234567", "2")
    assert [m.params["code"] for m in fake.messages_to("09121234567")] == ["2"]
