"""Admin panel: sales reports (by day, by Jalali month, by product, by category) over a range chosen in Jalali
dates, each shown as a table and downloadable as CSV or XLSX (``hamgam.entrypoints.web.report_files``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Query
from fastapi.responses import Response, StreamingResponse

from hamgam.domain.reports import SALES_FIGURES, Period, RangeError, choose_period, jalali_text
from hamgam.entrypoints.web.deps import Page, StaffPage
from hamgam.entrypoints.web.pages.common import page_router
from hamgam.entrypoints.web.report_files import MAX_XLSX_ROWS, csv_chunks, each, reports, xlsx_bytes

router = page_router()
#: Products listed on the page; the files hold them all.
PAGE_PRODUCTS = 100
DateText = Annotated[str | None, Query(max_length=40)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _values(start: str | None, end: str | None, period: Period | None) -> dict[str, str]:
    """What the form shows: what was typed, else the period's dates."""
    return {
        "start": start if start is not None else (jalali_text(period.start) if period else ""),
        "end": end if end is not None else (jalali_text(period.end) if period else ""),
    }


def _invalid(page: Page, start: str | None, end: str | None, error: RangeError, status_code: int = 200):
    """The form again, with what was typed and a message per wrong field (a wrong filter is an ordinary answer of
    the page; a file asked for with a wrong range is a 400)."""
    errors = {k: page.locale.error(v) for k, v in error.errors.items()}
    return page.render("admin/reports.html", status_code, values=_values(start, end, None), errors=errors, period=None)


@router.get("/admin/reports")
async def sales_reports(page: StaffPage, start: DateText = None, end: DateText = None):
    try:
        period = choose_period(start, end)
    except RangeError as e:
        return _invalid(page, start, end, e)
    sales = page.core.reports
    days = await sales.by_day(period)
    products = await sales.by_product(period, limit=PAGE_PRODUCTS)
    return page.render(
        "admin/reports.html",
        values=_values(start, end, period),
        errors={},
        period=period,
        dl={
            "start": jalali_text(period.start, persian=False, sep="-"),
            "end": jalali_text(period.end, persian=False, sep="-"),
        },
        days=days,
        day_totals=_totals(days),
        months=await sales.by_month(period),
        products=products,
        products_cut=len(products) == PAGE_PRODUCTS,
        categories=await sales.by_category(period),
    )


def _totals(days: list[dict[str, Any]]) -> dict[str, int]:
    return {k: sum(int(d[k]) for d in days) for k in SALES_FIGURES}


@router.get("/admin/reports/{table}.{kind}")
async def download(page: StaffPage, table: str, kind: str, start: DateText = None, end: DateText = None):
    files = reports(page.locale)
    if table not in files or kind not in ("csv", "xlsx"):
        from hamgam.domain.errors import NotFound

        raise NotFound("گزارش پیدا نشد — no such report")
    try:
        period = choose_period(start, end)
    except RangeError as e:
        return _invalid(page, start, end, e, 400)
    report, sales = files[table], page.core.reports
    name = f"{report.slug}_{period.slug()}.{kind}"
    disposition = {"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"}

    async def rows(limit: int | None) -> AsyncIterator[dict[str, Any]]:
        if table == "day":
            listed = await sales.by_day(period)
        elif table == "month":
            listed = await sales.by_month(period)
        elif table == "category":
            listed = await sales.by_category(period)
        elif limit is None:
            async for row in sales.stream_by_product(period):
                yield row
            return
        else:
            listed = await sales.by_product(period, limit=limit)
        for row in listed:
            yield row

    if kind == "csv":
        return StreamingResponse(
            csv_chunks(report, rows(None), page.locale), media_type="text/csv; charset=utf-8", headers=disposition
        )
    # one row past the cap tells the file that rows were left out
    listed = [row async for row in rows(MAX_XLSX_ROWS + 1)]
    body = await xlsx_bytes(report, each(listed), page.locale, period=period.label())
    return Response(body, media_type=XLSX, headers=disposition)
