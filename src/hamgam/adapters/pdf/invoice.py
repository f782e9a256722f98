"""The sales invoice as a PDF (``hamgam.ports.documents.InvoiceRenderer``).

fpdf2 lays the page out; its text shaping (HarfBuzz, through ``uharfbuzz``) joins the Persian letters and runs
the Unicode bidi algorithm, so each line reads right to left and numbers stay left to right inside it. The font
is the storefront's own Vazirmatn (``hamgam.adapters.pdf.fonts``). The page, heading and table are drawn as on the
packing list (``hamgam.adapters.pdf.layout``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF

from hamgam.adapters.pdf import layout
from hamgam.adapters.pdf.fonts import FAMILY, FONTS, PersianFonts
from hamgam.domain.jalali import format_jalali_date
from hamgam.domain.persian import format_number, format_toman, to_persian_digits
from hamgam.domain.sales_invoice import Party, SalesInvoice

#: Columns from right to left: title and width in millimetres (A4 less 15 mm margins = 180 mm).
COLUMNS = (("ردیف", 12.0), ("شرح کالا", 78.0), ("تعداد", 20.0), ("قیمت واحد (تومان)", 35.0), ("مبلغ (تومان)", 35.0))


class PdfInvoiceRenderer:
    media_type = "application/pdf"

    def __init__(
        self, fonts: Path = FONTS, cache_dir: Path | None = None, *, shared: PersianFonts | None = None
    ) -> None:
        self._fonts = shared or PersianFonts(fonts, cache_dir)

    def render(self, invoice: SalesInvoice) -> bytes:
        return self.render_many([invoice])

    def render_many(self, invoices: Sequence[SalesInvoice]) -> bytes:
        """Several invoices in one document, each starting on a new page."""
        first = invoices[0]
        title = f"فاکتور فروش سفارش {to_persian_digits(str(first.order_id))}"
        pdf = self._fonts.persian(layout.a4_document(), title)
        for invoice in invoices:
            pdf.add_page()
            self._heading(pdf, invoice)
            self._party(pdf, "فروشنده", invoice.seller)
            self._party(pdf, "خریدار", invoice.buyer)
            pdf.ln(3)
            self._lines(pdf, invoice)
            pdf.ln(3)
            self._totals(pdf, invoice)
        return bytes(pdf.output())

    def _heading(self, pdf: FPDF, invoice: SalesInvoice) -> None:
        layout.heading(pdf, "فاکتور فروش", f"تاریخ: {format_jalali_date(invoice.issued_at)}", invoice.order_id)
        pdf.ln(2)

    def _party(self, pdf: FPDF, role: str, party: Party) -> None:
        pdf.set_font(FAMILY, "B", 11)
        layout.line(pdf, 7, f"{role}: {party.name}")
        pdf.set_font(FAMILY, "", 9)
        for detail in party.details:
            layout.line(pdf, 6, to_persian_digits(detail))

    def _lines(self, pdf: FPDF, invoice: SalesInvoice) -> None:
        rows = (
            [
                to_persian_digits(str(number)),
                line.name,
                format_number(line.quantity),
                format_toman(line.unit_price_rial, unit=False),
                format_toman(line.total_rial, unit=False),
            ]
            for number, line in enumerate(invoice.lines, start=1)
        )
        layout.table(pdf, COLUMNS, rows, size=9)

    def _totals(self, pdf: FPDF, invoice: SalesInvoice) -> None:
        rows = [("جمع کالاها", invoice.items_rial)]
        if invoice.vat_rial:
            rows.append(("مالیات بر ارزش افزوده", invoice.vat_rial))
        rows += [("هزینه ارسال", invoice.shipping_rial), ("مبلغ کل", invoice.total_rial)]
        columns = (("", 60.0), ("", 45.0))  # the label at the right edge, the amount left of it
        for label, amount in rows:
            pdf.set_font(FAMILY, "B" if label == "مبلغ کل" else "", 10)
            layout.row(pdf, columns, [label, format_toman(amount)])
