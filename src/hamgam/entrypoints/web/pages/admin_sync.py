"""Admin panel: the sync monitor (per entity: cursor, lag, last run with counts and errors, rejected rows,
"sync now", a chart of rows synced and lag) and dead letters (inspect, edit, replay, purge, audit trail)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query

from hamgam.domain.sync.entities import SYNC_ORDER
from hamgam.entrypoints.web.deps import StaffPage
from hamgam.entrypoints.web.i18n import N_
from hamgam.entrypoints.web.pages.charts import sync_chart
from hamgam.entrypoints.web.pages.common import MAX_PAGE, Id, page_router, parse_int
from hamgam.services.dead_letters import actions as dead_letter_actions
from hamgam.services.sync.history import open_rejected, recent_runs, series
from hamgam.services.sync.status import dead_letters_waiting, sync_status

router = page_router()
PER_PAGE = 30
KINDS = ("incremental", "full", "reconcile")
ENTITY_NAMES = tuple(e.name for e in SYNC_ORDER)


@router.get("/admin/sync")
async def monitor(page: StaffPage, entity: Annotated[str | None, Query(max_length=64)] = None):
    reads = page.container.sync_reads
    chosen = entity if entity in ENTITY_NAMES else ("Product" if "Product" in ENTITY_NAMES else ENTITY_NAMES[0])
    rejected, rejected_total = await open_rejected(reads)
    return page.render(
        "admin/sync.html",
        entities=await sync_status(reads),
        runs=await recent_runs(reads),
        rejected=rejected,
        rejected_total=rejected_total,
        dead=await dead_letters_waiting(reads),
        chosen=chosen,
        names=ENTITY_NAMES,
        chart=sync_chart(await series(reads, chosen)),
        kinds=KINDS,
    )


@router.post("/admin/sync/run")
async def sync_now(
    page: StaffPage,
    entity: Annotated[str, Form(max_length=64)] = "",
    kind: Annotated[str, Form(max_length=16)] = "incremental",
):
    assert page.user is not None
    if (entity and entity not in ENTITY_NAMES) or kind not in KINDS:
        return page.redirect("/admin/sync", flash=N_("Unknown entity or kind."), kind="error")
    request_id = await page.container.sync_repository.request_run(entity or None, kind, page.user.actor)
    requested = page.locale.gettext(N_("Sync requested; the scheduler takes it within seconds."))
    message = f"{requested} #{page.locale.digits(request_id)}"
    if page.htmx:
        return page.render("admin/_notice.html", message=message)
    return page.redirect("/admin/sync", flash=message)


@router.post("/admin/pictures/run")
async def pictures_now(page: StaffPage):
    images = page.container.images
    assert images is not None
    done = await images.attach_mahak_pictures(page.container.mahak)
    return page.redirect(
        "/admin/sync",
        flash=page.locale.gettext(N_("Mahak pictures handled:")) + " " + page.locale.number(done),
    )


@router.get("/admin/dead-letters")
async def dead_letters(
    page: StaffPage,
    topic: Annotated[str | None, Query(max_length=200)] = None,
    page_: Annotated[str | None, Query(alias="page", max_length=10)] = None,
):
    number = parse_int(page_, low=1, high=MAX_PAGE) or 1
    store = page.container.dead_letters
    letters = await store.list(topic or None, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    total = await store.count(topic or None)
    return page.render(
        "admin/dead_letters.html",
        letters=letters,
        total=total,
        topic=topic or "",
        page_number=number,
        pages=max(1, -(-total // PER_PAGE)),
    )


@router.get("/admin/dead-letters/{letter_id}")
async def dead_letter(page: StaffPage, letter_id: Id):
    letter = await page.container.dead_letters.get(letter_id)
    if letter is None:
        from hamgam.domain.errors import NotFound

        raise NotFound("پیام پیدا نشد — dead letter not found")
    try:
        body, binary = letter.body.decode("utf-8"), False
    except UnicodeDecodeError:
        body, binary = letter.body.hex(), True
    trail = await page.container.sync_reads.audit_trail(f"dead_letter:{letter_id}")
    return page.render("admin/dead_letter.html", letter=letter, body=body, binary=binary, trail=trail)


@router.post("/admin/dead-letters/{letter_id}/edit")
async def edit(page: StaffPage, letter_id: Id, body: Annotated[str, Form(max_length=5_000_000)]):
    assert page.user is not None
    ok = await dead_letter_actions.edit(page.container, letter_id, body.replace("\r\n", "\n").encode(), page.user.actor)
    return page.redirect(
        f"/admin/dead-letters/{letter_id}",
        flash=N_("Message body saved.") if ok else N_("Message not found."),
        kind="ok" if ok else "error",
    )


@router.post("/admin/dead-letters/{letter_id}/replay")
async def replay(page: StaffPage, letter_id: Id):
    assert page.user is not None
    ok = await dead_letter_actions.replay(page.container, letter_id, page.user.actor)
    return page.redirect(
        f"/admin/dead-letters/{letter_id}",
        flash=N_("Message sent again to its queue.") if ok else N_("Message not found or already replayed."),
        kind="ok" if ok else "error",
    )


@router.post("/admin/dead-letters/{letter_id}/purge")
async def purge(page: StaffPage, letter_id: Id):
    assert page.user is not None
    ok = await dead_letter_actions.purge(page.container, letter_id, page.user.actor)
    return page.redirect(
        "/admin/dead-letters" if ok else f"/admin/dead-letters/{letter_id}",
        flash=N_("Message purged.") if ok else N_("Message not found."),
        kind="ok" if ok else "error",
    )
