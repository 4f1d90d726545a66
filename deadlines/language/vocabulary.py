"""What a deadline text is read into: the kinds of milestone, what each part of the text states
(`MilestoneSpec`), and the refusal of a text the reader will not guess at."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from deadlines.periods import Cadence, Period


class MilestoneKind(StrEnum):
    FIXED = "fixed"
    ALL_YEAR = "all_year"
    ONGOING = "ongoing"
    PERIODIC = "periodic"
    AFTER_EVENT = "after_event"
    OUTSIDE_PLAN = "outside_plan"
    RECURRING_EVENT = "recurring_event"


EVENT_KINDS = frozenset(
    {MilestoneKind.AFTER_EVENT, MilestoneKind.OUTSIDE_PLAN, MilestoneKind.RECURRING_EVENT}
)


class DeadlineRefused(ValueError):
    """A deadline text the engine will not guess at: `.text` as written, `.reason` why."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{reason} (deadline text: {text!r})")
        self.text = text
        self.reason = reason


@dataclass(frozen=True)
class Allowance:
    """Time the text itself gives after an event ("trong 15 ngày làm việc kể từ khi ...")."""

    days: int
    working_days: bool


@dataclass(frozen=True)
class MilestoneSpec:
    """One milestone as the text states it, before any date is worked out.

    `period` is set for fixed milestones (the period the work must be done in) and for all-year
    ones (the year); `cadences` for periodic ones; `event_key` for the three event kinds.
    """

    order: int
    label: str
    kind: MilestoneKind
    text: str
    event_key: str | None = None
    # The event as written ("UBND tỉnh ban hành Kế hoạch KSTTHC năm 2023"), for people.
    event_phrase: str = ""
    period: Period | None = None
    cadences: tuple[Cadence, ...] = ()
    # A periodic report (the CCHC reports' data cut-off and submission days apply).
    report: bool = False
    allowance: Allowance | None = None
