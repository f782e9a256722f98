"""Translations (gettext catalogues kept as Babel ``.po`` files under ``locale/``) and locale-aware display of
numbers, money and dates.

Message ids are English; ``locale/fa/LC_MESSAGES/messages.po`` holds the Persian UI. Catalogues are compiled in
memory when the app starts, so no binary ``.mo`` file is kept in the repository. Add a language by extracting
(``pybabel extract -F babel.cfg -o messages.pot .`` inside ``entrypoints/web``) and ``pybabel init``.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import math
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from hamgam.domain.errors import RateLimited
from hamgam.domain.jalali import format_jalali_date, format_jalali_datetime, to_tehran
from hamgam.domain.persian import format_number, format_toman, to_persian_digits

LOCALE_DIR = Path(__file__).parent / "locale"
#: Languages written right to left.
RTL = frozenset({"fa", "ar", "ckb"})


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def load_translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``locale``; English (the message ids) when there is none."""
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Locale:
    """The UI language and how numbers, money and dates look in it."""

    code: str
    translations: gettext.NullTranslations

    @property
    def direction(self) -> str:
        return "rtl" if self.code in RTL else "ltr"

    @property
    def persian(self) -> bool:
        return self.code == "fa"

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def number(self, value: int | float | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, float):
            text = f"{value:,.1f}" if not value.is_integer() else f"{int(value):,}"
            return to_persian_digits(text).replace(",", "٬").replace(".", "٫") if self.persian else text
        return format_number(int(value)) if self.persian else f"{int(value):,}"

    def digits(self, value: object) -> str:
        """Any text with its digits in the UI's script (codes, phone numbers, ids: no grouping)."""
        text = "" if value is None else str(value)
        return to_persian_digits(text) if self.persian else text

    def toman(self, amount_rial: int | None) -> str:
        if amount_rial is None:
            return "—"
        if self.persian:
            return format_toman(int(amount_rial))
        toman, tenth = divmod(int(amount_rial), 10)
        return f"{toman:,}{'.' + str(tenth) if tenth else ''} Toman"

    def date(self, value: dt.datetime | dt.date | None) -> str:
        if value is None:
            return "—"
        if self.persian:
            return format_jalali_date(value)
        return (to_tehran(value) if isinstance(value, dt.datetime) else value).strftime("%Y-%m-%d")

    def datetime(self, value: dt.datetime | None) -> str:
        """The date and the time joined by a no-break space: a narrow screen never puts the time on a line of
        its own."""
        if value is None:
            return "—"
        if self.persian:
            return format_jalali_datetime(value).replace(" ", "\N{NO-BREAK SPACE}")
        return to_tehran(value).strftime("%Y-%m-%d\N{NO-BREAK SPACE}%H:%M")

    def duration(self, seconds: float | None) -> str:
        """``45 s``, ``12 min``, ``3 h`` or ``2 days`` (rounded down) in the UI's language and digits."""
        if seconds is None:
            return "—"
        value = max(int(seconds), 0)
        # a unit is used from two of it on: 90 s stays seconds, 2 h is not 120 min
        for unit, message in ((86_400, N_("%(n)s days")), (3600, N_("%(n)s hours")), (60, N_("%(n)s minutes"))):
            if value >= 2 * unit:
                return self.gettext(message) % {"n": self.number(value // unit)}
        return self.gettext(N_("%(n)s seconds")) % {"n": self.number(value)}

    def error(self, message: str) -> str:
        """A core error message is ``"<Persian> — <English>"``: show the half in the UI's language."""
        persian, _, english = message.partition(" — ")
        return persian if self.persian or not english else english

    def error_text(self, exc: Exception) -> str:
        """What a page shows for an error: for a rate limit, how long to wait (in the UI's language and
        digits); otherwise the UI's half of the core's message."""
        if isinstance(exc, RateLimited):
            message = self.gettext(N_("Too many attempts. Try again in %(wait)s."))
            return message % {"wait": self.wait(exc.retry_after_s)}
        return self.error(getattr(exc, "message", str(exc)))

    def wait(self, seconds: float) -> str:
        """A wait still to come, rounded up (never shorter than it is): ``45 s`` up to two minutes, then
        minutes, in the UI's language and digits."""
        value = max(math.ceil(seconds), 1)
        if value < 120:
            return self.gettext(N_("%(n)s seconds")) % {"n": self.number(value)}
        return self.gettext(N_("%(n)s minutes")) % {"n": self.number(math.ceil(value / 60))}


def build_locale(code: str) -> Locale:
    return Locale(code, load_translations(code))
