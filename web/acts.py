"""What every action of the web app shares: who acts (a unit from its link, the coordinator as
its agency's office), the engine called (its refusals and its silences told apart), the audit
log written (done, refused or failed). The units' actions are `web.unit_acts`, the
coordinator's `web.coordinator_acts`, together `web.acting.Acting`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from control import audit, refusal_words
from control.permissions import Action, Actor, NotPermitted, check_agency, check_permitted
from models.payloads import MessageKind
from models.statuses import MilestoneStatus
from models.tables import AuditEntry, UnitRole
from plan_import.units import load_unit_directory
from settings import Settings
from storage.db import session_scope
from storage.notifications import latest_message_id
from storage.overview import unit_of_role
from storage.plans import get_agency, get_plan
from web.actions import EngineActions, EngineLate, EngineRefused, EngineUnavailable
from web.auth import Visitor
from web.reading import Reader
from web.refusals import Refusal, Where
from web.views import NotFound, Shown

logger = logging.getLogger(__name__)
T = TypeVar("T")

# How long an action that changes what many pages show waits for the projection to show it.
SETTLE_WITHIN = 10.0
# The audit's names of the coordinator's actions that control.permissions names otherwise.
_PERMISSION = {"trigger_event": Action.RECORD_EVENT}
# Milestones a unit may deliver for or ask more time on (the engine judges them again).
_ACTIONABLE = frozenset({MilestoneStatus.OPEN, MilestoneStatus.OVERDUE})


@dataclass(frozen=True)
class EventOutcome:
    """The tasks an event reached; `pending` while what the pages read still shows some of
    them waiting for it (the tasks write their new state in their own time)."""

    tasks: list[str]
    pending: bool = False


class ActingBase:
    """Who acts, the engine called, the audit written: what every action shares."""

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

    def coordinator_actor(
        self,
        visitor: Visitor,
        plan_key: str = "",
        *,
        action: Action,
        for_unit: str | None = None,
    ) -> Actor:
        """The signed-in coordinator doing `action` on the plan (when one is named): as the
        office of the plan's agency, once `control.permissions` lets the account's role do it
        (the command line's rule) and the account may act on that agency's plans."""
        account = visitor.account
        if account is None:
            raise Refusal("not_signed_in", status=401)
        try:
            check_permitted(Actor(account.name, account.role), action, for_unit=for_unit)
        except NotPermitted as error:
            word = "read_only" if account.role is UnitRole.LEADERSHIP else "wrong_role"
            raise Refusal(word, status=403, detail=str(error)) from error
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
        role_known: bool = True,
    ) -> None:
        """`actor` as the engine knows it; the audit names the account when one is signed in
        (else the actor: a unit from its link, or an account signing in). `role_known` is False
        for a sign-in under a name no account has: its entry names no role."""
        via = "unit_link" if actor.role is UnitRole.UNIT else "account"
        name = visitor.account.name if visitor.account is not None else actor.who
        via_detail = ""
        if via == "unit_link" and visitor.unit is not None:
            via_detail = f"link issued {visitor.unit.issued_at.isoformat(timespec='seconds')}"
        message = ""
        if refusal is not None:
            message = refusal.word + (f": {refusal.detail}" if refusal.detail else "")
            refusal.audited = True
        audit.record(
            self.settings,
            AuditEntry(
                at=self.clock(),
                actor=name,
                actor_role=actor.role if role_known else None,
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

    async def engine_call(
        self, call: Awaitable[T], *, recorded: Callable[[], bool] | None = None
    ) -> T | None:
        """The engine's answer; None when it answered too late but `recorded` finds the action
        recorded all the same (a slow worker is not a failure). Otherwise a refusal that says
        whether the action was recorded: not when the engine refused or could not be reached,
        not known when it took the request and did not answer in time."""
        try:
            return await call
        except EngineRefused as error:
            raise Refusal(
                "engine_refused", status=409, detail=refusal_words.refusal(str(error))
            ) from error
        except EngineLate as error:
            if recorded is not None and recorded():
                return None
            raise Refusal("engine_late", status=504, detail=str(error), recorded=None) from error
        except EngineUnavailable as error:
            raise Refusal("engine_unavailable", status=503, detail=str(error)) from error

    def message_since_now(self, where: Where, kind: MessageKind) -> Callable[[], bool]:
        """Whether the engine has since written a message of `kind` about the milestone: how a
        decision answered too late (a request, a refusal, a rejection) is found recorded."""

        def latest() -> int:
            with session_scope(self.settings.resolved_database_url()) as session:
                return latest_message_id(
                    session,
                    plan_key=where.plan_key,
                    task_code=where.task_code,
                    milestone_key=where.milestone_key,
                    kind=kind,
                )

        before = latest()
        return lambda: latest() > before

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

    async def as_coordinator(
        self,
        visitor: Visitor,
        action: str,
        where: Where,
        details: dict[str, Any],
        act: Callable[[Actor], Any],
    ) -> Any:
        """Checks the role (and the agency of the plan acted on), runs `act`, and records the
        outcome either way. `action` as the audit names it."""
        try:
            actor = self.coordinator_actor(
                visitor, where.plan_key, action=_PERMISSION.get(action) or Action(action)
            )
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


async def settled(check: Callable[[], bool], *, within: float | None = None) -> bool:
    """Whether `check` holds within `within` seconds (asked again every tenth of a second):
    the projection catching up with what the engine just recorded."""
    deadline = asyncio.get_running_loop().time() + (SETTLE_WITHIN if within is None else within)
    while not check():
        if asyncio.get_running_loop().time() >= deadline:
            return False
        await asyncio.sleep(0.1)
    return True


def _outcome(refusal: Refusal | None) -> str:
    """ "done"; "refused" (by a rule or the engine: nothing recorded); "failed" (the engine
    could not be asked, or did not answer: not recorded, or not known yet)."""
    if refusal is None:
        return "done"
    return "failed" if refusal.word in ("engine_unavailable", "engine_late") else "refused"
