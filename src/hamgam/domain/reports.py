"""Sales reports' rules: the Jalali date range staff choose, its bounds in Tehran time, days with no sale filled
with zeros, and days folded into Jalali months (which do not line up with Gregorian ones, so PostgreSQL sums by
Tehran day and the months are made here)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hamgam.domain.errors import InvalidInput
from hamgam.domain.jalali import TEHRAN, from_jalali, month_name, to_jalali
from hamgam.domain.orders import SOLD
from hamgam.domain.persian import to_latin_digits, to_persian_digits

#: The longest range a report covers (about three years): a day per row stays a small table.
MAX_DAYS = 1100
#: Days the dashboard looks back over.
DASHBOARD_DAYS = 30
#: The statuses whose orders count as sales (paid and not cancelled), as the database stores them.
SOLD_STATUSES: tuple[str, ...] = tuple(sorted(s.value for s in SOLD))
#: The figures of a day's sales, summed when days fold into months: the orders paid that day and what they
#: came to (``total_rial``, paid), what was refunded of them since, and ``net_rial``: paid less refunded.
SALES_FIGURES = ("orders", "items_rial", "shipping_rial", "vat_rial", "total_rial", "refunded_rial", "net_rial")

_DATE = re.compile(r"^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$")


class RangeError(InvalidInput):
    """The chosen range is wrong: ``errors`` maps each field (``start``, ``end``) to its message
    (``"<Persian> — <English>"``)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())), field=next(iter(errors)))
        self.errors = errors


@dataclass(frozen=True)
class Period:
    """A report's days, both included (Gregorian dates of Tehran days)."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as ``[from, until)`` aware moments: Tehran midnight of the first day and of the day after
        the last."""
        start = dt.datetime.combine(self.start, dt.time(), TEHRAN)
        until = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), TEHRAN)
        return start, until

    def label(self) -> str:
        """``۱۴۰۵/۰۹/۰۱ تا ۱۴۰۵/۰۹/۳۰``"""
        return f"{jalali_text(self.start)} تا {jalali_text(self.end)}"

    def slug(self) -> str:
        """For file names, Latin digits: ``1405-09-01_1405-09-30``."""
        return f"{jalali_text(self.start, persian=False, sep='-')}_{jalali_text(self.end, persian=False, sep='-')}"


def today_in_tehran(now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(TEHRAN).date()


def last_days(days: int, now: dt.datetime | None = None) -> Period:
    """The last ``days`` Tehran days, today included."""
    today = today_in_tehran(now)
    return Period(today - dt.timedelta(days=days - 1), today)


def jalali_text(day: dt.date, *, persian: bool = True, sep: str = "/") -> str:
    """``۱۴۰۵/۰۹/۱۵``: how the range is typed and shown."""
    j = to_jalali(day)
    text = f"{j.year:04d}{sep}{j.month:02d}{sep}{j.day:02d}"
    return to_persian_digits(text) if persian else text


def parse_jalali(text: str) -> dt.date:
    """A Jalali date typed as year/month/day (Persian, Arabic or Latin digits; ``/``, ``-`` or ``.``) as its
    Gregorian date. ``ValueError`` with a Persian message when it is not one."""
    found = _DATE.match(to_latin_digits(text))
    if found is None:
        raise ValueError("تاریخ را به شکل سال/ماه/روز بنویسید، مانند ۱۴۰۵/۰۹/۱۵ — write the date as 1405/09/15")
    year, month, day = (int(g) for g in found.groups())
    try:
        return from_jalali(year, month, day)
    except ValueError:
        raise ValueError("چنین روزی در تقویم نیست — no such day in the calendar") from None


def choose_period(start: str | None, end: str | None, *, now: dt.datetime | None = None) -> Period:
    """The range staff typed. Left empty, the end is today and the start 29 days before the end. Raises
    ``RangeError`` with a message per wrong field."""
    errors: dict[str, str] = {}
    dates: dict[str, dt.date] = {}
    for name, value in (("start", start), ("end", end)):
        if value and value.strip():
            try:
                dates[name] = parse_jalali(value)
            except ValueError as e:
                errors[name] = str(e)
    if errors:
        raise RangeError(errors)
    last = dates.get("end") or today_in_tehran(now)
    first = dates.get("start") or last - dt.timedelta(days=DASHBOARD_DAYS - 1)
    if first > last:
        raise RangeError({"end": "تاریخ پایان پیش از تاریخ آغاز است — the end is before the start"})
    period = Period(first, last)
    if period.days > MAX_DAYS:
        raise RangeError(
            {"end": "گزارش بیش از سه سال را در بر نمی‌گیرد؛ بازه را کوتاه‌تر کنید — a report covers three years at most"}
        )
    return period


def day_label(day: dt.date) -> str:
    """``۱۵ آذر``: a day on a chart's axis."""
    j = to_jalali(day)
    return f"{to_persian_digits(str(j.day))} {month_name(j.month)}"


def month_label(year: int, month: int) -> str:
    """``آذر ۱۴۰۵``"""
    return f"{month_name(month)} {to_persian_digits(str(year))}"


def fill_days(rows: Iterable[Mapping[str, Any]], period: Period) -> list[dict[str, Any]]:
    """One row per day of ``period`` in order, a day with no sale as zeros (``rows`` carry ``day`` and the
    ``SALES_FIGURES``)."""
    by_day = {r["day"]: r for r in rows}
    filled = []
    for offset in range(period.days):
        day = period.start + dt.timedelta(days=offset)
        row = by_day.get(day)
        filled.append({"day": day} | {k: int(row[k]) if row else 0 for k in SALES_FIGURES})
    return filled


def by_jalali_month(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Days (``day`` and the ``SALES_FIGURES``) summed per Jalali month, in order: ``year``, ``month``,
    ``label`` (``آذر ۱۴۰۵``), ``first`` and ``last`` (the first and last day seen) and the sums. 1 Farvardin
    opens a new year's first month."""
    months: dict[tuple[int, int], dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r["day"]):
        j = to_jalali(row["day"])
        key = (j.year, j.month)
        bucket = months.get(key)
        if bucket is None:
            bucket = months[key] = {
                "year": j.year,
                "month": j.month,
                "label": month_label(j.year, j.month),
                "first": row["day"],
            } | dict.fromkeys(SALES_FIGURES, 0)
        bucket["last"] = row["day"]
        for k in SALES_FIGURES:
            bucket[k] += int(row[k])
    return list(months.values())
