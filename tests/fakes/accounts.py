"""The accounts' persistence ports in memory (``hamgam.ports.accounts``), for unit tests without a database.

``AccountsData`` is the "database": every ``FakeAccountsUnitOfWork`` opened by ``data.uow`` works on it and
puts it back as it was when its block raised (rollback). ``data.now`` is the clock codes and tokens expire by.
Rows are the same shapes the PostgreSQL repositories return.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from hamgam.ports.accounts import CUSTOMER_FIELDS, LiveCode, Row, SessionState, StoredRefreshToken
from tests.fakes.audit import FakeAuditLog


@dataclass
class AccountsData:
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    addresses: dict[int, dict[str, Any]] = field(default_factory=dict)
    codes: dict[int, dict[str, Any]] = field(default_factory=dict)
    tokens: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    now: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 3, 21, 9, 0, tzinfo=dt.UTC))
    _ids: int = 0

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def uow(self) -> FakeAccountsUnitOfWork:
        """The unit-of-work factory to give a service."""
        return FakeAccountsUnitOfWork(self)

    def _snapshot(self) -> dict[str, Any]:
        return copy.deepcopy({k: getattr(self, k) for k in ("customers", "addresses", "codes", "tokens", "audit")})

    def _restore(self, snapshot: dict[str, Any]) -> None:
        for name, value in snapshot.items():
            setattr(self, name, value)


def _customer(row: dict[str, Any], *extra: str) -> Row:
    shown = {k: row[k] for k in CUSTOMER_FIELDS if k != "has_password"}
    shown["has_password"] = row["password_hash"] is not None
    return {k: shown[k] for k in CUSTOMER_FIELDS} | {k: row[k] for k in extra}


class FakeCustomerRepository:
    def __init__(self, data: AccountsData) -> None:
        self._data = data

    def _by_mobile(self, mobile: str) -> dict[str, Any] | None:
        return next((c for c in self._data.customers.values() if c["mobile"] == mobile), None)

    async def get(self, customer_id: int) -> Row | None:
        row = self._data.customers.get(customer_id)
        return None if row is None else _customer(row)

    async def by_mobile(self, mobile: str) -> Row | None:
        row = self._by_mobile(mobile)
        return None if row is None else _customer(row, "disabled_at")

    async def credentials(self, mobile: str) -> Row | None:
        row = self._by_mobile(mobile)
        return None if row is None else _customer(row, "password_hash", "disabled_at")

    async def id_by_mobile(self, mobile: str) -> int | None:
        row = self._by_mobile(mobile)
        return None if row is None else row["id"]

    async def disabled_at(self, customer_id: int) -> dt.datetime | None:
        row = self._data.customers.get(customer_id)
        return None if row is None else row["disabled_at"]

    async def active_mobile(self, customer_id: int) -> str | None:
        row = self._data.customers.get(customer_id)
        return row["mobile"] if row is not None and row["disabled_at"] is None else None

    def _insert(self, mobile: str, **values: Any) -> dict[str, Any]:
        row = {
            "id": self._data.next_id(), "mobile": mobile, "full_name": None, "email": None, "national_code": None,
            "role": "customer", "created_at": self._data.now, "password_hash": None, "disabled_at": None,
        } | values  # fmt: skip
        self._data.customers[row["id"]] = row
        return row

    async def add_with_password(self, mobile: str, full_name: str | None, password_hash: str) -> Row | None:
        if self._by_mobile(mobile) is not None:
            return None
        return _customer(self._insert(mobile, full_name=full_name, password_hash=password_hash))

    async def add_if_missing(self, mobile: str) -> None:
        if self._by_mobile(mobile) is None:
            self._insert(mobile)

    async def save_staff(self, mobile: str, password_hash: str, role: str) -> None:
        row = self._by_mobile(mobile)
        if row is None:
            self._insert(mobile, password_hash=password_hash, role=role)
        else:
            row.update(password_hash=password_hash, role=role, disabled_at=None)

    async def role_for_update(self, customer_id: int) -> str | None:
        row = self._data.customers.get(customer_id)
        return None if row is None else row["role"]

    async def lock(self, customer_id: int) -> bool:
        return customer_id in self._data.customers

    async def lock_active_admins(self) -> set[int]:
        return {c["id"] for c in self._data.customers.values() if c["role"] == "admin" and c["disabled_at"] is None}

    async def set_password(self, customer_id: int, password_hash: str) -> None:
        self._data.customers[customer_id]["password_hash"] = password_hash

    async def update(self, customer_id: int, values: Mapping[str, Any]) -> None:
        self._data.customers[customer_id].update(values)

    async def set_role(self, customer_id: int, role: str) -> None:
        self._data.customers[customer_id]["role"] = role

    async def set_disabled(self, customer_id: int, disabled: bool) -> None:
        self._data.customers[customer_id]["disabled_at"] = self._data.now if disabled else None

    async def search(self, q: str | None, *, offset: int, limit: int) -> tuple[list[Row], int]:
        needle = (q or "").replace("%", "").replace("_", "")
        found = [
            c
            for c in sorted(self._data.customers.values(), key=lambda c: -c["id"])
            if needle in c["mobile"] or needle.lower() in (c["full_name"] or "").lower()
        ]
        return [_customer(c, "disabled_at") for c in found[offset : offset + limit]], len(found)


class FakeAddressRepository:
    def __init__(self, data: AccountsData) -> None:
        self._data = data

    async def list(self, customer_id: int) -> list[Row]:
        return [
            {k: v for k, v in a.items() if k not in ("customer_id", "deleted")}
            for _, a in sorted(self._data.addresses.items())
            if a["customer_id"] == customer_id and not a["deleted"]
        ]

    async def add(self, customer_id: int, address: Mapping[str, Any]) -> Row:
        address_id = self._data.next_id()
        self._data.addresses[address_id] = {"id": address_id, **address, "customer_id": customer_id, "deleted": False}
        return {"id": address_id, **address}

    async def update(self, customer_id: int, address_id: int, address: Mapping[str, Any]) -> Row | None:
        row = self._data.addresses.get(address_id)
        if row is None or row["customer_id"] != customer_id or row["deleted"]:
            return None
        row.update(address)
        return {"id": address_id, **address}

    async def delete(self, customer_id: int, address_id: int) -> bool:
        row = self._data.addresses.get(address_id)
        if row is None or row["customer_id"] != customer_id or row["deleted"]:
            return False
        row["deleted"] = True
        return True


class FakeOneTimeCodeRepository:
    def __init__(self, data: AccountsData) -> None:
        self._data = data

    async def retire(self, mobile: str) -> None:
        for code in self._data.codes.values():
            if code["mobile"] == mobile:
                code["consumed"] = True

    async def add(self, mobile: str, code_hash: str, ttl_s: int) -> None:
        code_id = self._data.next_id()
        self._data.codes[code_id] = {
            "id": code_id, "mobile": mobile, "code_hash": code_hash, "attempts": 0, "consumed": False,
            "expires_at": self._data.now + dt.timedelta(seconds=ttl_s),
        }  # fmt: skip

    async def newest_live(self, mobile: str) -> LiveCode | None:
        live = [c for c in self._data.codes.values() if c["mobile"] == mobile and not c["consumed"]]
        if not live:
            return None
        code = max(live, key=lambda c: c["id"])
        return LiveCode(code["id"], code["code_hash"], code["attempts"], code["expires_at"] < self._data.now)

    async def count_wrong_guess(self, code_id: int) -> None:
        self._data.codes[code_id]["attempts"] += 1

    async def spend(self, code_id: int) -> None:
        self._data.codes[code_id]["consumed"] = True


class FakeSessionRepository:
    def __init__(self, data: AccountsData) -> None:
        self._data = data

    async def add(
        self, customer_id: int, family: uuid.UUID, token_hash: str, ttl_s: int, factors: Sequence[str]
    ) -> None:
        self._data.tokens.append(
            {
                "customer_id": customer_id, "family_id": family, "token_hash": token_hash, "used_at": None,
                "revoked_at": None, "expires_at": self._data.now + dt.timedelta(seconds=ttl_s),
                "factors": list(factors),
            }
        )  # fmt: skip

    async def state(self, customer_id: int, family: uuid.UUID) -> SessionState | None:
        customer = self._data.customers.get(customer_id)
        if customer is None:
            return None
        tokens = [t for t in self._data.tokens if t["family_id"] == family and t["customer_id"] == customer_id]
        return SessionState(
            customer["role"],
            customer["disabled_at"] is not None,
            known=bool(tokens),
            revoked=any(t["revoked_at"] is not None for t in tokens),
            factors=min((t["factors"] for t in tokens), default=None),
        )

    def _token(self, token_hash: str) -> dict[str, Any] | None:
        return next((t for t in self._data.tokens if t["token_hash"] == token_hash), None)

    async def by_hash_for_update(self, token_hash: str) -> StoredRefreshToken | None:
        token = self._token(token_hash)
        if token is None:
            return None
        customer = self._data.customers[token["customer_id"]]
        return StoredRefreshToken(
            token["customer_id"], token["family_id"], token["used_at"], token["revoked_at"],
            token["expires_at"] < self._data.now, list(token["factors"]), customer["disabled_at"] is not None,
        )  # fmt: skip

    async def mark_used(self, token_hash: str) -> None:
        token = self._token(token_hash)
        if token is not None:
            token["used_at"] = self._data.now

    async def family_of(self, token_hash: str) -> uuid.UUID | None:
        token = self._token(token_hash)
        return None if token is None else token["family_id"]

    async def revoke_family(self, family: uuid.UUID) -> None:
        for token in self._data.tokens:
            if token["family_id"] == family and token["revoked_at"] is None:
                token["revoked_at"] = self._data.now

    async def revoke_customer(self, customer_id: int, *, keep: uuid.UUID | None = None) -> None:
        for token in self._data.tokens:
            if token["customer_id"] == customer_id and token["revoked_at"] is None and token["family_id"] != keep:
                token["revoked_at"] = self._data.now


class FakeAccountsUnitOfWork:
    """One transaction over ``AccountsData``: leaving the block by an exception puts the data back."""

    def __init__(self, data: AccountsData) -> None:
        self._data = data
        self._snapshot: dict[str, Any] | None = None
        self.customers = FakeCustomerRepository(data)
        self.addresses = FakeAddressRepository(data)
        self.codes = FakeOneTimeCodeRepository(data)
        self.sessions = FakeSessionRepository(data)
        self.audit = FakeAuditLog(data)
        #: How the last block ended: "committed", "rolled back", or None while open.
        self.outcome: str | None = None

    async def __aenter__(self) -> Self:
        self._snapshot = self._data._snapshot()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None and self._snapshot is not None:
            self._data._restore(self._snapshot)
        self.outcome = "committed" if exc_type is None else "rolled back"
        self._snapshot = None
