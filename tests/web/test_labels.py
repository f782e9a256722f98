"""Internal keys shown to staff in Persian: entities, fields, kinds, statuses, roles, who moved an order and why."""

from __future__ import annotations

import datetime as dt

from hamgam.domain.accounts import Role
from hamgam.domain.sync.cursor import RunKind
from hamgam.domain.sync.entities import SYNC_ORDER
from hamgam.entrypoints.web.i18n import build_locale
from hamgam.entrypoints.web.labels import (
    ENTITY_LABELS,
    FIELD_LABELS,
    ROLE_LABELS,
    SYNC_KIND_LABELS,
    Labels,
)
from hamgam.entrypoints.web.pages.admin_catalog import MAHAK_FIELDS
from hamgam.services.store.admin import OVERRIDABLE

LABELS = Labels(build_locale("fa"))


def test_every_key_the_admin_shows_has_a_persian_label() -> None:
    assert {e.name for e in SYNC_ORDER} <= set(ENTITY_LABELS)
    assert set(MAHAK_FIELDS) | OVERRIDABLE <= set(FIELD_LABELS)
    assert {str(k) for k in RunKind} <= set(SYNC_KIND_LABELS)
    assert {str(r) for r in Role} <= set(ROLE_LABELS)
    assert LABELS.entity("Product") == "کالا"
    assert LABELS.entity("ProductDetail") == "گونهٔ کالا"
    assert LABELS.field("unit_name") == "واحد"
    assert LABELS.sync_status("succeeded") == "موفق"
    assert LABELS.role("admin") == "مدیر"


def test_order_history_reads_in_persian() -> None:
    assert LABELS.actor("exporter:job:2") == "ارسال به محک (کار ۲)"
    assert LABELS.reason("Mahak order 2 (code 5001)") == "سفارش ۲ در محک (کد ۵۰۰۱)"
    assert LABELS.reason("Mahak order 2") == "سفارش ۲ در محک"
    assert LABELS.actor("staff:14") == "کارمند ۱۴"
    assert LABELS.reason("payment not received in time") == "پرداخت به‌موقع انجام نشد"
    # a reason typed by staff is theirs: shown as it is
    assert LABELS.reason("مشتری تماس گرفت") == "مشتری تماس گرفت"


def test_a_moment_keeps_its_date_and_time_on_one_line() -> None:
    moment = dt.datetime(2024, 3, 19, 20, 45, tzinfo=dt.UTC)  # 1403/01/01 00:15 in Tehran
    assert build_locale("fa").datetime(moment) == "۱۴۰۳/۰۱/۰۱\N{NO-BREAK SPACE}۰۰:۱۵"


def test_an_unknown_key_shows_as_an_isolated_code() -> None:
    assert str(LABELS.entity("NewThing")) == '<bdi dir="ltr">NewThing</bdi>'
    assert str(LABELS.actor("robot<1>")) == '<bdi dir="ltr">robot&lt;1&gt;</bdi>'


def test_a_rejected_row_gets_a_persian_sentence() -> None:
    assert LABELS.rejection("name", "missing") == "فیلد «نام» در محک خالی است."
    assert LABELS.rejection("prices_rial", "negative amount -5") == "فیلد «قیمت‌ها» در محک مقدار منفی دارد."
    assert LABELS.rejection("weird", "value error") == "محک در «weird» مقداری فرستاده که فروشگاه نمی‌تواند بپذیرد."
    assert LABELS.rejection(None, "row error") == "محک ردیفی فرستاده که فروشگاه نمی‌تواند بپذیرد."


def test_every_mahak_field_of_a_product_reads_in_persian() -> None:
    # every field label has its Persian (the admin product page shows all of Mahak's product fields)
    untranslated = [key for key, label in FIELD_LABELS.items() if LABELS.field(key) == label]
    assert untranslated == []
    assert LABELS.field("tax_percent") == "درصد عوارض" and LABELS.field("charge_percent") == "درصد مالیات"
