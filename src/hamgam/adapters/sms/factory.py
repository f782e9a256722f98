"""Choose the SMS provider from the settings: Kavenegar, SMS.ir (live or the simulator) or the recording fake."""

from __future__ import annotations

from hamgam.adapters.sms.kavenegar import KavenegarSms
from hamgam.adapters.sms.memory import InMemorySms
from hamgam.adapters.sms.smsir import SmsIrSms
from hamgam.ports import SmsSender
from hamgam.settings import Settings, SmsProvider


def sms_base_url(settings: Settings) -> str:
    return settings.sms.base_url or f"http://127.0.0.1:{settings.sms.simulator_port}"


def build_sms(settings: Settings) -> SmsSender:
    s = settings.sms
    if s.provider is SmsProvider.MEMORY:
        return InMemorySms()
    if s.provider is SmsProvider.SMSIR:
        return SmsIrSms(
            api_key=s.api_key.get_secret_value(),
            otp_template_id=s.smsir_otp_template_id,
            otp_parameter=s.smsir_otp_parameter,
            line_number=s.sender,
            base_url=sms_base_url(settings),
            timeout_s=s.timeout_s,
            connect_timeout_s=s.connect_timeout_s,
        )
    return KavenegarSms(
        api_key=s.api_key.get_secret_value(),
        otp_template=s.kavenegar_otp_template,
        sender=s.sender,
        base_url=sms_base_url(settings),
        timeout_s=s.timeout_s,
        connect_timeout_s=s.connect_timeout_s,
    )
