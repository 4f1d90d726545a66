"""A plan's deadlines laid out before anything runs: every task's milestones with the whole
schedule of reminders, check-ins, escalations and nudges, as a JSON document and as one
iCalendar file per unit (Outlook and Google Calendar import them).

Pure: the caller reads the plan and the files; this module only computes and formats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Alarm, Calendar, Event

from deadlines.language import DeadlineRefused
from deadlines.local_time import LOCAL_TZ, in_vietnam, local_iso
from deadlines.planning import PlannedMilestone, plan_milestones
from deadlines.policy import DeadlinePolicy
from deadlines.schedule import ScheduledStep, schedule_steps
from deadlines.steps import StepAction, StepAudience, reached
from deadlines.workdays import WorkingCalendar

# A deadline shows in a calendar as the last half hour before it, so it is seen, not in the way.
DEADLINE_EVENT_LENGTH = timedelta(minutes=30)
CHECK_IN_EVENT_LENGTH = timedelta(minutes=30)


@dataclass(frozen=True)
class TaskDeadline:
    """What the preview needs of a task: its code, title, deadline text and units (codes)."""

    code: str
    title: str
    deadline_text: str
    lead_units: tuple[str, ...] = ()
    coordinating_units: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreviewedMilestone:
    milestone: PlannedMilestone
    steps: list[ScheduledStep]


@dataclass(frozen=True)
class PreviewedTask:
    task: TaskDeadline
    milestones: list[PreviewedMilestone]


@dataclass(frozen=True)
class Refusal:
    code: str
    text: str
    reason: str


@dataclass(frozen=True)
class Preview:
    year: int
    # Unit codes; "" while the agency has none configured (a new agency's plan).
    coordinator: str
    leadership: str
    tasks: list[PreviewedTask] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    # The last year of a plan that runs over several; None for a plan of one year.
    last_year: int | None = None

    def recipients(self, task: TaskDeadline, audience: StepAudience) -> list[str]:
        """The unit codes an audience of a task's step stands for."""
        return list(
            reached(
                audience,
                lead_units=task.lead_units,
                coordinating_units=task.coordinating_units,
                coordinator=self.coordinator,
                leadership=self.leadership,
            )
        )


def preview_plan(
    tasks: Iterable[TaskDeadline],
    *,
    year: int,
    calendar: WorkingCalendar,
    policy_for: Callable[[str], DeadlinePolicy],
    coordinator: str,
    leadership: str,
    written_year: int | None = None,
    last_year: int | None = None,
) -> Preview:
    """Plan and schedule every task; a task whose deadline cannot be read is listed as refused.
    `written_year`: the year the plan was written for, when previewed for another `year`;
    `last_year`: the last year of a plan that runs over several from `year`.

    Schedules run to the end of the plan year (a dated milestone's escalation stages are shown
    even when they fall after it; the weekly repeats stop there).
    """
    preview = Preview(
        year=year,
        coordinator=coordinator,
        leadership=leadership,
        last_year=last_year if last_year != year else None,
    )
    for task in tasks:
        policy = policy_for(task.code)
        try:
            milestones = plan_milestones(
                task.deadline_text,
                year=year,
                task_title=task.title,
                calendar=calendar,
                policy=policy,
                written_year=written_year,
                last_year=last_year,
            )
        except DeadlineRefused as refused:
            preview.refused.append(Refusal(task.code, task.deadline_text, refused.reason))
            continue
        preview.tasks.append(
            PreviewedTask(
                task,
                [
                    PreviewedMilestone(m, schedule_steps(m, calendar=calendar, policy=policy))
                    for m in milestones
                ],
            )
        )
    return preview


# ----------------------------------------------------------------------------- JSON


def preview_document(preview: Preview, *, plan_key: str = "") -> dict[str, Any]:
    """`{"plan", "tasks": [{"code", "milestones": [{"label", "kind", "due", "event",
    "schedule": [{"at", "action", "to"}]}]}], "refused": [{"code", "text", "reason"}],
    "events": [{"key", "kinds", "tasks"}]}`, instants in Vietnam time (+07:00)."""
    return {
        "plan": {"key": plan_key, "year": preview.year, "last_year": preview.last_year},
        "tasks": [
            {
                "code": previewed.task.code,
                "title": previewed.task.title,
                "deadline_text": previewed.task.deadline_text,
                "lead_units": list(previewed.task.lead_units),
                "coordinating_units": list(previewed.task.coordinating_units),
                "milestones": [
                    _milestone_document(preview, previewed.task, m) for m in previewed.milestones
                ],
            }
            for previewed in preview.tasks
        ],
        "refused": [{"code": r.code, "text": r.text, "reason": r.reason} for r in preview.refused],
        "events": [
            {"key": key, "kinds": kinds, "tasks": tasks}
            for key, (kinds, tasks) in awaited_events(preview).items()
        ],
    }


def awaited_events(preview: Preview) -> dict[str, tuple[list[str], list[str]]]:
    """{event key: (milestone kinds waiting on it, task codes)}: what `event KEY` will start."""
    events: dict[str, tuple[list[str], list[str]]] = {}
    for previewed in preview.tasks:
        for pm in previewed.milestones:
            key = pm.milestone.event_key
            if key is None:
                continue
            kinds, tasks = events.setdefault(key, ([], []))
            if pm.milestone.kind.value not in kinds:
                kinds.append(pm.milestone.kind.value)
            if previewed.task.code not in tasks:
                tasks.append(previewed.task.code)
    return dict(sorted(events.items()))


def _milestone_document(
    preview: Preview, task: TaskDeadline, previewed: PreviewedMilestone
) -> dict[str, Any]:
    m = previewed.milestone
    return {
        "key": m.key,
        "label": m.label,
        "kind": m.kind.value,
        "text": m.text,
        "due": local_iso(m.due),
        "opens": local_iso(m.opens),
        "event": m.event_key,
        "period": (
            {"start": m.period_start.isoformat(), "end": m.period_end.isoformat()}
            if m.period_start is not None and m.period_end is not None
            else None
        ),
        "evidence_hint": m.evidence_hint,
        "note": m.note,
        "schedule": [
            {
                "at": local_iso(step.at),
                "action": step.action,
                "audience": step.audience,
                "to": preview.recipients(task, step.audience),
                "note": step.note,
            }
            for step in previewed.steps
        ],
    }


# ----------------------------------------------------------------------------- iCalendar


def unit_calendars(
    preview: Preview,
    *,
    plan_key: str,
    unit_names: Mapping[str, str] | None = None,
    stamp: datetime | None = None,
) -> dict[str, bytes]:
    """One iCalendar file per unit code: the deadlines it leads or coordinates (with an alarm
    at each reminder it gets) and its progress check-ins. The coordinator's file holds every
    dated milestone of the plan, since it follows them all."""
    names = unit_names or {}
    stamp = stamp or datetime.now(UTC)
    events: dict[str, list[Event]] = {}
    for previewed in preview.tasks:
        task = previewed.task
        for pm in previewed.milestones:
            m = pm.milestone
            audiences_of: dict[str, set[StepAudience]] = {}
            for audience in (StepAudience.LEAD, StepAudience.COORDINATING):
                for unit in preview.recipients(task, audience):
                    audiences_of.setdefault(unit, set()).add(audience)
            if m.due is not None and preview.coordinator:
                audiences_of.setdefault(preview.coordinator, set())
                for unit, audiences in audiences_of.items():
                    events.setdefault(unit, []).append(
                        _deadline_event(plan_key, task, m, pm.steps, audiences, stamp)
                    )
            for step in pm.steps:
                if step.action is not StepAction.CHECK_IN:
                    continue
                for unit in preview.recipients(task, step.audience):
                    events.setdefault(unit, []).append(
                        _check_in_event(plan_key, task, m, step, stamp)
                    )
    calendars: dict[str, bytes] = {}
    for unit, unit_events in sorted(events.items()):
        calendar = Calendar()
        calendar.add("prodid", "-//nhachan//deadline preview//VI")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", f"{plan_key} - {names.get(unit, unit)}")
        calendar.add("x-wr-timezone", LOCAL_TZ)
        for event in unit_events:
            calendar.add_component(event)
        calendars[unit] = calendar.to_ical()
    return calendars


def _summary(task: TaskDeadline, milestone: PlannedMilestone) -> str:
    part = f" - {milestone.label}" if milestone.label else ""
    return f"[{task.code}] {task.title}{part}"


def _description(task: TaskDeadline, milestone: PlannedMilestone) -> str:
    lines = [task.deadline_text]
    if milestone.due is not None:
        lines.append(in_vietnam(milestone.due).format("DD/MM/YYYY HH:mm"))
    if milestone.evidence_hint:
        lines.append(milestone.evidence_hint)
    return "\n".join(lines)


def _deadline_event(
    plan_key: str,
    task: TaskDeadline,
    milestone: PlannedMilestone,
    steps: list[ScheduledStep],
    audiences: set[StepAudience],
    stamp: datetime,
) -> Event:
    assert milestone.due is not None
    event = Event()
    event.add("uid", f"{plan_key}/{task.code}/{milestone.key}@nhachan")
    event.add("dtstamp", stamp)
    event.add("dtstart", milestone.due - DEADLINE_EVENT_LENGTH)
    event.add("dtend", milestone.due)
    event.add("summary", _summary(task, milestone))
    event.add("description", _description(task, milestone))
    event.add("transp", "TRANSPARENT")
    start = milestone.due - DEADLINE_EVENT_LENGTH
    for step in steps:
        if step.action is StepAction.REMINDER and step.audience in audiences:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", _summary(task, milestone))
            # Relative to the start: every calendar program honours a relative trigger.
            alarm.add("trigger", step.at - start)
            event.add_component(alarm)
    return event


def _check_in_event(
    plan_key: str,
    task: TaskDeadline,
    milestone: PlannedMilestone,
    step: ScheduledStep,
    stamp: datetime,
) -> Event:
    event = Event()
    event.add("uid", f"{plan_key}/{task.code}/{milestone.key}/check-in/{step.at:%Y%m%d}@nhachan")
    event.add("dtstamp", stamp)
    event.add("dtstart", step.at)
    event.add("dtend", step.at + CHECK_IN_EVENT_LENGTH)
    event.add("summary", _summary(task, milestone))
    event.add("description", _description(task, milestone))
    event.add("transp", "TRANSPARENT")
    return event
