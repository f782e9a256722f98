"""Admin panel: the first-run setup, from Mahak to a live shop in four steps (admins only): 1. test the Mahak
connection (the credentials are environment settings: the page names them when the test fails); 2. what Mahak's
own data says (money unit, stock source and stores, price level), with the evidence, for the merchant to confirm
or change; 3. a preview of a few products as the storefront would list them; 4. go live (settings saved and
audited, setup marked done, a sync requested). Until the setup is done the dashboard shows a banner leading here."""

from __future__ import annotations

from typing import Any

from hamgam.domain.setup_detect import SetupChoice
from hamgam.entrypoints.web.deps import AdminPage
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.pages.common import page_router
from hamgam.services.site.settings import SettingsInvalid
from hamgam.services.site.setup import CHOICE_KEYS, SetupService, choice_of, form_of, parse_choice

router = page_router()

#: The environment settings of the Mahak connection, named when the test fails.
MAHAK_ENV = ("HAMGAM_MAHAK__BASE_URL", "HAMGAM_MAHAK__USERNAME", "HAMGAM_MAHAK__PASSWORD", "HAMGAM_MAHAK__DATABASE_ID")
STEPS = (N_("Connection"), N_("What Mahak says"), N_("Preview"), N_("Go live"))


def _service(page: AdminPage) -> SetupService:
    assert page.container.setup is not None, "the container was built without the setup"
    return page.container.setup


def _render(page: AdminPage, step: int, status_code: int = 200, **context: Any):
    return page.render("admin/setup.html", status_code=status_code, step=step, steps=STEPS, **context)


@router.get("/admin/setup")
async def setup(page: AdminPage):
    return _render(page, 1, done=await _service(page).is_done(), env_vars=MAHAK_ENV)


@router.post("/admin/setup/connection")
async def connection(page: AdminPage):
    error = await _service(page).test_connection()
    return _render(page, 1, done=await _service(page).is_done(), tested=True, error=error, env_vars=MAHAK_ENV)


async def _detect(
    page: AdminPage, typed: dict[str, str] | None = None, errors: dict[str, str] | None = None, status_code: int = 200
):
    try:
        findings = await _service(page).findings()
    except Exception as exc:  # Mahak unreachable while nothing is synced: back to the connection step
        return _render(page, 1, done=False, tested=True, error=str(exc)[:300], env_vars=MAHAK_ENV, status_code=502)
    values = typed or form_of(choice_of(findings.detection))
    return _render(
        page, 2, status_code=status_code, findings=findings, detection=findings.detection, values=values,
        errors=errors or {},
    )  # fmt: skip


@router.get("/admin/setup/detect")
async def detect(page: AdminPage):
    return await _detect(page)


async def _typed(page: AdminPage) -> dict[str, str]:
    form = await page.request.form()
    return {key: str(form.get(key) or "")[:200] for key in CHOICE_KEYS}


async def _checked(page: AdminPage, typed: dict[str, str]) -> SetupChoice | Any:
    try:
        return parse_choice(typed)
    except SettingsInvalid as exc:
        errors = {key: page.locale.error(message) for key, message in exc.errors.items()}
        page.flash(page.locale.gettext(N_("Correct the marked fields.")), "error")
        return await _detect(page, typed, errors, status_code=400)


@router.post("/admin/setup/preview")
async def preview(page: AdminPage):
    typed = await _typed(page)
    choice = await _checked(page, typed)
    if not isinstance(choice, SetupChoice):
        return choice
    service = _service(page)
    samples, from_mahak = await service.samples()
    rows = service.preview(samples, choice)
    return _render(page, 3, rows=rows, values=form_of(choice), choice=choice, from_mahak=from_mahak)


@router.post("/admin/setup/live")
async def go_live(page: AdminPage):
    assert page.user is not None
    typed = await _typed(page)
    choice = await _checked(page, typed)
    if not isinstance(choice, SetupChoice):
        return choice
    try:
        request_id = await _service(page).go_live(choice, page.user.actor)
    except SettingsInvalid as exc:
        errors = {key: page.locale.error(message) for key, message in exc.errors.items()}
        return await _detect(page, typed, errors, status_code=400)
    return _render(page, 4, request_id=request_id, choice=choice)
