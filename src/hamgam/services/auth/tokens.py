"""Access tokens (JWT HS256, short-lived) and refresh tokens (random, stored hashed, rotated on every use).

A login starts a *family* (``sid``). Refreshing marks the presented token used and issues the next one in the
family; presenting a used token again means it was copied, so the whole family is revoked. Every request
checks, with one indexed query, that the customer is enabled, that the family is not revoked and what the
customer's role is now, so logout, revocation and role changes take effect at once rather than when the
access token expires.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

import jwt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hamgam.domain.accounts import Role, hash_secret
from hamgam.domain.errors import Unauthorized

ALGORITHM = "HS256"
_BAD_TOKEN = "توکن نامعتبر یا منقضی است؛ دوباره وارد شوید — invalid or expired token, log in again"


@dataclass(frozen=True, slots=True)
class Principal:
    customer_id: int
    role: Role
    session_id: uuid.UUID

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
        engine: AsyncEngine,
        *,
        secret: str,
        issuer: str,
        access_ttl_s: int,
        refresh_ttl_s: int,
        pepper: bytes,
    ) -> None:
        self._engine = engine
        self._secret = secret
        self._issuer = issuer
        self._access_ttl_s = access_ttl_s
        self._refresh_ttl_s = refresh_ttl_s
        self._pepper = pepper

    def _access(self, customer_id: int, family: uuid.UUID) -> str:
        now = dt.datetime.now(dt.UTC)
        claims = {
            "sub": str(customer_id),
            "sid": str(family),
            "iss": self._issuer,
            "iat": now,
            "exp": now + dt.timedelta(seconds=self._access_ttl_s),
            "typ": "access",
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    async def _new_refresh(self, conn, customer_id: int, family: uuid.UUID) -> str:
        token = secrets.token_urlsafe(32)
        await conn.execute(
            text("""INSERT INTO refresh_token (customer_id, family_id, token_hash, expires_at)
                    VALUES (:c, :f, :h, now() + make_interval(secs => :ttl))"""),
            {
                "c": customer_id,
                "f": family,
                "h": hash_secret(token, self._pepper),
                "ttl": self._refresh_ttl_s,
            },
        )
        return token

    async def issue(self, customer_id: int) -> TokenPair:
        """Start a new session (family) for a customer who just proved who they are."""
        family = uuid.uuid4()
        async with self._engine.begin() as conn:
            refresh = await self._new_refresh(conn, customer_id, family)
        return TokenPair(self._access(customer_id, family), refresh, self._access_ttl_s)

    def decode(self, token: str) -> tuple[int, uuid.UUID]:
        """Check signature, algorithm, issuer, expiry and shape; ``Unauthorized`` otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "sid", "iss"]},
            )
            if claims.get("typ") != "access":
                raise Unauthorized(_BAD_TOKEN)
            return int(claims["sub"]), uuid.UUID(claims["sid"])
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthorized(_BAD_TOKEN) from exc

    async def authenticate(self, token: str) -> Principal:
        """The caller behind an access token, with the role they have now."""
        customer_id, family = self.decode(token)
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    text("""SELECT c.role, c.disabled_at IS NOT NULL AS disabled,
                                   EXISTS (SELECT 1 FROM refresh_token t
                                           WHERE t.family_id = :f AND t.revoked_at IS NOT NULL) AS revoked
                            FROM customer c WHERE c.id = :c"""),
                    {"c": customer_id, "f": family},
                )
            ).first()
        if row is None or row.disabled or row.revoked:
            raise Unauthorized(_BAD_TOKEN)
        return Principal(customer_id, Role(row.role), family)

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate: the presented token is spent and a new pair returned. Reuse of a spent token revokes its
        family (and is refused); expired, revoked or unknown tokens are refused."""
        token_hash = hash_secret(refresh_token, self._pepper)
        reused = False
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    text("""SELECT t.customer_id, t.family_id, t.used_at, t.revoked_at, t.expires_at < now() AS expired,
                                   c.disabled_at IS NOT NULL AS disabled
                            FROM refresh_token t JOIN customer c ON c.id = t.customer_id
                            WHERE t.token_hash = :h FOR UPDATE OF t"""),
                    {"h": token_hash},
                )
            ).first()
            if row is None or row.revoked_at is not None or row.expired or row.disabled:
                raise Unauthorized(_BAD_TOKEN)
            if row.used_at is not None:
                await self._revoke_family(conn, row.family_id)
                reused = True
            else:
                await conn.execute(
                    text("UPDATE refresh_token SET used_at = now() WHERE token_hash = :h"), {"h": token_hash}
                )
                new_refresh = await self._new_refresh(conn, row.customer_id, row.family_id)
        if reused:
            raise Unauthorized(
                "این توکن قبلاً استفاده شده؛ همه نشست‌ها بسته شد — refresh token reused; session revoked"
            )
        return TokenPair(self._access(row.customer_id, row.family_id), new_refresh, self._access_ttl_s)

    async def revoke(self, refresh_token: str) -> None:
        """Logout: revoke the token's whole family (unknown tokens are ignored)."""
        async with self._engine.begin() as conn:
            family = await conn.scalar(
                text("SELECT family_id FROM refresh_token WHERE token_hash = :h"),
                {"h": hash_secret(refresh_token, self._pepper)},
            )
            if family is not None:
                await self._revoke_family(conn, family)

    async def revoke_customer(self, customer_id: int) -> None:
        """Log a customer out everywhere (disabled account, role change, password change)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE refresh_token SET revoked_at = now() WHERE customer_id = :c AND revoked_at IS NULL"
                ),
                {"c": customer_id},
            )

    @staticmethod
    async def _revoke_family(conn, family: uuid.UUID) -> None:
        await conn.execute(
            text("UPDATE refresh_token SET revoked_at = now() WHERE family_id = :f AND revoked_at IS NULL"),
            {"f": family},
        )
