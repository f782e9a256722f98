"""The sales reports as files: CSV (UTF-8 with a byte order mark, so Excel reads Persian) written as rows arrive,
and XLSX (openpyxl, write-only) whose sheets read right to left. Headers are in the UI's language and name the
money unit; money is whole Rial in number cells; dates and months are Jalali text."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from hamgam.domain.reports import jalali_text
from hamgam.entrypoints.web.i18n import N_, Locale

#: The most data rows an XLSX file holds; past it the sheet ends with a note to take the CSV.
MAX_XLSX_ROWS = 100_000
#: Rows written to the CSV stream per chunk.
CSV_CHUNK = 500


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[dict[str, Any]], object]


def _money(key: str) -> Callable[[dict[str, Any]], object]:
    return lambda r: int(r[key] or 0)


def _int(key: str) -> Callable[[dict[str, Any]], object]:
    return lambda r: int(r[key] or 0)


#: A day's or a month's sales: the orders paid in it and what they came to, what was refunded of them (whenever
#: it was), and the difference.
_SALES = (
    Column(N_("Paid orders"), _int("orders")),
    Column(N_("Items (Rial)"), _money("items_rial")),
    Column(N_("Shipping (Rial)"), _money("shipping_rial")),
    Column(N_("VAT (Rial)"), _money("vat_rial")),
    Column(N_("Total paid (Rial)"), _money("total_rial")),
    Column(N_("Refunded (Rial)"), _money("refunded_rial")),
    Column(N_("Net sales: paid less refunded (Rial)"), _money("net_rial")),
)
#: A product's or a category's sales: orders refunded in full left out, the rest less their refunds' share.
_GOODS = (
    Column(N_("Quantity, orders refunded in full left out"), _int("quantity")),
    Column(N_("Orders, refunded in full left out"), _int("orders")),
    Column(N_("Sales before VAT and shipping, less refunds (Rial)"), _money("revenue_rial")),
)


@dataclass(frozen=True)
class Report:
    """One of the reports: its file name, its sheet's title and its columns (``None`` values left blank)."""

    slug: str
    title: str
    columns: tuple[Column, ...]


def reports(locale: Locale) -> dict[str, Report]:
    """The four reports by key, their titles and headers in ``locale``."""
    no_category = locale.gettext(N_("No category"))
    return {
        "day": Report(
            "sales-by-day",
            N_("Sales by day"),
            (Column(N_("Date"), lambda r: jalali_text(r["day"], persian=locale.persian)), *_SALES),
        ),
        "month": Report("sales-by-month", N_("Sales by month"), (Column(N_("Month"), lambda r: r["label"]), *_SALES)),
        "product": Report(
            "sales-by-product",
            N_("Sales by product"),
            (
                Column(N_("Product code"), lambda r: r.get("code") or ""),
                Column(N_("Product"), lambda r: r["name"]),
                *_GOODS,
            ),
        ),
        "category": Report(
            "sales-by-category",
            N_("Sales by category"),
            (Column(N_("Category"), lambda r: r["name"] or no_category), *_GOODS),
        ),
    }


def _headers(report: Report, locale: Locale) -> list[str]:
    return [locale.gettext(c.header) for c in report.columns]


#: How a text cell starts when a spreadsheet would run it as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: object) -> object:
    """A text cell of a CSV file that a spreadsheet would run as a formula (a name from Mahak or a staff
    override starting with ``=``, ``+``, ``-``, ``@``, a tab) is quoted with ``'``; other values are as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _line(values: Iterable[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([spreadsheet_text(v) for v in values])
    return buffer.getvalue()


def _xlsx_row(sheet: Any, values: Iterable[object]) -> list[object]:
    """A data row of the sheet: text is written as text, never as a formula (openpyxl makes a formula of any
    string starting with ``=``); numbers stay numbers."""
    row: list[object] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row


async def csv_chunks(report: Report, rows: AsyncIterable[dict[str, Any]], locale: Locale) -> AsyncIterator[bytes]:
    """The CSV file in pieces: the byte order mark and the header line first, then ``CSV_CHUNK`` rows at a time
    as ``rows`` yields them."""
    yield ("\ufeff" + _line(_headers(report, locale))).encode("utf-8")
    lines: list[str] = []
    async for row in rows:
        lines.append(_line(c.value(row) for c in report.columns))
        if len(lines) >= CSV_CHUNK:
            yield "".join(lines).encode("utf-8")
            lines = []
    if lines:
        yield "".join(lines).encode("utf-8")


async def xlsx_bytes(
    report: Report, rows: AsyncIterable[dict[str, Any]], locale: Locale, *, period: str, cap: int = MAX_XLSX_ROWS
) -> bytes:
    """The XLSX file: one right-to-left sheet, a bold header row frozen at the top, at most ``cap`` data rows
    (past it a last row says the rest is in the CSV file), and a second sheet naming the report and period."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(locale.gettext(report.title)[:31])
    sheet.sheet_view.rightToLeft = True
    sheet.freeze_panes = "A2"
    for i in range(len(report.columns)):
        sheet.column_dimensions[chr(ord("A") + i)].width = 34 if i < 2 else 20
    bold = Font(bold=True)
    header = []
    for text in _headers(report, locale):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    written, cut = 0, False
    async for row in rows:
        if written == cap:
            cut = True
            break
        sheet.append(_xlsx_row(sheet, (c.value(row) for c in report.columns)))
        written += 1
    if cut:
        note = locale.gettext(N_("Only the first %(n)s rows fit this file; the CSV file holds them all."))
        sheet.append([note % {"n": locale.number(cap)}])
    about = workbook.create_sheet(locale.gettext(N_("About")))
    about.sheet_view.rightToLeft = True
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 50
    about.append([locale.gettext(N_("Report")), locale.gettext(report.title)])
    about.append([locale.gettext(N_("Period")), period])
    about.append([locale.gettext(N_("Sales")), locale.gettext(N_("Paid orders not cancelled, by day of payment"))])
    about.append([locale.gettext(N_("Money")), locale.gettext(N_("Rial (a Toman is ten Rial)"))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def each(rows: Iterable[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    """A list as the async rows the writers take."""
    for row in rows:
        yield row
