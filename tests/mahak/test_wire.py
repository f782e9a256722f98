"""Wire models: parsing Mahak's PascalCase rows and building camelCase requests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hamgam.adapters.mahak import (
    ContractViolation,
    Entity,
    GetAllDataRequest,
    OrderDetailSave,
    OrderSave,
    SaveAllDataRequest,
    SaveResult,
    md5_hex,
    parse_rows,
)
from hamgam.adapters.mahak.paging import validate_row, validate_rows
from hamgam.adapters.mahak.wire import ProductDetail

PRICES = {f"Price{level}": 0 for level in range(1, 11)}


def test_entity_names_cursor_list_key_and_id_field() -> None:
    assert Entity.PRODUCT.cursor == "fromProductVersion"
    assert Entity.PRODUCT.list_key == "Products"
    assert Entity.PRODUCT.id_field == "ProductId"
    assert Entity.PERSON.list_key == "People"
    assert Entity.VISITOR_PERSON.list_key == "VisitorPeople"
    assert Entity.EXTRA_DATA.list_key == "ExtraDatas"
    assert Entity.PRODUCT_CATEGORY.list_key == "ProductCategories"
    assert Entity.PRODUCT_DETAIL_STORE_ASSET.cursor == "fromProductDetailStoreAssetVersion"
    assert all(entity.model.__name__ == entity.value for entity in Entity)


def test_product_detail_parses_properties_prices_and_local_dates() -> None:
    # given
    raw = {
        "ProductDetailId": 5,
        "ProductId": 2,
        "Properties": '[{"C": 3, "V": "قرمز"}, {"C": 4, "V": 42}]',
        **PRICES,
        "Price3": 125000.5,
        "DefaultSellPriceLevel": -1,
        "Count1": -2,
        "RowVersion": 3_000_000_123,
        "CreateDate": "2024-03-20T10:15:00",
        "UpdateDate": "2024-03-20T06:45:00+00:00",
        "DataHash": None,
        "SomethingNew": "ignored",
    }
    # when
    (detail,) = parse_rows(Entity.PRODUCT_DETAIL, [raw])
    # then
    assert isinstance(detail, ProductDetail)
    assert [(p.code, p.value) for p in detail.properties] == [(3, "قرمز"), (4, "42")]
    assert detail.price3 == Decimal("125000.5") and detail.price() == detail.price1 and detail.price(3) == detail.price3
    assert detail.count1 == -2  # stock can be negative
    assert detail.create_date == datetime(2024, 3, 20, 10, 15)
    assert detail.update_date == datetime(2024, 3, 20, 10, 15)  # moved to Tehran time, offset dropped
    assert detail.data_hash == "" and detail.row_version == 3_000_000_123


@pytest.mark.parametrize(
    ("change", "field"),
    [({"Price1": None}, None), ({"Price1": -1}, "Price1"), ({"Properties": "not json"}, "Properties")],
)
def test_product_detail_rejects_bad_values(change: dict, field: str | None) -> None:
    raw = {"ProductDetailId": 5, "ProductId": 2, **PRICES, "RowVersion": 1, **change}
    if field is None:
        assert parse_rows(Entity.PRODUCT_DETAIL, [raw])[0].price1 == 0  # null price reads as 0
        return
    with pytest.raises(ContractViolation) as caught:
        parse_rows(Entity.PRODUCT_DETAIL, [raw])
    assert caught.value.field == field and caught.value.row_id == 5


def test_requests_go_out_camel_case_with_numbers() -> None:
    # given
    request = SaveAllDataRequest(
        orders=[
            OrderSave(
                order_client_id=11,
                visitor_id=1,
                person_id=7,
                order_type=201,
                send_cost=Decimal(50000),
                order_date=datetime(2024, 3, 20, 7, 0, tzinfo=UTC),
                shipping_address='{"title": "x"}',
            )
        ],
        order_details=[
            OrderDetailSave(
                order_detail_client_id=12,
                order_client_id=11,
                product_detail_id=5,
                store_id=1,
                price=Decimal("125000"),
                count1=Decimal("1.5"),
            )
        ],
    )
    # when
    body = request.to_wire()
    # then
    assert set(body) == {"orders", "orderDetails"}
    assert body["orders"][0]["orderDate"] == "2024-03-20T10:30:00"
    assert body["orders"][0]["sendCost"] == 50000
    assert body["orderDetails"][0] == {
        "orderDetailClientId": 12,
        "orderClientId": 11,
        "itemType": 1,
        "productDetailId": 5,
        "storeId": 1,
        "price": 125000,
        "count1": 1.5,
    }
    assert GetAllDataRequest(cursors={Entity.PRODUCT: 9}, current_visitor_id=1, page_size=10).to_wire() == {
        "fromProductVersion": 9,
        "currentVisitorId": 1,
        "pageSize": 10,
    }
    assert md5_hex("demo") == "fe01ce2a7fbac8fafaed7c982a04e229"


def test_save_result_reports_every_item() -> None:
    data = {
        "Objects": {
            "People": {"Results": [{"Result": True, "Index": 0, "EntityId": 70, "EntityClientId": 5, "RowVersion": 9}]},
            "Orders": {
                "Results": [
                    {
                        "Result": False,
                        "Index": 0,
                        "EntityClientId": 6,
                        "Errors": [{"Property": "StoreId", "Code": 17, "Error": "انبار نامعتبر"}],
                    }
                ]
            },
        }
    }
    result = SaveResult.from_envelope(False, "خطا", data)
    assert not result.ok
    assert result.people[0].entity_id == 70
    [(name, failed)] = result.failures()
    assert name == "orders" and failed.errors[0].property == "StoreId"


def test_catalogue_rows_read_nulls_text_numbers_and_dates_by_the_same_rules() -> None:
    # given: nulls where Mahak sends them, numbers as text, an aware time and a blank one
    product = {
        "ProductId": 9,
        "Name": "چای",
        "UnitName": None,
        "Description": None,
        "Tags": None,
        "UnitRatio": "12",
        "RowVersion": "77",
        "Deleted": "true",
        "CreateDate": "",
        "UpdateDate": "2024-03-20T06:45:00Z",
    }
    link = {"VisitorProductId": 1, "ProductDetailId": 5, "VisitorId": 3, "Price": None, "RowVersion": 1}
    # when
    (row,) = parse_rows(Entity.PRODUCT, [product])
    (visitor_product,) = parse_rows(Entity.VISITOR_PRODUCT, [link])
    # then
    assert (row.name, row.unit_name, row.description, row.tags, row.data_hash) == ("چای", "", "", "", "")
    assert row.unit_ratio == 12 and row.row_version == 77 and row.deleted is True
    assert row.create_date is None and row.update_date == datetime(2024, 3, 20, 10, 15)
    assert visitor_product.price == 0
    assert row.to_wire()["UpdateDate"] == "2024-03-20T10:15:00"


@pytest.mark.parametrize(
    ("entity", "raw", "field"),
    [
        (Entity.PRODUCT, {"ProductId": 9, "Name": 12345, "RowVersion": 1}, "Name"),
        (Entity.PRODUCT, {"ProductId": 9, "Name": "x", "RowVersion": 1, "UpdateDate": "yesterday"}, "UpdateDate"),
        (Entity.PRODUCT, {"Name": "x", "RowVersion": 1}, "ProductId"),
        (Entity.PRODUCT_DETAIL, {"ProductDetailId": 9, "ProductId": 1, "RowVersion": 1}, "Price1"),
        (Entity.PRODUCT_DETAIL_STORE_ASSET, {"ProductDetailStoreAssetId": 9, "RowVersion": 1}, "ProductDetailId"),
        (
            Entity.VISITOR_PRODUCT,
            {"VisitorProductId": 9, "ProductDetailId": 5, "VisitorId": 3, "Price": -1, "RowVersion": 1},
            "Price",
        ),
        (
            Entity.PRODUCT_DETAIL_STORE_ASSET,
            {"ProductDetailStoreAssetId": 9, "ProductDetailId": 1, "StoreId": 1, "Count1": None, "RowVersion": 1},
            "Count1",
        ),
    ],
)
def test_catalogue_rows_name_the_field_at_fault(entity: Entity, raw: dict, field: str) -> None:
    with pytest.raises(ContractViolation) as caught:
        parse_rows(entity, [raw])
    assert caught.value.field == field and caught.value.entity == entity.value


def test_a_page_validated_at_once_reads_as_its_rows_one_by_one() -> None:
    # given
    good = {"ProductDetailId": 5, "ProductId": 2, **PRICES, "Properties": '[{"C": 1, "V": 2.5}]', "RowVersion": 1}
    bad = {**good, "ProductDetailId": 6, "Price4": -3}
    # when
    whole = validate_rows(Entity.PRODUCT_DETAIL, [good, {**good, "ProductDetailId": 7}])
    mixed = validate_rows(Entity.PRODUCT_DETAIL, [good, bad, "not a row"])
    # then
    assert whole == [
        validate_row(Entity.PRODUCT_DETAIL, good),
        validate_row(Entity.PRODUCT_DETAIL, {**good, "ProductDetailId": 7}),
    ]
    assert whole[0].properties[0].value == "2.5"
    assert mixed[0] == whole[0]
    assert isinstance(mixed[1], ContractViolation) and (mixed[1].row_id, mixed[1].field) == (6, "Price4")
    assert isinstance(mixed[2], ContractViolation) and mixed[2].row_id is None
