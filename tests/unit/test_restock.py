"""«خبرم کن»: the service's rules over the in-memory store, and the SMS text."""

from __future__ import annotations

import pytest

from hamgam.domain import restock
from hamgam.domain.errors import NotFound
from hamgam.services.store.notifier import render
from hamgam.services.store.restock import RestockService
from tests.fakes.store import StoreData, store_uow


@pytest.fixture
def data() -> StoreData:
    found = StoreData()
    found.add_product(11, product_id=1, name="قابلمه", on_hand=0)
    found.add_product(12, product_id=1, name="قابلمه", on_hand=0)
    return found


async def test_one_pending_request_per_buyer_and_product_or_variant(data: StoreData) -> None:
    service = RestockService(store_uow(data))
    assert await service.request(7, "09120000000", 1) is True
    assert await service.request(7, "09120000000", 1) is False
    # a variant is its own request; another buyer too
    assert await service.request(7, "09120000000", 1, 12) is True
    assert await service.request(8, "09120000001", 1) is True
    assert [(r["product_id"], r["detail_id"]) for r in await service.pending(7)] == [(1, 12), (1, None)]


async def test_unknown_product_or_a_detail_of_another_product_is_refused(data: StoreData) -> None:
    service = RestockService(store_uow(data))
    with pytest.raises(NotFound):
        await service.request(7, "09120000000", 2)
    with pytest.raises(NotFound):
        await service.request(7, "09120000000", 1, 99)
    assert data.restock == {}


async def test_only_the_owner_cancels_and_only_once(data: StoreData) -> None:
    service = RestockService(store_uow(data))
    await service.request(7, "09120000000", 1)
    (request,) = await service.pending(7)
    with pytest.raises(NotFound):
        await service.cancel(8, request["id"])
    await service.cancel(7, request["id"])
    assert await service.pending(7) == []
    with pytest.raises(NotFound):
        await service.cancel(7, request["id"])


def test_the_sms_names_the_product_in_persian_digits_and_links_to_it() -> None:
    event = restock.event(mobile="09120000000", product_id=5, name="كتري مدل 2", url="https://shop.example/product/5")
    assert render(event) == "«کتری مدل ۲» دوباره موجود شد: https://shop.example/product/5"
    # the shop's own text (admin settings) is used when set
    custom = {"restock": "خبر خوب! {product} رسید. {link}"}
    assert render(event, custom) == "خبر خوب! «کتری مدل ۲» رسید. https://shop.example/product/5"
