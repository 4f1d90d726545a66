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

    `period` is set for fixed milestones (the period the work must be done in), for all-year
    ones (the year, or every year of a plan of several), for ongoing work that starts on a
    given day ("Từ tháng 3/2025": the period it starts with) and for a periodic series that
    repeats one period each year ("Quý IV hằng năm", "2025 và những năm tiếp theo": the first
    such period); `cadences` for periodic ones; `event_key` for the three event kinds.
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
    # A series of periodic reports ("báo cáo định kỳ"), named by the text or by the task's
    # title. Whether the CCHC reporting regime's cut-off and submission days apply is the
    # policy's choice (`reports.cchc_task`), never this word's.
    report: bool = False
    allowance: Allowance | None = None
    # A note in parentheses after the deadline ("Tháng 6/2025 (trình Chính phủ)"), as written.
    note: str = ""
    # Set outside the plan by a document the text does not name ("Theo kế hoạch"): read, but
    # nobody can tell which document; the importer reports it.
    vague: bool = False
    # A monthly series due on this day of each month ("Ngày 25 hằng tháng"), or the day before
    # it when `before_day` ("Trước ngày 10 hằng tháng").
    monthly_day: int | None = None
    before_day: bool = False
