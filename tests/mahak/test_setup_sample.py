"""The first-run setup's sample read straight from Mahak (the simulator): details with their names, ten prices in
Mahak's unit, the visitor link's stock and the stock per store, and guesses that follow from them."""

from __future__ import annotations

from hamgam.adapters.mahak import MahakClient
from hamgam.adapters.mahak.setup_sample import MahakSetupSamples
from hamgam.domain.setup_detect import detect


async def test_the_sample_from_mahak_carries_prices_and_stock(client: MahakClient) -> None:
    samples = await MahakSetupSamples(client, page_size=100).setup_samples(20)
    assert 0 < len(samples) <= 20
    assert all(len(s.prices) == 10 and s.name for s in samples)
    assert any(p > 0 for s in samples for p in s.prices)
    assert len({s.detail_id for s in samples}) == len(samples)
    assert any(s.visitor_stock is not None for s in samples)
    found = detect(samples)
    assert found.samples == len(samples) and found.level >= 1
