"""What a unit does from its link: deliver evidence and ask for more time, for the open
milestones of the tasks it leads."""

from __future__ import annotations

from datetime import date

from models.payloads import MessageKind
from web.acts import ActingBase
from web.auth import Visitor
from web.evidence import (
    EvidenceForm,
    checked_evidence,
    latest_evidence_id,
    recorded_since,
    submission,
)
from web.refusals import Refusal, Where
from web.views import Shown


class UnitActs(ActingBase):
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
            stored = checked_evidence(self.settings, form, unit_code=actor.who, now=self.clock())
            sent = submission(milestone_key, actor.who, form, stored)
            before = latest_evidence_id(self.settings, plan_key, task_code, milestone_key)
            view = await self.engine_call(
                self.engine.submit_evidence(actor, plan_key, task_code, sent),
                recorded=lambda: recorded_since(self.settings, plan_key, task_code, sent, before),
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
                "status": str(view.status) if view is not None else "recorded late",
            },
        )
        return self._milestone(plan_key, task_code, milestone_key)

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
            await self.engine_call(
                self.engine.request_extension(
                    actor,
                    plan_key,
                    task_code,
                    milestone_key,
                    until=until,
                    reason=reason,
                    confirmed=confirmed,
                ),
                recorded=self.message_since_now(where, MessageKind.EXTENSION_REQUEST),
            )
        except Refusal as refusal:
            self.audit(visitor, actor, "request_extension", where, refusal=refusal, details=details)
            raise
        self.audit(visitor, actor, "request_extension", where, details=details)
