"""The leadership's escalation: one summary per leadership unit and working day, listing every
overdue milestone of the plan. Escalations asked for after that day's summary went out wait for
the next working day's (sent with the daily digests)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session

from deadlines.local_time import local_day
from models.payloads import DeliveryOutcome, MessageKind, NotificationOutcome, NotificationRequest
from models.tables import NotificationLog, NotificationStatus
from models.workflow_ids import DAILY_DIGEST_WORKFLOW_ID
from notifications.dispatch import About, Dispatcher
from notifications.formatting import format_day
from notifications.lines import milestone_ref, row_ref
from notifications.links import plan_link
from notifications.messages import MessageContext, MilestoneLine
from notifications.office_hours import CalendarOfYear, wait_for_office_hours
from notifications.outcomes import finished, settled
from notifications.requests import request_row
from storage import notifications as log
from storage.db import session_scope

KIND = MessageKind.ESCALATION_LEADERSHIP


class LeadershipSummaries:
    def __init__(self, dispatcher: Dispatcher, calendar: CalendarOfYear) -> None:
        self._dispatch = dispatcher
        self._calendar = calendar

    def send(
        self,
        request: NotificationRequest,
        recipients: Sequence[str],
        *,
        now: datetime,
        last_attempt: bool,
    ) -> NotificationOutcome:
        """An escalation to the leadership: today's summary, which includes its milestone."""
        per_unit: dict[str, DeliveryOutcome] = {}
        day = local_day(now)
        database_url = self._dispatch.database_url
        for unit in recipients:
            with session_scope(database_url) as session:
                row = request_row(session, request, unit, KIND, now=self._dispatch.clock())
            done = settled(row)
            if done is not None:
                per_unit[unit] = done
                continue
            summary = self.send_summary(
                request.plan_key, unit, day, now=now, last_attempt=last_attempt
            )
            with session_scope(database_url) as session:
                after = log.find_log(session, key=row.key)
            assert after is not None
            if after.status is NotificationStatus.SENT:
                sent_now = summary is DeliveryOutcome.SENT
                per_unit[unit] = DeliveryOutcome.SENT if sent_now else DeliveryOutcome.ALREADY_SENT
            elif after.status is NotificationStatus.SKIPPED:
                per_unit[unit] = DeliveryOutcome.SKIPPED
            elif summary in (DeliveryOutcome.ALREADY_SENT, DeliveryOutcome.SKIPPED):
                # Today's summary went out before this milestone was overdue: tomorrow's.
                per_unit[unit] = DeliveryOutcome.QUEUED
            else:
                per_unit[unit] = summary
        return finished(request.key, per_unit)

    def send_summary(
        self, plan_key: str, unit: str, day: date, *, now: datetime, last_attempt: bool
    ) -> DeliveryOutcome:
        """Today's summary of the plan's overdue milestones to one leadership unit, at most
        once; the queued escalations it covers are marked sent with it."""
        dispatch = self._dispatch
        key = f"escalation_leadership/{plan_key}/{day.isoformat()}|{unit}"
        with session_scope(dispatch.database_url) as session:
            held = log.queued_of_kind(session, kind=KIND, plan_key=plan_key, unit_code=unit)
            summary = log.find_log(session, key=key)
            if summary is not None and summary.status is NotificationStatus.SENT:
                self._close_covered(session, summary, held)
                return DeliveryOutcome.ALREADY_SENT
            if summary is not None and summary.status is NotificationStatus.FAILED:
                return DeliveryOutcome.FAILED
            lines, refs, closed = self._summary_lines(session, plan_key, held, now)
            log.close_held(
                session,
                keys=closed,
                status=NotificationStatus.SKIPPED,
                answer="the milestone closed before the summary went out",
                now=dispatch.clock(),
            )
            if not lines:
                return DeliveryOutcome.SKIPPED
            title = log.plan_title(session, plan_key=plan_key) or plan_key
            log.ensure_log(
                session,
                log.new_log(
                    key=key,
                    workflow_id=DAILY_DIGEST_WORKFLOW_ID,
                    plan_key=plan_key,
                    task_code="",
                    milestone_key="",
                    kind=KIND,
                    unit_code=unit,
                    scheduled_at=now,
                    details={},
                    now=dispatch.clock(),
                ),
            )
        if not last_attempt:
            wait_for_office_hours(self._calendar, now)
        message = dispatch.render(
            MessageContext(
                kind=KIND,
                recipient_name=dispatch.lines.unit_name(unit),
                plan_title=title,
                day_text=format_day(day),
                milestones=lines,
                overview_link=plan_link(dispatch.lines.public_url, plan_key),
            )
        )
        result = dispatch.deliver(
            key,
            message,
            dispatch.contacts.for_unit(unit),
            about=About(KIND, plan_key, title),
            now=now,
            last_attempt=last_attempt,
            # Written with the claim, so a later request can tell what the summary covered.
            details={"included": sorted(refs)},
        )
        if result in (DeliveryOutcome.SENT, DeliveryOutcome.ALREADY_SENT):
            # Sent now, or by another worker while this one composed the same summary.
            with session_scope(dispatch.database_url) as session:
                sent = log.find_log(session, key=key)
                assert sent is not None
                self._close_covered(session, sent, held)
        return result

    def _close_covered(
        self, session: Session, summary: NotificationLog, held: Sequence[NotificationLog]
    ) -> None:
        """The held escalations a sent summary covered are sent with it; those whose milestone
        closed meanwhile need no summary any more."""
        included = set(summary.details.get("included", []))
        log.close_held(
            session,
            keys=[r.key for r in held if row_ref(r) in included],
            status=NotificationStatus.SENT,
            answer=f"in {summary.key}",
            now=self._dispatch.clock(),
        )
        log.close_held(
            session,
            keys=[r.key for r in held if log.milestone_closed(session, r)],
            status=NotificationStatus.SKIPPED,
            answer="the milestone closed before a summary could include it",
            now=self._dispatch.clock(),
        )

    def _summary_lines(
        self, session: Session, plan_key: str, held: Sequence[NotificationLog], now: datetime
    ) -> tuple[list[MilestoneLine], set[str], list[str]]:
        """The overdue milestones the engine recorded, and any escalated one it has not
        recorded yet; plus the held rows whose milestone has closed meanwhile."""
        lines = self._dispatch.lines
        found: list[MilestoneLine] = []
        refs: set[str] = set()
        for task, milestone in log.overdue_milestones(session, plan_key=plan_key):
            found.append(lines.stored_line(plan_key, task, milestone, now))
            refs.add(milestone_ref(task.code, milestone.key))
        closed: list[str] = []
        for row in held:
            if log.milestone_closed(session, row):
                closed.append(row.key)
            elif row_ref(row) not in refs:
                found.append(lines.held_line(row, now))
                refs.add(row_ref(row))
        return found, refs, closed
