"""What an event would start, before the coordinator confirms it: the milestones of a plan
waiting on each event, and each one's due date, computed by the deadline code's own
`due_after_event` as the engine will compute it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from deadlines import DeadlineRefused, MilestoneKind, PlannedMilestone, due_after_event
from models.statuses import MilestoneStatus
from models.tables import Plan
from storage.db import session_scope
from storage.overview import MilestoneRow
from web.reading import Reader, section_rank
from web.views import NotFound


@dataclass
class EventStart:
    task_code: str
    title: str
    milestone_key: str
    label: str
    kind: str
    due: datetime | None
    lead_units: tuple[str, ...]
    problem: str = ""


@dataclass
class EventPreview:
    key: str
    occurred_on: date
    due_on: date | None
    starts: list[EventStart] = field(default_factory=list)
    needs_due_date: bool = False
    # What the plan calls the event ("Theo Kế hoạch của UBND tỉnh"), from its deadline text.
    name: str = ""

    @property
    def confirmable(self) -> bool:
        """The engine takes it as it stands: every task gets a due date (the due date the
        document sets is given when a task's deadline is "theo kế hoạch của UBND tỉnh")."""
        return not (self.needs_due_date and self.due_on is None) and all(
            s.due is not None and not s.problem for s in self.starts
        )


class Events:
    """The events of a plan's tasks, read through `reader`."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.settings = reader.settings

    def names(self, plan_key: str) -> dict[str, str]:
        """Event key -> what the plan calls the event (“Theo Kế hoạch của UBND tỉnh”), for
        every event the plan's milestones wait on or waited on."""
        with session_scope(self.settings.resolved_database_url()) as session:
            plan = self.reader.plan_of(session, plan_key)
            rows = self.reader.rows_in(session, plan)
        names: dict[str, str] = {}
        for row in rows:
            if row.event_key and row.event_key not in names:
                names[row.event_key] = self.event_words(row, plan)
        return names

    def event_words(self, row: MilestoneRow, plan: Plan) -> str:
        """The words of the row's deadline that name its event."""
        for milestone in self.reader.readings(row.deadline_text, row.title, row.task_code, plan):
            if milestone.event_key == row.event_key:
                return milestone.text
        return row.deadline_text

    def awaited(self, plan_key: str) -> dict[str, list[MilestoneRow]]:
        """Event key -> the milestones waiting on it (or repeating on it)."""
        _plan, rows = self.reader.plan_rows(plan_key)
        events: dict[str, list[MilestoneRow]] = {}
        for row in rows:
            if row.event_key and row.status == MilestoneStatus.WAITING_EVENT:
                events.setdefault(row.event_key, []).append(row)
        return dict(sorted(events.items()))

    def preview(
        self, plan_key: str, key: str, occurred_on: date, due_on: date | None
    ) -> EventPreview:
        """Which tasks the event starts and the due date each gets, computed as the engine
        will (`due_after_event`), before anyone confirms."""
        waiting = self.awaited(plan_key).get(key)
        if not waiting:
            raise NotFound("no_such_milestone")
        plan, _rows = self.reader.plan_rows(plan_key)
        preview = EventPreview(key, occurred_on, due_on)
        calendar = self.settings.working_calendar(plan.year)
        for row in sorted(waiting, key=lambda r: (section_rank(r.section), r.row)):
            policy = self.reader.planned.policy(row.task_code)
            kind = MilestoneKind(row.kind) if row.kind else MilestoneKind.AFTER_EVENT
            start = EventStart(
                row.task_code, row.title, row.key or "", row.label, kind.value, None, row.lead_units
            )
            preview.name = preview.name or self.event_words(row, plan)
            if kind is MilestoneKind.OUTSIDE_PLAN:
                preview.needs_due_date = True
                if due_on is None:
                    # Only the document the event brings sets its due date: none is shown
                    # until the coordinator gives it (the engine refuses the event without).
                    preview.starts.append(start)
                    continue
            milestone = PlannedMilestone(
                key=row.key or "",
                order=row.order,
                label=row.label,
                kind=kind,
                text=row.deadline_text,
                due=None,
                opens=None,
                event_key=row.event_key,
                period_start=None,
                period_end=None,
                evidence_hint="",
                plan_year=plan.year,
            )
            try:
                milestone = _with_allowance(milestone, row, plan, self.reader)
                start.due = due_after_event(
                    milestone,
                    event_date=occurred_on,
                    event_due=due_on,
                    calendar=calendar,
                    policy=policy,
                )
            except (DeadlineRefused, ValueError) as error:
                start.problem = str(error)
            preview.starts.append(start)
        return preview


def _with_allowance(
    milestone: PlannedMilestone, row: MilestoneRow, plan: Plan, reader: Reader
) -> PlannedMilestone:
    """The milestone as its deadline text reads it (the time it allows after the event), when
    the text can be read again; otherwise as recorded."""
    planned = reader.readings(row.deadline_text, row.title, row.task_code, plan)
    template_key = (row.key or "").split("@")[0]
    return next((m for m in planned if m.key == template_key), milestone)
