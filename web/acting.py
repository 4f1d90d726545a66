"""What people do in the web app, with its rules: a unit acts only on the open milestones of the
tasks it leads (from its signed link), the coordinator acts on the plan, the leadership only
reads. Each action goes to the engine through `web.actions` (which judges it again), and is
written in the audit log, done or refused, with who, through what, and when.

Refusals are `Refusal`s: the key of their words (`refusals:` in words.yaml), an HTTP status,
and the engine's own reason when it was the engine that refused.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

from activities.notify import notification_service
from control import access, refusal_words
from control.permissions import Actor, NotPermitted, check_agency
from deadlines import CalendarDataError, PolicyError
from deadlines.preview import Preview, TaskDeadline, preview_plan
from models.statuses import MilestoneStatus
from models.tables import AuditEntry, EvidenceFile, EvidenceReview, UnitRole
from models.workflow_messages import EvidenceSubmission
from notifications.channels import DeliveryAttempt, register_outbox
from plan_import import (
    Correction,
    CorrectionError,
    ImportedPlan,
    PlanImportError,
    parse_corrections,
    read_plan,
)
from plan_import.units import load_unit_directory
from settings import Settings
from storage import access as access_store
from storage.agencies import unit_agency_code
from storage.db import session_scope
from storage.overview import list_units, unit_of_role
from storage.plans import get_agency, get_plan
from web.actions import EngineActions, EngineLate, EngineRefused, EngineUnavailable
from web.auth import Visitor
from web.reading import NotFound, Reader, Shown, pending_extension
from web.uploads import UploadRefused, store_evidence, store_plan_file, stored_path

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Milestones a unit may deliver for or ask more time on (the engine judges them again).
_ACTIONABLE = frozenset({MilestoneStatus.OPEN, MilestoneStatus.OVERDUE})


class Refusal(Exception):
    def __init__(self, word: str, *, status: int = 400, detail: str = "") -> None:
        super().__init__(f"{word}: {detail}" if detail else word)
        self.word = word
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Where:
    """What an action is about, as the audit log files it."""

    plan_key: str = ""
    task_code: str = ""
    milestone_key: str = ""


@dataclass(frozen=True)
class EvidenceForm:
    document_number: str = ""
    document_date: date | None = None
    link: str = ""
    note: str = ""
    file_name: str = ""
    file_content: bytes | None = None


@dataclass
class ImportCheck:
    """An uploaded plan read by the importer: its report, and the preview of every milestone
    (nothing is stored or started until the coordinator confirms)."""

    sha256: str
    file_name: str
    year: int | None
    imported: ImportedPlan | None
    preview: Preview | None
    problems: list[str] = field(default_factory=list)
    # The last year the coordinator set, and the cells corrected in place, read with the file.
    until: int | None = None
    corrections: list[Correction] = field(default_factory=list)

    @property
    def fixes(self) -> list[tuple[str, str, str, str, str]]:
        """(row, task, field, text as written, why) of each cell the coordinator may correct: the
        refused and doubtful ones, and those already corrected (kept on the next reading)."""
        corrected = {(c.task, c.field) for c in self.corrections}
        cells = self.imported.cells_to_check if self.imported else []
        fixes = [
            (c.row, c.task, c.field, c.text, c.why)
            for c in cells
            if (c.task, c.field) not in corrected
        ]
        for task in self.imported.tasks if self.imported else []:
            row = str(task.source_line)
            for done in task.corrections:
                fixes.append((row, task.code, done["field"], done["original"], ""))
        return fixes

    def corrected(self, task: str, field_name: str) -> str | None:
        return next(
            (c.text for c in self.corrections if (c.task, c.field) == (task, field_name)), None
        )

    @property
    def startable(self) -> bool:
        return (
            self.imported is not None
            and not self.imported.errors
            and not self.imported.new_units
            and self.preview is not None
            and not self.preview.refused
            and not self.problems
        )


class Acting:
    def __init__(
        self,
        settings: Settings,
        reader: Reader,
        engine: EngineActions,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.reader = reader
        self.engine = engine
        self.clock = clock

    # ----------------------------------------------------------------------------- who acts

    def _role_unit(self, role: UnitRole, agency_id: int | None = None) -> str:
        """The unit of that role of the agency (of the bundled one when no plan says)."""
        with session_scope(self.settings.resolved_database_url()) as session:
            found = unit_of_role(session, role, agency_id=agency_id)
        if found:
            return found
        directory = load_unit_directory(self.settings.units_file)
        return directory.coordinator if role is UnitRole.COORDINATOR else directory.leadership

    def check_agency(self, visitor: Visitor, plan_key: str, plan_agency: str) -> None:
        """An account of one agency acts on that agency's plans only."""
        account = visitor.account
        if account is None:
            return
        try:
            check_agency(account.name, account.agency, plan_key=plan_key, plan_agency=plan_agency)
        except NotPermitted as error:
            raise Refusal("other_agency", status=403, detail=str(error)) from error

    def unit_actor(self, visitor: Visitor) -> Actor:
        if visitor.unit is None:
            raise Refusal("bad_link", status=401)
        return Actor(visitor.unit.code, UnitRole.UNIT)

    def coordinator_actor(self, visitor: Visitor, plan_key: str = "") -> Actor:
        """The signed-in coordinator acting on the plan (when one is named): as the office of
        the plan's agency, once the account may act on that agency's plans."""
        account = visitor.account
        if account is None:
            raise Refusal("not_signed_in", status=401)
        if account.role is UnitRole.LEADERSHIP:
            raise Refusal("read_only", status=403)
        if account.role is not UnitRole.COORDINATOR:
            raise Refusal("wrong_role", status=403)
        agency_id = None
        if plan_key:
            with session_scope(self.settings.resolved_database_url()) as session:
                plan = get_plan(session, plan_key)
                if plan is None:
                    raise Refusal("no_such_plan", status=404)
                agency_id = plan.agency_id
                plan_agency = get_agency(session, plan).code
            self.check_agency(visitor, plan_key, plan_agency)
        # The engine is told the office acted (its messages name it); the audit, the account.
        return Actor(self._role_unit(UnitRole.COORDINATOR, agency_id), account.role)

    def audit(
        self,
        visitor: Visitor,
        actor: Actor,
        action: str,
        where: Where,
        *,
        refusal: Refusal | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """`actor` as the engine knows it; the audit names the account when one is signed in
        (else the actor: a unit from its link, or an account signing in)."""
        via = "unit_link" if actor.role is UnitRole.UNIT else "account"
        name = visitor.account.name if visitor.account is not None else actor.who
        via_detail = ""
        if via == "unit_link" and visitor.unit is not None:
            via_detail = f"link issued {visitor.unit.issued_at.isoformat(timespec='seconds')}"
        message = ""
        if refusal is not None:
            message = refusal.word + (f": {refusal.detail}" if refusal.detail else "")
        access.record(
            self.settings,
            AuditEntry(
                at=self.clock(),
                actor=name,
                actor_role=actor.role,
                via=via,
                via_detail=via_detail,
                action=action,
                plan_key=where.plan_key,
                task_code=where.task_code,
                milestone_key=where.milestone_key,
                outcome=_outcome(refusal),
                message=message,
                details=details or {},
                address=visitor.address,
            ),
        )

    async def _engine(self, call: Awaitable[T]) -> T:
        try:
            return await call
        except EngineRefused as error:
            raise Refusal(
                "engine_refused", status=409, detail=refusal_words.refusal(str(error))
            ) from error
        except EngineLate as error:
            raise Refusal("engine_late", status=503, detail=str(error)) from error
        except EngineUnavailable as error:
            raise Refusal("engine_unavailable", status=503, detail=str(error)) from error

    def _milestone(self, plan_key: str, task_code: str, milestone_key: str) -> Shown:
        try:
            return self.reader.milestone(plan_key, task_code, milestone_key, self.clock())[1]
        except NotFound as missing:
            raise Refusal(str(missing), status=404) from missing

    def _units_milestone(
        self, visitor: Visitor, plan_key: str, task_code: str, milestone_key: str
    ) -> tuple[Actor, Shown]:
        """The unit's own open milestone, or a refusal: a unit acts only on tasks it leads."""
        actor = self.unit_actor(visitor)
        shown = self._milestone(plan_key, task_code, milestone_key)
        if actor.who not in shown.row.lead_units:
            raise Refusal("not_your_task", status=403)
        if shown.row.status is None or MilestoneStatus(shown.row.status) not in _ACTIONABLE:
            raise Refusal("milestone_not_open", status=409, detail=shown.tracking.value)
        return actor, shown

    # ----------------------------------------------------------------------------- units

    async def submit_evidence(
        self,
        visitor: Visitor,
        plan_key: str,
        task_code: str,
        milestone_key: str,
        form: EvidenceForm,
    ) -> Shown:
        actor = self.unit_actor(visitor)
        where = Where(plan_key, task_code, milestone_key)
        try:
            actor, _shown = self._units_milestone(visitor, plan_key, task_code, milestone_key)
            stored = self._check_evidence(form, actor)
            view = await self._engine(
                self.engine.submit_evidence(
                    actor,
                    plan_key,
                    task_code,
                    _submission(milestone_key, actor.who, form, stored),
                )
            )
        except Refusal as refusal:
            self.audit(visitor, actor, "submit_evidence", where, refusal=refusal)
            raise
        self.audit(
            visitor,
            actor,
            "submit_evidence",
            where,
            details={
                "document_number": form.document_number,
                "document_date": form.document_date.isoformat() if form.document_date else "",
                "link": form.link,
                "file": stored.sha256 if stored else "",
                "file_name": form.file_name,
                "status": str(view.status),
            },
        )
        return self._milestone(plan_key, task_code, milestone_key)

    def _check_evidence(self, form: EvidenceForm, actor: Actor) -> EvidenceFile | None:
        if form.link and urlparse(form.link).scheme not in ("http", "https"):
            raise Refusal("bad_url")
        if form.document_date is not None and form.document_date > self.clock().date():
            raise Refusal("bad_date", detail=form.document_date.isoformat())
        stored: EvidenceFile | None = None
        if form.file_content:
            try:
                kept = store_evidence(
                    form.file_content,
                    folder=self.settings.var_dir / "evidence",
                    limit=self.settings.evidence_max_bytes,
                )
            except UploadRefused as refused:
                status = 413 if refused.reason == "too_large" else 415
                word = "too_large" if refused.reason == "too_large" else "bad_type"
                raise Refusal(word, status=status, detail=refused.detail) from refused
            with session_scope(self.settings.resolved_database_url()) as session:
                stored = access_store.add_evidence_file(
                    session,
                    EvidenceFile(
                        sha256=kept.sha256,
                        size=kept.size,
                        media_type=kept.media_type,
                        original_name=form.file_name[:200],
                        uploaded_by=actor.who,
                        uploaded_at=self.clock(),
                    ),
                )
        if not (form.document_number.strip() or form.link or stored):
            raise Refusal("empty_evidence")
        return stored

    async def request_extension(
        self,
        visitor: Visitor,
        plan_key: str,
        task_code: str,
        milestone_key: str,
        *,
        until: date,
        reason: str,
        confirmed: bool = False,
    ) -> None:
        actor = self.unit_actor(visitor)
        where = Where(plan_key, task_code, milestone_key)
        details = {"until": until.isoformat(), "reason": reason}
        try:
            actor, _shown = self._units_milestone(visitor, plan_key, task_code, milestone_key)
            if not reason.strip():
                raise Refusal("reason_needed")
            await self._engine(
                self.engine.request_extension(
                    actor,
                    plan_key,
                    task_code,
                    milestone_key,
                    until=until,
                    reason=reason,
                    confirmed=confirmed,
                )
            )
        except Refusal as refusal:
            self.audit(visitor, actor, "request_extension", where, refusal=refusal, details=details)
            raise
        self.audit(visitor, actor, "request_extension", where, details=details)

    # ----------------------------------------------------------------------------- coordinator

    async def _as_coordinator(
        self,
        visitor: Visitor,
        action: str,
        where: Where,
        details: dict[str, Any],
        act: Callable[[Actor], Any],
    ) -> Any:
        """Checks the role (and the agency of the plan acted on), runs `act`, and records the
        outcome either way."""
        try:
            actor = self.coordinator_actor(visitor, where.plan_key)
        except Refusal as refusal:
            if visitor.account is not None or visitor.unit is not None:
                self.audit(
                    visitor,
                    Actor(visitor.name, visitor.account.role if visitor.account else UnitRole.UNIT),
                    action,
                    where,
                    refusal=refusal,
                    details=details,
                )
            raise
        try:
            result = await act(actor)
        except Refusal as refusal:
            self.audit(visitor, actor, action, where, refusal=refusal, details=details)
            raise
        self.audit(visitor, actor, action, where, details=details)
        return result

    async def grant_extension(
        self,
        visitor: Visitor,
        plan_key: str,
        task_code: str,
        milestone_key: str,
        *,
        until: date,
        reason: str,
        confirmed: bool = False,
    ) -> None:
        async def act(actor: Actor) -> None:
            self._milestone(plan_key, task_code, milestone_key)
            await self._engine(
                self.engine.grant_extension(
                    actor,
                    plan_key,
                    task_code,
                    milestone_key,
                    until=until,
                    reason=reason,
                    confirmed=confirmed,
                )
            )

        await self._as_coordinator(
            visitor,
            "grant_extension",
            Where(plan_key, task_code, milestone_key),
            {"until": until.isoformat(), "reason": reason},
            act,
        )

    async def refuse_extension(
        self, visitor: Visitor, plan_key: str, task_code: str, milestone_key: str, *, reason: str
    ) -> None:
        async def act(actor: Actor) -> None:
            self._milestone(plan_key, task_code, milestone_key)
            if not reason.strip():
                raise Refusal("reason_needed")
            with session_scope(self.settings.resolved_database_url()) as session:
                decisions = access_store.audit_of_actions(
                    session,
                    plan_key=plan_key,
                    task_code=task_code,
                    actions=("request_extension", "grant_extension", "refuse_extension"),
                )
            if pending_extension(decisions, milestone_key) is None:
                raise Refusal("no_pending_request", status=409)
            await self._engine(
                self.engine.refuse_extension(
                    actor, plan_key, task_code, milestone_key, reason=reason
                )
            )

        await self._as_coordinator(
            visitor,
            "refuse_extension",
            Where(plan_key, task_code, milestone_key),
            {"reason": reason},
            act,
        )

    async def review_evidence(
        self,
        visitor: Visitor,
        plan_key: str,
        task_code: str,
        milestone_key: str,
        *,
        accept: bool,
        reason: str = "",
    ) -> None:
        """Accept the milestone's latest evidence, or reject it with a reason (the engine
        reopens the milestone and tells the lead units)."""

        async def act(actor: Actor) -> None:
            self._milestone(plan_key, task_code, milestone_key)
            with session_scope(self.settings.resolved_database_url()) as session:
                evidence = access_store.latest_evidence_of(
                    session, plan_key=plan_key, task_code=task_code, milestone_key=milestone_key
                )
                reviewed = (
                    access_store.reviews_of(session, [evidence.id])
                    if evidence and evidence.id
                    else {}
                )
            if evidence is None or evidence.id is None:
                raise Refusal("engine_refused", status=409, detail="no evidence delivered")
            if reviewed.get(evidence.id):
                raise Refusal("already_reviewed", status=409)
            if not accept:
                if not reason.strip():
                    raise Refusal("reason_needed")
                await self._engine(
                    self.engine.reject_evidence(
                        actor, plan_key, task_code, milestone_key, reason=reason
                    )
                )
            with session_scope(self.settings.resolved_database_url()) as session:
                access_store.add_review(
                    session,
                    EvidenceReview(
                        evidence_id=evidence.id,
                        decision="accepted" if accept else "rejected",
                        reason=reason,
                        by=visitor.name,
                        at=self.clock(),
                    ),
                )

        await self._as_coordinator(
            visitor,
            "accept_evidence" if accept else "reject_evidence",
            Where(plan_key, task_code, milestone_key),
            {"reason": reason},
            act,
        )

    async def reassign(
        self, visitor: Visitor, plan_key: str, task_code: str, *, lead_units: list[str], reason: str
    ) -> None:
        async def act(actor: Actor) -> None:
            with session_scope(self.settings.resolved_database_url()) as session:
                plan = get_plan(session, plan_key)
                # Only a unit of the plan's own agency can lead its task.
                known = {
                    unit.code
                    for unit in list_units(session)
                    if plan is not None and unit.agency_id == plan.agency_id
                }
            unknown = [code for code in lead_units if code not in known]
            if unknown or not lead_units:
                raise Refusal("no_such_unit", status=400, detail=", ".join(unknown))
            await self._engine(
                self.engine.reassign(
                    actor, plan_key, task_code, lead_units=lead_units, reason=reason
                )
            )

        await self._as_coordinator(
            visitor,
            "reassign",
            Where(plan_key, task_code),
            {"lead_units": lead_units, "reason": reason},
            act,
        )

    async def close_task(
        self, visitor: Visitor, plan_key: str, task_code: str, *, reason: str, carry_over: bool
    ) -> None:
        async def act(actor: Actor) -> None:
            await self._engine(
                self.engine.close_task(
                    actor, plan_key, task_code, reason=reason, carry_over=carry_over
                )
            )

        await self._as_coordinator(
            visitor,
            "carry_over" if carry_over else "cancel",
            Where(plan_key, task_code),
            {"reason": reason},
            act,
        )

    async def trigger_event(
        self,
        visitor: Visitor,
        plan_key: str,
        *,
        key: str,
        occurred_on: date,
        decision: str,
        due_on: date | None,
    ) -> list[str]:
        """The province decided: the tasks waiting on `key` start their clocks. One audit entry
        per task it reached, so each task's page says who started it."""
        details = {
            "key": key,
            "occurred_on": occurred_on.isoformat(),
            "decision": decision,
            "due_on": due_on.isoformat() if due_on else "",
        }

        async def act(actor: Actor) -> list[str]:
            if occurred_on > self.clock().date():
                raise Refusal("bad_date", detail=occurred_on.isoformat())
            routing = await self._engine(
                self.engine.trigger_event(
                    actor,
                    plan_key,
                    key=key,
                    occurred_on=occurred_on,
                    decision=decision,
                    due_on=due_on,
                )
            )
            for task_code in routing.tasks:
                self.audit(
                    visitor,
                    actor,
                    "trigger_event",
                    Where(plan_key, task_code),
                    details=details,
                )
            return list(routing.tasks)

        tasks: list[str] = await self._as_coordinator(
            visitor, "trigger_event", Where(plan_key), details, act
        )
        return tasks

    async def send_unit_link(
        self, visitor: Visitor, unit_code: str, *, revoke_old: bool
    ) -> list[DeliveryAttempt]:
        """A fresh link to the unit's own page, sent to its contacts now; older links stop
        working when `revoke_old`."""

        async def act(actor: Actor) -> list[DeliveryAttempt]:
            with session_scope(self.settings.resolved_database_url()) as session:
                if not access_store.unit_exists(session, unit_code):
                    raise Refusal("no_such_unit", status=404)
                unit_agency = unit_agency_code(session, unit_code)
            account = visitor.account
            if account is not None and account.agency and account.agency != unit_agency:
                raise Refusal("other_agency", status=403, detail=f"{unit_code}: {unit_agency}")
            now = self.clock()
            link = access.unit_page_link(self.settings, unit_code, now=now)
            if revoke_old:
                access.revoke_unit_links(self.settings, unit_code, by=visitor.name, before=now)
            return await asyncio.to_thread(self._send_link, unit_code, link, now)

        attempts: list[DeliveryAttempt] = await self._as_coordinator(
            visitor, "send_unit_link", Where(), {"unit": unit_code, "revoke_old": revoke_old}, act
        )
        return attempts

    def _send_link(self, unit_code: str, link: str, now: datetime) -> list[DeliveryAttempt]:
        register_outbox()
        return notification_service(self.settings).send_unit_link(unit_code, link, now=now)

    # ----------------------------------------------------------------------------- import

    def check_import(
        self,
        visitor: Visitor,
        *,
        file_name: str,
        content: bytes,
        year: int | None,
        until: int | None = None,
    ) -> ImportCheck:
        """Read an uploaded plan as the importer does and preview every milestone; nothing is
        stored or started."""
        actor = self.coordinator_actor(visitor)
        try:
            stored = store_plan_file(
                content,
                name=file_name,
                folder=self.settings.var_dir / "imports",
                limit=self.settings.evidence_max_bytes,
            )
        except UploadRefused as refused:
            refusal = Refusal(
                "too_large" if refused.reason == "too_large" else "bad_type",
                status=413 if refused.reason == "too_large" else 415,
            )
            self.audit(
                visitor, actor, "import_plan", Where(), refusal=refusal, details={"file": file_name}
            )
            raise refusal from refused
        check = self.read_import(stored.sha256, file_name=file_name, year=year, until=until)
        self.audit(
            visitor,
            actor,
            "import_plan",
            Where(check.imported.key if check.imported else ""),
            details={"file": file_name, "sha256": stored.sha256, "startable": check.startable},
        )
        return check

    def _import_path(self, sha256: str) -> Path:
        path = stored_path(self.settings.var_dir / "imports", sha256)
        if path is None:
            raise Refusal("unknown_upload", status=404)
        return path

    def recheck_import(
        self,
        visitor: Visitor,
        sha256: str,
        *,
        year: int | None,
        until: int | None,
        fixes: list[tuple[str, str]],
    ) -> ImportCheck:
        """Read an upload again with the coordinator's corrections of its cells ((task:field,
        text) pairs), as `check_import` reads it; nothing is stored or started."""
        self.coordinator_actor(visitor)
        path = self._import_path(sha256)
        try:
            corrections = corrections_of(visitor, fixes)
        except CorrectionError as error:
            check = self.read_import(sha256, file_name=path.name, year=year, until=until)
            check.problems.append(str(error))
            return check
        return self.read_import(
            sha256, file_name=path.name, year=year, until=until, corrections=corrections
        )

    def read_import(
        self,
        sha256: str,
        *,
        file_name: str,
        year: int | None,
        until: int | None = None,
        corrections: list[Correction] | None = None,
    ) -> ImportCheck:
        path = self._import_path(sha256)
        check = ImportCheck(
            sha256, file_name, year, None, None, until=until, corrections=corrections or []
        )
        directory = load_unit_directory(self.settings.units_file)
        try:
            check.imported = read_plan(
                path,
                year=year,
                directory=directory,
                agencies_dir=self.settings.agencies_dir,
                until=until,
                corrections=check.corrections,
            )
        except PlanImportError as error:
            check.problems.append(str(error))
            return check
        imported = check.imported
        if imported.errors:
            return check
        # Previewed with the coordinator and leadership of the agency the document names.
        directory = imported.directory or directory
        try:
            check.preview = preview_plan(
                (
                    TaskDeadline(
                        t.code,
                        t.title,
                        t.deadline_text,
                        tuple(t.lead_units),
                        tuple(t.coordinating_units),
                    )
                    for t in imported.tasks
                ),
                year=imported.year,
                calendar=self.settings.working_calendar(imported.year),
                policy_for=self.reader.planned.policy,
                coordinator=directory.coordinator,
                leadership=directory.leadership,
                written_year=imported.written_year,
                last_year=imported.last_year,
            )
        except (PolicyError, CalendarDataError) as error:
            check.problems.append(str(error))
        return check

    async def start_import(
        self,
        visitor: Visitor,
        sha256: str,
        *,
        year: int | None,
        until: int | None = None,
        fixes: list[tuple[str, str]] | None = None,
    ) -> str:
        """Start the plan of an upload the coordinator has seen previewed, with the cells they
        corrected in place; its key."""
        try:
            corrections = corrections_of(visitor, fixes or [])
        except CorrectionError as error:
            raise Refusal("bad_correction", status=422) from error

        async def act(actor: Actor) -> str:
            path = self._import_path(sha256)
            read = self.read_import(
                sha256, file_name=path.name, year=year, until=until, corrections=corrections
            ).imported
            if read is not None:
                self.check_agency(visitor, read.key, read.agency_code)
            report = await self._engine(
                self.engine.start_plan(actor, path, year=year, until=until, corrections=corrections)
            )
            return str(report.plan_key)

        details = {
            "sha256": sha256,
            "year": year,
            "until": until,
            "corrections": [c.spec for c in corrections],
        }
        plan_key: str = await self._as_coordinator(visitor, "start_plan", Where(), details, act)
        return plan_key


def _outcome(refusal: Refusal | None) -> str:
    """An engine that did not answer in time may still record the action: the audit says it
    went unanswered, not that it was refused."""
    if refusal is None:
        return "done"
    return "unanswered" if refusal.word == "engine_late" else "refused"


def corrections_of(visitor: Visitor, fixes: list[tuple[str, str]]) -> list[Correction]:
    """The coordinator's corrections from the import form: ("II.42:deadline", text) pairs, made
    by the signed-in account, now (`plan_import.corrections` reads them, as for the CLI)."""
    specs = [f"{cell}={text}" for cell, text in fixes]
    return parse_corrections(specs, by=visitor.name, at=datetime.now(UTC))


def _submission(
    milestone_key: str, unit_code: str, form: EvidenceForm, stored: EvidenceFile | None
) -> EvidenceSubmission:
    return EvidenceSubmission(
        milestone_key=milestone_key,
        submitted_by=unit_code,
        document_number=form.document_number.strip(),
        document_date=form.document_date,
        link=form.link.strip(),
        file_ref=f"sha256:{stored.sha256}" if stored else "",
        note=form.note.strip(),
    )
