"""Deadlines: the plan's deadline language, Vietnam's working-day calendar, and the policy that
turns milestones into a schedule of reminders, check-ins, escalations and nudges.

Pure code: no Temporal, no database. The engine calls it from activities.
"""

from deadlines.language import DeadlineRefused, MilestoneKind, MilestoneSpec, parse_deadline

__all__ = ["DeadlineRefused", "MilestoneKind", "MilestoneSpec", "parse_deadline"]
