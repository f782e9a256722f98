"""The export's view of Mahak (``ports.export.MahakForExport``): the client, with the export's SaveAllData
records turned into the wire request here, and entities named as Mahak names them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import asdict, fields
from typing import Any

from pydantic import BaseModel

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

#: Each SaveAllData record and the wire model that sends it (the same fields: ``tests/mahak`` holds them equal).
WIRE_MODELS: Mapping[type[export.SaveItem], type[BaseModel]] = {
    export.PersonSave: PersonSave,
    export.VisitorPersonSave: VisitorPersonSave,
    export.OrderSave: OrderSave,
    export.OrderDetailSave: OrderDetailSave,
    export.ReceiptSave: ReceiptSave,
}


def wire_item(record: export.SaveItem) -> BaseModel:
    """The wire model of one record, validated from its fields."""
    # None is "not sent": leaving it out keeps the wire model's own default (None too)
    values = {key: value for key, value in asdict(record).items() if value is not None}
    return WIRE_MODELS[type(record)].model_validate(values)


def save_all_request(request: export.SaveAllData) -> SaveAllDataRequest:
    """The wire request carrying ``request``'s records, list by list in the same order (the lists share names)."""
    return SaveAllDataRequest.model_validate(
        {field.name: [wire_item(item) for item in getattr(request, field.name)] for field in fields(request)}
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
