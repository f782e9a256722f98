"""Admin panel: the shop's settings (store identity and logo, social links, free shipping, payment gateway, SMS
provider and texts, price and stock rules, sync interval), each with where its value comes from; secrets are
write-only. The infrastructure settings of the environment are listed read-only (secrets masked), with the
Mahak connection test."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, UploadFile

from hamgam.domain.errors import InvalidInput
from hamgam.domain.shop_settings import SPECS, Kind, Section, Source
from hamgam.entrypoints.web.deps import AdminPage
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.pages.common import page_router
from hamgam.services.site.settings import SettingRow, SettingsInvalid, ShopSettingsService
from hamgam.services.sync.stock_check import SOURCE_LINE, stock_report
from hamgam.settings import public_settings

router = page_router()

#: Each setting's label and hint (English message ids; the Persian is in the catalogue).
LABELS: dict[str, tuple[str, str]] = {
    "shop.seller_name": (N_("Shop name"), N_("Shown in the store's header and on sales invoices.")),
    "shop.logo": (N_("Logo"), ""),
    "shop.seller_phone": (N_("Phone"), N_("Shown in the footer and on sales invoices.")),
    "shop.email": (N_("E-mail"), ""),
    "shop.seller_address": (N_("Address"), N_("Shown in the footer and on sales invoices.")),
    "shop.seller_national_id": (N_("National id / economic code"), N_("Printed on sales invoices.")),
    "social.instagram": (N_("Instagram"), N_("A handle or an address starting with https://")),
    "social.telegram": (N_("Telegram"), N_("A handle or an address starting with https://")),
    "social.whatsapp": (N_("WhatsApp"), N_("A mobile number or an address starting with https://")),
    "social.eitaa": (N_("Eitaa"), N_("A handle or an address starting with https://")),
    "social.bale": (N_("Bale"), N_("A handle or an address starting with https://")),
    "payments.merchant_id": (N_("Payment gateway merchant id"), N_("The 36-character code Zarinpal gave you.")),
    "sms.provider": (N_("SMS provider"), ""),
    "sms.api_key": (N_("SMS provider key"), ""),
    "sms.sender": (N_("Sender line"), N_("Empty: the provider's default line.")),
    "sms.kavenegar_otp_template": (N_("Login code template (Kavenegar)"), N_("The approved lookup template's name.")),
    "sms.smsir_otp_template_id": (N_("Login code template number (SMS.ir)"), ""),
    "sms.template_paid": (N_("Text of the order paid message"), ""),
    "sms.template_shipped": (N_("Text of the order shipped message"), ""),
    "sms.template_restock": (N_("Text of the back in stock message"), ""),
    "sync.price_level": (N_("Price level"), N_("Which of Mahak's ten prices is the shop's price.")),
    "sync.stock_source": (N_("Stock source"), ""),
    "sync.stock_store_ids": (
        N_("Warehouses summed for stock"),
        N_("Mahak warehouse numbers, separated by commas, when stock comes from warehouses."),
    ),
    "sync.money_unit": (N_("Money unit of the Mahak database"), ""),
    "sync.interval_s": (N_("Seconds between syncs"), N_("From 10 to 86400; takes effect from the next sync.")),
}
SECTIONS: dict[Section, str] = {
    Section.IDENTITY: N_("Store identity"),
    Section.SOCIAL: N_("Social networks"),
    Section.PAYMENTS: N_("Payment gateway"),
    Section.SMS: N_("SMS"),
    Section.SYNC: N_("Prices, stock and sync"),
}
SOURCES: dict[Source, str] = {
    Source.DEFAULT: N_("Default"),
    Source.ENV: N_("Environment variable"),
    Source.ADMIN: N_("Admin panel"),
}
CHOICES: dict[str, str] = {
    "kavenegar": N_("Kavenegar"),
    "smsir": N_("SMS.ir"),
    "memory": N_("Test mode (nothing is sent)"),
    "visitor_product": N_("The visitor's stock in Mahak"),
    "stores": N_("The sum of chosen warehouses"),
    "rial": N_("Rial"),
    "toman": N_("Toman"),
}
#: What each SMS placeholder stands for.
PLACEHOLDERS: dict[str, str] = {
    "order": N_("order number"),
    "items": N_("the items"),
    "total": N_("amount paid"),
    "tracking": N_("carrier and tracking code"),
    "product": N_("product name"),
    "link": N_("product link"),
}
PRICE_LEVELS = range(0, 11)


def _service(page: AdminPage) -> ShopSettingsService:
    assert page.container.shop_settings is not None, "the container was built without the shop settings"
    return page.container.shop_settings


def _field_id(key: str) -> str:
    return "s-" + key.replace(".", "-").replace("_", "-")


def _shown_value(row: SettingRow) -> str:
    """A value as its input shows it; secrets never."""
    return "" if row.spec.secret else row.shown


def _flatten(prefix: str, value: Any, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, out)
    else:
        out.append((prefix, "" if value is None else str(value)))


async def _render(
    page: AdminPage, *, errors: dict[str, str] | None = None, typed: dict[str, str] | None = None, status_code=200
):
    rows = await _service(page).rows()
    typed = typed or {}
    fields: list[dict[str, Any]] = [
        {
            "row": row,
            "id": _field_id(row.spec.key),
            "label": LABELS[row.spec.key][0],
            "hint": LABELS[row.spec.key][1],
            "value": typed.get(row.spec.key, _shown_value(row)),
        }
        for row in rows
    ]
    sections = [(title, [f for f in fields if f["row"].spec.section is section]) for section, title in SECTIONS.items()]
    infrastructure: list[tuple[str, str]] = []
    _flatten("", public_settings(page.container.settings), infrastructure)
    images = page.container.images
    logo = _service(page).config.logo_key
    return page.render(
        "admin/settings.html",
        status_code=status_code,
        groups=sections,
        errors=errors or {},
        sources=SOURCES,
        choices=CHOICES,
        placeholders=PLACEHOLDERS,
        price_levels=PRICE_LEVELS,
        kinds=Kind,
        logo_url=images.url(logo, images.widths_px[0]) if logo and images is not None else None,
        infrastructure=infrastructure,
    )


@router.get("/admin/settings")
async def settings(page: AdminPage):
    return await _render(page)


@router.post("/admin/settings")
async def save_settings(page: AdminPage):
    assert page.user is not None
    form = await page.request.form()
    typed = {
        spec.key: str(form.get(spec.key) or "")[: spec.max_len * 2 + 40]
        for spec in SPECS
        if spec.kind is not Kind.IMAGE and spec.key in form
    }
    clear = [spec.key for spec in SPECS if spec.secret and form.get(f"clear:{spec.key}") == "1"]
    try:
        await _service(page).save(typed, page.user.actor, clear=clear)
    except SettingsInvalid as exc:
        errors = {key: page.locale.error(message) for key, message in exc.errors.items()}
        shown = {k: v for k, v in typed.items() if not page_secret(k)}
        page.session.flash("error", page.locale.gettext(N_("Nothing was saved: correct the marked fields.")))
        return await _render(page, errors=errors, typed=shown, status_code=400)
    return page.redirect("/admin/settings", flash=N_("Saved."))


def page_secret(key: str) -> bool:
    return any(spec.key == key and spec.secret for spec in SPECS)


@router.post("/admin/settings/logo")
async def upload_logo(page: AdminPage, image: Annotated[UploadFile, File()]):
    assert page.user is not None and page.container.images is not None
    limit = page.container.settings.web.max_upload_bytes
    data = await image.read(limit + 1)
    try:
        key = await page.container.images.store_site_image("logo", data)
        await _service(page).save({"shop.logo": key}, page.user.actor)
    except InvalidInput as exc:
        return await _render(page, errors={"shop.logo": page.error_text(exc)}, status_code=400)
    return page.redirect("/admin/settings#identity", flash=N_("Logo saved."))


@router.post("/admin/settings/logo/remove")
async def remove_logo(page: AdminPage):
    assert page.user is not None
    form = await page.request.form()
    if form.get("confirmed") != "yes":
        return page.redirect("/admin/settings#identity", flash=N_("Tick the box to confirm."), kind="error")
    await _service(page).save({"shop.logo": ""}, page.user.actor)
    return page.redirect("/admin/settings#identity", flash=N_("Logo removed."))


@router.post("/admin/settings/mahak-test")
async def mahak_test(page: AdminPage):
    try:
        await page.container.mahak.login()
    except Exception as exc:  # any failure is the answer to "does the connection work?"
        page.flash(page.locale.gettext(N_("Mahak connection failed:")) + " " + str(exc)[:200], "error")
        return page.redirect("/admin/settings")
    page.flash(N_("Connected to Mahak."))
    report = await stock_report(page.container.sync_reads, page.container.settings.sync)
    number = page.locale.number
    figures = {
        "source": report.source_name,
        "in_stock": number(report.details_in_stock),
        "details": number(report.details),
    }
    page.flash(page.locale.gettext(SOURCE_LINE) % figures)
    for warning in report.warnings:
        page.flash(warning, "error")
    return page.redirect("/admin/settings")
