"""What the shop's A4 documents draw alike (the invoice, the packing list): the page, the heading with the date
and the order number, right-aligned lines, and tables whose columns are placed from the right edge (the first
column a Persian reader meets is the row number)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from hamgam.adapters.pdf.fonts import FAMILY
from hamgam.domain.persian import to_persian_digits

#: A table's columns from right to left: title and width in millimetres.
Columns = Sequence[tuple[str, float]]
ROW_H = 8.0


def a4_document() -> FPDF:
    """An A4 portrait document with 15 mm margins, breaking pages by itself."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    return pdf


def line(pdf: FPDF, height: float, text: str) -> None:
    """One right-aligned line across the page."""
    pdf.cell(0, height, text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def heading(pdf: FPDF, title: str, date: str, order_id: int) -> None:
    """The title centred, then the date on the left and the order number on the right."""
    pdf.set_font(FAMILY, "B", 16)
    pdf.cell(0, 10, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 10)
    half = pdf.epw / 2
    pdf.cell(half, 7, date, align="L")
    pdf.cell(
        half, 7, f"شماره سفارش: {to_persian_digits(str(order_id))}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )


def row(pdf: FPDF, columns: Columns, cells: Sequence[str], *, fill: bool = False) -> float:
    """One table row; ``cells`` in reading order (right to left on the page). Returns the row's top."""
    x = pdf.l_margin + pdf.epw
    y = pdf.get_y()
    for (_title, width), value in zip(columns, cells, strict=True):
        x -= width
        pdf.set_xy(x, y)
        pdf.cell(width, ROW_H, value, border=1, align="R", fill=fill)
    pdf.set_xy(pdf.l_margin, y + ROW_H)
    return y


def table(
    pdf: FPDF,
    columns: Columns,
    rows: Iterable[Sequence[str]],
    *,
    size: float,
    after_row: Callable[[float], None] | None = None,
) -> None:
    """The column titles on a grey row, then ``rows``, a row that would cross the page's foot starting the next
    page. ``after_row`` is given each body row's top, to draw more in it."""
    pdf.set_fill_color(235, 235, 235)
    pdf.set_font(FAMILY, "B", size)
    row(pdf, columns, [title for title, _ in columns], fill=True)
    pdf.set_font(FAMILY, "", size)
    for cells in rows:
        if pdf.will_page_break(ROW_H):
            pdf.add_page()
        top = row(pdf, columns, cells)
        if after_row is not None:
            after_row(top)
