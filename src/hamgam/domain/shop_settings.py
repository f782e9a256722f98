"""The shop's settings staff edit in the admin panel: each one's key, type, validation, default, whether it is a
secret, and the environment setting it falls back to.

A setting's value is the one saved in the panel when there is one, else its environment setting's (for the
settings that had one before the panel existed), else its default. Values are kept as text (``site_setting``);
``clean`` turns what staff typed into that text or raises ``InvalidInput`` naming the field, and ``parse`` turns
the text into the typed value. Secrets are write-only: they are never shown, only whether one is set.
"""

from __future__ import annotations

import re
import string
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from hamgam.domain.errors import InvalidInput
from hamgam.domain.persian import to_latin_digits

Value = str | int | float | list[int]


class Kind(StrEnum):
    TEXT = "text"
    #: Several lines of text.
    LONG_TEXT = "long_text"
    PHONE = "phone"
    EMAIL = "email"
    #: A social account: a handle (``@name``, a number for WhatsApp) or an https address.
    SOCIAL = "social"
    INT = "int"
    SECONDS = "seconds"
    INT_LIST = "int_list"
    CHOICE = "choice"
    #: An SMS text with ``{name}`` placeholders from ``placeholders``.
    TEMPLATE = "template"
    UUID = "uuid"
    #: Digits only, kept as text (a national id keeps its leading zeros).
    DIGITS = "digits"
    #: An image in the object store (set by an upload, not typed).
    IMAGE = "image"


class Source(StrEnum):
    """Where a setting's current value comes from."""

    DEFAULT = "default"
    ENV = "env"
    ADMIN = "admin"


class Section(StrEnum):
    IDENTITY = "identity"
    SOCIAL = "social"
    PAYMENTS = "payments"
    SMS = "sms"
    SYNC = "sync"


@dataclass(frozen=True, slots=True)
class SettingSpec:
    key: str
    section: Section
    kind: Kind
    #: The default as stored text ("" for none).
    default: str = ""
    #: The environment setting it falls back to (a dotted path in the settings tree, ``shop.seller_name`` is
    #: ``HAMGAM_SHOP__SELLER_NAME``); None: no environment setting, the default applies.
    env: str | None = None
    required: bool = False
    max_len: int = 200
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()
    #: Write-only: never shown, only whether it is set.
    secret: bool = False

    @property
    def env_var(self) -> str | None:
        return None if self.env is None else "HAMGAM_" + self.env.upper().replace(".", "__")


#: The default SMS texts; they read as the texts the shop sent before they were editable.
PAID_TEXT = "سفارش {order}{items} پرداخت شد. مبلغ: {total}. سپاس از خرید شما."
SHIPPED_TEXT = "سفارش {order}{items} ارسال شد.{tracking}"
RESTOCK_TEXT = "{product} دوباره موجود شد: {link}"

SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("shop.seller_name", Section.IDENTITY, Kind.TEXT, "فروشگاه همگام", "shop.seller_name", True, 80),
    SettingSpec("shop.logo", Section.IDENTITY, Kind.IMAGE, max_len=300),
    SettingSpec("shop.seller_phone", Section.IDENTITY, Kind.PHONE, env="shop.seller_phone", max_len=20),
    SettingSpec("shop.email", Section.IDENTITY, Kind.EMAIL, max_len=120),
    SettingSpec("shop.seller_address", Section.IDENTITY, Kind.LONG_TEXT, env="shop.seller_address", max_len=300),
    SettingSpec("shop.seller_national_id", Section.IDENTITY, Kind.DIGITS, env="shop.seller_national_id", max_len=12),
    SettingSpec("social.instagram", Section.SOCIAL, Kind.SOCIAL),
    SettingSpec("social.telegram", Section.SOCIAL, Kind.SOCIAL),
    SettingSpec("social.whatsapp", Section.SOCIAL, Kind.SOCIAL),
    SettingSpec("social.eitaa", Section.SOCIAL, Kind.SOCIAL),
    SettingSpec("social.bale", Section.SOCIAL, Kind.SOCIAL),
    SettingSpec("payments.merchant_id", Section.PAYMENTS, Kind.UUID, env="payments.merchant_id", secret=True),
    SettingSpec("sms.provider", Section.SMS, Kind.CHOICE, "kavenegar", "sms.provider", True,
                choices=("kavenegar", "smsir", "memory")),
    SettingSpec("sms.api_key", Section.SMS, Kind.TEXT, env="sms.api_key", max_len=200, secret=True),
    SettingSpec("sms.sender", Section.SMS, Kind.PHONE, env="sms.sender", max_len=20),
    SettingSpec("sms.kavenegar_otp_template", Section.SMS, Kind.TEXT, "hamgam-otp", "sms.kavenegar_otp_template",
                True, 60),
    SettingSpec("sms.smsir_otp_template_id", Section.SMS, Kind.INT, "100000", "sms.smsir_otp_template_id", True,
                low=1, high=10**9),
    SettingSpec("sms.template_paid", Section.SMS, Kind.TEMPLATE, PAID_TEXT, required=True, max_len=300,
                placeholders=("order", "items", "total")),
    SettingSpec("sms.template_shipped", Section.SMS, Kind.TEMPLATE, SHIPPED_TEXT, required=True, max_len=300,
                placeholders=("order", "items", "tracking")),
    SettingSpec("sms.template_restock", Section.SMS, Kind.TEMPLATE, RESTOCK_TEXT, required=True, max_len=300,
                placeholders=("product", "link")),
    SettingSpec("sync.price_level", Section.SYNC, Kind.INT, "0", "sync.price_level", True, low=0, high=10),
    SettingSpec("sync.stock_source", Section.SYNC, Kind.CHOICE, "visitor_product", "sync.stock_source", True,
                choices=("visitor_product", "stores")),
    SettingSpec("sync.stock_store_ids", Section.SYNC, Kind.INT_LIST, "", "sync.stock_store_ids", low=1,
                high=2**31 - 1),
    SettingSpec("sync.money_unit", Section.SYNC, Kind.CHOICE, "rial", "sync.money_unit", True,
                choices=("rial", "toman")),
    SettingSpec("sync.interval_s", Section.SYNC, Kind.SECONDS, "180", "sync.interval_s", True, low=10,
                high=86_400),
)  # fmt: skip

BY_KEY: dict[str, SettingSpec] = {s.key: s for s in SPECS}
#: How a social handle becomes an address.
SOCIAL_URLS = {
    "social.instagram": "https://instagram.com/{}",
    "social.telegram": "https://t.me/{}",
    "social.whatsapp": "https://wa.me/{}",
    "social.eitaa": "https://eitaa.com/{}",
    "social.bale": "https://ble.ir/{}",
}

_HANDLE = re.compile(r"[A-Za-z0-9_.]{1,64}")
_PHONE = re.compile(r"\+?[0-9]{3,15}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_URL = re.compile(r"https://[A-Za-z0-9.-]+(/[^\s<>\"']*)?")

_ERRORS = {
    "required": "این مقدار را وارد کنید — a value is required",
    "too_long": "بیش از اندازه بلند است — too long",
    "number": "یک عدد درست وارد کنید — a whole number is required",
    "range": "عدد خارج از بازه مجاز است — the number is out of range",
    "phone": "شماره تلفن فقط رقم است — a phone number is digits only",
    "email": "نشانی ایمیل درست نیست — not a valid e-mail address",
    "social": "نام کاربری یا نشانی https درست وارد کنید — a handle or an https address is required",
    "choice": "یکی از گزینه‌ها را انتخاب کنید — choose one of the options",
    "list": "شناسه‌ها را با ویرگول جدا کنید — numbers separated by commas",
    "placeholder": "جای‌نگهدار ناشناخته در متن پیامک — an unknown placeholder in the text",
    "uuid": "کد درگاه ۳۶ نویسه است — the merchant id is a 36-character code",
    "stores": "برای موجودی از انبارها، شناسه انبارها را وارد کنید — stores-based stock needs store ids",
}


def _fail(spec: SettingSpec, reason: str) -> InvalidInput:
    return InvalidInput(_ERRORS[reason], field=spec.key)


def _int(spec: SettingSpec, text: str) -> int:
    text = to_latin_digits(text).replace(",", "").replace("٬", "").strip()
    if not re.fullmatch(r"-?[0-9]{1,18}", text):
        raise _fail(spec, "number")
    number = int(text)
    if (spec.low is not None and number < spec.low) or (spec.high is not None and number > spec.high):
        raise _fail(spec, "range")
    return number


def clean(spec: SettingSpec, typed: str | None) -> str:
    """What staff typed for ``spec``, as the text to store (``""``: unset, the fallback applies); raises
    ``InvalidInput`` naming ``spec.key`` when unusable."""
    text = (typed or "").replace("\r\n", "\n").strip()
    if not text:
        if spec.required and spec.env is None and not spec.default:
            raise _fail(spec, "required")
        return ""
    if len(text) > spec.max_len and spec.kind not in (Kind.INT, Kind.SECONDS, Kind.INT_LIST):
        raise _fail(spec, "too_long")
    kind = spec.kind
    if kind in (Kind.TEXT, Kind.IMAGE) and spec.secret:
        return text
    if kind in (Kind.TEXT, Kind.IMAGE):
        return " ".join(text.split())
    if kind is Kind.LONG_TEXT:
        return text
    if kind is Kind.PHONE:
        phone = re.sub(r"[\s\-()]", "", to_latin_digits(text))
        if not _PHONE.fullmatch(phone):
            raise _fail(spec, "phone")
        return phone
    if kind is Kind.EMAIL:
        if not _EMAIL.fullmatch(text):
            raise _fail(spec, "email")
        return text
    if kind is Kind.SOCIAL:
        return _clean_social(spec, text)
    if kind in (Kind.INT, Kind.SECONDS):
        return str(_int(spec, text))
    if kind is Kind.DIGITS:
        digits = to_latin_digits(text)
        if not digits.isascii() or not digits.isdigit():
            raise _fail(spec, "number")
        return digits
    if kind is Kind.INT_LIST:
        parts = [p for p in re.split(r"[,،\s]+", to_latin_digits(text)) if p]
        try:
            numbers = [_int(spec, p) for p in parts]
        except InvalidInput:
            raise _fail(spec, "list") from None
        return ",".join(str(n) for n in dict.fromkeys(numbers))
    if kind is Kind.CHOICE:
        if text not in spec.choices:
            raise _fail(spec, "choice")
        return text
    if kind is Kind.TEMPLATE:
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError:
            raise _fail(spec, "placeholder") from None
        if not names <= set(spec.placeholders):
            raise _fail(spec, "placeholder")
        return text
    # a merchant id: Zarinpal's 36-character terminal UUID
    if len(text) != 36:
        raise _fail(spec, "uuid")
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise _fail(spec, "uuid") from None


def _clean_social(spec: SettingSpec, text: str) -> str:
    if text.startswith("https://"):
        if not _URL.fullmatch(text):
            raise _fail(spec, "social")
        return text
    handle = to_latin_digits(text).lstrip("@")
    if spec.key == "social.whatsapp":
        handle = re.sub(r"[\s\-+()]", "", handle)
        if handle.startswith("0"):
            handle = "98" + handle[1:]
    if not _HANDLE.fullmatch(handle):
        raise _fail(spec, "social")
    return handle


def parse(spec: SettingSpec, text: str) -> Value:
    """A stored (or environment, or default) text as the setting's typed value."""
    if spec.kind is Kind.INT:
        return int(text) if text else 0
    if spec.kind is Kind.SECONDS:
        return float(text) if text else 0.0
    if spec.kind is Kind.INT_LIST:
        return [int(p) for p in text.split(",") if p]
    return text


def check_together(values: Mapping[str, str]) -> None:
    """Rules over several settings, on the values they will have: stores-based stock names its stores."""
    if values.get("sync.stock_source") == "stores" and not values.get("sync.stock_store_ids"):
        raise _fail(BY_KEY["sync.stock_store_ids"], "stores")


@dataclass(frozen=True, slots=True)
class Resolved:
    """A setting's current value (as text) and where it comes from."""

    spec: SettingSpec
    text: str
    source: Source

    @property
    def value(self) -> Value:
        return parse(self.spec, self.text)


def resolve(
    saved: Mapping[str, str], fallback: Mapping[str, str] | None = None, from_env: Collection[str] = ()
) -> dict[str, Resolved]:
    """Every setting's current value: ``saved`` in the panel when set; else ``fallback`` (the environment
    settings tree's value, by key, for the settings that have one: the environment's when the key is in
    ``from_env``, else that tree's own default); else the spec's default."""
    fallback = fallback or {}
    out: dict[str, Resolved] = {}
    for spec in SPECS:
        if saved.get(spec.key):
            out[spec.key] = Resolved(spec, saved[spec.key], Source.ADMIN)
        elif spec.key in fallback:
            source = Source.ENV if spec.key in from_env else Source.DEFAULT
            out[spec.key] = Resolved(spec, fallback[spec.key], source)
        else:
            out[spec.key] = Resolved(spec, spec.default, Source.DEFAULT)
    return out


def shown(resolved: Resolved) -> str:
    """The value as the panel may show it: a secret never shows (only whether it is set)."""
    if resolved.spec.secret:
        return "set" if resolved.text else "unset"
    return resolved.text


def audit_value(spec: SettingSpec, text: str) -> str:
    """A value as the audit log keeps it: a secret is masked."""
    return ("**********" if text else "") if spec.secret else text


def social_url(key: str, text: str) -> str:
    """A social setting's address: its own https address, or the network's address of its handle."""
    return text if text.startswith("https://") else SOCIAL_URLS[key].format(text)


def fill(template: str, values: Mapping[str, str]) -> str:
    """An SMS template with its placeholders filled (an unknown one stays empty)."""

    class _Blank(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return ""

    try:
        return template.format_map(_Blank(values))
    except (ValueError, IndexError, AttributeError):
        return template
