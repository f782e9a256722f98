"""Jalali (Solar Hijri) dates for display, with Persian month and weekday names.

Dates are stored as UTC or Gregorian and converted here, at the edge (iran.md section 3). Naive datetimes
are taken as UTC, because that is what the database hands back; aware ones are converted to Tehran time
(UTC+03:30, no DST). Names come from our own tables rather than jdatetime's locale, a process-global.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import jdatetime

from hamgam.domain.persian import to_persian_digits

TEHRAN = ZoneInfo("Asia/Tehran")

JALALI_MONTHS = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip
#: Indexed by ``date.weekday()`` (Monday = 0). The Iranian week starts on Saturday.
WEEKDAYS = ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه")


def to_tehran(moment: dt.datetime) -> dt.datetime:
    """An aware datetime in Tehran time; a naive one is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(TEHRAN)


def to_jalali(day: dt.date | dt.datetime) -> jdatetime.date:
    """The Jalali calendar date of ``day`` (a datetime is first moved to Tehran time)."""
    if isinstance(day, dt.datetime):
        day = to_tehran(day).date()
    return jdatetime.date.fromgregorian(date=day)


def from_jalali(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a Jalali one; raises ``ValueError`` for dates that don't exist (1404/12/30)."""
    gregorian: dt.date = jdatetime.date(year, month, day).togregorian()
    return gregorian


def _digits(text: str, persian_digits: bool) -> str:
    return to_persian_digits(text) if persian_digits else text


def format_jalali_date(day: dt.date | dt.datetime, *, persian_digits: bool = True) -> str:
    """``2024-03-20`` → ``۱۴۰۳/۰۱/۰۱`` (Y/M/D, zero-padded)."""
    j = to_jalali(day)
    return _digits(f"{j.year:04d}/{j.month:02d}/{j.day:02d}", persian_digits)


def format_jalali_long(day: dt.date | dt.datetime, *, weekday: bool = True, persian_digits: bool = True) -> str:
    """``2024-03-20`` → ``چهارشنبه ۱ فروردین ۱۴۰۳`` (weekday optional)."""
    gregorian = to_tehran(day).date() if isinstance(day, dt.datetime) else day
    j = jdatetime.date.fromgregorian(date=gregorian)
    text = _digits(f"{j.day} {JALALI_MONTHS[j.month - 1]} {j.year}", persian_digits)
    return f"{WEEKDAYS[gregorian.weekday()]} {text}" if weekday else text


def format_jalali_datetime(moment: dt.datetime, *, seconds: bool = False, persian_digits: bool = True) -> str:
    """``2024-03-20T10:30Z`` → ``۱۴۰۳/۰۱/۰۱ ۱۴:۰۰`` in Tehran time."""
    local = to_tehran(moment)
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{format_jalali_date(local, persian_digits=persian_digits)} {_digits(clock, persian_digits)}"


def month_name(month: int) -> str:
    """Persian name of Jalali month 1..12."""
    if not 1 <= month <= 12:
        raise ValueError(f"Jalali month must be 1..12, not {month}")
    return JALALI_MONTHS[month - 1]
