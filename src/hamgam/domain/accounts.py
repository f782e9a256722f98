"""Customer accounts: roles and the rules for passwords and one-time codes (no I/O)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from enum import StrEnum

from hamgam.domain.errors import InvalidInput
from hamgam.domain.persian import InvalidIdentifier, normalize_mobile, normalize_text

#: An address a mail server delivers to: one ``@``, no spaces, a dot in the domain.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")

#: Shortest password accepted.
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


class Role(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    ADMIN = "admin"


#: Which roles satisfy a required role (admin can do anything staff can).
ROLE_GRANTS: dict[Role, frozenset[Role]] = {
    Role.CUSTOMER: frozenset({Role.CUSTOMER, Role.STAFF, Role.ADMIN}),
    Role.STAFF: frozenset({Role.STAFF, Role.ADMIN}),
    Role.ADMIN: frozenset({Role.ADMIN}),
}


def has_role(actual: Role, required: Role) -> bool:
    return actual in ROLE_GRANTS[required]


class Factor(StrEnum):
    """What a person proved to start a session."""

    #: Knows the account's password.
    PASSWORD = "password"
    #: Received the one-time code sent to the account's mobile.
    OTP = "otp"


#: Staff and admin privileges need a session proved by both factors.
STAFF_FACTORS = frozenset({Factor.PASSWORD, Factor.OTP})


def session_role(role: Role, factors: frozenset[str]) -> Role:
    """The role a session acts with: a staff or admin account acts as a plain customer unless the session was
    proved by password and one-time code (a code alone, or a password alone, never opens the admin)."""
    if role is Role.CUSTOMER or STAFF_FACTORS <= factors:
        return role
    return Role.CUSTOMER


def needs_second_factor(role: Role) -> bool:
    """Whether a password login of this role must be completed with a one-time code."""
    return role is not Role.CUSTOMER


def check_password_rules(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"رمز عبور باید دست‌کم {MIN_PASSWORD_LENGTH} نویسه باشد — password must be "
            f"{MIN_PASSWORD_LENGTH}–{MAX_PASSWORD_LENGTH} characters",
            field="password",
        )


def new_otp(length: int) -> str:
    """A uniformly random numeric code (leading zeros allowed)."""
    return "".join(secrets.choice("0123456789") for _ in range(length))


def hash_secret(secret: str, pepper: bytes) -> str:
    """Keyed SHA-256 of a short or random secret (one-time code, refresh token): a database leak alone
    does not reveal or let anyone brute-force them offline."""
    return hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()


def parse_mobile(raw: str) -> str:
    """A mobile number as stored (``09…``), or the user's error naming the field."""
    try:
        return normalize_mobile(raw)
    except InvalidIdentifier:
        raise InvalidInput(
            "شماره موبایل معتبر نیست (مثال: ۰۹۱۲۱۲۳۴۵۶۷) — invalid mobile number", field="mobile"
        ) from None


def _without_controls(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) != "Cc")


def parse_full_name(raw: str) -> str | None:
    """A buyer's name as it reads: control characters and invisible marks dropped, spaces collapsed (the
    display normalisation of ``domain.persian``); empty is None."""
    return normalize_text(_without_controls(raw), for_search=False) or None


def parse_email(raw: str) -> str | None:
    """An email as typed, trimmed; empty is None. Anything that is not an address (or holds a control
    character) is ``InvalidInput``: it goes to the payment gateway and to Mahak as the buyer's email."""
    email = raw.strip()
    if not email:
        return None
    if _without_controls(email) != email or not _EMAIL.fullmatch(email):
        raise InvalidInput("ایمیل معتبر نیست (مثال: ali@example.ir) — invalid email", field="email")
    return email
