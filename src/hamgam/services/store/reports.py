"""Sales for staff: the dashboard's last 30 days (sales by day, top products, orders by status) and the reports
page's tables (by day, by Jalali month, by product, by category) over a chosen period. PostgreSQL sums; the
domain fills empty days and folds days into Jalali months (``hamgam.domain.reports``). Money in Rial."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from hamgam.domain.reports import (
    DASHBOARD_DAYS,
    SOLD_STATUSES,
    Period,
    by_jalali_month,
    fill_days,
    last_days,
)
from hamgam.ports.catalog import CatalogUnitOfWork
from hamgam.ports.unit_of_work import UnitOfWorkFactory

#: Products the dashboard lists in each of its two top lists.
TOP = 5


class SalesReports:
    def __init__(self, uow: UnitOfWorkFactory[CatalogUnitOfWork]) -> None:
        self._uow = uow

    async def dashboard(self, now: dt.datetime | None = None) -> dict[str, Any]:
        """The last ``DASHBOARD_DAYS`` Tehran days: ``period``, ``days`` (every day, zeros included), ``top_quantity``
        and ``top_revenue`` (``TOP`` products each), ``statuses`` (orders placed in the period by status now)."""
        period = last_days(DASHBOARD_DAYS, now)
        start, until = period.bounds()
        async with self._uow() as uow:
            days = await uow.reports.sales_by_day(start, until, SOLD_STATUSES)
            top_quantity = await uow.reports.sales_by_product(start, until, SOLD_STATUSES, by="quantity", limit=TOP)
            top_revenue = await uow.reports.sales_by_product(start, until, SOLD_STATUSES, by="revenue", limit=TOP)
            statuses = await uow.reports.orders_by_status(start)
        return {
            "period": period,
            "days": fill_days(days, period),
            "top_quantity": top_quantity,
            "top_revenue": top_revenue,
            "statuses": statuses,
        }

    async def by_day(self, period: Period) -> list[dict[str, Any]]:
        """Every day of the period, in order, a day with no sale as zeros."""
        start, until = period.bounds()
        async with self._uow() as uow:
            rows = await uow.reports.sales_by_day(start, until, SOLD_STATUSES)
        return fill_days(rows, period)

    async def by_month(self, period: Period) -> list[dict[str, Any]]:
        """Per Jalali month the period touches (partly, at its ends), in order."""
        return by_jalali_month(await self.by_day(period))

    async def by_product(self, period: Period, limit: int | None = None) -> list[dict[str, Any]]:
        """Products by revenue, largest first; at most ``limit``."""
        start, until = period.bounds()
        async with self._uow() as uow:
            return await uow.reports.sales_by_product(start, until, SOLD_STATUSES, by="revenue", limit=limit)

    async def stream_by_product(self, period: Period) -> AsyncIterator[dict[str, Any]]:
        """Every product sold, by revenue, read from the database as the caller consumes them (the transaction
        stays open until the last row)."""
        start, until = period.bounds()
        async with self._uow() as uow:
            async for row in uow.reports.stream_sales_by_product(start, until, SOLD_STATUSES):
                yield row

    async def by_category(self, period: Period) -> list[dict[str, Any]]:
        start, until = period.bounds()
        async with self._uow() as uow:
            return await uow.reports.sales_by_category(start, until, SOLD_STATUSES)
