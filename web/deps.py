"""Who is asking, as FastAPI dependencies: every route, page or API, learns it here and only
here (the session or a unit's link, read once and rate-limited; the account; the coordinator;
a plan's reader; the CSRF check of a change). A route names what it needs in its signature
(`who: Coordinator`), so the rule is the same for the page and the API of a use case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from control import links
from notifications.links import InvalidLink, UnitLinkClaim
from web.auth import AccessDenied, LinkUnit, Session, Visitor, csrf_matches
from web.context import WebContext
from web.refusals import Refusal
from web.views import Filters

CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def web(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context


def address(request: Request) -> str:
    """Whom the request came from: the peer, or, when the peer is a proxy the settings name,
    the last address in X-Forwarded-For that is not one of those proxies."""
    peer = request.client.host if request.client is not None else ""
    trusted = web(request).settings.proxy_addresses()
    if peer not in trusted:
        return peer
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed([part for part in forwarded if part]):
        if hop not in trusted:
            return hop
    return peer


def session_of(request: Request) -> Session:
    session: Session = request.state.session
    return session


def read_link(request: Request, token: str) -> UnitLinkClaim:
    """Whose link this token is: the one place a unit's link is read (from a message's
    address, a calendar program's subscription or an API bearer), so each use is counted
    against the same limit."""
    context = web(request)
    if not context.limits.link_use.allow(address(request)):
        raise Refusal("too_many", status=429)
    try:
        return links.read_unit_link(context.settings, token, now=context.clock())
    except InvalidLink as error:
        raise Refusal("bad_link", status=401, detail=str(error)) from error


def open_link(request: Request, token: str) -> UnitLinkClaim:
    """The session becomes the unit's (its link's token read): its pages open from now on."""
    claim = read_link(request, token)
    web(request).sessions.open_link(session_of(request), claim)
    request.state.visitor = None
    return claim


def visitor(request: Request) -> Visitor:
    """Who is asking: a unit from an `Authorization: Bearer <link token>` header (the API), or
    whoever the session cookie says (checked again now)."""
    found: Visitor | None = getattr(request.state, "visitor", None)
    if found is not None:
        return found
    context = web(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        claim = read_link(request, header[7:].strip())
        found = Visitor(
            csrf="",
            unit=LinkUnit(claim.unit_code, claim.issued_at),
            bearer=True,
            address=address(request),
        )
    else:
        found = context.sessions.visitor(
            session_of(request), now=context.clock(), address=address(request)
        )
    request.state.visitor = found
    return found


def signed_in(request: Request) -> Visitor:
    """A signed-in account (the coordinator's staff or the leadership)."""
    who = visitor(request)
    if who.account is None:
        raise AccessDenied("not_signed_in", status=401)
    return who


def coordinator(request: Request) -> Visitor:
    """The coordinator's account: the pages and readings only it has (units, import, events)."""
    who = signed_in(request)
    if not who.is_coordinator:
        raise AccessDenied("wrong_role")
    return who


def plan_reader(request: Request, plan_key: str) -> Visitor:
    """A signed-in account that may read the plan: an account of one agency reads that
    agency's plans only (one of no agency, every agency's)."""
    who = signed_in(request)
    agency = who.account.agency if who.account is not None else ""
    if agency and web(request).reader.plan_agency(plan_key) != agency:
        raise AccessDenied("other_agency")
    return who


def plan_coordinator(request: Request, plan_key: str) -> Visitor:
    """The coordinator's account, of the plan's agency (or of every agency)."""
    coordinator(request)
    return plan_reader(request, plan_key)


def link_unit(request: Request) -> Visitor:
    """A unit, from its link (in the session, or as the API's bearer)."""
    who = visitor(request)
    if who.unit is None:
        raise Refusal("bad_link", status=401)
    return who


async def checked(request: Request) -> Visitor:
    """Whoever asks for a change, once its CSRF token (the form's `csrf` field or the
    X-CSRF-Token header) matches the session's; a bearer link carries no cookie and needs
    none."""
    who = visitor(request)
    if who.bearer:
        return who
    presented = request.headers.get(CSRF_HEADER)
    if presented is None and request.method != "GET":
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            # Starlette keeps the parsed form: the route's own Form() fields read it again.
            value = (await request.form()).get(CSRF_FIELD)
            presented = value if isinstance(value, str) else None
    if not csrf_matches(who, presented):
        raise Refusal("bad_csrf", status=403)
    return who


Context = Annotated[WebContext, Depends(web)]
Who = Annotated[Visitor, Depends(visitor)]
Account = Annotated[Visitor, Depends(signed_in)]
Coordinator = Annotated[Visitor, Depends(coordinator)]
PlanReader = Annotated[Visitor, Depends(plan_reader)]
PlanCoordinator = Annotated[Visitor, Depends(plan_coordinator)]
LinkUnitVisitor = Annotated[Visitor, Depends(link_unit)]
Checked = Annotated[Visitor, Depends(checked)]


@dataclass(frozen=True)
class MilestoneAt:
    """The milestone a route's path names."""

    plan_key: str
    task_code: str
    milestone_key: str


def milestone_at(plan_key: str, task_code: str, milestone_key: str) -> MilestoneAt:
    return MilestoneAt(plan_key, task_code, milestone_key)


def dashboard_filters(
    section: str = "", unit: str = "", state: str = "", q: str = "", page: int = 1
) -> Filters:
    """A dashboard's filters, from its query (the page's and the API's alike)."""
    return Filters(section, unit, state, q.strip(), page)


Milestone = Annotated[MilestoneAt, Depends(milestone_at)]
DashboardFilters = Annotated[Filters, Depends(dashboard_filters)]
