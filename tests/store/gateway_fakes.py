"""Payment gateways for tests that wrap the in-memory gateway: a slow verify, a verify applied then timed out, a
reverse that never answers."""

from __future__ import annotations

import asyncio

from hamgam.adapters.payments.memory import InMemoryPaymentGateway
from hamgam.domain.payments import InquiryResult, PaymentGatewayUnavailable, SessionStatus, VerifyResult


class VerifyThenTimeout:
    """The in-memory gateway whose verify, while ``armed``, is applied and then times out on the way back."""

    def __init__(self, inner: InMemoryPaymentGateway) -> None:
        self.inner = inner
        self.armed = False

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    async def verify(self, authority: str, amount_rial: int) -> VerifyResult:
        result = await self.inner.verify(authority, amount_rial)
        if self.armed:
            raise PaymentGatewayUnavailable("zarinpal verify: timed out (ReadTimeout)")
        return result


class SlowVerify:
    """The in-memory gateway whose verify waits for ``release``; counts verifies in flight."""

    def __init__(self, inner: InMemoryPaymentGateway) -> None:
        self.inner = inner
        self.release = asyncio.Event()
        self.in_flight = 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    async def verify(self, authority: str, amount_rial: int) -> VerifyResult:
        self.in_flight += 1
        await self.release.wait()
        return await self.inner.verify(authority, amount_rial)

    async def wait_in_flight(self, n: int) -> None:
        deadline = asyncio.get_running_loop().time() + 60
        while self.in_flight < n:
            assert asyncio.get_running_loop().time() < deadline, f"only {self.in_flight} of {n} verifies reached"
            await asyncio.sleep(0.01)


class FailingReverse:
    def __init__(self, inner: InMemoryPaymentGateway) -> None:
        self.inner = inner

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    async def reverse(self, authority: str):
        raise PaymentGatewayUnavailable("zarinpal reverse: timed out")


class UnreadableInquiry:
    """The in-memory gateway whose inquiry answers a status nobody knows."""

    def __init__(self, inner: InMemoryPaymentGateway) -> None:
        self.inner = inner

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    async def inquiry(self, authority: str) -> InquiryResult:
        return InquiryResult(authority, SessionStatus.UNKNOWN, 100, "Success")
