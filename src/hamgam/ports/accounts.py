"""Accounts' persistence ports: customers, their addresses, one-time codes and sessions (refresh-token
families), with the unit of work that binds them to one transaction.

Rows cross the port as plain mappings with the columns the API shows (``CUSTOMER_FIELDS``); the few rows the
services decide on have small records of their own. Implemented for PostgreSQL by
``hamgam.adapters.db.accounts_uow.SqlAccountsUnitOfWork``; in memory by ``tests/fakes/accounts.py``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hamgam.ports.audit import AuditLog
from hamgam.ports.unit_of_work import UnitOfWork

#: The columns of a customer as the services return it.
CUSTOMER_FIELDS = (
    "id",
    "mobile",
    "full_name",
    "email",
    "national_code",
    "role",
    "created_at",
    "has_password",
)
#: The columns of a delivery address as the services return it.
ADDRESS_FIELDS = ("id", "title", "recipient_name", "mobile", "province", "city", "line", "postal_code")

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class LiveCode:
    """A mobile's newest one-time code not yet spent."""

    id: int
    code_hash: str
    attempts: int
    expired: bool


@dataclass(frozen=True, slots=True)
class SessionState:
    """What a request's access token is checked against: the customer now, and the token's family."""

    role: str
    disabled: bool
    #: The family has at least one refresh token of this customer.
    known: bool
    revoked: bool
    factors: Sequence[str] | None


@dataclass(frozen=True, slots=True)
class StoredRefreshToken:
    customer_id: int
    family_id: uuid.UUID
    used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    expired: bool
    factors: Sequence[str]
    #: The customer's account is disabled.
    disabled: bool


class CustomerRepository(Protocol):
    async def get(self, customer_id: int) -> Row | None:
        """``CUSTOMER_FIELDS`` of one customer."""

    async def by_mobile(self, mobile: str) -> Row | None:
        """``CUSTOMER_FIELDS`` and ``disabled_at``."""

    async def credentials(self, mobile: str) -> Row | None:
        """``CUSTOMER_FIELDS``, ``password_hash`` and ``disabled_at``."""

    async def id_by_mobile(self, mobile: str) -> int | None: ...

    async def disabled_at(self, customer_id: int) -> dt.datetime | None:
        """When the account was disabled; None while enabled (or when there is no such account)."""

    async def active_mobile(self, customer_id: int) -> str | None:
        """The mobile of an enabled account."""

    async def add_with_password(self, mobile: str, full_name: str | None, password_hash: str) -> Row | None:
        """A new customer's ``CUSTOMER_FIELDS``; None when the mobile is taken (nothing written)."""

    async def add_if_missing(self, mobile: str) -> None:
        """A customer with only a mobile, unless the mobile has one."""

    async def save_staff(self, mobile: str, password_hash: str, role: str) -> None:
        """Create the account or give it this password and role, enabled."""

    async def role_for_update(self, customer_id: int) -> str | None:
        """The account's role, its row locked until the transaction ends."""

    async def lock(self, customer_id: int) -> bool:
        """Lock the account's row; False when there is no such account."""

    async def lock_active_admins(self) -> set[int]:
        """The enabled admins' ids, their rows locked (in id order) until the transaction ends."""

    async def set_password(self, customer_id: int, password_hash: str) -> None: ...

    async def update(self, customer_id: int, values: Mapping[str, Any]) -> None:
        """Set the given profile columns (``full_name``, ``email``, ``national_code``)."""

    async def set_role(self, customer_id: int, role: str) -> None: ...

    async def set_disabled(self, customer_id: int, disabled: bool) -> None: ...

    async def search(self, q: str | None, *, offset: int, limit: int) -> tuple[list[Row], int]:
        """A page of customers (``CUSTOMER_FIELDS`` and ``disabled_at``), newest first, whose mobile or name
        contains ``q``; and how many match in all."""


class AddressRepository(Protocol):
    async def list(self, customer_id: int) -> list[Row]:
        """The customer's live addresses (``ADDRESS_FIELDS``), oldest first."""

    async def add(self, customer_id: int, address: Mapping[str, Any]) -> Row: ...

    async def update(self, customer_id: int, address_id: int, address: Mapping[str, Any]) -> Row | None:
        """Replace one of the customer's live addresses (orders keep the copy they were placed with); None when
        there is none with this id."""

    async def delete(self, customer_id: int, address_id: int) -> bool:
        """Forget one of the customer's live addresses; False when there is none with this id."""


class OneTimeCodeRepository(Protocol):
    async def retire(self, mobile: str) -> None:
        """Spend every live code of the mobile."""

    async def add(self, mobile: str, code_hash: str, ttl_s: int) -> None: ...

    async def newest_live(self, mobile: str) -> LiveCode | None:
        """The newest unspent code of the mobile, its row locked until the transaction ends."""

    async def count_wrong_guess(self, code_id: int) -> None: ...

    async def spend(self, code_id: int) -> None: ...


class SessionRepository(Protocol):
    """Refresh tokens (stored as keyed hashes), grouped in families: one family per login."""

    async def add(
        self, customer_id: int, family: uuid.UUID, token_hash: str, ttl_s: int, factors: Sequence[str]
    ) -> None: ...

    async def state(self, customer_id: int, family: uuid.UUID) -> SessionState | None:
        """None when there is no such customer."""

    async def by_hash_for_update(self, token_hash: str) -> StoredRefreshToken | None:
        """The token and its customer's state, the token's row locked until the transaction ends."""

    async def mark_used(self, token_hash: str) -> None: ...

    async def family_of(self, token_hash: str) -> uuid.UUID | None: ...

    async def revoke_family(self, family: uuid.UUID) -> None: ...

    async def revoke_customer(self, customer_id: int, *, keep: uuid.UUID | None = None) -> None:
        """Revoke every family of the customer but ``keep``."""


class AccountsUnitOfWork(UnitOfWork, Protocol):
    """One accounts transaction and the repositories bound to it."""

    @property
    def customers(self) -> CustomerRepository: ...
    @property
    def addresses(self) -> AddressRepository: ...
    @property
    def codes(self) -> OneTimeCodeRepository: ...
    @property
    def sessions(self) -> SessionRepository: ...
    @property
    def audit(self) -> AuditLog: ...
