"""SaveAllData, SolveDispute, GetProductInfo and pictures against the simulator."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from hamgam.adapters.mahak import (
    Entity,
    MahakClient,
    MahakRejected,
    OrderDetailSave,
    OrderSave,
    PersonSave,
    ReceiptSave,
    SaveAllDataRequest,
    VisitorPersonSave,
)
from hamgam.adapters.mahak.wire import Order, ProductDetail
from hamgam_sim.mahak.server import RunningSimulator


def a_sale(client_id: int, product_detail_id: int, store_id: int, visitor_id: int = 1) -> SaveAllDataRequest:
    """A new customer, linked to the visitor, buying one item and paying online: one request."""
    return SaveAllDataRequest(
        people=[
            PersonSave(
                person_client_id=client_id,
                person_group_id=1,
                first_name="علی",
                last_name="رضایی",
                mobile="09121234567",
            )
        ],
        visitor_people=[
            VisitorPersonSave(visitor_person_client_id=client_id, visitor_id=visitor_id, person_client_id=client_id)
        ],
        orders=[
            OrderSave(
                order_client_id=client_id,
                visitor_id=visitor_id,
                person_client_id=client_id,
                order_date=datetime(2025, 1, 15, 10, 30),
                send_cost=Decimal(250_000),
                shipping_address='{"title": "خانه", "address": "تهران", "postalcode": "1234567890"}',
            )
        ],
        order_details=[
            OrderDetailSave(
                order_detail_client_id=client_id,
                order_client_id=client_id,
                product_detail_id=product_detail_id,
                store_id=store_id,
                price=Decimal(1_200_000),
                count1=Decimal(2),
            )
        ],
        receipts=[
            ReceiptSave(
                receipt_client_id=client_id,
                visitor_id=visitor_id,
                person_client_id=client_id,
                order_client_id=client_id,
                cash_amount=Decimal(2_650_000),
                tracking_code="ZP-1",
            )
        ],
    )


async def test_save_all_creates_related_rows_in_one_request(mahak: RunningSimulator, client: MahakClient) -> None:
    # given
    detail = (await client.get_page(Entity.PRODUCT_DETAIL, 0, 1))[0]
    store = (await client.get_page(Entity.STORE, 0, 1))[0]
    # when
    result = await client.save_all(a_sale(7001, detail.product_detail_id, store.store_id))
    # then
    assert result.result and result.ok and not result.failures()
    order = result.orders[0]
    assert order.entity_client_id == 7001 and order.entity_id and order.row_version
    [saved] = mahak.control.rows("Order", ids=[order.entity_id])
    assert saved["PersonId"] == result.people[0].entity_id and saved["SendCost"] == 250_000
    pulled = [row async for page in client.iter_changes(Entity.ORDER) for row in page.rows]
    assert isinstance(pulled[-1], Order) and pulled[-1].order_client_id == 7001


async def test_save_all_reports_each_failed_item(mahak: RunningSimulator, client: MahakClient) -> None:
    # given: a store that does not exist
    detail = (await client.get_page(Entity.PRODUCT_DETAIL, 0, 1))[0]
    # when
    result = await client.save_all(a_sale(7002, detail.product_detail_id, store_id=999_999))
    # then: Mahak's top-level Result is false, yet the customer was saved
    assert not result.result and not result.ok
    assert result.people[0].result and result.people[0].entity_id
    [(name, item)] = result.failures()
    assert name == "order_details" and item.index == 0 and item.errors[0].property == "StoreId"


async def test_save_all_duplicate_client_id_rejected(mahak: RunningSimulator, client: MahakClient) -> None:
    mahak.control.set_switches(duplicate_client_id="reject")
    request = SaveAllDataRequest(people=[PersonSave(person_client_id=7003, person_group_id=1, first_name="x")])
    assert (await client.save_all(request)).ok
    again = await client.save_all(request)
    assert not again.ok and again.people[0].errors[0].property == "PersonClientId"


async def test_solve_dispute_and_product_info(mahak: RunningSimulator, client: MahakClient) -> None:
    detail: ProductDetail = (await client.get_page(Entity.PRODUCT_DETAIL, 0, 1))[0]
    data = await client.solve_dispute(Entity.PRODUCT_DETAIL, [(detail.product_detail_id, detail.row_version)])
    assert data["Objects"]["ProductDetails"][0]["ProductDetailId"] == detail.product_detail_id
    info = await client.get_product_info(detail.product_id)
    assert info["Product"]["ProductId"] == detail.product_id
    with pytest.raises(MahakRejected, match="code 404"):
        await client.get_product_info(987_654)


async def test_download_picture_by_url_or_file_name(mahak: RunningSimulator, client: MahakClient) -> None:
    picture = (await client.get_page(Entity.PICTURE, 0, 1))[0]
    by_url = await client.download_picture(picture.url)
    by_name = await client.download_picture(picture.file_name)
    by_absolute = await client.download_picture(f"{mahak.base_url}/Content/Images/all/{picture.file_name}")
    assert by_url.startswith(b"\x89PNG") and by_url == by_name == by_absolute
    with pytest.raises(ValueError, match="not on the Mahak host"):
        await client.download_picture("https://example.com/x.png")
    with pytest.raises(MahakRejected, match="404"):
        await client.download_picture("no-such-file.png")
