"""PDF documents (fpdf2 with HarfBuzz text shaping, the storefront's Vazirmatn font embedded).

``PdfDocuments`` is what the container wires: it renders invoices, packing lists and labels, and imports fpdf2,
fontTools (which loads numpy) and the barcode library only when a first document is rendered. Every role builds
the container, but only the gateway prints; imported eagerly they cost every process about 270 modules and 30 MB.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hamgam.adapters.pdf.fulfilment import PdfFulfilmentRenderer
    from hamgam.adapters.pdf.invoice import PdfInvoiceRenderer
    from hamgam.domain.fulfilment import PackingList, ShippingLabel
    from hamgam.domain.sales_invoice import SalesInvoice


class PdfDocuments:
    """The shop's printable documents (``ports.documents.InvoiceRenderer`` and ``FulfilmentRenderer``), sharing
    one font cache, built on first use."""

    media_type = "application/pdf"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._renderers: tuple[PdfInvoiceRenderer, PdfFulfilmentRenderer] | None = None

    def _built(self) -> tuple[PdfInvoiceRenderer, PdfFulfilmentRenderer]:
        with self._lock:
            if self._renderers is None:
                from hamgam.adapters.pdf.fonts import PersianFonts
                from hamgam.adapters.pdf.fulfilment import PdfFulfilmentRenderer
                from hamgam.adapters.pdf.invoice import PdfInvoiceRenderer

                fonts = PersianFonts()
                self._renderers = (PdfInvoiceRenderer(shared=fonts), PdfFulfilmentRenderer(shared=fonts))
            return self._renderers

    def render(self, invoice: SalesInvoice) -> bytes:
        return self._built()[0].render(invoice)

    def render_many(self, invoices: Sequence[SalesInvoice]) -> bytes:
        return self._built()[0].render_many(invoices)

    def packing_lists(self, lists: Sequence[PackingList]) -> bytes:
        return self._built()[1].packing_lists(lists)

    def labels(self, labels: Sequence[ShippingLabel]) -> bytes:
        return self._built()[1].labels(labels)
