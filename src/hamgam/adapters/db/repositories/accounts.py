"""Customers, their addresses and one-time codes in PostgreSQL (``hamgam.ports.accounts``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hamgam.ports.accounts import LiveCode, Row

_CUSTOMER = "id, mobile, full_name, email, national_code, role, created_at, password_hash IS NOT NULL AS has_password"
_ADDRESS = "id, title, recipient_name, mobile, province, city, line, postal_code"
#: Profile columns ``update`` may set (they are spliced into the statement).
_PROFILE_COLUMNS = frozenset({"full_name", "email", "national_code"})


class SqlCustomerRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def _row(self, sql: str, params: dict[str, Any]) -> Row | None:
        row = (await self._conn.execute(text(sql), params)).mappings().first()
        return None if row is None else dict(row)

    async def get(self, customer_id: int) -> Row | None:
        return await self._row(f"SELECT {_CUSTOMER} FROM customer WHERE id = :id", {"id": customer_id})

    async def by_mobile(self, mobile: str) -> Row | None:
        return await self._row(f"SELECT {_CUSTOMER}, disabled_at FROM customer WHERE mobile = :m", {"m": mobile})

    async def credentials(self, mobile: str) -> Row | None:
        return await self._row(
            f"SELECT {_CUSTOMER}, password_hash, disabled_at FROM customer WHERE mobile = :m", {"m": mobile}
        )

    async def id_by_mobile(self, mobile: str) -> int | None:
        return await self._conn.scalar(text("SELECT id FROM customer WHERE mobile = :m"), {"m": mobile})

    async def disabled_at(self, customer_id: int) -> dt.datetime | None:
        return await self._conn.scalar(text("SELECT disabled_at FROM customer WHERE id = :i"), {"i": customer_id})

    async def active_mobile(self, customer_id: int) -> str | None:
        return await self._conn.scalar(
            text("SELECT mobile FROM customer WHERE id = :id AND disabled_at IS NULL"), {"id": customer_id}
        )

    async def add_with_password(self, mobile: str, full_name: str | None, password_hash: str) -> Row | None:
        return await self._row(
            f"""INSERT INTO customer (mobile, full_name, password_hash) VALUES (:m, :n, :h)
                ON CONFLICT (mobile) DO NOTHING RETURNING {_CUSTOMER}""",
            {"m": mobile, "n": full_name, "h": password_hash},
        )

    async def add_if_missing(self, mobile: str) -> None:
        await self._conn.execute(
            text("INSERT INTO customer (mobile) VALUES (:m) ON CONFLICT (mobile) DO NOTHING"), {"m": mobile}
        )

    async def save_staff(self, mobile: str, password_hash: str, role: str) -> None:
        await self._conn.execute(
            text("""INSERT INTO customer (mobile, password_hash, role) VALUES (:m, :h, :r)
                    ON CONFLICT (mobile) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role,
                        disabled_at = NULL, updated_at = now()"""),
            {"m": mobile, "h": password_hash, "r": role},
        )

    async def role_for_update(self, customer_id: int) -> str | None:
        return await self._conn.scalar(text("SELECT role FROM customer WHERE id = :id FOR UPDATE"), {"id": customer_id})

    async def lock(self, customer_id: int) -> bool:
        return bool(
            await self._conn.scalar(text("SELECT true FROM customer WHERE id = :id FOR UPDATE"), {"id": customer_id})
        )

    async def lock_active_admins(self) -> set[int]:
        rows = await self._conn.execute(
            text("SELECT id FROM customer WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE")
        )
        return set(rows.scalars())

    async def set_password(self, customer_id: int, password_hash: str) -> None:
        await self._conn.execute(
            text("UPDATE customer SET password_hash = :h, updated_at = now() WHERE id = :id"),
            {"h": password_hash, "id": customer_id},
        )

    async def update(self, customer_id: int, values: Mapping[str, Any]) -> None:
        unknown = set(values) - _PROFILE_COLUMNS
        if unknown:
            raise ValueError(f"not profile columns: {sorted(unknown)}")
        if not values:
            return
        sets = ", ".join(f"{k} = :{k}" for k in values)
        await self._conn.execute(
            text(f"UPDATE customer SET {sets}, updated_at = now() WHERE id = :id"), dict(values) | {"id": customer_id}
        )

    async def set_role(self, customer_id: int, role: str) -> None:
        await self._conn.execute(
            text("UPDATE customer SET role = :r, updated_at = now() WHERE id = :id"), {"r": role, "id": customer_id}
        )

    async def set_disabled(self, customer_id: int, disabled: bool) -> None:
        await self._conn.execute(
            text("""UPDATE customer SET disabled_at = CASE WHEN :d THEN now() END, updated_at = now()
                    WHERE id = :id"""),
            {"d": disabled, "id": customer_id},
        )

    async def search(self, q: str | None, *, offset: int, limit: int) -> tuple[list[Row], int]:
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        where = "true"
        if q:
            where = "(mobile LIKE :q OR full_name ILIKE :q)"
            params["q"] = "%" + q.replace("%", "").replace("_", "") + "%"
        rows = (
            (
                await self._conn.execute(
                    text(f"""SELECT {_CUSTOMER}, disabled_at, count(*) OVER () AS total FROM customer WHERE {where}
                             ORDER BY id DESC OFFSET :offset LIMIT :limit"""),
                    params,
                )
            )
            .mappings()
            .all()
        )
        total = int(rows[0]["total"]) if rows else 0
        return [{k: v for k, v in r.items() if k != "total"} for r in rows], total


class SqlAddressRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def list(self, customer_id: int) -> list[Row]:
        rows = await self._conn.execute(
            text(f"""SELECT {_ADDRESS} FROM customer_address
                     WHERE customer_id = :c AND deleted_at IS NULL ORDER BY id"""),
            {"c": customer_id},
        )
        return [dict(r) for r in rows.mappings()]

    async def add(self, customer_id: int, address: Mapping[str, Any]) -> Row:
        row = (
            (
                await self._conn.execute(
                    text(f"""INSERT INTO customer_address (customer_id, title, recipient_name, mobile, province, city,
                                line, postal_code)
                            VALUES (:c, :title, :recipient_name, :mobile, :province, :city, :line, :postal_code)
                            RETURNING {_ADDRESS}"""),
                    dict(address) | {"c": customer_id},
                )
            )
            .mappings()
            .one()
        )
        return dict(row)

    async def update(self, customer_id: int, address_id: int, address: Mapping[str, Any]) -> Row | None:
        row = (
            (
                await self._conn.execute(
                    text(f"""UPDATE customer_address SET title = :title, recipient_name = :recipient_name,
                                mobile = :mobile, province = :province, city = :city, line = :line,
                                postal_code = :postal_code
                            WHERE id = :id AND customer_id = :c AND deleted_at IS NULL
                            RETURNING {_ADDRESS}"""),
                    dict(address) | {"c": customer_id, "id": address_id},
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else dict(row)

    async def delete(self, customer_id: int, address_id: int) -> bool:
        done = await self._conn.scalar(
            text("""UPDATE customer_address SET deleted_at = now()
                    WHERE id = :id AND customer_id = :c AND deleted_at IS NULL RETURNING id"""),
            {"id": address_id, "c": customer_id},
        )
        return done is not None


class SqlOneTimeCodeRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def retire(self, mobile: str) -> None:
        await self._conn.execute(
            text("UPDATE otp_code SET consumed_at = now() WHERE mobile = :m AND consumed_at IS NULL"), {"m": mobile}
        )

    async def add(self, mobile: str, code_hash: str, ttl_s: int) -> None:
        await self._conn.execute(
            text("""INSERT INTO otp_code (mobile, code_hash, expires_at)
                    VALUES (:m, :h, now() + make_interval(secs => :ttl))"""),
            {"m": mobile, "h": code_hash, "ttl": ttl_s},
        )

    async def newest_live(self, mobile: str) -> LiveCode | None:
        row = (
            await self._conn.execute(
                text("""SELECT id, code_hash, attempts, expires_at < now() AS expired FROM otp_code
                        WHERE mobile = :m AND consumed_at IS NULL ORDER BY id DESC LIMIT 1 FOR UPDATE"""),
                {"m": mobile},
            )
        ).first()
        return None if row is None else LiveCode(row.id, row.code_hash, row.attempts, row.expired)

    async def count_wrong_guess(self, code_id: int) -> None:
        await self._conn.execute(text("UPDATE otp_code SET attempts = attempts + 1 WHERE id = :id"), {"id": code_id})

    async def spend(self, code_id: int) -> None:
        await self._conn.execute(text("UPDATE otp_code SET consumed_at = now() WHERE id = :id"), {"id": code_id})
