"""Packing lists (A4) and shipping labels (A6) as PDF, one order per page (``hamgam.ports.documents``).

Text is shaped as on the invoice (``hamgam.adapters.pdf.fonts``). The label's barcode is Code 128 (the symbology
Iranian carriers' handheld scanners read), encoded by ``python-barcode`` and drawn here as filled rectangles, one
per bar: vector bars stay sharp on a thermal label printer at any resolution.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from pathlib import Path

from barcode import Code128
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from hamgam.adapters.pdf import layout
from hamgam.adapters.pdf.fonts import FAMILY, FONTS, PersianFonts
from hamgam.domain.fulfilment import PackingList, ShippingLabel, barcode_value
from hamgam.domain.jalali import format_jalali_date
from hamgam.domain.persian import format_number, to_persian_digits

#: Packing list columns from right to left: title and width in millimetres (A4 less 15 mm margins = 180 mm).
PACKING_COLUMNS = (("ردیف", 12.0), ("شرح کالا", 86.0), ("ویژگی", 46.0), ("تعداد", 20.0), ("بسته شد", 16.0))
#: A6 portrait, millimetres.
A6_MM = (105.0, 148.0)
LABEL_MARGIN_MM = 6.0
#: Width of the narrowest bar; 0.33 mm is Code 128's usual X-dimension for labels read by handheld scanners.
MODULE_MM = 0.33
BARCODE_H_MM = 16.0
#: The quiet zone either side of the bars, in modules (Code 128 asks for at least ten).
QUIET_MODULES = 10


def code128_modules(value: str) -> str:
    """The barcode as ``1`` (bar) and ``0`` (space) modules, start, check and stop characters included."""
    return str(Code128(value).build()[0])


def draw_code128(pdf: FPDF, value: str, *, x: float, y: float, height: float, module: float = MODULE_MM) -> float:
    """Draw ``value`` with its left edge at ``x`` (after the quiet zone); returns the width drawn, quiet zones
    included."""
    modules = code128_modules(value)
    pdf.set_fill_color(0, 0, 0)
    left = x + QUIET_MODULES * module
    position = 0
    for bit, run in groupby(modules):
        width = len(list(run))
        if bit == "1":
            pdf.rect(left + position * module, y, width * module, height, style="F")
        position += width
    return (len(modules) + 2 * QUIET_MODULES) * module


def _checkbox(pdf: FPDF, top: float) -> None:
    """An empty square to tick by hand, in the last column of the packing list's row at ``top``."""
    side = 4.0
    first = pdf.l_margin + pdf.epw - sum(w for _t, w in PACKING_COLUMNS)
    pdf.rect(first + (PACKING_COLUMNS[-1][1] - side) / 2, top + (layout.ROW_H - side) / 2, side, side)


class PdfFulfilmentRenderer:
    media_type = "application/pdf"

    def __init__(
        self, fonts: Path = FONTS, cache_dir: Path | None = None, *, shared: PersianFonts | None = None
    ) -> None:
        self._fonts = shared or PersianFonts(fonts, cache_dir)

    # --- packing lists ---

    def packing_lists(self, lists: Sequence[PackingList]) -> bytes:
        """Each order on its own page(s): number, Jalali date, recipient, lines with a box to tick, no prices."""
        pdf = layout.a4_document()
        self._fonts.persian(pdf, f"فهرست بسته‌بندی سفارش {to_persian_digits(str(lists[0].order_id))}")
        for packing in lists:
            pdf.add_page()
            self._packing_heading(pdf, packing)
            rows = (
                [to_persian_digits(str(number)), line.name, line.variant or "—", format_number(line.quantity), ""]
                for number, line in enumerate(packing.lines, start=1)
            )
            layout.table(pdf, PACKING_COLUMNS, rows, size=10, after_row=lambda top: _checkbox(pdf, top))
            total = sum(line.quantity for line in packing.lines)
            pdf.ln(3)
            pdf.set_font(FAMILY, "B", 10)
            layout.line(pdf, 7, f"جمع اقلام: {format_number(total)}")
            if packing.note:
                pdf.set_font(FAMILY, "", 9)
                pdf.multi_cell(0, 6, f"یادداشت خریدار: {packing.note}", align="R")
        return bytes(pdf.output())

    def _packing_heading(self, pdf: FPDF, packing: PackingList) -> None:
        date = f"تاریخ سفارش: {format_jalali_date(packing.placed_at)}"
        layout.heading(pdf, "فهرست بسته‌بندی", date, packing.order_id)
        layout.line(pdf, 7, f"گیرنده: {packing.recipient}")
        pdf.ln(2)

    # --- labels ---

    def labels(self, labels: Sequence[ShippingLabel]) -> bytes:
        """One A6 page per order: sender, receiver (large), carrier, and the order number as a Code 128 barcode."""
        pdf = FPDF(orientation="portrait", unit="mm", format=A6_MM)
        pdf.set_margins(LABEL_MARGIN_MM, LABEL_MARGIN_MM, LABEL_MARGIN_MM)
        pdf.set_auto_page_break(auto=False)
        self._fonts.persian(pdf, f"برچسب ارسال سفارش {to_persian_digits(str(labels[0].order_id))}")
        for label in labels:
            pdf.add_page()
            self._label(pdf, label)
        return bytes(pdf.output())

    def _label(self, pdf: FPDF, label: ShippingLabel) -> None:
        pdf.set_font(FAMILY, "B", 12)
        layout.line(pdf, 7, f"شماره سفارش: {to_persian_digits(str(label.order_id))}")
        pdf.set_font(FAMILY, "", 9)
        layout.line(pdf, 5, f"شرکت حمل: {label.carrier}")
        if label.tracking_code:
            layout.line(pdf, 5, f"کد رهگیری: {to_persian_digits(label.tracking_code)}")
        pdf.ln(1)
        pdf.set_draw_color(0, 0, 0)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
        pdf.ln(2)
        pdf.set_font(FAMILY, "B", 9)
        layout.line(pdf, 5, f"فرستنده: {label.sender.name}")
        pdf.set_font(FAMILY, "", 8)
        for detail in label.sender.details:
            pdf.multi_cell(0, 4.5, to_persian_digits(detail), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
        pdf.ln(2)
        pdf.set_font(FAMILY, "B", 13)
        layout.line(pdf, 8, f"گیرنده: {label.receiver_name}")
        pdf.set_font(FAMILY, "", 11)
        pdf.multi_cell(0, 6, label.receiver_address, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if label.postal_code:
            layout.line(pdf, 6, f"کد پستی: {to_persian_digits(label.postal_code)}")
        if label.receiver_mobile:
            layout.line(pdf, 6, f"تلفن همراه: {to_persian_digits(label.receiver_mobile)}")
        # the barcode sits at the foot of the label, centred, the number in Latin digits under it
        value = barcode_value(label.order_id)
        width = (len(code128_modules(value)) + 2 * QUIET_MODULES) * MODULE_MM
        top = A6_MM[1] - LABEL_MARGIN_MM - BARCODE_H_MM - 5
        draw_code128(pdf, value, x=(A6_MM[0] - width) / 2, y=top, height=BARCODE_H_MM)
        pdf.set_xy(pdf.l_margin, top + BARCODE_H_MM + 0.5)
        pdf.set_font(FAMILY, "", 9)
        pdf.cell(0, 4, value, align="C")
