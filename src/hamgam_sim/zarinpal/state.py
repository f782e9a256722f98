"""The simulated gateway's state machine (iran.md §1.7), free of HTTP: each operation takes the JSON body and
returns ``(http_status, json_body)`` exactly as Zarinpal would send it.

Per authority: ``CREATED → PAID | FAILED`` (the buyer at StartPay), ``PAID → VERIFIED`` (verify),
``VERIFIED → REVERSED`` (reverse, within the window).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from hamgam_sim.support.faults import FaultPlan

#: The merchant every fresh simulator accepts (also ``PaymentSettings.merchant_id``'s default).
DEMO_MERCHANT_ID = "00000000-0000-4000-8000-000000000000"
MIN_AMOUNT_RIAL = 1_000
#: 100,000,000 Toman (code -41 above it).
MAX_AMOUNT_RIAL = 1_000_000_000
MAX_DESCRIPTION_CHARS = 500
REVERSE_WINDOW_S = 30 * 60
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_TEHRAN = ZoneInfo("Asia/Tehran")

MESSAGES = {
    -9: "The input params invalid, validation error.",
    -10: "Terminal is not valid, please check merchant_id or ip address.",
    -11: "Terminal is not active, please contact our support team.",
    -12: "To many attempts, please try again later.",
    -14: "The callback URL domain does not match the terminal's registered domain.",
    -41: "The maximum amount is 100,000,000 toman.",
    -50: "Session is not valid, amounts values is not the same.",
    -51: "Session is not valid, session is not active paid try.",
    -52: "Oops!!, please contact our support team.",
    -53: "Session is not this merchant_id session.",
    -54: "Invalid authority.",
    -61: "Session is not in success status.",
    -63: "Maximum time for reverse this session is expired.",
}
#: HTTP statuses the simulator pairs with error codes (Zarinpal answers errors with 4xx).
HTTP_FOR_CODE = {-9: 422, -10: 401, -11: 403, -12: 429, -52: 500, -54: 404}


class PaymentState(StrEnum):
    CREATED = "CREATED"
    PAID = "PAID"
    FAILED = "FAILED"
    VERIFIED = "VERIFIED"
    REVERSED = "REVERSED"


@dataclass
class SimPayment:
    authority: str
    merchant_id: str
    amount: int
    currency: str
    callback_url: str
    description: str
    metadata: dict[str, Any]
    fee: int
    state: PaymentState = PaymentState.CREATED
    ref_id: int | None = None
    card_pan: str | None = None
    card_hash: str | None = None
    created_at: float = field(default_factory=time.time)
    paid_at: float | None = None
    verified_at: float | None = None
    verify_calls: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Merchant:
    active: bool = True
    #: Hosts ``callback_url`` may use; empty allows any (code -14 otherwise).
    callback_hosts: set[str] = field(default_factory=set)


Reply = tuple[int, dict[str, Any]]


def ok(data: dict[str, Any]) -> Reply:
    return 200, {"data": data, "errors": []}


def error(code: int, validations: list[dict[str, str]] | None = None, status: int | None = None) -> Reply:
    errors: dict[str, Any] = {
        "code": code,
        "message": MESSAGES.get(code, "Error"),
        "validations": validations or [],
    }
    return status or HTTP_FOR_CODE.get(code, 400), {"data": [], "errors": errors}


class ZarinpalSim:
    """All payments of one simulator. Thread-safe (the server thread and the test thread both use it).

    ``sandbox``: any well-formed UUID is an active merchant and authorities start with ``S`` (else ``A``).
    """

    def __init__(self, *, merchants: tuple[str, ...] = (DEMO_MERCHANT_ID,), sandbox: bool = False) -> None:
        self._initial_merchants = merchants
        self._initial_sandbox = sandbox
        self.lock = threading.RLock()
        self.faults = FaultPlan()
        self.reset()

    def reset(self) -> None:
        """Forget every payment, fault and merchant change; wake hanging requests."""
        with self.lock:
            self.sandbox = self._initial_sandbox
            self.merchants = {m: Merchant() for m in self._initial_merchants}
            self.payments: dict[str, SimPayment] = {}
            self.reverse_window_s: float = REVERSE_WINDOW_S
            self._ref_ids = itertools.count(201_839_475)
        self.faults.release()

    # --- merchants ---

    def set_merchant(self, merchant_id: str, *, active: bool = True, callback_hosts: list[str] | None = None) -> None:
        with self.lock:
            self.merchants[merchant_id] = Merchant(active, set(callback_hosts or []))

    def _merchant_error(self, merchant_id: object) -> Reply | None:
        if not isinstance(merchant_id, str) or not _UUID.fullmatch(merchant_id):
            return error(-9, [{"merchant_id": "The merchant id must be a 36 character UUID."}])
        merchant = self.merchants.get(merchant_id)
        if merchant is None and self.sandbox:
            merchant = self.merchants[merchant_id] = Merchant()
        if merchant is None:
            return error(-10)
        if not merchant.active:
            return error(-11)
        return None

    # --- the API ---

    def request(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            if (failure := self._merchant_error(body.get("merchant_id"))) is not None:
                return failure
            merchant_id = body["merchant_id"]
            validations = _request_validations(body)
            if validations:
                return error(-9, validations)
            currency = body.get("currency") or "IRR"
            amount = body["amount"]
            if amount * (10 if currency == "IRT" else 1) > MAX_AMOUNT_RIAL:
                return error(-41)
            hosts = self.merchants[merchant_id].callback_hosts
            if hosts and urlsplit(body["callback_url"]).hostname not in hosts:
                return error(-14)
            authority = ("S" if self.sandbox else "A") + "".join(secrets.choice(_ALPHABET) for _ in range(35))
            fee = amount // 100
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
            self.payments[authority] = SimPayment(
                authority,
                merchant_id,
                amount,
                currency,
                body["callback_url"],
                body["description"],
                metadata,
                fee,
            )
            return ok(
                {
                    "code": 100,
                    "message": "Success",
                    "authority": authority,
                    "fee_type": "Merchant",
                    "fee": fee,
                }
            )

    def complete(self, authority: str, *, paid: bool, card_pan: str = "502229******5995") -> str | None:
        """The buyer's choice at StartPay: the callback URL (``Status`` OK or NOK), None when unknown.

        Only a CREATED session changes; a finished one keeps its outcome, as a reloaded bank page would.
        """
        with self.lock:
            payment = self.payments.get(authority)
            if payment is None:
                return None
            if payment.state is PaymentState.CREATED:
                if paid:
                    payment.state = PaymentState.PAID
                    payment.paid_at = time.time()
                    payment.card_pan = card_pan
                    payment.card_hash = hashlib.sha256(f"{card_pan}:{authority}".encode()).hexdigest().upper()
                else:
                    payment.state = PaymentState.FAILED
            succeeded = payment.state in (PaymentState.PAID, PaymentState.VERIFIED)
            return callback_url(payment.callback_url, authority, "OK" if succeeded else "NOK")

    def verify(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            if (failure := self._merchant_error(body.get("merchant_id"))) is not None:
                return failure
            authority, amount = body.get("authority"), body.get("amount")
            validations = []
            if not isinstance(authority, str) or not authority:
                validations.append({"authority": "The authority field is required."})
            if not _is_int(amount):
                validations.append({"amount": "The amount must be an integer."})
            if validations:
                return error(-9, validations)
            payment = self.payments.get(authority)
            if payment is None:
                return error(-54)
            if payment.merchant_id != body["merchant_id"]:
                return error(-53)
            payment.verify_calls += 1
            if payment.state not in (PaymentState.PAID, PaymentState.VERIFIED):
                return error(-51)
            if amount != payment.amount:
                return error(-50)
            if payment.state is PaymentState.PAID:
                payment.state = PaymentState.VERIFIED
                payment.verified_at = time.time()
                payment.ref_id = next(self._ref_ids)
                code, message = 100, "Paid"
            else:
                code, message = 101, "Verified"
            return ok(
                {
                    "code": code,
                    "message": message,
                    "card_hash": payment.card_hash,
                    "card_pan": payment.card_pan,
                    "ref_id": payment.ref_id,
                    "fee_type": "Merchant",
                    "fee": payment.fee,
                    "shaparak_fee": 1200,
                    "order_id": payment.metadata.get("order_id"),
                    "wages": None,
                }
            )

    def unverified(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            if (failure := self._merchant_error(body.get("merchant_id"))) is not None:
                return failure
            items = [
                {
                    "authority": p.authority,
                    "amount": p.amount,
                    "callback_url": p.callback_url,
                    "referer": p.callback_url,
                    "date": datetime.fromtimestamp(p.paid_at or p.created_at, _TEHRAN).strftime("%Y-%m-%d %H:%M:%S"),
                }
                for p in self.payments.values()
                if p.merchant_id == body["merchant_id"] and p.state is PaymentState.PAID
            ]
            return ok({"code": 100, "message": "Success", "authorities": items})

    def inquiry(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            payment, failure = self._own_payment(body)
            if payment is None:
                return failure
            status = "IN_BANK" if payment.state is PaymentState.CREATED else payment.state.value
            return ok({"code": 100, "message": "Success", "status": status})

    def reverse(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            payment, failure = self._own_payment(body)
            if payment is None:
                return failure
            if payment.state is not PaymentState.VERIFIED:
                return error(-61)
            if time.time() - (payment.verified_at or 0) > self.reverse_window_s:
                return error(-63)
            payment.state = PaymentState.REVERSED
            return ok({"code": 100, "message": "Reversed"})

    def _own_payment(self, body: dict[str, Any]) -> tuple[SimPayment | None, Reply]:
        if (failure := self._merchant_error(body.get("merchant_id"))) is not None:
            return None, failure
        authority = body.get("authority")
        if not isinstance(authority, str) or not authority:
            return None, error(-9, [{"authority": "The authority field is required."}])
        payment = self.payments.get(authority)
        if payment is None:
            return None, error(-54)
        if payment.merchant_id != body["merchant_id"]:
            return None, error(-53)
        return payment, (200, {})

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return [p.to_dict() for p in self.payments.values()]

    def payment(self, authority: str) -> SimPayment | None:
        with self.lock:
            return self.payments.get(authority)


def callback_url(base: str, authority: str, status: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{urlencode({'Authority': authority, 'Status': status})}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _request_validations(body: dict[str, Any]) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []
    amount = body.get("amount")
    if not _is_int(amount):
        problems.append({"amount": "The amount field is required and must be an integer."})
    elif amount < MIN_AMOUNT_RIAL * (1 if (body.get("currency") or "IRR") == "IRR" else 0.1):
        problems.append({"amount": f"The amount must be at least {MIN_AMOUNT_RIAL}."})
    if body.get("currency") not in (None, "IRR", "IRT"):
        problems.append({"currency": "The currency must be IRR or IRT."})
    callback = body.get("callback_url")
    if not isinstance(callback, str) or urlsplit(callback).scheme not in ("http", "https"):
        problems.append({"callback_url": "The callback url must be an absolute http(s) URL."})
    description = body.get("description")
    if not isinstance(description, str) or not description.strip():
        problems.append({"description": "The description field is required."})
    elif len(description) > MAX_DESCRIPTION_CHARS:
        problems.append({"description": f"The description may not be greater than {MAX_DESCRIPTION_CHARS}."})
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        problems.append({"metadata": "The metadata must be an object."})
    return problems
