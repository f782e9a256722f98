"""Recording ``SmsSender`` for unit tests and dev mode: nothing leaves the process."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from hamgam.adapters.sms.common import recipient
from hamgam.domain.sms import SmsError, SmsResult, SmsStatus

PROVIDER = "memory"


@dataclass(frozen=True, slots=True)
class SentSms:
    message_id: str
    mobile: str
    #: ``text`` for free text; ``otp`` and ``template`` for template sends (``text`` is then a rendering).
    kind: str
    text: str
    template: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass
class InMemorySms:
    """Every accepted message is appended to ``outbox``; ``fail_next`` makes the next sends raise."""

    otp_template: str = "otp"
    outbox: list[SentSms] = field(default_factory=list)
    _errors: list[SmsError] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, error: SmsError, times: int = 1) -> None:
        self._errors.extend([error] * times)

    def last_otp(self, mobile: str) -> str | None:
        """The code most recently sent to ``mobile`` (any accepted spelling), or None."""
        target = recipient(PROVIDER, mobile)
        for message in reversed(self.outbox):
            if message.mobile == target and message.kind == "otp":
                return message.params["code"]
        return None

    def messages_to(self, mobile: str) -> list[SentSms]:
        target = recipient(PROVIDER, mobile)
        return [m for m in self.outbox if m.mobile == target]

    async def send(self, mobile: str, text: str) -> SmsResult:
        return self._record(mobile, "text", text, None, {})

    async def send_otp(self, mobile: str, code: str) -> SmsResult:
        return self._record(mobile, "otp", f"code: {code}", self.otp_template, {"code": code})

    async def send_template(self, mobile: str, template: str, params: Mapping[str, str]) -> SmsResult:
        rendered = " ".join(f"{k}={v}" for k, v in params.items())
        return self._record(mobile, "template", f"{template}: {rendered}", template, dict(params))

    def _record(self, mobile: str, kind: str, text: str, template: str | None, params: Mapping[str, str]) -> SmsResult:
        normalized = recipient(PROVIDER, mobile)
        if self._errors:
            raise self._errors.pop(0)
        message_id = str(next(self._ids))
        self.outbox.append(SentSms(message_id, normalized, kind, text, template, params))
        return SmsResult(message_id=message_id, status=SmsStatus.SENT)
