"""The plans: side by side (the home page, `/api/plans`), one plan's dashboard, and the
leadership's overview of every plan."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.auth import Visitor
from web.deps import Account, DashboardFilters, PlanReader, Who, plan_reader, web
from web.forms import back
from web.rendering import render
from web.schemas import (
    PROBLEMS,
    DashboardOut,
    EscalationOut,
    MonthCounts,
    OverdueOut,
    OverviewOut,
    PlanHead,
    PlanOut,
    Row,
    UnitCounts,
    Upcoming,
    counts,
    instant,
)
from web.tracking import TRACKING_ORDER
from web.views import Dashboard, Filters, Overview
from web.waiting import waiting_for_coordinator

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["plans"], responses=PROBLEMS)


def chosen_agency(who: Visitor, asked: str) -> str:
    """The agency a page shows: an account of one agency sees that agency's, whatever it asks."""
    return (who.account.agency if who.account else "") or asked.strip()


def dashboard_of(request: Request, plan_key: str, filters: Filters) -> Dashboard:
    context = web(request)
    return context.dashboards.dashboard(plan_key, filters, context.clock())


def overview_of(request: Request, who: Visitor, agency: str) -> Overview:
    context = web(request)
    return context.reader.overview(context.clock(), agency=chosen_agency(who, agency))


# ----------------------------------------------------------------------------- the plans


@pages.get("/")
def home(request: Request, who: Who, agency: str = "") -> Response:
    """The plans side by side, grouped by agency; `?agency=<code>` shows one agency's."""
    if who.account is None:
        return back("/unit" if who.unit is not None else "/login")
    if who.account.must_change_password:
        return back("/account/password")
    context = web(request)
    chosen = chosen_agency(who, agency)
    return render(
        request,
        "home.html",
        {
            "plans": context.reader.plans(context.clock(), agency=chosen),
            "order": TRACKING_ORDER,
            "agencies": context.reader.agencies(),
            "chosen": chosen,
            "fixed": bool(who.account.agency),
        },
    )


@api.get("/plans", response_model=list[PlanOut])
def plans(request: Request, who: Account, agency: str = "") -> list[PlanOut]:
    """Every plan, or one agency's (`?agency=<code>`; an account of one agency: its own)."""
    context = web(request)
    found = context.reader.plans(context.clock(), agency=chosen_agency(who, agency))
    return [PlanOut.of(s) for s in found]


# ----------------------------------------------------------------------------- a dashboard


@pages.get("/plans/{plan_key}")
def dashboard(request: Request, plan_key: str, who: Who, filters: DashboardFilters) -> Response:
    if who.account is None and who.unit is not None:
        # A unit that follows a message's plan link sees its own part of the plan.
        return back("/unit")
    plan_reader(request, plan_key)
    board = dashboard_of(request, plan_key, filters)
    if request.headers.get("hx-request"):
        return render(request, "_rows.html", {"board": board, "order": TRACKING_ORDER})
    settings = web(request).settings
    waiting = waiting_for_coordinator(settings, plan_key) if who.is_coordinator else None
    return render(
        request, "dashboard.html", {"board": board, "order": TRACKING_ORDER, "waiting": waiting}
    )


@api.get("/plans/{plan_key}", response_model=DashboardOut)
def plan_dashboard(
    request: Request, plan_key: str, who: PlanReader, filters: DashboardFilters
) -> DashboardOut:
    board = dashboard_of(request, plan_key, filters)
    return DashboardOut(
        plan=PlanHead(key=board.plan.key, title=board.plan.title, year=board.plan.year),
        tasks=board.tasks,
        counts=counts(board.counts),
        units=[UnitCounts.of(u) for u in board.units],
        months=[
            MonthCounts(month=m.month, counts=counts(m.counts, all_states=False))
            for m in board.months
        ],
        upcoming=[
            Upcoming(
                at=instant(p.step.at),
                action=p.step.action.value,
                audience=p.step.audience.value,
                to=list(p.recipients),
                task=p.row.task_code,
                milestone=p.row.key,
            )
            for p in board.upcoming
        ],
        upcoming_total=board.upcoming_total,
        matching=board.matching,
        page=board.filters.page,
        pages=board.pages,
        rows=[Row.of(item) for item in board.shown],
    )


# ----------------------------------------------------------------------------- the overview


@pages.get("/overview")
def overview(request: Request, who: Account, agency: str = "") -> Response:
    """Every plan's figures, or one agency's (`?agency=`; an account of one agency: its own)."""
    found = overview_of(request, who, agency)
    return render(request, "overview.html", {"overview": found, "order": TRACKING_ORDER})


@api.get("/overview", response_model=OverviewOut)
def api_overview(request: Request, who: Account, agency: str = "") -> OverviewOut:
    found = overview_of(request, who, agency)
    return OverviewOut(
        plans=[PlanOut.of(s) for s in found.summaries],
        overdue=[
            OverdueOut(
                **Row.of(line.shown).model_dump(),
                plan=line.plan.key,
                days_overdue=line.days_overdue,
            )
            for line in found.overdue
        ],
        units=[UnitCounts.of(u) for u in found.units],
        escalations=[
            EscalationOut(
                kind=n.kind,
                plan=n.plan_key,
                task=n.task_code,
                status=n.status,
                scheduled_at=instant(n.scheduled_at),
            )
            for n in found.escalations
        ],
    )
