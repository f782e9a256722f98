"""One Zarinpal simulator per session on loopback, reset before each test; adapters with short timeouts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from hamgam.adapters.payments.zarinpal import ZarinpalGateway
from hamgam_sim.zarinpal.server import RunningZarinpal, serve_in_thread

#: Client timeout of the adapter under test; the simulator's hangs last far longer.
CLIENT_TIMEOUT_S = 0.5


@pytest.fixture(scope="session")
def zarinpal_server() -> Iterator[RunningZarinpal]:
    with serve_in_thread() as running:
        yield running


@pytest.fixture
def zarinpal(zarinpal_server: RunningZarinpal) -> RunningZarinpal:
    zarinpal_server.control.reset()
    return zarinpal_server


@pytest.fixture
async def gateway(zarinpal: RunningZarinpal) -> AsyncIterator[ZarinpalGateway]:
    async with ZarinpalGateway(
        base_url=zarinpal.base_url,
        merchant_id=zarinpal.merchant_id,
        timeout_s=CLIENT_TIMEOUT_S,
        connect_timeout_s=CLIENT_TIMEOUT_S,
    ) as adapter:
        yield adapter
