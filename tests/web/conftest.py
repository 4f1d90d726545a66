"""A site for the web tests: the 2023 plan in a database of its own, recorded as the engine
would have started it on Monday 20/03/2023 at 10:00 (overdue, due-soon, open and waiting
milestones), two accounts, and an engine that records what it is asked and answers as the
real one does (the real engine is driven by engine_actions/ and test_browser.py)."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from control import accounts, links
from control.permissions import Actor
from deadlines import plan_milestones
from deadlines.language import EVENT_KINDS
from models.statuses import DisplayStatus, MilestoneStatus, TaskStatus
from models.tables import UnitRole
from models.workflow_messages import (
    EventRouting,
    EvidenceRecord,
    EvidenceSubmission,
    MilestoneView,
    TaskSnapshot,
)
from plan_import import Correction, ImportedPlan, read_plan
from plan_import.units import load_unit_directory
from settings import DATA_DIR, Settings
from storage.db import get_engine, session_scope, upgrade_schema
from storage.plans import store_plan
from storage.progress import bump_projection_version, save_evidence, save_task_snapshot
from web.actions import EngineActions, EngineRefused
from web.app import create_app

PLAN_KEY = "snv-binh-dinh-cchc-2023"
NOW = datetime(2023, 3, 20, 3, 0, tzinfo=UTC)  # Monday 20/03/2023, 10:00 in Vietnam
COORDINATOR = ("dieuphoi", "mat-khau-dieu-phoi")
LEADERSHIP = ("lanhdao", "mat-khau-lanh-dao")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def snapshots(imported: ImportedPlan, settings: Settings, now: datetime) -> list[TaskSnapshot]:
    """Every task as the engine records it when started at `now`."""
    calendar = settings.working_calendar(imported.year)
    found: list[TaskSnapshot] = []
    for task in imported.tasks:
        planned = plan_milestones(
            task.deadline_text,
            year=imported.year,
            task_title=task.title,
            calendar=calendar,
            policy=settings.policy(task.code),
        )
        views = []
        for m in planned:
            if m.due is None and m.kind in EVENT_KINDS:
                status = MilestoneStatus.WAITING_EVENT
            elif m.opens is not None and m.opens > now:
                status = MilestoneStatus.SCHEDULED
            elif m.due is not None and m.due < now:
                status = MilestoneStatus.OVERDUE
            else:
                status = MilestoneStatus.OPEN
            views.append(MilestoneView(m.key, m.label, m.kind, status, m.due, None, m.event_key))
        display = (
            DisplayStatus.OVERDUE
            if any(v.status is MilestoneStatus.OVERDUE for v in views)
            else DisplayStatus.ACTIVE
        )
        found.append(
            TaskSnapshot(
                imported.key,
                task.code,
                task.title,
                TaskStatus.ACTIVE,
                list(task.lead_units),
                views,
                None,
                display,
            )
        )
    return found


def row_plan_id(session: Any) -> int:
    from storage.plans import get_plan

    plan = get_plan(session, PLAN_KEY)
    assert plan is not None and plan.id is not None
    return plan.id


def _check_year(until: date, confirmed: bool) -> None:
    """The engine's rule for a new due date past the plan's year, in its words
    (workflows/task_state.py `_check_new_due`)."""
    if until.year > NOW.year and not confirmed:
        raise EngineRefused(
            f"the new due date {until.isoformat()} is beyond the plan's year "
            f"{NOW.year}: confirm it if that is meant (--confirm)"
        )


class RecordingEngine(EngineActions):
    """Answers like the engine and records the projection as its activities would."""

    def __init__(self, settings: Settings, clock: Any) -> None:
        super().__init__(settings)
        self.calls: list[tuple[str, Actor, dict[str, Any]]] = []
        self.refuse_with: str | None = None
        self._clock = clock

    def _called(self, name: str, actor: Actor, **what: Any) -> None:
        self.calls.append((name, actor, what))
        if self.refuse_with is not None:
            raise EngineRefused(self.refuse_with)

    def _set_status(self, task_code: str, key: str, status: MilestoneStatus) -> MilestoneView:
        from sqlmodel import select

        from models.tables import Milestone, Plan, Task

        with session_scope(self._settings.resolved_database_url()) as session:
            row = session.exec(
                select(Milestone)
                .join(Task)
                .join(Plan)
                .where(Plan.key == PLAN_KEY, Task.code == task_code, Milestone.key == key)
            ).one()
            row.status = status
            row.closed_at = self._clock() if status.value.startswith("done") else None
            session.add(row)
            bump_projection_version(session, plan_id=row_plan_id(session))
            return MilestoneView(
                row.key,
                row.label,
                row.kind,  # type: ignore[arg-type]
                status,
                row.due_at,
                row.closed_at,
                row.event_key,
            )

    async def submit_evidence(
        self, actor: Actor, plan_key: str, task_code: str, submission: EvidenceSubmission
    ) -> MilestoneView:
        self._called("submit_evidence", actor, task=task_code, submission=submission)
        view = self._set_status(task_code, submission.milestone_key, MilestoneStatus.DONE_ON_TIME)
        # A second later each time, as two deliveries are.
        at = self._clock() + timedelta(seconds=len(self.calls))
        with session_scope(self._settings.resolved_database_url()) as session:
            save_evidence(session, record=EvidenceRecord(plan_key, task_code, submission, at, True))
        return view

    async def request_extension(
        self,
        actor: Actor,
        plan_key: str,
        task_code: str,
        milestone_key: str,
        *,
        until: date,
        reason: str,
        confirmed: bool = False,
    ) -> str:
        self._called("request_extension", actor, task=task_code, until=until, reason=reason)
        _check_year(until, confirmed)
        return "recorded: the coordinator decides"

    async def grant_extension(
        self,
        actor: Actor,
        plan_key: str,
        task_code: str,
        milestone_key: str,
        *,
        until: date,
        reason: str,
        confirmed: bool = False,
    ) -> MilestoneView:
        self._called("grant_extension", actor, task=task_code, until=until, reason=reason)
        _check_year(until, confirmed)
        return self._set_status(task_code, milestone_key, MilestoneStatus.OPEN)

    async def refuse_extension(
        self, actor: Actor, plan_key: str, task_code: str, milestone_key: str, *, reason: str
    ) -> MilestoneView:
        self._called("refuse_extension", actor, task=task_code, reason=reason)
        # A refusal leaves the milestone as it was (open: the unit asked, it still runs).
        return self._set_status(task_code, milestone_key, MilestoneStatus.OPEN)

    async def reject_evidence(
        self, actor: Actor, plan_key: str, task_code: str, milestone_key: str, *, reason: str
    ) -> MilestoneView:
        self._called("reject_evidence", actor, task=task_code, reason=reason)
        return self._set_status(task_code, milestone_key, MilestoneStatus.OPEN)

    async def reassign(
        self, actor: Actor, plan_key: str, task_code: str, *, lead_units: list[str], reason: str
    ) -> list[str]:
        self._called("reassign", actor, task=task_code, lead_units=lead_units, reason=reason)
        return lead_units

    async def close_task(
        self, actor: Actor, plan_key: str, task_code: str, *, reason: str, carry_over: bool
    ) -> TaskSnapshot:
        self._called("close_task", actor, task=task_code, reason=reason, carry_over=carry_over)
        return TaskSnapshot(plan_key, task_code, "", TaskStatus.CANCELLED, [], [], None)

    async def trigger_event(
        self,
        actor: Actor,
        plan_key: str,
        *,
        key: str,
        occurred_on: date,
        decision: str,
        due_on: date | None,
    ) -> EventRouting:
        self._called("trigger_event", actor, key=key, occurred_on=occurred_on, due_on=due_on)
        return EventRouting(key, occurred_on, ["I.2"], False)

    async def start_plan(
        self,
        actor: Actor,
        path: Path,
        *,
        year: int | None,
        until: int | None = None,
        corrections: Sequence[Correction] = (),
        imported: ImportedPlan | None = None,
    ) -> Any:
        self._called(
            "start_plan",
            actor,
            path=path,
            year=year,
            until=until,
            corrections=[(c.spec, c.by) for c in corrections],
        )
        return dataclasses.make_dataclass("Report", [("plan_key", str)])(PLAN_KEY)

    async def task_history(self, plan_key: str, task_code: str) -> list[Any]:
        return []


@dataclasses.dataclass
class Site:
    settings: Settings
    engine: RecordingEngine
    client: TestClient
    imported: ImportedPlan
    now: datetime

    def browser(self) -> TestClient:
        """Another visitor, with its own cookies."""
        return TestClient(self.client.app, base_url="http://testserver")

    def link(self, unit: str, *, issued_at: datetime | None = None) -> str:
        return links.unit_links(self.settings).token(unit, issued_at=issued_at or self.now)


def csrf_of(client: TestClient) -> str:
    """The CSRF token of the client's session (the API tells it)."""
    answer = client.get("/api/session")
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf"])


def sign_in(client: TestClient, name: str, password: str) -> str:
    token = csrf_of(client)
    answer = client.post(
        "/api/session", json={"name": name, "password": password}, headers={"X-CSRF-Token": token}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf"])


def form_csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html[:500]
    return found.group(1)


def site_settings(folder: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{folder / 'nhachan.db'}",
        var_dir=folder / "var",
        public_url="http://testserver",
        secret_key="a-secret-for-the-tests-only",
        evidence_max_bytes=200_000,
    )


@pytest.fixture(scope="session")
def site_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site's database, made once: each test starts from a copy of it."""
    folder = tmp_path_factory.mktemp("site")
    settings = site_settings(folder)
    upgrade_schema(settings.resolved_database_url())
    directory = load_unit_directory(DATA_DIR / "units.yaml")
    imported = read_plan(settings.plan_file, year=2023, directory=directory)
    with session_scope(settings.resolved_database_url()) as session:
        store_plan(session, imported=imported, directory=directory)
        for snapshot in snapshots(imported, settings, NOW):
            save_task_snapshot(session, snapshot=snapshot)
    for (name, password), role in (
        (COORDINATOR, UnitRole.COORDINATOR),
        (LEADERSHIP, UnitRole.LEADERSHIP),
    ):
        accounts.create_account(settings, name=name, role=role, password=password)
    # Its last connection closed, SQLite folds the write-ahead log into the file: a copy of the
    # file alone then holds everything.
    get_engine(settings.resolved_database_url()).dispose()
    return folder / "nhachan.db"


@pytest.fixture
def site(tmp_path: Path, site_database: Path) -> Iterator[Site]:
    shutil.copy(site_database, tmp_path / "nhachan.db")
    settings = site_settings(tmp_path)
    imported = read_plan(settings.plan_file, year=2023)
    clock = {"now": NOW}
    engine = RecordingEngine(settings, lambda: clock["now"])
    app = create_app(settings, clock=lambda: clock["now"], engine=engine)
    with TestClient(app, base_url="http://testserver") as client:
        yield Site(settings, engine, client, imported, NOW)


def later(site: Site, days: int) -> datetime:
    return site.now + timedelta(days=days)
