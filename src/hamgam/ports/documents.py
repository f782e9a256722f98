"""Printable documents: the sales invoice as a file the buyer or staff download."""

from __future__ import annotations

from typing import Protocol

from hamgam.domain.sales_invoice import SalesInvoice


class InvoiceRenderer(Protocol):
    #: The media type of what ``render`` returns (``application/pdf``).
    media_type: str

    def render(self, invoice: SalesInvoice) -> bytes:
        """The invoice as a document (Persian, right to left, amounts in Toman, Jalali date)."""
