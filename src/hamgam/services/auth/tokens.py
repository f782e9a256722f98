"""Access tokens (JWT HS256, short-lived) and refresh tokens (random, stored hashed, rotated on every use).

A login starts a *family* (``sid``). Refreshing marks the presented token used and issues the next one in the
family; presenting a used token again means it was copied, so the whole family is revoked. Every request
checks, with one indexed query, that the customer is enabled, that the family is not revoked and what the
customer's role is now, so logout, revocation and role changes take effect at once rather than when the
access token expires.

Each family records the factors that proved it (password, one-time code): a staff or admin account acts with its
role only in a session proved by both, and as a customer otherwise. A staff password login first gets a
short-lived *challenge* (a signed token saying "this password was right"), which the one-time code completes.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt

from hamgam.domain.accounts import STAFF_FACTORS, Factor, Role, hash_secret, session_role
from hamgam.domain.errors import Unauthorized
from hamgam.ports.accounts import AccountsUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory

ALGORITHM = "HS256"
_BAD_TOKEN = "توکن نامعتبر یا منقضی است؛ دوباره وارد شوید — invalid or expired token, log in again"
_BAD_CHALLENGE = "مرحلهٔ ورود منقضی شده؛ دوباره وارد شوید — login step expired, log in again"


@dataclass(frozen=True, slots=True)
class Principal:
    customer_id: int
    #: The role this session acts with (see ``session_role``), not necessarily the account's.
    role: Role
    session_id: uuid.UUID
    #: The factors that proved the session.
    factors: frozenset[str] = field(default_factory=frozenset)

    @property
    def two_factor(self) -> bool:
        return STAFF_FACTORS <= self.factors

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.customer_id}"


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    #: Seconds the access token lives.
    expires_in: int
    token_type: str = "bearer"


class TokenService:
    def __init__(
        self,
        uow: UnitOfWorkFactory[AccountsUnitOfWork],
        *,
        secret: str,
        issuer: str,
        access_ttl_s: int,
        refresh_ttl_s: int,
        pepper: bytes,
        challenge_ttl_s: int = 300,
    ) -> None:
        self._uow = uow
        self._challenge_ttl_s = challenge_ttl_s
        self._secret = secret
        self._issuer = issuer
        self._access_ttl_s = access_ttl_s
        self._refresh_ttl_s = refresh_ttl_s
        self._pepper = pepper

    def _encode(self, customer_id: int, typ: str, ttl_s: int, **claims: str) -> str:
        now = dt.datetime.now(dt.UTC)
        body = {
            "sub": str(customer_id),
            "iss": self._issuer,
            "iat": now,
            "exp": now + dt.timedelta(seconds=ttl_s),
            "typ": typ,
            **claims,
        }
        return jwt.encode(body, self._secret, algorithm=ALGORITHM)

    def _access(self, customer_id: int, family: uuid.UUID) -> str:
        return self._encode(customer_id, "access", self._access_ttl_s, sid=str(family))

    async def _new_refresh(
        self, uow: AccountsUnitOfWork, customer_id: int, family: uuid.UUID, factors: list[str]
    ) -> str:
        token = secrets.token_urlsafe(32)
        await uow.sessions.add(customer_id, family, hash_secret(token, self._pepper), self._refresh_ttl_s, factors)
        return token

    async def issue(self, customer_id: int, *, factors: Iterable[str] = ()) -> TokenPair:
        """Start a new session (family) for a customer who just proved who they are with ``factors``
        (``Factor`` values). Staff and admin act with their role only when ``factors`` holds both."""
        proved = sorted(str(Factor(f)) for f in set(factors))
        family = uuid.uuid4()
        async with self._uow() as uow:
            refresh = await self._new_refresh(uow, customer_id, family, proved)
        return TokenPair(self._access(customer_id, family), refresh, self._access_ttl_s)

    def _claims(self, token: str, typ: str, required: list[str], error: str) -> dict[str, Any]:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={"require": required},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(error) from exc
        if claims.get("typ") != typ:
            raise Unauthorized(error)
        return claims

    def decode(self, token: str) -> tuple[int, uuid.UUID]:
        """Check signature, algorithm, issuer, expiry and shape; ``Unauthorized`` otherwise."""
        claims = self._claims(token, "access", ["exp", "iat", "sub", "sid", "iss"], _BAD_TOKEN)
        try:
            return int(claims["sub"]), uuid.UUID(claims["sid"])
        except (ValueError, TypeError) as exc:
            raise Unauthorized(_BAD_TOKEN) from exc

    def challenge(self, customer_id: int) -> tuple[str, int]:
        """A short-lived proof that ``customer_id`` just gave the right password, to be completed with a
        one-time code (``open_challenge``); returns the token and its lifetime in seconds."""
        return self._encode(customer_id, "challenge", self._challenge_ttl_s), self._challenge_ttl_s

    def open_challenge(self, token: str) -> int:
        """The customer a valid, unexpired challenge was issued to; ``Unauthorized`` otherwise."""
        claims = self._claims(token, "challenge", ["exp", "iat", "sub", "iss"], _BAD_CHALLENGE)
        try:
            return int(claims["sub"])
        except (ValueError, TypeError) as exc:
            raise Unauthorized(_BAD_CHALLENGE) from exc

    async def authenticate(self, token: str) -> Principal:
        """The caller behind an access token, with the role their session acts with now: the family must
        exist, belong to the customer and not be revoked, and the customer must be enabled."""
        customer_id, family = self.decode(token)
        async with self._uow() as uow:
            row = await uow.sessions.state(customer_id, family)
        if row is None or row.disabled or not row.known or row.revoked:
            raise Unauthorized(_BAD_TOKEN)
        factors = frozenset(row.factors or ())
        return Principal(customer_id, session_role(Role(row.role), factors), family, factors)

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate: the presented token is spent and a new pair returned. Reuse of a spent token revokes its
        family (and is refused); expired, revoked or unknown tokens are refused."""
        token_hash = hash_secret(refresh_token, self._pepper)
        reused = False
        async with self._uow() as uow:
            row = await uow.sessions.by_hash_for_update(token_hash)
            if row is None or row.revoked_at is not None or row.expired or row.disabled:
                raise Unauthorized(_BAD_TOKEN)
            if row.used_at is not None:
                await uow.sessions.revoke_family(row.family_id)
                reused = True
            else:
                await uow.sessions.mark_used(token_hash)
                new_refresh = await self._new_refresh(uow, row.customer_id, row.family_id, list(row.factors))
        if reused:
            raise Unauthorized("این توکن قبلاً استفاده شده؛ همه نشست‌ها بسته شد — refresh token reused; session revoked")
        return TokenPair(self._access(row.customer_id, row.family_id), new_refresh, self._access_ttl_s)

    async def revoke(self, refresh_token: str) -> None:
        """Logout: revoke the token's whole family (unknown tokens are ignored)."""
        async with self._uow() as uow:
            family = await uow.sessions.family_of(hash_secret(refresh_token, self._pepper))
            if family is not None:
                await uow.sessions.revoke_family(family)

    async def revoke_customer(self, customer_id: int) -> None:
        """Log a customer out everywhere (disabled account, role change)."""
        async with self._uow() as uow:
            await uow.sessions.revoke_customer(customer_id)
