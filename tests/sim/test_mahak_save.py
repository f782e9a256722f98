import json

import httpx2
import pytest

SHIPPING = json.dumps(
    {
        "title": "منزل",
        "address": "تهران، خیابان آزادی",
        "postalcode": "1234567890",
        "mobile": "09120000000",
        "cityid": 2,
    },
    ensure_ascii=False,
)


def _stock(sim, detail_id: int, store_id: int = 1) -> float:
    assets = sim.control.rows("ProductDetailStoreAsset")
    return next(a["Count1"] for a in assets if a["ProductDetailId"] == detail_id and a["StoreId"] == store_id)


def _sale(client: int, *, link: bool, order_type: int = 201, count1: float = 2, detail_id: int = 4) -> dict:
    lists = {
        "people": [
            {
                "personClientId": client,
                "personGroupId": 1,
                "firstName": "سارا",
                "lastName": "کیانی",
                "mobile": "09121234567",
            }
        ],
        "orders": [
            {
                "orderClientId": client,
                "personClientId": client,
                "visitorId": 1,
                "orderType": order_type,
                "settlementType": 1,
                "sendCost": 0,
                "description": "سفارش سایت",
                "shippingAddress": SHIPPING,
            }
        ],
        "orderDetails": [
            {
                "orderDetailClientId": client,
                "orderClientId": client,
                "itemType": 1,
                "productDetailId": detail_id,
                "storeId": 1,
                "price": 1_250_000,
                "count1": count1,
            }
        ],
    }
    if link:
        lists["visitorPeople"] = [{"visitorPersonClientId": client, "personClientId": client, "visitorId": 1}]
    return lists


def test_save_reports_every_item_and_keeps_the_good_ones(mahak, sim):
    # given one good and one bad person, and an order whose second line has no store
    answer = mahak.save(
        people=[
            {"personClientId": 501, "personGroupId": 1, "firstName": "علی"},
            {"personClientId": 502, "personGroupId": 999, "firstName": "رضا"},
        ],
        orders=[{"orderClientId": 601, "personClientId": 501, "orderType": 201, "shippingAddress": SHIPPING}],
        orderDetails=[
            {
                "orderDetailClientId": 701,
                "orderClientId": 601,
                "productDetailId": 1,
                "storeId": 1,
                "price": 100_000,
                "count1": 1,
            },
            {
                "orderDetailClientId": 702,
                "orderClientId": 601,
                "productDetailId": 1,
                "price": 100_000,
                "count1": 1,
            },
            {
                "orderDetailClientId": 703,
                "orderClientId": 601,
                "productDetailId": 999_999,
                "storeId": 1,
                "price": 100_000,
                "count1": 1,
            },
        ],
    )
    # then
    objects = answer["Data"]["Objects"]
    assert answer["Result"] is False
    people = objects["People"]["Results"]
    assert [(r["Index"], r["Result"]) for r in people] == [(0, True), (1, False)]
    assert people[0]["EntityId"] > 0 and people[0]["EntityClientId"] == 501 and people[0]["RowVersion"] > 2**31
    assert people[1]["Errors"][0]["Property"] == "PersonGroupId"
    details = objects["OrderDetails"]["Results"]
    assert [r["Result"] for r in details] == [True, False, False]
    assert details[1]["Errors"][0]["Property"] == "StoreId"
    assert details[2]["Errors"][0]["Property"] == "ProductDetailId"
    order = objects["Orders"]["Results"][0]
    assert order["Result"] is True and order["EntityCode"] > 0
    assert [r["PersonClientId"] for r in sim.control.rows("Person") if r["PersonClientId"] in (501, 502)] == [501]


def test_saved_order_is_visible_through_get_all_data(mahak, sim):
    cursor = sim.control.max_row_version()
    answer = mahak.save(
        **_sale(801, link=True),
        receipts=[
            {
                "receiptClientId": 801,
                "personClientId": 801,
                "orderClientId": 801,
                "cashAmount": 2_500_000,
                "trackingCode": "ZP-123",
            }
        ],
    )
    assert answer["Result"] is True
    objects = mahak.pull(
        fromOrderVersion=cursor,
        fromOrderDetailVersion=cursor,
        fromReceiptVersion=cursor,
        fromPersonVersion=cursor,
    )
    order = objects["Orders"][0]
    assert order["OrderClientId"] == 801 and order["OrderCode"] > 0 and order["ShippingAddress"] == SHIPPING
    assert objects["OrderDetails"][0]["OrderId"] == order["OrderId"]
    assert objects["Receipts"][0]["OrderId"] == order["OrderId"] and objects["Receipts"][0]["TrackingCode"] == "ZP-123"
    assert objects["People"][0]["PersonClientId"] == 801


def test_order_without_visitor_person_link_moves_no_stock(mahak, sim):
    before = _stock(sim, 4)
    answer = mahak.save(**_sale(901, link=False))
    assert answer["Result"] is True  # Result=true does not prove a real sale
    assert _stock(sim, 4) == before


def test_linked_sale_moves_stock_with_a_new_row_version_and_a_return_puts_it_back(mahak, sim):
    # given
    before = _stock(sim, 4)
    detail_before = sim.control.rows("ProductDetail", ids=[4])[0]
    cursor = sim.control.max_row_version()
    # when a linked customer buys 2
    assert mahak.save(**_sale(902, link=True, count1=2))["Result"] is True
    # then the store asset, the detail and the visitor link all drop by 2 and come back through a pull
    assert _stock(sim, 4) == before - 2
    assert sim.control.rows("ProductDetail", ids=[4])[0]["Count1"] == detail_before["Count1"] - 2
    objects = mahak.pull(fromProductDetailStoreAssetVersion=cursor, fromProductDetailVersion=cursor)
    asset = next(a for a in objects["ProductDetailStoreAssets"] if a["ProductDetailId"] == 4 and a["StoreId"] == 1)
    assert asset["Count1"] == before - 2 and asset["RowVersion"] > cursor
    # when the same customer returns 1 (order type 202)
    returned = _sale(903, link=False, order_type=202, count1=1)
    returned["orders"][0].pop("personClientId")
    returned["orders"][0]["personId"] = sim.control.rows("Person")[-1]["PersonId"]
    returned.pop("people")
    assert mahak.save(**returned)["Result"] is True
    assert _stock(sim, 4) == before - 1


def test_stock_moves_after_n_pulls_when_switched(mahak, sim):
    sim.control.set_switches(stock_move_after_pulls=2)
    before = _stock(sim, 4)
    assert mahak.save(**_sale(904, link=True))["Result"] is True
    assert _stock(sim, 4) == before and sim.control.stats()["pending_stock_moves"] == 1
    mahak.pull(fromStoreVersion=0)
    assert _stock(sim, 4) == before
    mahak.pull(fromStoreVersion=0)
    assert _stock(sim, 4) == before - 2


def test_duplicate_client_id_updates_by_default(mahak, sim):
    first = mahak.save(people=[{"personClientId": 77, "personGroupId": 1, "firstName": "مینا"}])
    again = mahak.save(people=[{"personClientId": 77, "personGroupId": 1, "firstName": "مینا جان"}])
    a, b = first["Data"]["Objects"]["People"]["Results"][0], again["Data"]["Objects"]["People"]["Results"][0]
    assert b["Result"] is True and b["EntityId"] == a["EntityId"] and b["RowVersion"] > a["RowVersion"]
    stored = [r for r in sim.control.rows("Person") if r["PersonClientId"] == 77]
    assert len(stored) == 1 and stored[0]["FirstName"] == "مینا جان"


def test_duplicate_client_id_rejected_when_switched(mahak, sim):
    sim.control.set_switches(duplicate_client_id="reject")
    first = mahak.save(people=[{"personClientId": 78, "personGroupId": 1, "firstName": "کاوه"}])
    again = mahak.save(people=[{"personClientId": 78, "personGroupId": 1, "firstName": "دیگر"}])
    result = again["Data"]["Objects"]["People"]["Results"][0]
    assert again["Result"] is False and result["Result"] is False
    assert result["Errors"][0]["Property"] == "PersonClientId"
    assert result["EntityId"] == first["Data"]["Objects"]["People"]["Results"][0]["EntityId"]
    assert [r["FirstName"] for r in sim.control.rows("Person") if r["PersonClientId"] == 78] == ["کاوه"]


def test_child_of_a_failed_parent_fails_and_shipping_address_must_be_a_string(mahak):
    answer = mahak.save(
        people=[{"personClientId": 90, "personGroupId": 12345}],
        orders=[
            {"orderClientId": 91, "personClientId": 90},
            {"orderClientId": 92, "personId": 1, "shippingAddress": {"address": "not a string"}},
        ],
    )
    results = answer["Data"]["Objects"]["Orders"]["Results"]
    assert [r["Errors"][0]["Property"] for r in results] == ["PersonClientId", "ShippingAddress"]


def test_save_needs_a_token(sim, new_wire):
    wire = new_wire()
    assert wire.post("/Sync/SaveAllData", {"people": []}).status_code == 401


def test_control_rejects_unknown_fields(sim):
    with pytest.raises(httpx2.HTTPStatusError) as caught:
        sim.control.upsert_rows("Product", [{"Nmae": "typo"}])
    assert caught.value.response.status_code == 400


@pytest.mark.parametrize(("batch", "stamped"), [("same", "the invoice's"), ("later", "a newer")])
def test_sale_moves_stock_in_the_save_batch_or_a_later_one_as_switched(mahak, sim, batch, stamped):
    # given a Mahak that moves a sale's stock in the save's own change batch, or in one of its own just after
    sim.control.set_switches(stock_move_batch=batch)
    before = _stock(sim, 4)
    # when a linked customer buys 2
    answer = mahak.save(**_sale(905, link=True, count1=2))
    assert answer["Result"] is True
    invoice = answer["Data"]["Objects"]["Orders"]["Results"][0]["RowVersion"]
    # then the stock drops at once, its rows stamped with the invoice's RowVersion or a newer one
    asset = next(
        a for a in sim.control.rows("ProductDetailStoreAsset") if a["ProductDetailId"] == 4 and a["StoreId"] == 1
    )
    [link] = [
        v for v in sim.control.rows("VisitorProduct", live=True) if v["ProductDetailId"] == 4 and v["VisitorId"] == 1
    ]
    assert asset["Count1"] == before - 2
    versions = {asset["RowVersion"], link["RowVersion"]}
    assert versions == {invoice} if stamped == "the invoice's" else min(versions) > invoice


def test_invoice_total_follows_mahaks_rule_and_setting_14008(mahak, sim):
    # given a sale of two lines with tax and charge percents, a send cost, other costs and an order discount
    body = _sale(7001, link=True)
    body["orders"][0].update(sendCost=450_000, otherCost=3, discount=1_000)
    body["orderDetails"][0].update(price=15, count1=1, taxPercent=0, chargePercent=9)
    body["orderDetails"].append(
        {
            "orderDetailClientId": 7002,
            "orderClientId": 7001,
            "itemType": 1,
            "productDetailId": 5,
            "storeId": 1,
            "price": 1_000_000,
            "count1": 3,
            "discount": 500,
            "taxPercent": 2.5,
            "chargePercent": 7.25,
        }
    )
    answer = mahak.save(**body)
    assert answer["Result"], answer
    order_id = answer["Data"]["Objects"]["Orders"]["Results"][0]["EntityId"]
    # then each line is price × count − discount plus each levy rounded half up, and the order's own amounts
    # (15 + round(1.35); 2,999,500 + round(74,987.5) + round(217,463.75)), while tax is on ...
    assert sim.control.invoice_total(order_id) == (15 + 1) + (2_999_500 + 74_988 + 217_464) + 450_000 + 3 - 1_000
    # ... and without any levy once Setting 14008 turns tax off
    [switch] = [r for r in sim.control.rows("Setting", live=True) if r["SettingCode"] == 14008]
    sim.control.upsert_rows("Setting", [{"SettingId": switch["SettingId"], "Value": "0"}])
    assert sim.control.invoice_total(order_id) == 15 + 2_999_500 + 450_000 + 3 - 1_000
