"""Customers: sign up by proving the mobile with a one-time code sent by SMS, log in with a password (Argon2id)
or a code; profile and addresses; roles.

No account gets a password before its mobile is proved: sign-up consumes a one-time code in the transaction that
creates the account. One-time codes are stored as keyed hashes with an expiry and a wrong-guess budget; sending
codes, signing up and trying passwords are rate limited per mobile and per client address (``RateLimiter`` port).
Setting a password ends every other session of the account. Role and account changes by an admin never apply
to the admin themselves and never leave the store without an active admin.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hamgam.domain.accounts import (
    Role,
    check_password_rules,
    hash_secret,
    new_otp,
    parse_email,
    parse_full_name,
    parse_mobile,
)
from hamgam.domain.checkout import Address
from hamgam.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited, Unauthorized
from hamgam.domain.persian import (
    InvalidIdentifier,
    is_valid_national_code,
    normalize_national_code,
    to_persian_digits,
)
from hamgam.domain.sms import SmsError
from hamgam.ports import RateLimiter, SmsSender
from hamgam.ports.accounts import AccountsUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory
from hamgam.settings import AuthSettings, ShopSettings

log = structlog.get_logger(__name__)

_BAD_LOGIN = "موبایل یا رمز عبور نادرست است — wrong mobile or password"
_BAD_CODE = "کد نادرست یا منقضی است — wrong or expired code"
_NOT_FOUND = "مشتری پیدا نشد — customer not found"


class AccountService:
    def __init__(
        self,
        uow: UnitOfWorkFactory[AccountsUnitOfWork],
        sms: SmsSender,
        limiter: RateLimiter,
        *,
        shop: ShopSettings,
        auth: AuthSettings,
        pepper: bytes,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._uow = uow
        self._sms = sms
        self._limiter = limiter
        self._shop = shop
        self._auth = auth
        self._pepper = pepper
        #: Argon2id with the library's defaults; tests may pass cheaper parameters.
        self._hasher = hasher or PasswordHasher()
        #: Verified against when the mobile is unknown, so a miss costs as much time as a hit.
        self._dummy_hash = self._hasher.hash("not-a-real-password")

    async def _limit(self, key: str, limit: int, window_s: int) -> None:
        retry_after = await self._limiter.hit(key, limit=limit, window_s=window_s)
        if retry_after is not None:
            wait = to_persian_digits(str(retry_after))
            raise RateLimited(
                f"تلاش‌های زیاد؛ {wait} ثانیه دیگر دوباره تلاش کنید — too many attempts, retry in {retry_after}s",
                retry_after,
            )

    # --- sign-up and password ---

    async def register(
        self, mobile: str, code: str, password: str, full_name: str | None = None, *, client: str
    ) -> dict[str, Any]:
        """A new customer with a password, once the mobile is proved by the one-time code sent to it (the code is
        consumed in the transaction that creates the account). ``Conflict`` when the mobile is taken (log in
        instead); ``Unauthorized`` for a wrong or expired code."""
        mobile = parse_mobile(mobile)
        await self._limit(f"register:m:{mobile}", self._auth.register_attempts, self._auth.register_window_s)
        await self._limit(f"register:ip:{client}", self._auth.register_attempts * 5, self._auth.register_window_s)
        check_password_rules(password)
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        row = None
        async with self._uow() as uow:
            proved = await self._consume_code(uow, mobile, code)
            if proved:
                row = await uow.customers.add_with_password(mobile, full_name, password_hash)
                if row is None:  # rolls the code back too: it still logs the owner in
                    raise Conflict(
                        "این شماره قبلاً ثبت شده است؛ وارد شوید — this mobile is already registered, log in",
                        field="mobile",
                    )
        if not proved or row is None:
            raise Unauthorized(_BAD_CODE)
        return row

    async def login_password(self, mobile: str, password: str, *, client: str) -> dict[str, Any]:
        mobile = parse_mobile(mobile)
        await self._limit(f"login:m:{mobile}", self._auth.login_attempts, self._auth.login_window_s)
        await self._limit(f"login:ip:{client}", self._auth.login_attempts * 5, self._auth.login_window_s)
        async with self._uow() as uow:
            row = await uow.customers.credentials(mobile)
        stored = row["password_hash"] if row is not None and row["password_hash"] else self._dummy_hash
        try:
            await asyncio.to_thread(self._hasher.verify, stored, password)
        except (VerificationError, InvalidHashError):
            raise Unauthorized(_BAD_LOGIN) from None
        if row is None or not row["password_hash"] or row["disabled_at"] is not None:
            raise Unauthorized(_BAD_LOGIN)
        return {k: v for k, v in row.items() if k not in ("password_hash", "disabled_at")}

    async def set_password(
        self, customer_id: int, password: str, *, session: uuid.UUID | None, two_factor: bool
    ) -> None:
        """Set or change the password and end every other session of the account (the one doing it, ``session``,
        stays), in one transaction. A staff or admin account needs a session proved by both factors: a code
        alone must not be able to set the second factor."""
        check_password_rules(password)
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        async with self._uow() as uow:
            role = await uow.customers.role_for_update(customer_id)
            if role is None:
                raise NotFound(_NOT_FOUND)
            if Role(role) is not Role.CUSTOMER and not two_factor:
                raise Forbidden(
                    "برای تغییر رمز کارکنان با رمز و کد یک‌بارمصرف وارد شوید — staff must log in with password "
                    "and one-time code to change the password"
                )
            await uow.customers.set_password(customer_id, password_hash)
            await uow.sessions.revoke_customer(customer_id, keep=session)

    # --- one-time codes ---

    async def request_otp(self, mobile: str, *, client: str) -> dict[str, Any]:
        """Send a fresh code (earlier ones stop working). Rate limited per mobile and per client."""
        mobile = parse_mobile(mobile)
        await self._limit(f"otp:m:{mobile}", self._auth.otp_sends, self._auth.otp_window_s)
        await self._limit(f"otp:ip:{client}", self._auth.otp_sends * 10, self._auth.otp_window_s)
        code = new_otp(self._shop.otp_length)
        async with self._uow() as uow:
            await uow.codes.retire(mobile)
            await uow.codes.add(mobile, hash_secret(f"{mobile}:{code}", self._pepper), self._shop.otp_ttl_s)
        try:
            await self._sms.send_otp(mobile, code)
        except SmsError as exc:
            log.warning("accounts.otp_send_failed", error=str(exc))
            raise InvalidInput(
                "ارسال پیامک ممکن نشد؛ کمی بعد دوباره تلاش کنید — could not send the SMS, try again later",
                field="mobile",
            ) from None
        return {"mobile": mobile, "expires_in": self._shop.otp_ttl_s, "length": self._shop.otp_length}

    async def _consume_code(self, uow: AccountsUnitOfWork, mobile: str, code: str) -> bool:
        """Check ``code`` against the mobile's newest live code, spending it when right and counting a wrong
        guess otherwise (at most ``otp_max_attempts`` per code), in ``uow``'s transaction."""
        live = await uow.codes.newest_live(mobile)
        if live is None or live.expired or live.attempts >= self._shop.otp_max_attempts:
            return False
        if hash_secret(f"{mobile}:{code.strip()}", self._pepper) != live.code_hash:
            await uow.codes.count_wrong_guess(live.id)
            return False
        await uow.codes.spend(live.id)
        return True

    async def verify_otp(self, mobile: str, code: str) -> dict[str, Any]:
        """Check a code (one use; at most ``otp_max_attempts`` guesses per code) and return the customer,
        creating one on first login (the code proves the mobile)."""
        mobile = parse_mobile(mobile)
        customer = None
        async with self._uow() as uow:
            proved = await self._consume_code(uow, mobile, code)
            if proved:
                await uow.customers.add_if_missing(mobile)
                customer = await uow.customers.by_mobile(mobile)
        if not proved or customer is None or customer["disabled_at"] is not None:
            raise Unauthorized(_BAD_CODE)
        return {k: v for k, v in customer.items() if k != "disabled_at"}

    async def verify_second_factor(self, customer_id: int, code: str) -> dict[str, Any]:
        """The second step of a staff login: the code sent to the account's own mobile after its password was
        right. Never creates an account."""
        async with self._uow() as uow:
            mobile = await uow.customers.active_mobile(customer_id)
            proved = mobile is not None and await self._consume_code(uow, mobile, code)
        if not proved:
            raise Unauthorized(_BAD_CODE)
        return await self.profile(customer_id)

    # --- profile ---

    async def profile(self, customer_id: int) -> dict[str, Any]:
        async with self._uow() as uow:
            row = await uow.customers.get(customer_id)
        if row is None:
            raise NotFound(_NOT_FOUND)
        return row

    async def disabled_at(self, customer_id: int) -> dt.datetime | None:
        """When staff disabled the account; None while it is enabled."""
        async with self._uow() as uow:
            return await uow.customers.disabled_at(customer_id)

    async def update_profile(
        self,
        customer_id: int,
        *,
        full_name: str | None = None,
        email: str | None = None,
        national_code: str | None = None,
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if full_name is not None:
            values["full_name"] = parse_full_name(full_name)
        if email is not None:
            values["email"] = parse_email(email)
        if national_code is not None:
            try:
                code = normalize_national_code(national_code)
            except InvalidIdentifier:
                code = None
            if code is None or not is_valid_national_code(code):
                raise InvalidInput("کد ملی معتبر نیست — invalid national code", field="national_code")
            values["national_code"] = code
        if values:
            async with self._uow() as uow:
                await uow.customers.update(customer_id, values)
        return await self.profile(customer_id)

    async def addresses(self, customer_id: int) -> list[dict[str, Any]]:
        async with self._uow() as uow:
            return await uow.addresses.list(customer_id)

    async def add_address(self, customer_id: int, address: Address) -> dict[str, Any]:
        async with self._uow() as uow:
            return await uow.addresses.add(customer_id, address.as_dict())

    async def update_address(self, customer_id: int, address_id: int, address: Address) -> dict[str, Any]:
        """Change one of the customer's saved addresses; ``NotFound`` when it is not theirs (or removed)."""
        async with self._uow() as uow:
            row = await uow.addresses.update(customer_id, address_id, address.as_dict())
        if row is None:
            raise NotFound("نشانی پیدا نشد — address not found", field="address_id")
        return row

    async def delete_address(self, customer_id: int, address_id: int) -> None:
        async with self._uow() as uow:
            done = await uow.addresses.delete(customer_id, address_id)
        if not done:
            raise NotFound("نشانی پیدا نشد — address not found")

    # --- staff ---

    async def list_customers(self, *, q: str | None, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        async with self._uow() as uow:
            return await uow.customers.search(q, offset=offset, limit=limit)

    async def set_role(
        self, actor_id: int | None, customer_id: int, role: Role, *, actor: str | None = None
    ) -> dict[str, Any]:
        """An admin changes someone else's role (see ``_guard_admins``), recorded in the audit log as ``actor``
        in the same transaction when given."""
        role = Role(role)
        async with self._uow() as uow:
            await self._guard_admins(uow, actor_id, customer_id, removes_admin=role is not Role.ADMIN)
            await uow.customers.set_role(customer_id, str(role))
            await uow.sessions.revoke_customer(customer_id)
            if actor is not None:
                await uow.audit.record(actor, "customer.role", f"customer:{customer_id}", {"role": str(role)})
        return await self.profile(customer_id)

    async def set_disabled(
        self, actor_id: int | None, customer_id: int, disabled: bool, *, actor: str | None = None
    ) -> dict[str, Any]:
        """An admin disables (logging them out everywhere) or enables someone else's account, recorded in the
        audit log as ``actor`` in the same transaction when given."""
        async with self._uow() as uow:
            await self._guard_admins(uow, actor_id, customer_id, removes_admin=disabled)
            await uow.customers.set_disabled(customer_id, disabled)
            if disabled:
                await uow.sessions.revoke_customer(customer_id)
            if actor is not None:
                await uow.audit.record(actor, "customer.disabled", f"customer:{customer_id}", {"disabled": disabled})
        return await self.profile(customer_id)

    @staticmethod
    async def _guard_admins(
        uow: AccountsUnitOfWork, actor_id: int | None, customer_id: int, *, removes_admin: bool
    ) -> None:
        """An admin (``actor_id``; None for the operator's CLI) never changes their own role or account, must
        still be an active admin, and no change leaves zero active admins. The active admins' rows (and the
        target's) are locked first, so two admins demoting each other at once are serialised and the second
        is refused."""
        if actor_id == customer_id:
            raise Forbidden("نقش یا حساب خودتان را نمی‌توانید تغییر دهید — you cannot change your own role or account")
        admins = await uow.customers.lock_active_admins()
        if not await uow.customers.lock(customer_id):
            raise NotFound(_NOT_FOUND)
        if actor_id is not None and actor_id not in admins:
            raise Forbidden("دسترسی ندارید — the admin role is required")
        if removes_admin and not admins - {customer_id}:
            raise Conflict("آخرین مدیر فعال را نمی‌توان برداشت — the last active admin cannot be removed")

    async def ensure_staff(self, mobile: str, password: str, role: Role = Role.ADMIN) -> dict[str, Any]:
        """Create or promote a staff account (for the CLI's first admin): sets the password and role, and ends
        the account's sessions. Never demotes the last active admin."""
        role = Role(role)
        mobile = parse_mobile(mobile)
        check_password_rules(password)
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        async with self._uow() as uow:
            existing = await uow.customers.id_by_mobile(mobile)
            if existing is not None:
                await self._guard_admins(uow, None, existing, removes_admin=role is not Role.ADMIN)
            await uow.customers.save_staff(mobile, password_hash, str(role))
            customer_id = await uow.customers.id_by_mobile(mobile)
            if customer_id is None:
                raise RuntimeError("the staff account was not saved")
            await uow.sessions.revoke_customer(customer_id)  # a new password ends every session
        return await self.profile(customer_id)
