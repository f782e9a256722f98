"""The load of the scaled-out runs: buyers who sign up, buy, pay and come back through the gateways' one port,
and a poller that reads the catalogue every 100 ms. Both retry a request that failed because a process was
killed (a transport error or a 5xx), and record every attempt.

Retries are safe: setting a cart line is idempotent, a retried callback verifies once, a new payment session
replaces a lost one, and a checkout whose answer was lost is found among the buyer's orders before it is tried
again (each buyer places one order), so no buyer ever has two orders.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2

#: Request timeout, seconds: a request stuck on a killed backend fails (and is retried) after this.
TIMEOUT_S = 20.0
ATTEMPTS = 8
RETRY_PAUSE_S = 0.25
RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
ADDRESS = {
    "recipient_name": "خریدار آزمایشی",
    "mobile": "09121112233",
    "province": "تهران",
    "city": "تهران",
    "line": "خیابان آزادی، پلاک ۱",
    "postal_code": "1314567890",
}


@dataclass
class Attempt:
    at: float
    seconds: float
    #: HTTP status, or the transport error's class name.
    outcome: int | str

    @property
    def failed(self) -> bool:
        return isinstance(self.outcome, str) or self.outcome in RETRYABLE_STATUS


@dataclass
class Call:
    """One logical request: its attempts, until one did not fail for a kill (or attempts ran out)."""

    what: str
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.attempts) and not self.attempts[-1].failed

    @property
    def retried(self) -> bool:
        return len(self.attempts) > 1

    @property
    def first_retry_ok(self) -> bool:
        return len(self.attempts) > 1 and not self.attempts[1].failed

    @property
    def seconds(self) -> float:
        return self.attempts[-1].at + self.attempts[-1].seconds - self.attempts[0].at


class GatewayFailed(Exception):
    """A request still failed after every retry."""


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)

    async def send(
        self, http: httpx2.AsyncClient, what: str, method: str, url: str, *, attempts: int = ATTEMPTS, **kwargs: Any
    ) -> httpx2.Response:
        """Send, retrying transport errors and 5xx; returns the first answer that is neither."""
        call = Call(what)
        self.calls.append(call)
        for attempt in range(attempts):
            started = time.monotonic()
            try:
                response = await http.request(method, url, **kwargs)
                call.attempts.append(Attempt(started, time.monotonic() - started, response.status_code))
                if response.status_code not in RETRYABLE_STATUS:
                    return response
            except httpx2.TransportError as exc:
                call.attempts.append(Attempt(started, time.monotonic() - started, type(exc).__name__))
            if attempt + 1 < attempts:
                await asyncio.sleep(RETRY_PAUSE_S * (attempt + 1))
        raise GatewayFailed(f"{what}: {[a.outcome for a in call.attempts]}")


# -- buyers -------------------------------------------------------------------------------------------------


@dataclass
class Purchase:
    mobile: str
    detail_id: int
    order_id: int | None = None
    #: The payment's status as the callback reported it (``paid`` once verified).
    status: str | None = None
    paid_at: float | None = None
    error: str | None = None


def _check(response: httpx2.Response, *expected: int) -> dict[str, Any]:
    if response.status_code not in expected:
        request = response.request
        raise AssertionError(f"{request.method} {request.url}: {response.status_code} {response.text[:300]}")
    return response.json() if response.content else {}


async def sign_up(api: httpx2.AsyncClient, sms: httpx2.AsyncClient, mobile: str, recorder: Recorder) -> str:
    """Sign up (or log in again) with the one-time code the SMS simulator received; the access token. A code
    whose verify committed before its answer was lost is spent, so a refused code is asked for again."""
    for _ in range(3):
        _check(await recorder.send(api, "code", "POST", "/auth/otp/request", json={"mobile": mobile}), 202)
        code = _check(await sms.get("/_control/otp", params={"mobile": mobile}), 200)["code"]
        answer = await recorder.send(api, "register", "POST", "/auth/otp/verify", json={"mobile": mobile, "code": code})
        if answer.status_code != 401:
            return _check(answer, 200)["access_token"]
    raise AssertionError(f"no session for {mobile} after three codes")


async def buy(api_url: str, sms_url: str, purchase: Purchase, recorder: Recorder) -> None:
    """Sign up, put one unit in the cart, check out, pay through the Zarinpal simulator, come back."""
    async with (
        httpx2.AsyncClient(base_url=api_url, timeout=TIMEOUT_S) as api,
        httpx2.AsyncClient(timeout=TIMEOUT_S) as bank,
        httpx2.AsyncClient(base_url=sms_url, timeout=TIMEOUT_S) as sms,
    ):
        token = await sign_up(api, sms, purchase.mobile, recorder)
        api.headers["Authorization"] = f"Bearer {token}"
        _check(await recorder.send(api, "cart", "PUT", f"/cart/lines/{purchase.detail_id}", json={"quantity": 1}), 200)
        purchase.order_id = await _checkout(api, recorder)
        started = _check(await recorder.send(api, "pay", "POST", f"/orders/{purchase.order_id}/pay"), 200)
        pressed = await bank.post(f"{started['redirect_url']}/pay")  # the simulator is never killed
        if pressed.status_code != 303:
            raise AssertionError(f"Zarinpal simulator answered {pressed.status_code}: {pressed.text[:200]}")
        outcome = _check(await recorder.send(api, "callback", "GET", pressed.headers["location"]), 200)
        # the order may already have moved on (``sent_to_accounting``) when a retried callback answers
        purchase.status = outcome["payment_status"]
        purchase.paid_at = time.monotonic()


async def _checkout(api: httpx2.AsyncClient, recorder: Recorder) -> int:
    """Check out once: before each try, look for the order a try whose answer was lost may have placed."""
    for _ in range(ATTEMPTS):
        mine = _check(await recorder.send(api, "orders", "GET", "/orders"), 200)
        if mine["items"]:
            return mine["items"][0]["id"]
        try:
            answer = await recorder.send(
                api, "checkout", "POST", "/checkout", attempts=1, json={"shipping_method": "post", "address": ADDRESS}
            )
        except GatewayFailed:
            continue
        return _check(answer, 201)["id"]
    raise GatewayFailed("checkout kept failing")


async def sellable_details(
    api_url: str, candidates: dict[int, int], needed: int, stock_floor: int, timeout_s: float
) -> list[int]:
    """Wait until ``needed`` of the candidate details (``detail -> product``) are on sale with at least
    ``stock_floor`` units, through the gateways; returns them."""
    deadline = time.monotonic() + timeout_s
    async with httpx2.AsyncClient(base_url=api_url, timeout=TIMEOUT_S) as api:
        while time.monotonic() < deadline:
            ready: list[int] = []
            for product in sorted(set(candidates.values())):
                try:
                    answer = await api.get(f"/products/{product}")
                except httpx2.TransportError:
                    continue
                if answer.status_code != 200:
                    continue
                for detail in answer.json().get("details", []):
                    if (
                        detail.get("detail_id") in candidates
                        and (detail.get("price_rial") or 0) > 0
                        and (detail.get("available") or 0) >= stock_floor
                    ):
                        ready.append(detail["detail_id"])
                if len(ready) >= needed:
                    return ready[:needed]
            await asyncio.sleep(1.0)
    raise TimeoutError(f"fewer than {needed} candidate details on sale after {timeout_s} s")


async def run_buyers(
    api_url: str,
    sms_url: str,
    details: list[int],
    orders: int,
    concurrency: int,
    recorder: Recorder,
    seed: int,
    arrival_every_s: float = 0.0,
) -> list[Purchase]:
    """``orders`` buyers, each one order of one unit, spread round-robin over ``details``; buyer ``i`` arrives
    ``i * arrival_every_s`` after the first, and at most ``concurrency`` shop at once."""
    tag = random.Random(seed).randrange(100, 1000)
    purchases = [Purchase(f"0939{tag}{i:04d}", details[i % len(details)]) for i in range(orders)]
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int, purchase: Purchase) -> None:
        await asyncio.sleep(index * arrival_every_s)
        async with gate:
            try:
                await buy(api_url, sms_url, purchase, recorder)
            except (GatewayFailed, AssertionError, KeyError, httpx2.HTTPError) as exc:
                purchase.error = f"{type(exc).__name__}: {exc}"

    await asyncio.gather(*(one(i, p) for i, p in enumerate(purchases)))
    return purchases


# -- the poller ---------------------------------------------------------------------------------------------


async def poll(api_url: str, path: str, stop: asyncio.Event, recorder: Recorder, every_s: float = 0.1) -> None:
    """Request ``path`` every ``every_s`` on a keep-alive client (as a browser would) until ``stop``."""
    async with httpx2.AsyncClient(base_url=api_url, timeout=TIMEOUT_S) as http:
        tick = time.monotonic()
        while not stop.is_set():
            try:
                await recorder.send(http, "poll", "GET", path)
            except GatewayFailed:
                pass  # recorded in its Call; the checks report it
            tick = max(tick + every_s, time.monotonic())
            await asyncio.sleep(max(0.0, tick - time.monotonic()))


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def latency_summary(calls: list[Call], since: float, until: float) -> dict[str, Any]:
    """Counts and p50/p95/p99 (seconds, a call's whole time with its retries) of calls started in the window."""
    window = [c for c in calls if c.attempts and since <= c.attempts[0].at <= until]
    seconds = [c.seconds for c in window if c.ok]
    return {
        "calls": len(window),
        "failed_attempts": sum(1 for c in window for a in c.attempts if a.failed),
        "retried_calls": sum(1 for c in window if c.retried),
        "failed_calls": sum(1 for c in window if not c.ok),
        "p50_s": _round(percentile(seconds, 50)),
        "p95_s": _round(percentile(seconds, 95)),
        "p99_s": _round(percentile(seconds, 99)),
        "max_s": _round(max(seconds, default=None)),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
