"""The simulated SMS providers, free of HTTP: accounts, templates, credit and the outbox.

Each operation takes the request parameters and returns ``(http_status, json_body)`` shaped like the
provider's (iran.md sections 2.1 Kavenegar and 2.2 SMS.ir). Both providers share the API keys and the
outbox but keep their own credit, templates and lines.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from hamgam.domain.persian import InvalidIdentifier, normalize_mobile
from hamgam_sim.support.faults import FaultPlan

DEMO_API_KEY = "sim-api-key"
KAVENEGAR_OTP_TEMPLATE = "hamgam-otp"
SMSIR_OTP_TEMPLATE_ID = 100_000
KAVENEGAR_DEFAULT_SENDER = "10004346"
SMSIR_LINE = 30004505000017
#: Per message: Rial for Kavenegar, the plan's unit for SMS.ir.
KAVENEGAR_COST = 1200
SMSIR_COST = 1.0
MAX_TEXT_CHARS = 900
_PLAIN_TOKEN = re.compile(r"[^\s_,;\u200c]+")

Reply = tuple[int, dict[str, Any]]

KAVENEGAR_MESSAGES = {
    400: "پارامترها ناقص هستند",
    403: "کد شناسائی API-Key معتبر نمی‌باشد",
    406: "پارامترهای اجباری خالی ارسال شده اند",
    411: "دریافت کننده نامعتبر است",
    412: "ارسال کننده نامعتبر است",
    413: "پیام خالی است و یا طول پیام بیش از حد مجاز می‌باشد",
    418: "اعتبار حساب شما کافی نیست",
    424: "الگوی مورد نظر پیدا نشد",
    428: "ارسال کد از طریق تماس تلفنی امکان پذیر نیست",
    431: "ساختار کد صحیح نمی‌باشد",
    409: "سرور قادر به پاسخگوئی نیست بعدا تلاش کنید",
}
SMSIR_MESSAGES = {
    0: "خطای داخلی",
    10: "کلید وب سرویس نامعتبر است",
    20: "تعداد درخواست بیش از حد مجاز است",
    101: "شماره خط نامعتبر است",
    102: "اعتبار کافی نیست",
    103: "متن پیام خالی است",
    104: "شماره موبایل نامعتبر است",
    105: "تعداد موبایل بیش از حد مجاز",
    107: "لیست موبایل خالی است",
    113: "قالب یافت نشد",
    114: "طول مقدار پارامتر بیش از ۲۵ کاراکتر است",
    115: "شماره موبایل در لیست سیاه است",
    116: "نام پارامتر خالی است",
}
SMSIR_HTTP = {10: 401, 11: 401, 12: 401, 13: 401, 14: 401, 20: 429, 0: 500}


@dataclass
class OutboxMessage:
    message_id: int
    provider: str  # "kavenegar" | "smsir"
    #: "sms" (free text) or "otp" (a template / lookup send).
    kind: str
    mobile: str
    text: str
    sender: str | None = None
    template: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    cost: float = 0.0
    date: int = field(default_factory=lambda: int(time.time()))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def code(self) -> str | None:
        """The OTP this message carried: Kavenegar's ``token`` or SMS.ir's first parameter."""
        if self.kind != "otp" or not self.params:
            return None
        return self.params.get("token") or next(iter(self.params.values()))


def kavenegar_error(code: int) -> Reply:
    # Kavenegar's HTTP status mirrors its return code; clients must read the body anyway.
    return code, {"return": {"status": code, "message": KAVENEGAR_MESSAGES.get(code, "خطا")}, "entries": None}


def smsir_error(code: int, status: int | None = None) -> Reply:
    body = {"status": code, "message": SMSIR_MESSAGES.get(code, "خطا"), "data": None}
    return status or SMSIR_HTTP.get(code, 400), body


class SmsSim:
    """Thread-safe: the server thread serves while tests read the outbox."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults = FaultPlan()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.api_keys = {DEMO_API_KEY}
            self.credit = {"kavenegar": 10_000_000.0, "smsir": 10_000.0}
            self.kavenegar_templates = {KAVENEGAR_OTP_TEMPLATE: "کد ورود شما به همگام: %token"}
            self.smsir_templates = {SMSIR_OTP_TEMPLATE_ID: "کد تایید همگام: #Code#"}
            self.kavenegar_senders = {KAVENEGAR_DEFAULT_SENDER}
            self.smsir_lines = {SMSIR_LINE}
            self.blacklist: set[str] = set()
            self.outbox: list[OutboxMessage] = []
            self._ids = itertools.count(8_792_343)
        self.faults.release()

    def messages(self, mobile: str | None = None, provider: str | None = None) -> list[OutboxMessage]:
        target = normalize_mobile(mobile) if mobile else None
        with self.lock:
            return [
                m
                for m in self.outbox
                if (target is None or m.mobile == target) and (provider is None or m.provider == provider)
            ]

    def last_otp(self, mobile: str) -> str | None:
        for message in reversed(self.messages(mobile)):
            if message.code is not None:
                return message.code
        return None

    def _record(self, provider: str, kind: str, mobile: str, text: str, cost: float, **extra: Any) -> OutboxMessage:
        message = OutboxMessage(next(self._ids), provider, kind, mobile, text, cost=cost, **extra)
        self.credit[provider] -= cost
        self.outbox.append(message)
        return message

    # --- Kavenegar ---

    def kavenegar(self, api_key: str, scope: str, method: str, params: dict[str, str]) -> Reply:
        with self.lock:
            if api_key not in self.api_keys:
                return kavenegar_error(403)
            if (scope, method) == ("sms", "send"):
                return self._kavenegar_send(params)
            if (scope, method) == ("verify", "lookup"):
                return self._kavenegar_lookup(params)
            return kavenegar_error(404)

    def _kavenegar_send(self, params: dict[str, str]) -> Reply:
        receptors = [r for r in params.get("receptor", "").split(",") if r.strip()]
        message = params.get("message", "")
        if not receptors or not message:
            return kavenegar_error(406)
        if len(receptors) > 200:
            return kavenegar_error(414)
        if len(message) > MAX_TEXT_CHARS:
            return kavenegar_error(413)
        sender = params.get("sender") or KAVENEGAR_DEFAULT_SENDER
        if sender not in self.kavenegar_senders:
            return kavenegar_error(412)
        mobiles = [_mobile(r) for r in receptors]
        if None in mobiles:
            return kavenegar_error(411)
        if self.credit["kavenegar"] < KAVENEGAR_COST * len(mobiles):
            return kavenegar_error(418)
        sent = [self._record("kavenegar", "sms", m, message, KAVENEGAR_COST, sender=sender) for m in mobiles if m]
        return self._kavenegar_ok(sent)

    def _kavenegar_lookup(self, params: dict[str, str]) -> Reply:
        receptor, template = params.get("receptor", ""), params.get("template", "")
        token = params.get("token", "")
        if not receptor or not template or not token:
            return kavenegar_error(406)
        mobile = _mobile(receptor)
        if mobile is None:
            return kavenegar_error(411)
        text = self.kavenegar_templates.get(template)
        if text is None:
            return kavenegar_error(424)
        tokens = {k: params[k] for k in ("token", "token2", "token3", "token10", "token20") if params.get(k)}
        if any(not _PLAIN_TOKEN.fullmatch(tokens[k]) for k in ("token", "token2", "token3") if k in tokens):
            return kavenegar_error(431)
        if params.get("type") == "call" and not token.isdigit():
            return kavenegar_error(428)
        if self.credit["kavenegar"] < KAVENEGAR_COST:
            return kavenegar_error(418)
        for name in ("token20", "token10", "token3", "token2", "token"):  # longest first: %token is a prefix
            text = text.replace(f"%{name}", tokens.get(name, ""))
        sent = self._record(
            "kavenegar",
            "otp",
            mobile,
            text,
            KAVENEGAR_COST,
            sender=KAVENEGAR_DEFAULT_SENDER,
            template=template,
            params=tokens,
        )
        return self._kavenegar_ok([sent])

    @staticmethod
    def _kavenegar_ok(sent: list[OutboxMessage]) -> Reply:
        entries = [
            {
                "messageid": m.message_id,
                "message": m.text,
                "status": 5,
                "statustext": "ارسال به مخابرات",
                "sender": m.sender,
                "receptor": m.mobile,
                "date": m.date,
                "cost": int(m.cost),
            }
            for m in sent
        ]
        return 200, {"return": {"status": 200, "message": "تایید شد"}, "entries": entries}

    # --- SMS.ir ---

    def smsir_auth(self, api_key: str | None) -> Reply | None:
        with self.lock:
            return None if api_key in self.api_keys else smsir_error(10)

    def smsir_verify(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            mobile = _mobile(str(body.get("mobile", "")))
            if mobile is None:
                return smsir_error(104)
            if mobile in self.blacklist:
                return smsir_error(115)
            template_id = body.get("templateId")
            text = self.smsir_templates.get(template_id) if isinstance(template_id, int) else None
            if text is None:
                return smsir_error(113)
            parameters = body.get("parameters") or []
            values: dict[str, str] = {}
            for item in parameters if isinstance(parameters, list) else []:
                name, value = str(item.get("name") or ""), str(item.get("value") or "")
                if not name:
                    return smsir_error(116)
                if len(value) > 25:
                    return smsir_error(114)
                values[name] = value
                text = text.replace(f"#{name}#", value)
            if self.credit["smsir"] < SMSIR_COST:
                return smsir_error(102)
            sent = self._record("smsir", "otp", mobile, text, SMSIR_COST, template=str(template_id), params=values)
            return 200, {
                "status": 1,
                "message": "موفق",
                "data": {"messageId": sent.message_id, "cost": sent.cost},
            }

    def smsir_bulk(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            if body.get("lineNumber") not in self.smsir_lines:
                return smsir_error(101)
            text = body.get("messageText")
            if not isinstance(text, str) or not text:
                return smsir_error(103)
            raw_mobiles = body.get("mobiles")
            if not isinstance(raw_mobiles, list) or not raw_mobiles:
                return smsir_error(107)
            if len(raw_mobiles) > 100:
                return smsir_error(105)
            mobiles = [_mobile(str(m)) for m in raw_mobiles]
            if None in mobiles:
                return smsir_error(104)
            if any(m in self.blacklist for m in mobiles):
                return smsir_error(115)
            if self.credit["smsir"] < SMSIR_COST * len(mobiles):
                return smsir_error(102)
            sent = [
                self._record("smsir", "sms", m, text, SMSIR_COST, sender=str(body["lineNumber"])) for m in mobiles if m
            ]
            data = {
                "packId": str(uuid.uuid4()),
                "messageIds": [m.message_id for m in sent],
                "cost": SMSIR_COST * len(sent),
            }
            return 200, {"status": 1, "message": "موفق", "data": data}

    def smsir_credit(self) -> Reply:
        with self.lock:
            return 200, {"status": 1, "message": "موفق", "data": self.credit["smsir"]}


def _mobile(raw: str) -> str | None:
    try:
        return normalize_mobile(raw)
    except InvalidIdentifier:
        return None
