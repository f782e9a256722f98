"""Helpers shared by the page handlers: the router factory, form parsing (the address form, field errors) and
product-card data."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Response
from pydantic import BaseModel, Field

from hamgam.domain.checkout import Address
from hamgam.domain.errors import InvalidInput
from hamgam.domain.persian import to_latin_digits
from hamgam.entrypoints.web.deps import Page
from hamgam.entrypoints.web.routing import WebRoute
from hamgam.services.store.invoices import Document

_AMOUNT_NOISE = re.compile(r"[\s,٬'’_]")
MAX_PAGE = 10_000
#: A path id: PostgreSQL's bigint range, so a huge number is a 400 page, not a database error.
Id = Annotated[int, Path(ge=0, le=2**63 - 1)]


def page_router() -> APIRouter:
    """Every page route: HTML errors and CSRF checked on each state-changing request (``WebRoute``), kept out
    of the JSON API's OpenAPI document."""
    return APIRouter(route_class=WebRoute, include_in_schema=False)


def parse_int(raw: str | None, *, low: int = 0, high: int = 2**63 - 1) -> int | None:
    """An integer typed in any digits (Persian, Arabic, Latin), with thousands separators; None when empty
    or invalid."""
    if raw is None:
        return None
    text = _AMOUNT_NOISE.sub("", to_latin_digits(raw.strip()))
    if not text.isdigit() or len(text) > 18:
        return None
    value = int(text)
    return value if low <= value <= high else None


class AddressForm(BaseModel):
    """An address as typed in a form (the address book's, and checkout's new address)."""

    recipient_name: str = Field("", max_length=500)
    mobile: str = Field("", max_length=500)
    province: str = Field("", max_length=500)
    city: str = Field("", max_length=500)
    line: str = Field("", max_length=1000)
    postal_code: str = Field("", max_length=500)
    title: str = Field("", max_length=500)

    def values(self) -> dict[str, str]:
        """The fields as typed, to show the form again."""
        return self.model_dump()

    def parse(self) -> Address:
        """The validated address (``InvalidInput`` names every offending field)."""
        return Address.parse(**self.values())


#: The address form's fields, read from the posted form once.
AddressFields = Annotated[AddressForm, Form()]


def field_errors(page: Page, exc: InvalidInput) -> dict[str, str]:
    """Each offending field's message in the UI's language (all of them when the rule reported several)."""
    found = exc.details.get("errors")
    raw = found if isinstance(found, dict) else {exc.field or "form": exc.message}
    return {name: page.locale.error(str(message)) for name, message in raw.items()}


def toman_to_rial(raw: str | None) -> int | None:
    toman = parse_int(raw, high=10**14)
    return toman * 10 if toman is not None else None


async def with_covers(page: Page, products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Product rows with their cover image (``cover``: an image entry or None)."""
    images = page.container.images
    covers = await images.covers([p["product_id"] for p in products]) if images else {}
    return [p | {"cover": covers.get(p["product_id"])} for p in products]


def find_category(tree: list[dict[str, Any]], code: int, trail: tuple = ()) -> tuple[dict | None, tuple]:
    """The node with ``code`` and the path of its ancestors."""
    for node in tree:
        if node["code"] == code:
            return node, trail
        found, path = find_category(node["children"], code, (*trail, node))
        if found is not None:
            return found, path
    return None, ()


def document_response(document: Document) -> Response:
    """A generated document (``services.store.invoices.Document``) shown in the browser, saved under its name;
    private to whoever asked for it."""
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "content-disposition": f'inline; filename="{document.filename}"',
            "cache-control": "private, no-store",
        },
    )
