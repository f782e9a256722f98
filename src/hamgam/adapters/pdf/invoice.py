"""The sales invoice as a PDF (``hamgam.ports.documents.InvoiceRenderer``).

fpdf2 lays the page out; its text shaping (HarfBuzz, through ``uharfbuzz``) joins the Persian letters and runs
the Unicode bidi algorithm, so each line reads right to left and numbers stay left to right inside it. The font
is the storefront's own Vazirmatn: its WOFF2 files are unpacked to TrueType once per process (rebuilding WOFF2
glyphs on every invoice costs seconds), then subset and embedded. Columns are placed from the right edge: the
first column a Persian reader meets is the row number.

fpdf2 and fontTools (which loads numpy) are imported when an invoice is rendered, not with this module: every
role builds the container, and so this renderer, but only the gateway renders invoices. Imported eagerly they
cost every process about 270 modules and 30 MB.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from hamgam.domain.jalali import format_jalali_date
from hamgam.domain.persian import format_number, format_toman, to_persian_digits
from hamgam.domain.sales_invoice import Party, SalesInvoice

if TYPE_CHECKING:
    from fpdf import FPDF

#: The storefront's font files (static/fonts).
FONTS = Path(__file__).resolve().parents[2] / "entrypoints" / "web" / "static" / "fonts"
FAMILY = "Vazirmatn"

#: Columns from right to left: title and width in millimetres (A4 less 15 mm margins = 180 mm).
COLUMNS = (("ردیف", 12.0), ("شرح کالا", 78.0), ("تعداد", 20.0), ("قیمت واحد (تومان)", 35.0), ("مبلغ (تومان)", 35.0))
ROW_H = 8.0
#: fpdf2 style → font file.
STYLES = {"": "Vazirmatn-Regular.woff2", "B": "Vazirmatn-Bold.woff2"}


def unpacked(woff2: Path, cache_dir: Path) -> Path:
    """The TrueType form of a WOFF2 font, written once under ``cache_dir`` (named by the source's content, so a
    new font file is unpacked anew)."""
    from fontTools.ttLib import TTFont  # deferred: module docstring

    data = woff2.read_bytes()
    target = cache_dir / f"{woff2.stem}-{hashlib.sha256(data).hexdigest()[:16]}.ttf"
    if not target.exists():
        font = TTFont(woff2)
        font.flavor = None
        partial = target.with_suffix(f".{threading.get_ident()}.part")
        font.save(partial)
        partial.replace(target)
    return target


class PdfInvoiceRenderer:
    media_type = "application/pdf"

    def __init__(self, fonts: Path = FONTS, cache_dir: Path | None = None) -> None:
        self._fonts = fonts
        self._cache_dir = cache_dir or Path(tempfile.gettempdir()) / "hamgam-fonts"
        self._lock = threading.Lock()
        self._files: dict[str, Path] | None = None

    def _font_files(self) -> dict[str, Path]:
        with self._lock:
            if self._files is None:
                self._cache_dir.mkdir(parents=True, exist_ok=True)
                self._files = {style: unpacked(self._fonts / name, self._cache_dir) for style, name in STYLES.items()}
            return self._files

    def render(self, invoice: SalesInvoice) -> bytes:
        pdf = self._document(invoice)
        self._heading(pdf, invoice)
        self._party(pdf, "فروشنده", invoice.seller)
        self._party(pdf, "خریدار", invoice.buyer)
        pdf.ln(3)
        self._lines(pdf, invoice)
        pdf.ln(3)
        self._totals(pdf, invoice)
        return bytes(pdf.output())

    def _document(self, invoice: SalesInvoice) -> FPDF:
        from fpdf import FPDF  # deferred: module docstring

        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(15, 15, 15)
        pdf.set_auto_page_break(auto=True, margin=15)
        for style, path in self._font_files().items():
            pdf.add_font(FAMILY, style, str(path))
        pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="fas")
        pdf.set_title(f"فاکتور فروش سفارش {to_persian_digits(str(invoice.order_id))}")
        pdf.set_lang("fa")
        pdf.add_page()
        return pdf

    def _heading(self, pdf: FPDF, invoice: SalesInvoice) -> None:
        from fpdf.enums import XPos, YPos

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
        from fpdf.enums import XPos, YPos

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
