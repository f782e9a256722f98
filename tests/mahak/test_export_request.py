"""The export's SaveAllData records (``ports.export``) become the same wire request as Mahak's own models."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from pydantic import BaseModel

from hamgam.adapters.mahak import calls
from hamgam.adapters.mahak.export import WIRE_MODELS, MahakExportClient, save_all_request
from hamgam.adapters.mahak.wire import Entity
from hamgam.ports import export

PAID = datetime(2024, 3, 20, 7, 0, tzinfo=UTC)


#: Each list of a SaveAllData: its record and its wire model.
LISTS: dict[str, tuple[type[export.SaveItem], type[BaseModel]]] = {
    "people": (export.PersonSave, calls.PersonSave),
    "visitor_people": (export.VisitorPersonSave, calls.VisitorPersonSave),
    "orders": (export.OrderSave, calls.OrderSave),
    "order_details": (export.OrderDetailSave, calls.OrderDetailSave),
    "receipts": (export.ReceiptSave, calls.ReceiptSave),
}


@pytest.fixture
def sale() -> dict[str, list[dict[str, Any]]]:
    """One record of every list (its fields), children naming parents by client id, and None fields."""
    return {
        "people": [dict(person_client_id=1, person_group_id=4, first_name="علی", mobile="09121112233")],
        "visitor_people": [dict(visitor_person_client_id=2, visitor_id=3, person_client_id=1)],
        "orders": [
            dict(
                order_client_id=11,
                visitor_id=3,
                order_date=PAID,
                person_client_id=1,
                send_cost=Decimal(50000),
                other_cost=Decimal(3),
                shipping_address='{"title": "x"}',
            )
        ],
        "order_details": [
            dict(
                order_detail_client_id=12,
                order_client_id=11,
                product_detail_id=5,
                store_id=1,
                price=Decimal(125000),
                count1=Decimal("1.5"),
                tax_percent=Decimal(10),
                row_id=1,
            )
        ],
        "receipts": [
            dict(receipt_client_id=13, cash_amount=Decimal(130000), order_client_id=11, date=PAID, tracking_code="7")
        ],
    }


def test_records_go_out_as_the_wire_models_send_them(sale: dict[str, list[dict[str, Any]]]) -> None:
    # given: the sale as records, and as Mahak's own wire models
    records = export.SaveAllData(**{name: [LISTS[name][0](**f) for f in items] for name, items in sale.items()})
    wire_models = calls.SaveAllDataRequest(
        **{name: [LISTS[name][1](**f) for f in items] for name, items in sale.items()}
    )
    # when
    body = save_all_request(records).to_wire()
    # then: same keys in the same order, same values
    assert list(body) == list(wire_models.to_wire())
    assert body == wire_models.to_wire()
    assert body["orders"][0]["orderDate"] == "2024-03-20T10:30:00"
    assert body["people"][0] == {
        "personClientId": 1,
        "personGroupId": 4,
        "personType": 0,
        "firstName": "علی",
        "mobile": "09121112233",
    }
    assert "personAddresses" not in body  # empty lists are not sent


def test_empty_records_send_nothing() -> None:
    assert save_all_request(export.SaveAllData()).to_wire() == {}


def test_entities_are_named_as_mahak_names_them() -> None:
    # given: a client that records what it is asked
    asked: list[tuple[Entity, int]] = []

    class Client:
        session = None

        def iter_changes(self, entity: Entity, from_version: int = 0) -> object:
            asked.append((entity, from_version))
            return SimpleNamespace()

    mahak = MahakExportClient(Client())  # type: ignore[arg-type]  # a stand-in for the HTTP client
    # when
    mahak.iter_changes("OrderDetail", 42)
    # then
    assert asked == [(Entity.ORDER_DETAIL, 42)]
    assert mahak.session is None


@pytest.mark.parametrize("record", list(WIRE_MODELS), ids=lambda record: record.__name__)
def test_each_record_has_its_wire_models_fields(record: type[export.SaveItem]) -> None:
    # a field added to a record or to its wire model alone fails here
    assert {field.name for field in dataclasses.fields(record)} == set(WIRE_MODELS[record].model_fields)


def test_every_list_of_a_save_all_data_has_its_wire_list() -> None:
    records = {field.name for field in dataclasses.fields(export.SaveAllData)}
    assert records == set(calls.SaveAllDataRequest.model_fields) - {"person_addresses"}
    assert set(typing.get_args(export.SaveItem)) == set(WIRE_MODELS)


def test_the_wire_body_is_byte_for_byte_what_it_was() -> None:
    # given: every field of every record set
    records = export.SaveAllData(
        people=[
            export.PersonSave(
                person_client_id=1,
                person_code=9,
                person_group_id=4,
                person_type=1,
                first_name="علی",
                last_name="رضایی",
                organization="o",
                national_code="0012345678",
                mobile="09121112233",
                phone="021",
                email="a@b.ir",
                state="تهران",
                city="تهران",
                address="خیابان",
                postal_code="1234567890",
            )
        ],
        visitor_people=[
            export.VisitorPersonSave(visitor_person_client_id=2, visitor_id=3, person_id=8, person_client_id=1)
        ],
        orders=[
            export.OrderSave(
                order_client_id=11,
                visitor_id=3,
                order_date=PAID,
                person_id=8,
                person_client_id=1,
                order_type=201,
                settlement_type=1,
                send_cost=Decimal(50000),
                other_cost=Decimal(3),
                discount=Decimal("2.5"),
                description="d",
                shipping_address='{"title": "x"}',
            )
        ],
        order_details=[
            export.OrderDetailSave(
                order_detail_client_id=12,
                product_detail_id=5,
                store_id=1,
                price=Decimal(125000),
                count1=Decimal("1.5"),
                order_id=4,
                order_client_id=11,
                item_type=1,
                count2=Decimal(0),
                discount=Decimal(7),
                tax_percent=Decimal(10),
                charge_percent=Decimal("0.5"),
                row_id=1,
                description="r",
            )
        ],
        receipts=[
            export.ReceiptSave(
                receipt_client_id=13,
                cash_amount=Decimal(130000),
                visitor_id=3,
                person_id=8,
                person_client_id=1,
                order_id=4,
                order_client_id=11,
                cash_code=2,
                date=PAID,
                tracking_code="7",
                description="p",
            )
        ],
    )
    # when
    body = orjson.dumps(MahakExportClient(None).wire_body(records))  # type: ignore[arg-type]  # no client needed
    # then: the bytes the export has always sent (keys in this order)
    assert body.decode() == (
        '{"people":[{"personClientId":1,"personCode":9,"personGroupId":4,"personType":1,"firstName":"علی'
        '","lastName":"رضایی","organization":"o","nationalCode":"0012345678","mobile":"09121112233","pho'
        'ne":"021","email":"a@b.ir","state":"تهران","city":"تهران","address":"خیابان","postalCode":"1234'
        '567890"}],"visitorPeople":[{"visitorPersonClientId":2,"visitorId":3,"personId":8,"personClientI'
        'd":1}],"orders":[{"orderClientId":11,"visitorId":3,"personId":8,"personClientId":1,"orderType":'
        '201,"orderDate":"2024-03-20T10:30:00","settlementType":1,"sendCost":50000,"otherCost":3,"discou'
        'nt":2.5,"description":"d","shippingAddress":"{\\"title\\": \\"x\\"}"}],"orderDetails":[{"orderDetai'
        'lClientId":12,"orderId":4,"orderClientId":11,"itemType":1,"productDetailId":5,"storeId":1,"pric'
        'e":125000,"count1":1.5,"count2":0,"discount":7,"taxPercent":10,"chargePercent":0.5,"rowId":1,"d'
        'escription":"r"}],"receipts":[{"receiptClientId":13,"visitorId":3,"personId":8,"personClientId"'
        ':1,"orderId":4,"orderClientId":11,"cashAmount":130000,"cashCode":2,"date":"2024-03-20T10:30:00"'
        ',"trackingCode":"7","description":"p"}]}'
    )
