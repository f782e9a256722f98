"""Admin panel: the footer pages staff write (Markdown, shown with raw HTML escaped) and the trust-badge codes
admins set; every save is audited and shows on the storefront without a restart."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form

from hamgam.domain.errors import InvalidInput
from hamgam.domain.site import BADGE_KEYS, PAGE_BODY_MAX, PAGE_TITLE_MAX
from hamgam.entrypoints.web.deps import AdminPage, Page, StaffPage
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.pages.common import page_router
from hamgam.entrypoints.web.pages.site import Slug, _site

router = page_router()
Code = Annotated[str, Form(max_length=100)]


async def _render(page: Page, *, errors: dict[str, str] | None = None, status_code: int = 200, drafts=None):
    site = _site(page.container)
    pages = [await site.page(p["slug"]) for p in await site.pages()]
    for draft in drafts or []:
        pages = [draft if p["slug"] == draft["slug"] else p for p in pages]
    return page.render(
        "admin/site.html",
        status_code=status_code,
        pages=pages,
        badges=await site.badges(),
        errors=errors or {},
        title_max=PAGE_TITLE_MAX,
        body_max=PAGE_BODY_MAX,
    )


@router.get("/admin/site")
async def site_admin(page: StaffPage):
    return await _render(page)


@router.post("/admin/site/pages/{slug}")
async def save_page(
    page: StaffPage,
    slug: Slug,
    title: Annotated[str, Form(max_length=PAGE_TITLE_MAX * 2)] = "",
    body: Annotated[str, Form(max_length=PAGE_BODY_MAX * 2)] = "",
):
    assert page.user is not None
    try:
        await _site(page.container).save_page(slug, title, body, page.user.actor)
    except InvalidInput as exc:
        draft = {"slug": slug, "title": title, "body_md": body}
        return await _render(page, errors={slug: page.error_text(exc)}, status_code=400, drafts=[draft])
    return page.redirect(f"/admin/site#page-{slug}", flash=N_("Saved."))


@router.post("/admin/site/badges")
async def save_badges(
    page: AdminPage,
    enamad_id: Code = "",
    enamad_code: Code = "",
    samandehi_id: Code = "",
    samandehi_p: Code = "",
):
    assert page.user is not None
    values = dict(zip(BADGE_KEYS, (enamad_id, enamad_code, samandehi_id, samandehi_p), strict=True))
    try:
        await _site(page.container).save_badges(values, page.user.actor)
    except InvalidInput as exc:
        return await _render(page, errors={"badges": page.error_text(exc)}, status_code=400)
    return page.redirect("/admin/site#badges", flash=N_("Saved."))
