"""The units: a unit's own page (opened from its link), and the coordinator's list of units
with their links sent again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from control import links
from models.tables import Unit
from notifications.channels import DeliveryAttempt
from web.auth import Visitor
from web.context import say
from web.deps import Checked, Coordinator, LinkUnitVisitor, open_link, web
from web.forms import acted, back
from web.rendering import channel_name, flash, render
from web.schemas import (
    PROBLEMS,
    AttemptOut,
    LinkRequest,
    LinkSent,
    Row,
    UnitOut,
    UnitPageOut,
    UnitWorkOut,
)
from web.tracking import TRACKING_ORDER
from web.views import UnitPage
from web.waiting import sent_by

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["units"], responses=PROBLEMS)


def unit_page_of(request: Request, who: Visitor) -> UnitPage:
    assert who.unit is not None
    context = web(request)
    return context.units.unit(who.unit.code, context.clock())


# ----------------------------------------------------------------------------- a unit's own page


@pages.get("/u/{token}")
def unit_link(request: Request, token: str) -> Response:
    open_link(request, token)
    return back("/unit")


@pages.get("/unit")
def unit_page(request: Request, who: LinkUnitVisitor) -> Response:
    assert who.unit is not None
    signer = links.unit_links(web(request).settings)
    return render(
        request,
        "unit.html",
        {
            "page": unit_page_of(request, who),
            "sent": sent_by(web(request).settings, who.unit.code),
            "calendar_token": signer.token(who.unit.code, issued_at=who.unit.issued_at),
            "order": TRACKING_ORDER,
        },
    )


@api.get("/unit", response_model=UnitPageOut)
def unit(request: Request, who: LinkUnitVisitor) -> UnitPageOut:
    """The unit's own milestones (from its link): nothing of other units' tasks."""
    page = unit_page_of(request, who)
    return UnitPageOut(
        unit=page.unit.code,
        name=page.unit.name,
        work=[
            UnitWorkOut(**Row.of(w.shown).model_dump(), plan=w.plan.key, leads=w.leads)
            for w in page.work
        ],
    )


# ----------------------------------------------------------------------------- all the units


def units_of(request: Request, who: Visitor) -> list[Unit]:
    """The units the coordinator's account sees: its agency's (or every agency's)."""
    return web(request).units.units_of(who.account.agency if who.account else "")


@pages.get("/units")
def units_page(request: Request, who: Coordinator) -> Response:
    return render(
        request,
        "units.html",
        {"units": web(request).units.units_of(who.account.agency if who.account else "")},
    )


@api.get("/units", response_model=list[UnitOut])
def units(request: Request, who: Coordinator) -> list[UnitOut]:
    return [UnitOut(unit=u.code, name=u.name, role=u.role.value) for u in units_of(request, who)]


async def send_link(
    request: Request, who: Visitor, unit_code: str, *, revoke_old: bool
) -> list[DeliveryAttempt]:
    return await web(request).acting.send_unit_link(who, unit_code, revoke_old=revoke_old)


@pages.post("/units/{unit_code}/link")
async def link_sent(
    request: Request,
    unit_code: str,
    who: Checked,
    revoke_old: Annotated[str, Form()] = "",
) -> Response:
    async def act() -> list[DeliveryAttempt]:
        return await send_link(request, who, unit_code, revoke_old=bool(revoke_old))

    def said(attempts: list[DeliveryAttempt]) -> str:
        sent = [a for a in attempts if a.delivered]
        unit = web(request).units.all_unit_names().get(unit_code, unit_code)
        if sent:
            return say("done", "link_sent", unit=unit, channel=channel_name(sent[0].channel))
        # Each channel by its kind; what its server answered is in the log.
        answers = ", ".join(channel_name(a.channel) for a in attempts) or say("done", "no_channel")
        flash(request, "error", say("done", "link_not_sent", unit=unit, answers=answers))
        return ""

    return await acted(request, act, to="/units", said=said)


@api.post("/units/{unit_code}/link", response_model=LinkSent)
async def send_unit_link(
    request: Request, unit_code: str, body: LinkRequest, who: Checked
) -> LinkSent:
    attempts = await send_link(request, who, unit_code, revoke_old=body.revoke_old)
    return LinkSent(
        delivered=any(a.delivered for a in attempts),
        attempts=[
            AttemptOut(channel=a.channel, delivered=a.delivered, answer=a.answer) for a in attempts
        ],
    )
