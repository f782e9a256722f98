"""The export's view of Mahak (``ports.export.MahakForExport``): the client, with the export's SaveAllData
records turned into the wire request here, and entities named as Mahak names them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from hamgam.adapters.mahak.calls import (
    LoginData,
    OrderDetailSave,
    OrderSave,
    PersonSave,
    ReceiptSave,
    SaveAllDataRequest,
    SaveResult,
    VisitorPersonSave,
)
from hamgam.adapters.mahak.client import MahakClient
from hamgam.adapters.mahak.paging import ChangePage
from hamgam.adapters.mahak.wire import Entity
from hamgam.ports import export


def _fields(record: Any) -> dict[str, Any]:
    # None is "not sent": leaving it out keeps the wire model's own default (None too), as before
    return {key: value for key, value in asdict(record).items() if value is not None}


def save_all_request(request: export.SaveAllData) -> SaveAllDataRequest:
    """The wire request carrying ``request``'s records, in the same order."""
    return SaveAllDataRequest(
        people=[PersonSave(**_fields(item)) for item in request.people],
        visitor_people=[VisitorPersonSave(**_fields(item)) for item in request.visitor_people],
        orders=[OrderSave(**_fields(item)) for item in request.orders],
        order_details=[OrderDetailSave(**_fields(item)) for item in request.order_details],
        receipts=[ReceiptSave(**_fields(item)) for item in request.receipts],
    )


class MahakExportClient:
    """``MahakForExport`` over one ``MahakClient`` (its session, login and limits are the client's)."""

    def __init__(self, client: MahakClient) -> None:
        self.client = client

    @property
    def session(self) -> LoginData | None:
        return self.client.session

    async def login(self) -> LoginData:
        return await self.client.login()

    def wire_body(self, request: export.SaveAllData) -> dict[str, Any]:
        return save_all_request(request).to_wire()

    async def save_all(self, request: export.SaveAllData) -> SaveResult:
        return await self.client.save_all(save_all_request(request))

    def iter_changes(self, entity: str, from_version: int = 0) -> AsyncIterator[ChangePage]:
        return self.client.iter_changes(Entity(entity), from_version)
