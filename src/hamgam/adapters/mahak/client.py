"""``MahakClient``: the one place in Hamgam that speaks Mahak's HTTP API (contract §1–§5).

Every call goes through one pipeline: circuit breaker → rate limiter → HTTP → classification into the
types of ``errors.py``. Reads (Login, GetAllData, GetProductInfo, pictures) are retried (stamina: exponential
backoff with jitter) on timeouts, 5xx, dropped connections, unreadable bodies and 429 (honouring
``Retry-After``). Writes (SaveAllData, SolveDispute) are retried only when the request provably never left
(connection refused, connect timeout) or on 429; any other failure raises ``MahakUnavailable`` so the
exporter reads back before it resends. A 401 renews the token once per call; a second 401 is a
``MahakAuthError``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx2
import orjson
import stamina
from pydantic import ValidationError

from hamgam.adapters.mahak.calls import (
    DisputeItem,
    GetAllDataRequest,
    LoginData,
    LoginRequest,
    SaveAllDataRequest,
    SaveResult,
    SolveDisputeRequest,
    md5_hex,
)
from hamgam.adapters.mahak.errors import (
    ContractViolation,
    MahakAuthError,
    MahakCircuitOpen,
    MahakRateLimited,
    MahakRejected,
    MahakTransient,
    MahakUnavailable,
)
from hamgam.adapters.mahak.limiter import CircuitBreaker, memory_guards
from hamgam.adapters.mahak.paging import ChangePage, iter_changes, parse_rows
from hamgam.adapters.mahak.wire import Entity, WireRow
from hamgam.ports.ratelimit import TokenBucket
from hamgam.settings import MahakSettings

#: Where Mahak serves picture files, relative to the API base URL (contract §1).
PICTURE_PATH = "Content/Images/all/"


class _NotSent(MahakUnavailable):
    """The connection failed before the request was written: safe to retry even a write."""


class MahakClient:
    """An async Mahak session for one site user. Safe to share between tasks of one event loop.

    Logs in lazily on first use; ``login()`` forces a fresh login. Close with ``aclose()`` or ``async with``.
    """

    def __init__(
        self,
        settings: MahakSettings,
        *,
        limiter: TokenBucket | None = None,
        breaker: CircuitBreaker | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
        site_name: str | None = None,
    ) -> None:
        if not settings.base_url:
            raise ValueError("MahakSettings.base_url is required to build a MahakClient")
        default_limiter, default_breaker = memory_guards(settings)
        self._settings = settings
        self._base_url = settings.base_url.rstrip("/") + "/"
        self._limiter: TokenBucket = limiter or default_limiter
        self._breaker: CircuitBreaker = breaker or default_breaker
        self._site_name = site_name
        self._http = httpx2.AsyncClient(
            base_url=self._base_url,
            timeout=httpx2.Timeout(settings.timeout_s, connect=settings.connect_timeout_s),
            transport=transport,
            headers={"Accept": "application/json"},
        )
        self._session: LoginData | None = None
        self._login_lock = asyncio.Lock()

    async def __aenter__(self) -> MahakClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def session(self) -> LoginData | None:
        """What the last successful login returned (token, VisitorId, DatabaseId, …), or None before it."""
        return self._session

    # -- login -----------------------------------------------------------------------------------------------
    async def login(self) -> LoginData:
        """Log in now, replacing any token. ``MahakAuthError`` when Mahak refuses the credentials."""
        async with self._login_lock:
            return await self._login_locked()

    async def _login_locked(self) -> LoginData:
        request = LoginRequest(
            user_name=self._settings.username,
            password=md5_hex(self._settings.password.get_secret_value()),
            database_id=self._settings.database_id,
            description=self._site_name,
        )
        envelope = await self._request("POST", "Sync/Login", body=request.to_wire(), auth=False)
        data = envelope.get("Data")
        if not envelope["Result"]:
            detail = data.get("ErrorMessage") if isinstance(data, Mapping) else None
            raise MahakAuthError(f"Mahak login refused: {envelope.get('Message') or detail or 'no reason given'}")
        try:
            self._session = LoginData.model_validate(data)
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            raise ContractViolation("Login", None, ".".join(map(str, first["loc"])), first["msg"], data) from None
        return self._session

    async def _ensure_session(self) -> LoginData:
        if self._session is None:
            async with self._login_lock:
                if self._session is None:
                    await self._login_locked()
        assert self._session is not None
        return self._session

    async def _renew(self, stale_token: str | None) -> None:
        async with self._login_lock:  # many tasks may see the same 401; only the first logs in again
            if self._session is None or self._session.user_token == stale_token:
                await self._login_locked()

    # -- reading ---------------------------------------------------------------------------------------------
    async def get_raw_page(self, entity: Entity, from_version: int, page_size: int) -> list[Any]:
        """One GetAllData request for one entity: its raw rows after ``from_version``, as sent."""
        session = await self._ensure_session()
        request = GetAllDataRequest(
            cursors={entity: from_version}, current_visitor_id=session.visitor_id, page_size=page_size
        )
        data = self._data(await self._request("POST", "Sync/GetAllData", body=request.to_wire()))
        objects = data.get("Objects")
        if not isinstance(objects, Mapping):
            raise ContractViolation(entity.value, None, "Objects", "GetAllData answered without Data.Objects", data)
        rows = objects.get(entity.list_key)
        if not isinstance(rows, list):
            reason = "list is null although its cursor was sent" if rows is None else "list is not an array"
            raise ContractViolation(entity.value, None, entity.list_key, reason, rows)
        return rows

    async def get_page(self, entity: Entity, from_version: int, page_size: int | None = None) -> list[WireRow]:
        """One GetAllData request, strictly validated (``ContractViolation`` on the first bad row), as sent:
        unsorted, possibly with duplicates. Use ``iter_changes`` to walk a stream."""
        raw_rows = await self.get_raw_page(entity, from_version, page_size or self._settings.page_size)
        return parse_rows(entity, raw_rows)

    def iter_changes(
        self, entity: Entity, from_version: int = 0, page_size: int | None = None
    ) -> AsyncIterator[ChangePage]:
        """Every change of ``entity`` after ``from_version``, in complete RowVersion groups (``paging``)."""
        return iter_changes(self.get_raw_page, entity, from_version, page_size or self._settings.page_size)

    async def get_product_info(self, product_id: int) -> Any:
        """``Lookup/GetProductInfo``: Mahak's ``Data`` for one product, untyped (shape undocumented)."""
        envelope = await self._request("GET", "Lookup/GetProductInfo", params={"productId": product_id})
        return self._data(envelope)

    async def download_picture(self, url_or_file_name: str) -> bytes:
        """The bytes of a picture, given ``Picture.Url`` (relative to the API), an absolute URL on the Mahak
        host, or a bare ``Picture.FileName``."""
        return await self._request("GET", self._picture_url(url_or_file_name), decode=False)

    def _picture_url(self, reference: str) -> str:
        if reference.lower().startswith(("http://", "https://")):
            if urlsplit(reference).netloc.lower() != urlsplit(self._base_url).netloc.lower():
                raise ValueError(f"picture URL {reference!r} is not on the Mahak host; refusing to send the token")
            return reference
        path = reference.lstrip("/")
        if "/" not in path:
            return PICTURE_PATH + quote(path)
        base_path = urlsplit(self._base_url).path.lstrip("/")
        if path.lower().startswith(base_path.lower()):  # "/API/v3/Content/…": rooted at the host
            return "/" + path
        return path

    # -- writing ---------------------------------------------------------------------------------------------
    async def save_all(self, request: SaveAllDataRequest) -> SaveResult:
        """Send related rows in one SaveAllData and report every item.

        Not idempotent: on ``MahakUnavailable`` the rows may or may not be saved; read back before resending.
        A top-level ``Result=false`` with per-item results is returned (check ``SaveResult.failures()``), not
        raised; without per-item results it is a ``MahakRejected``.
        """
        envelope = await self._request("POST", "Sync/SaveAllData", body=request.to_wire(), write=True)
        data = envelope.get("Data")
        if not isinstance(data, Mapping) or not isinstance(data.get("Objects"), Mapping):
            if not envelope["Result"]:
                raise self._rejected(envelope)
            raise ContractViolation("SaveAllData", None, "Objects", "no per-item results", data)
        try:
            return SaveResult.from_envelope(bool(envelope["Result"]), envelope.get("Message"), data)
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            raise ContractViolation("SaveAllData", None, str(first["loc"]), first["msg"], data) from None

    async def solve_dispute(self, entity: Entity, items: Iterable[DisputeItem | tuple[int, int]]) -> Any:
        """Ask Mahak to repair rows of ``entity``: ``(id, row_version)`` pairs as the client holds them."""
        session = await self._ensure_session()
        request = SolveDisputeRequest(
            database_id=session.database_id,
            entity_name=entity.value,
            dispute_items=[
                item if isinstance(item, DisputeItem) else DisputeItem(id=item[0], rw=item[1]) for item in items
            ],
        )
        return self._data(await self._request("POST", "Sync/SolveDispute", body=request.to_wire(), write=True))

    # -- the pipeline ----------------------------------------------------------------------------------------
    async def _request(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
        write: bool = False,
        decode: bool = True,
    ) -> Any:
        """Send one call with retries; return the decoded envelope (the raw bytes when ``decode=False``)."""
        content = None if body is None else orjson.dumps(body)
        try:
            async for attempt in stamina.retry_context(
                on=self._backoff_hook(write),
                attempts=self._settings.read_attempts,
                timeout=None,
                wait_initial=self._settings.backoff_initial_s,
                wait_max=self._settings.backoff_max_s,
                wait_jitter=self._settings.backoff_initial_s,
            ):
                with attempt:
                    return await self._send_authenticated(method, url, content, params, auth=auth, decode=decode)
        except _NotSent as error:
            raise MahakUnavailable(str(error)) from error
        raise AssertionError("unreachable: the retry context either returns or raises")

    def _backoff_hook(self, write: bool) -> Callable[[Exception], bool | float]:
        """Which failures are retried, and after how long (``True``: the exponential backoff with jitter).

        A read is retried on any transient failure; a write only when it provably never left or was
        rate-limited, so that a write Mahak may have applied is read back rather than resent.
        """

        def hook(error: Exception) -> bool | float:
            if isinstance(error, MahakCircuitOpen) or not isinstance(error, MahakTransient):
                return False
            if write and not isinstance(error, _NotSent | MahakRateLimited):
                return False
            if isinstance(error, MahakRateLimited) and error.retry_after_s is not None:
                # Longer than we would ever back off: hand it to the caller's retry tiers instead of blocking.
                return error.retry_after_s if error.retry_after_s <= self._settings.backoff_max_s else False
            return True

        return hook

    async def _send_authenticated(
        self,
        method: str,
        url: str,
        content: bytes | None,
        params: Mapping[str, Any] | None,
        *,
        auth: bool,
        decode: bool,
    ) -> Any:
        """One attempt, renewing the token once when Mahak answers 401 to it."""
        renewed = False
        while True:
            token = (await self._ensure_session()).user_token if auth else None
            response = await self._attempt(method, url, content, params, token)
            if response.status_code < 400:
                return await self._decode(response) if decode else response.content
            if response.status_code != 401:
                raise MahakRejected(
                    f"Mahak answered HTTP {response.status_code} to {url}", status_code=response.status_code
                )
            if not auth:
                raise MahakAuthError("Mahak login answered 401 Unauthorized")
            if renewed:
                raise MahakAuthError("Mahak refused a freshly renewed token (401)")
            renewed = True
            await self._renew(token)

    async def _attempt(
        self,
        method: str,
        url: str,
        content: bytes | None,
        params: Mapping[str, Any] | None,
        token: str | None,
    ) -> httpx2.Response:
        await self._breaker.before_call()
        await self._limiter.take()
        headers = {"Content-Type": "application/json"} if content is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = await self._http.request(method, url, content=content, params=params, headers=headers)
        except (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout) as error:
            await self._breaker.record_failure()
            raise _NotSent(f"cannot connect to Mahak: {error!r}") from error
        except httpx2.TimeoutException as error:
            await self._breaker.record_failure()
            raise MahakUnavailable(f"Mahak did not answer {url} in time: {error!r}") from error
        except httpx2.TransportError as error:
            await self._breaker.record_failure()
            raise MahakUnavailable(f"connection to Mahak failed during {url}: {error!r}") from error
        if response.status_code >= 500:
            await self._breaker.record_failure()
            raise MahakUnavailable(f"Mahak answered HTTP {response.status_code} to {url}")
        await self._breaker.record_success()
        if response.status_code == 429:
            retry_after_s = _retry_after_s(response.headers.get("Retry-After"))
            raise MahakRateLimited(f"Mahak rate-limited {url} (Retry-After {retry_after_s})", retry_after_s)
        return response

    async def _decode(self, response: httpx2.Response) -> dict[str, Any]:
        try:
            envelope = orjson.loads(response.content)
        except orjson.JSONDecodeError as error:
            # A cut or garbled body is the transport failing, not Mahak's data: like a dropped answer.
            await self._breaker.record_failure()
            raise MahakUnavailable(f"Mahak sent unreadable JSON ({len(response.content)} bytes): {error}") from error
        if not isinstance(envelope, dict) or not isinstance(envelope.get("Result"), bool):
            raise ContractViolation(None, None, "Result", "the body is not a Mahak envelope", response.text[:2000])
        return envelope

    @staticmethod
    def _data(envelope: Mapping[str, Any]) -> Any:
        if not envelope["Result"]:
            raise MahakClient._rejected(envelope)
        return envelope.get("Data")

    @staticmethod
    def _rejected(envelope: Mapping[str, Any]) -> MahakRejected:
        code = envelope.get("Code")
        return MahakRejected(
            f"Mahak refused: {envelope.get('Message') or 'no message'} (code {code})",
            code=code if isinstance(code, int) else None,
        )


def _retry_after_s(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None
