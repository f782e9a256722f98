"""Printable documents: the sales invoice, the packing list and the shipping label, as files staff print (one
order or many, one document) and the buyer downloads (their invoice)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hamgam.domain.fulfilment import PackingList, ShippingLabel
from hamgam.domain.sales_invoice import SalesInvoice


class InvoiceRenderer(Protocol):
    #: The media type of what ``render`` returns (``application/pdf``).
    media_type: str

    def render(self, invoice: SalesInvoice) -> bytes:
        """The invoice as a document (Persian, right to left, amounts in Toman, Jalali date)."""

    def render_many(self, invoices: Sequence[SalesInvoice]) -> bytes:
        """Several invoices in one document, each from a new page (``invoices`` not empty)."""


class FulfilmentRenderer(Protocol):
    media_type: str

    def packing_lists(self, lists: Sequence[PackingList]) -> bytes:
        """One order per page: number, Jalali date, lines with variants and quantities, boxes to tick, no prices."""

    def labels(self, labels: Sequence[ShippingLabel]) -> bytes:
        """One A6 label per page: sender, receiver, carrier, the order number as a Code 128 barcode."""
