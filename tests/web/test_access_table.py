"""Who may use each route, page and API alike: every route of the app (read from the app
itself, so a new route cannot escape) asked by each role (nobody, a unit's link, a coordinator,
the leadership) of the plan's own agency and of another, against the one table below. A
refusal is 401 or 403 (a page asks to sign in) and never reaches the engine; what is allowed
is never refused (it may still answer 404 or 409 on the merits)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from control import accounts
from models.tables import ReceivedReply, ReplyState, UnitRole
from plan_import import read_plan
from settings import PROJECT_ROOT
from storage.db import session_scope
from storage.plans import store_plan
from tests.web.conftest import COORDINATOR, LEADERSHIP, PDF, PLAN_KEY, Site, csrf_of, sign_in

DATA = PROJECT_ROOT / "tests" / "engine" / "data"
OWN, OTHER = "snv-binh-dinh", "svhttdl-quang-ngai"
PASSWORD = "mat-khau-bang-quyen"

ANONYMOUS = "anonymous"
UNIT_OWN, UNIT_OTHER = "unit/own", "unit/other"
COORD_OWN, COORD_OTHER = "coordinator/own", "coordinator/other"
LEAD_OWN, LEAD_OTHER = "leadership/own", "leadership/other"
ROLES = (ANONYMOUS, UNIT_OWN, UNIT_OTHER, COORD_OWN, COORD_OTHER, LEAD_OWN, LEAD_OTHER)
# The unit each link is of: ttlt leads task VI.2 of the plan; qng-qlvh is of another agency.
LINK_OF = {UNIT_OWN: "ttlt", UNIT_OTHER: "qng-qlvh"}
ACCOUNT_OF = {
    COORD_OWN: ("dp.own", UnitRole.COORDINATOR, OWN),
    COORD_OTHER: ("dp.other", UnitRole.COORDINATOR, OTHER),
    LEAD_OWN: ("ld.own", UnitRole.LEADERSHIP, OWN),
    LEAD_OTHER: ("ld.other", UnitRole.LEADERSHIP, OTHER),
}

EVERYONE = frozenset(ROLES)
ACCOUNTS = frozenset(ACCOUNT_OF)
PLAN_READERS = frozenset({COORD_OWN, LEAD_OWN})
COORDINATORS = frozenset({COORD_OWN, COORD_OTHER})
PLAN_COORDINATOR = frozenset({COORD_OWN})
LEAD_UNIT = frozenset({UNIT_OWN})
UNITS = frozenset({UNIT_OWN, UNIT_OTHER})
# The unit's own, and the accounts of its agency.
UNITS_OWN_READERS = frozenset({UNIT_OWN, COORD_OWN, LEAD_OWN})

# Route name -> who may use it. Every route of the app must be here.
ALLOWED: dict[str, frozenset[str]] = {
    # signing in and out
    "login_page": EVERYONE,
    "login": EVERYONE,
    "logout": EVERYONE,
    "session": EVERYONE,
    "api_sign_in": EVERYONE,
    "api_sign_out": EVERYONE,
    "password_page": ACCOUNTS,
    "change_password": ACCOUNTS,
    # the plans
    "home": ACCOUNTS | UNITS,  # a unit is sent on to its own page
    "plans": ACCOUNTS,
    "overview": ACCOUNTS,
    "api_overview": ACCOUNTS,
    "dashboard": PLAN_READERS | UNITS,  # a unit is sent on to its own page
    "plan_dashboard": PLAN_READERS,
    "status_table": PLAN_READERS,
    "progress_report": PLAN_READERS,
    # a task
    "task_page": PLAN_READERS,
    "task": PLAN_READERS,
    "evidence_page": UNITS_OWN_READERS,
    "evidence_sent": LEAD_UNIT,
    "api_submit_evidence": LEAD_UNIT,
    "extension_asked": LEAD_UNIT,
    "request_extension": LEAD_UNIT,
    "extension_decided": PLAN_COORDINATOR,
    "api_decide_extension": PLAN_COORDINATOR,
    "evidence_reviewed": PLAN_COORDINATOR,
    "review_evidence": PLAN_COORDINATOR,
    "reassigned": PLAN_COORDINATOR,
    "reassign": PLAN_COORDINATOR,
    "closed": PLAN_COORDINATOR,
    "close": PLAN_COORDINATOR,
    # events
    "events_page": PLAN_COORDINATOR,
    "awaited_events": PLAN_COORDINATOR,
    "event_preview": PLAN_COORDINATOR,
    "event_recorded": PLAN_COORDINATOR,
    "trigger_event": PLAN_COORDINATOR,
    # units
    "unit_link": EVERYONE,  # the token is the credential
    "unit_page": UNITS,
    "unit": UNITS,
    "units_page": COORDINATORS,
    "units": COORDINATORS,
    "link_sent": PLAN_COORDINATOR,  # van-phong is of the plan's agency
    "send_unit_link": PLAN_COORDINATOR,
    "unit_calendar": UNITS_OWN_READERS,
    # imports: reading an upload is any coordinator's; starting it, its agency's
    "import_page": COORDINATORS,
    "import_upload": COORDINATORS,
    "import_plan": COORDINATORS,
    "import_preview": COORDINATORS,
    "preview_import": COORDINATORS,
    "import_start": PLAN_COORDINATOR,
    "start_import": PLAN_COORDINATOR,
    # replies received by email or Zalo; the webhook opens to Zalo's secret alone
    "replies_page": COORDINATORS,
    "attach_by_hand": PLAN_COORDINATOR,
    "zalo_webhook": frozenset(),
    # files and the documentation
    "evidence_file": UNITS_OWN_READERS,
    "openapi": ACCOUNTS,
    "docs": ACCOUNTS,
}
# What ends or replaces the session: asked from a client of its own each time.
SESSION_CHANGING = {"login", "logout", "api_sign_in", "api_sign_out", "unit_link"}


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


def app_routes(site: Site) -> list[Route]:
    found = []
    for context in iter_route_contexts(site.client.app.routes):  # type: ignore[attr-defined]
        methods = getattr(context, "methods", None)
        if not methods or context.name is None or context.path is None:
            continue  # the static files' mount
        for method in sorted(methods - {"HEAD"}):
            found.append(Route(context.name, method, context.path))
    return found


@pytest.fixture
def table(site: Site, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The site with a plan of another agency, the accounts of each role and agency, an evidence
    file delivered by ttlt and a plan uploaded for import."""
    import web.acts

    # The stand-in engine writes nothing after an event: do not wait for it to.
    monkeypatch.setattr(web.acts, "SETTLE_WITHIN", 0.0)
    imported = read_plan(DATA / "svhttdl-qng-2025-2026.txt", agencies_dir=DATA / "agencies")
    with session_scope(site.settings.resolved_database_url()) as session:
        store_plan(session, imported=imported)
    for name, role, agency in ACCOUNT_OF.values():
        accounts.create_account(
            site.settings, name=name, role=role, password=PASSWORD, agency_code=agency
        )
    delivered = site.client.post(
        f"/api/plans/{PLAN_KEY}/tasks/VI.2/milestones/1/evidence",
        headers={"Authorization": f"Bearer {site.link('ttlt')}"},
        files={"file": ("a.pdf", PDF, "application/pdf")},
    )
    assert delivered.status_code == 200, delivered.text
    # The answer is the milestone; the file's hash is in what the engine was asked.
    sha = site.engine.calls[-1][2]["submission"].file_ref.removeprefix("sha256:")
    coordinator = site.browser()
    token = sign_in(coordinator, "dp.own", PASSWORD)
    upload = coordinator.post(
        "/api/imports",
        files={"file": ("plan.txt", site.settings.plan_file.read_bytes(), "text/plain")},
        data={"year": "2023"},
        headers={"X-CSRF-Token": token},
    )
    assert upload.status_code == 200, upload.text
    event_key = next(iter(coordinator.get(f"/api/plans/{PLAN_KEY}/events").json()))
    # Replies received: 1 about the plan's task, 2 from a unit of the other agency, 3 matched
    # to nothing.
    with session_scope(site.settings.resolved_database_url()) as session:
        for n, (unit, plan, task) in enumerate(
            (("ttlt", PLAN_KEY, "VI.2"), ("qng-qlvh", "", ""), ("", "", "")), start=1
        ):
            session.add(
                ReceivedReply(
                    id=n,
                    channel="email",
                    message_key=f"<thu-{n}@example.vn>",
                    sender=f"nguoi-gui-{n}@example.vn",
                    received_at=site.now,
                    updated_at=site.now,
                    state=ReplyState.UNMATCHED,
                    unit_code=unit,
                    plan_key=plan,
                    task_code=task,
                    details={"document_number": f"{n}/BC"},
                )
            )
    site.engine.calls.clear()
    yield {
        "other_plan_key": imported.key,
        "other_task_code": imported.tasks[0].code,
        "plan_key": PLAN_KEY,
        "task_code": "VI.2",
        "milestone_key": "1",
        "unit_code": "ttlt",
        "token": site.link("ttlt"),
        "file_sha": sha,
        "upload_sha": upload.json()["upload"],
        "event_key": event_key,
    }


def client_of(site: Site, role: str) -> TestClient:
    client = site.browser()
    if role in LINK_OF:
        assert client.get(f"/u/{site.link(LINK_OF[role])}").status_code == 200
    elif role in ACCOUNT_OF:
        sign_in(client, ACCOUNT_OF[role][0], PASSWORD)
    return client


def sample(route: Route, values: dict[str, Any], csrf: str) -> dict[str, Any]:
    """The request's arguments: a plausible body for the route, the CSRF token."""
    today = "2023-03-19"
    forms: dict[str, dict[str, Any]] = {
        "login": {"name": LEADERSHIP[0], "password": LEADERSHIP[1], "next": "/"},
        "change_password": {"current": "sai-mat-khau-roi", "new": "x" * 12, "again": "x" * 12},
        "evidence_sent": {"document_number": "1"},
        "api_submit_evidence": {"document_number": "1"},
        "extension_asked": {"until": "2023-05-01", "reason": "r"},
        "extension_decided": {"decision": "refuse", "reason": "r"},
        "evidence_reviewed": {"decision": "reject", "reason": "r"},
        "reassigned": {"lead_units": ["ttlt"], "reason": "r"},
        "closed": {"reason": "r"},
        "event_recorded": {"key": values["event_key"], "occurred_on": today},
        "import_start": {"year": "2023"},
        "import_upload": {"year": "2023"},
        "import_preview": {"year": "2023"},
        "attach_by_hand": {
            "plan_key": PLAN_KEY,
            "task_code": "VI.2",
            "milestone_key": "1",
            "unit_code": "ttlt",
        },
        "import_plan": {"year": "2023"},
    }
    bodies: dict[str, dict[str, Any]] = {
        "api_sign_in": {"name": LEADERSHIP[0], "password": LEADERSHIP[1]},
        "request_extension": {"until": "2023-05-01", "reason": "r"},
        "api_decide_extension": {"decision": "refuse", "reason": "r"},
        "review_evidence": {"decision": "reject", "reason": "r"},
        "reassign": {"lead_units": ["ttlt"], "reason": "r"},
        "close": {"reason": "r"},
        "trigger_event": {"key": values["event_key"], "occurred_on": today},
        "send_unit_link": {"revoke_old": False},
        "start_import": {"year": 2023},
        "preview_import": {"year": 2023},
    }
    arguments: dict[str, Any] = {"follow_redirects": False}
    if route.method == "GET":
        if route.name == "event_preview":
            arguments["params"] = {"key": values["event_key"], "occurred_on": today}
        return arguments
    if route.name in ("import_upload", "import_plan"):
        plan = PROJECT_ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt"
        arguments["files"] = {"file": ("plan.txt", plan.read_bytes(), "text/plain")}
    if route.api and route.name in bodies:
        arguments["json"] = bodies[route.name]
        arguments["headers"] = {"X-CSRF-Token": csrf}
    elif route.api:
        arguments["data"] = forms.get(route.name, {})
        arguments["headers"] = {"X-CSRF-Token": csrf}
    else:
        arguments["data"] = {"csrf": csrf, **forms.get(route.name, {})}
    return arguments


def path_of(route: Route, values: dict[str, Any]) -> str:
    return route.path.format(
        plan_key=values["plan_key"],
        task_code=values["task_code"],
        milestone_key=values["milestone_key"],
        unit_code=values["unit_code"],
        token=values["token"],
        sha256=values["upload_sha"] if "import" in route.path else values["file_sha"],
        reply_id=1,
    )


def refused(route: Route, answer: Any) -> bool:
    if answer.status_code in (401, 403):
        return True
    if route.name == "logout":
        return False  # it sends everyone to the sign-in page
    return answer.status_code in (302, 303) and answer.headers["location"].startswith("/login")


def test_the_table_names_every_route_of_the_app(site: Site) -> None:
    names = {route.name for route in app_routes(site)}
    assert names == set(ALLOWED), (
        f"routes without a rule: {sorted(names - set(ALLOWED))}; "
        f"rules without a route: {sorted(set(ALLOWED) - names)}"
    )


def test_every_route_for_every_role_and_agency(site: Site, table: dict[str, Any]) -> None:
    clients = {role: client_of(site, role) for role in ROLES}
    wrong: list[str] = []
    for route in app_routes(site):
        for role in ROLES:
            client = client_of(site, role) if route.name in SESSION_CHANGING else clients[role]
            calls = len(site.engine.calls)
            answer = client.request(
                route.method, path_of(route, table), **sample(route, table, csrf_of(client))
            )
            allowed = role in ALLOWED[route.name]
            said = f"{route.method} {route.path} as {role}: {answer.status_code}"
            if answer.status_code >= 500:
                wrong.append(f"{said} (a failure)")
            elif allowed and refused(route, answer):
                wrong.append(f"{said} (refused, should be allowed) {answer.text[:200]}")
            elif not allowed and not refused(route, answer):
                wrong.append(f"{said} (allowed, should be refused)")
            elif not allowed and len(site.engine.calls) != calls:
                wrong.append(f"{said} (refused, but the engine was called)")
    assert not wrong, "\n".join(wrong)


def test_replies_are_seen_and_attached_within_the_accounts_agency(
    site: Site, table: dict[str, Any]
) -> None:
    """A coordinator of one agency sees its agency's replies (of its plans, or sent by its
    units) and attaches only those; one that matched nothing is for an account of every
    agency."""

    def shown(client: TestClient) -> set[str]:
        page = client.get("/replies")
        assert page.status_code == 200, page.text
        return set(re.findall(r"<tr>\s*<td>(\d+)</td>", page.text))

    every = site.browser()
    sign_in(every, *COORDINATOR)  # an account of no agency
    assert shown(client_of(site, COORD_OWN)) == {"1"}
    assert shown(client_of(site, COORD_OTHER)) == {"2"}
    assert shown(every) == {"1", "2", "3"}
    other = client_of(site, COORD_OTHER)
    for reply_id in (1, 3):
        # Another agency's reply, or one of nobody's, onto the account's own agency's plan.
        answer = other.post(
            f"/replies/{reply_id}/attach",
            data={
                "csrf": csrf_of(other),
                "plan_key": table["other_plan_key"],
                "task_code": table["other_task_code"],
                "milestone_key": "1",
                "unit_code": "qng-qlvh",
            },
            follow_redirects=False,
        )
        assert answer.status_code == 403, (reply_id, answer.status_code, answer.text[:300])
    assert site.engine.calls == []
