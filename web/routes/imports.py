"""A plan imported from an upload: read and previewed (nothing starts), then started by the
coordinator. The service is `web.importing.Importing`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from web.auth import Visitor
from web.context import refusal_text, say
from web.deps import Checked, Coordinator, web
from web.forms import acted, back, form_year, plan_path
from web.importing import ImportCheck, StartOutcome
from web.refusals import Refusal
from web.rendering import flash, plan_title, render
from web.schemas import (
    PROBLEMS,
    CellToCheck,
    ImportedTask,
    ImportedTaskMilestone,
    ImportOut,
    PlanHead,
    RefusedTask,
    Started,
    StartRequest,
    Where,
    instant,
)

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["imports"], responses=PROBLEMS)


@dataclass(frozen=True)
class ImportForm:
    """The import page's fields read again and on start: the years and the corrected cells."""

    year: int | None
    until: int | None
    fixes: list[tuple[str, str]]


def import_form(
    year: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    fix_cell: Annotated[list[str] | None, Form()] = None,
    fix_was: Annotated[list[str] | None, Form()] = None,
    fix_text: Annotated[list[str] | None, Form()] = None,
) -> ImportForm:
    # A field beside a refusal counts when the coordinator changed it from what the document says.
    fixes = [
        (cell, text.strip())
        for cell, before, text in zip(fix_cell or [], fix_was or [], fix_text or [], strict=False)
        if text.strip() != before.strip()
    ]
    return ImportForm(form_year(year), form_year(until), fixes)


ImportFields = Annotated[ImportForm, Depends(import_form)]


def api_form(body: StartRequest) -> ImportForm:
    return ImportForm(body.year, body.until, [(fix.cell, fix.text) for fix in body.corrections])


async def check_upload(
    request: Request, who: Visitor, file: UploadFile, year: int | None, until: int | None
) -> ImportCheck:
    return web(request).importing.check_import(
        who, file_name=file.filename or "plan", content=await file.read(), year=year, until=until
    )


def recheck(request: Request, who: Visitor, sha256: str, form: ImportForm) -> ImportCheck:
    return web(request).importing.recheck_import(
        who, sha256, year=form.year, until=form.until, fixes=form.fixes
    )


async def start(request: Request, who: Visitor, sha256: str, form: ImportForm) -> StartOutcome:
    return await web(request).importing.start_import(
        who, sha256, year=form.year, until=form.until, fixes=form.fixes
    )


def _checked_page(request: Request, check: ImportCheck) -> Response:
    names = web(request).units.all_unit_names()
    return render(request, "import.html", {"check": check, "unit_names": names})


@pages.get("/import")
def import_page(request: Request, who: Coordinator) -> Response:
    return render(request, "import.html", {"check": None})


@pages.post("/import")
async def import_upload(
    request: Request,
    who: Checked,
    file: Annotated[UploadFile, File()],
    year: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
) -> Response:
    try:
        check = await check_upload(request, who, file, form_year(year), form_year(until))
    except Refusal as refusal:
        if refusal.status in (401, 403):
            raise  # who is asking may not: the error page, as for every action
        flash(request, "error", refusal_text(refusal))
        return back("/import")
    return _checked_page(request, check)


@pages.post("/import/{sha256}/preview")
def import_preview(request: Request, sha256: str, who: Checked, form: ImportFields) -> Response:
    """The upload read again with the cells the coordinator corrected beside each refusal."""
    try:
        check = recheck(request, who, sha256, form)
    except Refusal as refusal:
        if refusal.status in (401, 403):
            raise
        flash(request, "error", refusal_text(refusal))
        return back("/import")
    return _checked_page(request, check)


@api.post("/imports", response_model=ImportOut)
async def import_plan(
    request: Request,
    who: Checked,
    file: Annotated[UploadFile, File()],
    year: Annotated[int | None, Form()] = None,
    until: Annotated[int | None, Form()] = None,
) -> ImportOut:
    """Read an uploaded plan: its report and every milestone; nothing starts yet."""
    return import_out(await check_upload(request, who, file, year, until))


@api.post("/imports/{sha256}/preview", response_model=ImportOut)
def preview_import(request: Request, sha256: str, body: StartRequest, who: Checked) -> ImportOut:
    """The upload read again with the coordinator's corrections of its cells."""
    return import_out(recheck(request, who, sha256, api_form(body)))


def import_out(check: ImportCheck) -> ImportOut:
    imported = check.imported
    return ImportOut(
        upload=check.sha256,
        startable=check.startable,
        problems=check.problems,
        plan=PlanHead(key=imported.key, title=imported.title, year=imported.year)
        if imported
        else None,
        errors=[Where(where=e.where, message=e.message) for e in imported.errors]
        if imported
        else [],
        warnings=[Where(where=w.where, message=w.message) for w in imported.warnings]
        if imported
        else [],
        cells_to_check=[
            CellToCheck(
                cell=f"{c.task}:{c.field}", row=c.row, text=c.text, level=c.level, why=c.why
            )
            for c in (imported.cells_to_check if imported else [])
        ],
        new_units=[u.name for u in imported.new_units] if imported else [],
        tasks=[
            ImportedTask(
                task=p.task.code,
                milestones=[
                    ImportedTaskMilestone(
                        key=m.milestone.key,
                        label=m.milestone.label,
                        due=instant(m.milestone.due),
                    )
                    for m in p.milestones
                ],
            )
            for p in (check.preview.tasks if check.preview else [])
        ],
        refused=[
            RefusedTask(task=r.code, text=r.text, reason=r.reason)
            for r in (check.preview.refused if check.preview else [])
        ],
    )


@pages.post("/import/{sha256}/start")
async def import_start(request: Request, sha256: str, who: Checked, form: ImportFields) -> Response:
    outcome: StartOutcome | None = None

    async def act() -> StartOutcome:
        nonlocal outcome
        outcome = await start(request, who, sha256, form)
        return outcome

    def said(done: StartOutcome) -> str:
        started = web(request).reader.stored_plan(done.plan_key)
        name = plan_title(started) if started is not None else done.plan_key
        text = say("done", "plan_started", plan=name)
        return text + (" " + say("done", "still_recording") if done.pending else "")

    response = await acted(request, act, to="/import", said=said)
    if outcome is not None:
        return back(plan_path(outcome.plan_key))
    return response


@api.post("/imports/{sha256}/start", response_model=Started)
async def start_import(request: Request, sha256: str, body: StartRequest, who: Checked) -> Started:
    outcome = await start(request, who, sha256, api_form(body))
    return Started(plan=outcome.plan_key, pending=outcome.pending)
