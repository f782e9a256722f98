"""One SMS simulator per session on loopback, reset before each test; both adapters pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from hamgam.adapters.sms.kavenegar import KavenegarSms
from hamgam.adapters.sms.smsir import SmsIrSms
from hamgam_sim.sms.server import RunningSms, serve_in_thread
from hamgam_sim.sms.state import KAVENEGAR_OTP_TEMPLATE, SMSIR_LINE, SMSIR_OTP_TEMPLATE_ID

CLIENT_TIMEOUT_S = 0.5
MOBILE = "09121234567"


@pytest.fixture(scope="session")
def sms_server() -> Iterator[RunningSms]:
    with serve_in_thread() as running:
        yield running


@pytest.fixture
def sms(sms_server: RunningSms) -> RunningSms:
    sms_server.control.reset()
    return sms_server


@pytest.fixture
async def kavenegar(sms: RunningSms) -> AsyncIterator[KavenegarSms]:
    async with KavenegarSms(
        api_key=sms.api_key,
        otp_template=KAVENEGAR_OTP_TEMPLATE,
        base_url=sms.base_url,
        timeout_s=CLIENT_TIMEOUT_S,
    ) as adapter:
        yield adapter


@pytest.fixture
async def smsir(sms: RunningSms) -> AsyncIterator[SmsIrSms]:
    async with SmsIrSms(
        api_key=sms.api_key,
        otp_template_id=SMSIR_OTP_TEMPLATE_ID,
        line_number=str(SMSIR_LINE),
        base_url=sms.base_url,
        timeout_s=CLIENT_TIMEOUT_S,
    ) as adapter:
        yield adapter
