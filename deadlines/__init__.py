"""Deadlines: the plan's deadline language, Vietnam's working-day calendar, and the policy that
turns milestones into a schedule of reminders, check-ins, escalations and nudges.

Pure code: no Temporal, no database, no files (the caller reads the calendar's year files and
the policy files and hands their content in; see settings.py). The engine calls it from
activities.
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
from deadlines.policy import DeadlinePolicy, PlanPolicies, PolicyError, plan_policies
from deadlines.schedule import ScheduledStep, schedule_steps
from deadlines.steps import StepAction, StepAudience, reached
from deadlines.workdays import OfficeHours, WorkingCalendar
from deadlines.year_decisions import CalendarDataError, YearDecisions, year_decisions

__all__ = [
    "CalendarDataError",
    "DeadlinePolicy",
    "DeadlineRefused",
    "MilestoneKind",
    "MilestoneSpec",
    "OfficeHours",
    "PlanPolicies",
    "PlannedMilestone",
    "PolicyError",
    "ScheduledStep",
    "StepAction",
    "StepAudience",
    "WorkingCalendar",
    "YearDecisions",
    "due_after_event",
    "due_for_period",
    "due_on_day",
    "move_years",
    "parse_deadline",
    "plan_milestones",
    "plan_policies",
    "reached",
    "schedule_steps",
    "year_decisions",
]
