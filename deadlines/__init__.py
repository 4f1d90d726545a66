"""Deadlines: the plan's deadline language, Vietnam's working-day calendar, and the policy that
turns milestones into a schedule of reminders, check-ins, escalations and nudges.

Pure code: no Temporal, no database. The engine calls it from activities.
"""

from deadlines.language import DeadlineRefused, MilestoneKind, MilestoneSpec, parse_deadline
from deadlines.planning import (
    PlannedMilestone,
    due_after_event,
    due_for_period,
    due_on_day,
    move_years,
    plan_milestones,
)
from deadlines.policy import DeadlinePolicy, PolicyError, load_policy
from deadlines.schedule import ScheduledStep, schedule_steps
from deadlines.steps import StepAction, StepAudience
from deadlines.workdays import CalendarDataError, OfficeHours, WorkingCalendar, load_calendar

__all__ = [
    "CalendarDataError",
    "DeadlinePolicy",
    "DeadlineRefused",
    "MilestoneKind",
    "MilestoneSpec",
    "OfficeHours",
    "PlannedMilestone",
    "PolicyError",
    "ScheduledStep",
    "StepAction",
    "StepAudience",
    "WorkingCalendar",
    "due_after_event",
    "due_for_period",
    "due_on_day",
    "load_calendar",
    "load_policy",
    "move_years",
    "parse_deadline",
    "plan_milestones",
    "schedule_steps",
]
