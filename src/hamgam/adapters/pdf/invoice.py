"""The sales invoice as a PDF (``hamgam.ports.documents.InvoiceRenderer``).

fpdf2 lays the page out; its text shaping (HarfBuzz, through ``uharfbuzz``) joins the Persian letters and runs
the Unicode bidi algorithm, so each line reads right to left and numbers stay left to right inside it. The font
is the storefront's own Vazirmatn (``hamgam.adapters.pdf.fonts``). Columns are placed from the right edge: the
first column a Persian reader meets is the row number.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from hamgam.adapters.pdf.fonts import FAMILY, FONTS, PersianFonts
from hamgam.domain.jalali import format_jalali_date
from hamgam.domain.persian import format_number, format_toman, to_persian_digits
from hamgam.domain.sales_invoice import Party, SalesInvoice

#: Columns from right to left: title and width in millimetres (A4 less 15 mm margins = 180 mm).
COLUMNS = (("ردیف", 12.0), ("شرح کالا", 78.0), ("تعداد", 20.0), ("قیمت واحد (تومان)", 35.0), ("مبلغ (تومان)", 35.0))
ROW_H = 8.0


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
        pdf = self._fonts.persian(self._document(), title)
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

    @staticmethod
    def _document() -> FPDF:
        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(15, 15, 15)
        pdf.set_auto_page_break(auto=True, margin=15)
        return pdf

    def _heading(self, pdf: FPDF, invoice: SalesInvoice) -> None:
        pdf.set_font(FAMILY, "B", 16)
        pdf.cell(0, 10, "فاکتور فروش", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "", 10)
        half = pdf.epw / 2
        pdf.cell(half, 7, f"تاریخ: {format_jalali_date(invoice.issued_at)}", align="L")
        pdf.cell(
            half,
            7,
            f"شماره سفارش: {to_persian_digits(str(invoice.order_id))}",
            align="R",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(2)

    def _party(self, pdf: FPDF, role: str, party: Party) -> None:
        pdf.set_font(FAMILY, "B", 11)
        pdf.cell(0, 7, f"{role}: {party.name}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "", 9)
        for detail in party.details:
            pdf.cell(0, 6, to_persian_digits(detail), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def _row(self, pdf: FPDF, cells: list[str], *, fill: bool = False) -> None:
        """One table row; ``cells`` in reading order (right to left on the page)."""
        x = pdf.l_margin + pdf.epw
        y = pdf.get_y()
        for (_title, width), value in zip(COLUMNS, cells, strict=True):
            x -= width
            pdf.set_xy(x, y)
            pdf.cell(width, ROW_H, value, border=1, align="R", fill=fill)
        pdf.set_xy(pdf.l_margin, y + ROW_H)

    def _lines(self, pdf: FPDF, invoice: SalesInvoice) -> None:
        pdf.set_fill_color(235, 235, 235)
        pdf.set_font(FAMILY, "B", 9)
        self._row(pdf, [title for title, _ in COLUMNS], fill=True)
        pdf.set_font(FAMILY, "", 9)
        for number, line in enumerate(invoice.lines, start=1):
            if pdf.will_page_break(ROW_H):
                pdf.add_page()
            self._row(
                pdf,
                [
                    to_persian_digits(str(number)),
                    line.name,
                    format_number(line.quantity),
                    format_toman(line.unit_price_rial, unit=False),
                    format_toman(line.total_rial, unit=False),
                ],
            )

    def _totals(self, pdf: FPDF, invoice: SalesInvoice) -> None:
        rows = [("جمع کالاها", invoice.items_rial)]
        if invoice.vat_rial:
            rows.append(("مالیات بر ارزش افزوده", invoice.vat_rial))
        rows += [("هزینه ارسال", invoice.shipping_rial), ("مبلغ کل", invoice.total_rial)]
        label_w, amount_w = 60.0, 45.0
        for label, amount in rows:
            bold = label == "مبلغ کل"
            pdf.set_font(FAMILY, "B" if bold else "", 10)
            y = pdf.get_y()
            pdf.set_xy(pdf.l_margin + pdf.epw - label_w, y)
            pdf.cell(label_w, ROW_H, label, border=1, align="R")
            pdf.set_xy(pdf.l_margin + pdf.epw - label_w - amount_w, y)
            pdf.cell(amount_w, ROW_H, format_toman(amount), border=1, align="R")
            pdf.set_xy(pdf.l_margin, y + ROW_H)
