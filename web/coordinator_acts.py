"""What the coordinator decides: extensions, evidence reviewed, a task reassigned, cancelled or
carried over, an event recorded, a unit's link sent again."""

from __future__ import annotations

import asyncio
from datetime import date

from control import links
from control.permissions import Actor
from deadlines import MilestoneKind
from deadlines.local_time import local_day
from models.payloads import MessageKind
from models.statuses import MilestoneStatus, TaskStatus
from models.tables import EvidenceReview
from notifications.channels import DeliveryAttempt
from storage import access as access_store
from storage.agencies import unit_agency_code
from storage.db import session_scope
from storage.overview import MilestoneRow, list_units
from storage.plans import get_plan
from storage.progress import list_events
from web.acts import ActingBase, EventOutcome, settled
from web.auth import Visitor
from web.refusals import Refusal, Where
from web.task_reading import pending_extension


class CoordinatorActs(ActingBase):
    def _task_row(self, plan_key: str, task_code: str) -> MilestoneRow:
        """The task's first row in the projection now (its lead units and status)."""
        _plan, rows = self.reader.plan_rows(plan_key)
        found = next((row for row in rows if row.task_code == task_code), None)
        if found is None:
            raise Refusal("no_such_task", status=404)
        return found

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

            def recorded() -> bool:
                due = self._milestone(plan_key, task_code, milestone_key).row.due_at
                return due is not None and local_day(due) == until

            await self.engine_call(
                self.engine.grant_extension(
                    actor,
                    plan_key,
                    task_code,
                    milestone_key,
                    until=until,
                    reason=reason,
                    confirmed=confirmed,
                ),
                recorded=recorded,
            )

        await self.as_coordinator(
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
            await self.engine_call(
                self.engine.refuse_extension(
                    actor, plan_key, task_code, milestone_key, reason=reason
                ),
                recorded=self.message_since_now(
                    Where(plan_key, task_code, milestone_key), MessageKind.EXTENSION_REFUSED
                ),
            )

        await self.as_coordinator(
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
                await self.engine_call(
                    self.engine.reject_evidence(
                        actor, plan_key, task_code, milestone_key, reason=reason
                    ),
                    recorded=self.message_since_now(
                        Where(plan_key, task_code, milestone_key), MessageKind.EVIDENCE_REJECTED
                    ),
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

        await self.as_coordinator(
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
            await self.engine_call(
                self.engine.reassign(
                    actor, plan_key, task_code, lead_units=lead_units, reason=reason
                ),
                recorded=lambda: (
                    set(self._task_row(plan_key, task_code).lead_units) == set(lead_units)
                ),
            )

        await self.as_coordinator(
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
            ended = TaskStatus.CARRIED_OVER if carry_over else TaskStatus.CANCELLED
            await self.engine_call(
                self.engine.close_task(
                    actor, plan_key, task_code, reason=reason, carry_over=carry_over
                ),
                recorded=lambda: self._task_row(plan_key, task_code).task_status == ended,
            )

        await self.as_coordinator(
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
    ) -> EventOutcome:
        """The province decided: the tasks waiting on `key` start their clocks. One audit entry
        per task it reached, so each task's page says who started it. Answers once the pages
        show those tasks started, or after `SETTLE_WITHIN` saying they are being recorded."""
        details = {
            "key": key,
            "occurred_on": occurred_on.isoformat(),
            "decision": decision,
            "due_on": due_on.isoformat() if due_on else "",
        }

        async def act(actor: Actor) -> EventOutcome:
            if occurred_on > self.clock().date():
                raise Refusal("bad_date", detail=occurred_on.isoformat())
            routing = await self.engine_call(
                self.engine.trigger_event(
                    actor,
                    plan_key,
                    key=key,
                    occurred_on=occurred_on,
                    decision=decision,
                    due_on=due_on,
                ),
                recorded=lambda: self._event_recorded(plan_key, key, occurred_on),
            )
            if routing is None:
                return EventOutcome([], pending=True)
            for task_code in routing.tasks:
                self.audit(
                    visitor,
                    actor,
                    "trigger_event",
                    Where(plan_key, task_code),
                    details=details,
                )
            reached = set(routing.tasks)

            def started() -> bool:
                _plan, rows = self.reader.plan_rows(plan_key)
                return not any(
                    row.task_code in reached
                    and row.event_key == key
                    and row.status == MilestoneStatus.WAITING_EVENT
                    and row.kind != MilestoneKind.RECURRING_EVENT
                    for row in rows
                )

            return EventOutcome(list(routing.tasks), pending=not await settled(started))

        outcome: EventOutcome = await self.as_coordinator(
            visitor, "trigger_event", Where(plan_key), details, act
        )
        return outcome

    def _event_recorded(self, plan_key: str, key: str, occurred_on: date) -> bool:
        """Whether the plan's events hold this one (the engine records it before it routes it
        to the tasks waiting on it)."""
        with session_scope(self.settings.resolved_database_url()) as session:
            events = list_events(session, plan_key=plan_key)
        return any(e.key == key and e.occurred_on == occurred_on for e in events)

    async def send_unit_link(
        self, visitor: Visitor, unit_code: str, *, revoke_old: bool
    ) -> list[DeliveryAttempt]:
        """A fresh link to the unit's own page, sent to its contacts now; older links stop
        working when `revoke_old` (see `control.links.send_unit_link`)."""

        async def act(actor: Actor) -> list[DeliveryAttempt]:
            with session_scope(self.settings.resolved_database_url()) as session:
                if not access_store.unit_exists(session, unit_code):
                    raise Refusal("no_such_unit", status=404)
                unit_agency = unit_agency_code(session, unit_code)
            account = visitor.account
            if account is not None and account.agency and account.agency != unit_agency:
                raise Refusal("other_agency", status=403, detail=f"{unit_code}: {unit_agency}")
            return await asyncio.to_thread(
                links.send_unit_link,
                self.settings,
                unit_code,
                now=self.clock(),
                revoke_old=revoke_old,
                by=visitor.name,
            )

        attempts: list[DeliveryAttempt] = await self.as_coordinator(
            visitor, "send_unit_link", Where(), {"unit": unit_code, "revoke_old": revoke_old}, act
        )
        return attempts
