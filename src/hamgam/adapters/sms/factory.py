"""Choose the SMS provider from the settings: Kavenegar, SMS.ir (live or the simulator) or the recording fake."""

from __future__ import annotations

from hamgam.adapters.following import Following
from hamgam.adapters.sms.kavenegar import KavenegarSms
from hamgam.adapters.sms.memory import InMemorySms
from hamgam.adapters.sms.smsir import SmsIrSms
from hamgam.ports import SmsSender
from hamgam.settings import Settings, SmsProvider


def sms_base_url(settings: Settings) -> str:
    return settings.sms.base_url or f"http://127.0.0.1:{settings.sms.simulator_port}"


def build_sms(settings: Settings) -> SmsSender:
    """The SMS sender of the settings, rebuilt at the next call when they change (``Following``)."""
    return Following(lambda: build_sms_now(settings), lambda: _fingerprint(settings))


def _fingerprint(settings: Settings) -> tuple[object, ...]:
    s = settings.sms
    if s.provider is SmsProvider.MEMORY:
        return (s.provider,)  # the recording fake keeps its messages
    return (s.provider, s.base_url, s.api_key.get_secret_value(), s.sender, s.kavenegar_otp_template,
            s.smsir_otp_template_id, s.smsir_otp_parameter, s.simulator_port)  # fmt: skip


def build_sms_now(settings: Settings) -> SmsSender:
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
