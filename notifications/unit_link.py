"""A unit's link to its own page, sent again when the coordinator asks (the web app's "resend
the link"): one message listing the milestones the unit leads that are still open, each with
its evidence link signed for the unit. Every channel of the unit is tried in turn, now, until
one delivers; the attempts are in the notification log."""

from __future__ import annotations

from datetime import datetime

from deadlines.local_time import local_day
from models.payloads import MessageKind
from models.statuses import MilestoneStatus
from notifications.channels import DeliveryAttempt
from notifications.dispatch import Dispatcher
from notifications.formatting import format_day
from notifications.messages import MessageContext, MilestoneLine
from storage import notifications as log
from storage.db import session_scope
from storage.plans import latest_plan

# The workflow id these messages are logged under: no workflow sends them.
UNIT_LINK_WORKFLOW_ID = "web"
_OPEN = (MilestoneStatus.OPEN, MilestoneStatus.OVERDUE)


class UnitLinkMessages:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatch = dispatcher

    def send(self, unit_code: str, link: str, *, now: datetime) -> list[DeliveryAttempt]:
        dispatch = self._dispatch
        lines = dispatch.lines
        contacts = dispatch.contacts.for_unit(unit_code)
        with session_scope(dispatch.database_url) as session:
            plan = latest_plan(session)
            plan_key, plan_title = (plan.key, log.titled(plan)) if plan is not None else ("", "")
            open_lines: list[MilestoneLine] = []
            if plan is not None:
                for task, milestone in log.milestones_of_plan(
                    session, plan_key=plan.key, statuses=_OPEN
                ):
                    if unit_code in task.lead_units:
                        line = lines.stored_line(plan.key, task, milestone, now)
                        open_lines.append(lines.for_unit(line, unit_code))
        message = dispatch.render(
            MessageContext(
                kind=MessageKind.UNIT_LINK,
                recipient_name=lines.unit_name(unit_code),
                plan_title=plan_title,
                day_text=format_day(local_day(now)),
                milestones=open_lines,
                overview_link=link,
            )
        )
        key = f"unit-link/{dispatch.clock():%Y%m%dT%H%M%S.%f}|{unit_code}"
        with session_scope(dispatch.database_url) as session:
            log.ensure_log(
                session,
                log.new_log(
                    key=key,
                    workflow_id=UNIT_LINK_WORKFLOW_ID,
                    plan_key=plan_key,
                    task_code="",
                    milestone_key="",
                    kind=MessageKind.UNIT_LINK,
                    unit_code=unit_code,
                    scheduled_at=now,
                    details={},
                    now=dispatch.clock(),
                ),
            )
        attempts: list[DeliveryAttempt] = []
        for position, channel in enumerate(contacts.channels, start=1):
            attempt = dispatch.send_recorded(
                key, channel, message, give_up_on_failure=position == len(contacts.channels)
            )
            attempts.append(attempt)
            if attempt.delivered:
                break
        return attempts
