"""Sessions in PostgreSQL: refresh tokens, stored as keyed hashes, grouped in families
(``hamgam.ports.accounts.SessionRepository``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.ports.accounts import SessionState, StoredRefreshToken


class SqlSessionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(
        self, customer_id: int, family: uuid.UUID, token_hash: str, ttl_s: int, factors: Sequence[str]
    ) -> None:
        await self._conn.execute(
            text("""INSERT INTO refresh_token (customer_id, family_id, token_hash, expires_at, factors)
                    VALUES (:c, :f, :h, now() + make_interval(secs => :ttl), :factors)"""),
            {"c": customer_id, "f": family, "h": token_hash, "ttl": ttl_s, "factors": list(factors)},
        )

    async def state(self, customer_id: int, family: uuid.UUID) -> SessionState | None:
        # One indexed query per request: the customer now, and whether the family is known and live.
        row = (
            await self._conn.execute(
                text("""SELECT c.role, c.disabled_at IS NOT NULL AS disabled, s.known, s.revoked, s.factors
                        FROM customer c,
                             LATERAL (SELECT count(*) > 0 AS known, bool_or(t.revoked_at IS NOT NULL) AS revoked,
                                             min(t.factors) AS factors
                                      FROM refresh_token t WHERE t.family_id = :f AND t.customer_id = c.id) s
                        WHERE c.id = :c"""),
                {"c": customer_id, "f": family},
            )
        ).first()
        if row is None:
            return None
        return SessionState(row.role, row.disabled, row.known, bool(row.revoked), row.factors)

    async def by_hash_for_update(self, token_hash: str) -> StoredRefreshToken | None:
        row = (
            await self._conn.execute(
                text("""SELECT t.customer_id, t.family_id, t.used_at, t.revoked_at, t.expires_at < now() AS expired,
                               t.factors,
                               c.disabled_at IS NOT NULL AS disabled
                        FROM refresh_token t JOIN customer c ON c.id = t.customer_id
                        WHERE t.token_hash = :h FOR UPDATE OF t"""),
                {"h": token_hash},
            )
        ).first()
        if row is None:
            return None
        return StoredRefreshToken(
            row.customer_id, row.family_id, row.used_at, row.revoked_at, row.expired, list(row.factors), row.disabled
        )

    async def mark_used(self, token_hash: str) -> None:
        await self._conn.execute(
            text("UPDATE refresh_token SET used_at = now() WHERE token_hash = :h"), {"h": token_hash}
        )

    async def family_of(self, token_hash: str) -> uuid.UUID | None:
        return await self._conn.scalar(
            text("SELECT family_id FROM refresh_token WHERE token_hash = :h"), {"h": token_hash}
        )

    async def revoke_family(self, family: uuid.UUID) -> None:
        await self._conn.execute(
            text("UPDATE refresh_token SET revoked_at = now() WHERE family_id = :f AND revoked_at IS NULL"),
            {"f": family},
        )

    async def revoke_customer(self, customer_id: int, *, keep: uuid.UUID | None = None) -> None:
        await self._conn.execute(
            text("""UPDATE refresh_token SET revoked_at = now()
                    WHERE customer_id = :c AND revoked_at IS NULL AND family_id IS DISTINCT FROM :keep"""),
            {"c": customer_id, "keep": keep},
        )
