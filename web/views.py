"""What each page shows, as data: the shapes `web.reading.Reader` and the readings beside it
fill and the templates and the API's schemas read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote

from deadlines import PlannedMilestone
from models.tables import (
    Agency,
    AuditEntry,
    Evidence,
    EvidenceReview,
    NotificationLog,
    Plan,
    Unit,
)
from storage.overview import MilestoneRow
from web.planning import PlannedStep
from web.tracking import Tracking


class NotFound(LookupError):
    """The page names a plan, task, milestone or unit that does not exist; the message is the
    key of its words (`refusals.no_such_...`)."""


@dataclass(frozen=True)
class Shown:
    """One milestone (or a task not started) with the state people see."""

    row: MilestoneRow
    tracking: Tracking


@dataclass
class Filters:
    section: str = ""
    unit: str = ""
    state: str = ""
    text: str = ""
    page: int = 1

    def query(self, **changes: object) -> str:
        values = {
            "section": self.section,
            "unit": self.unit,
            "state": self.state,
            "q": self.text,
            "page": self.page,
        }
        values.update(changes)
        return "&".join(
            f"{k}={quote(str(v), safe='')}" for k, v in values.items() if v not in ("", 1)
        )


@dataclass
class UnitFigures:
    code: str
    name: str
    counts: Counter[Tracking]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Month:
    month: int
    counts: Counter[Tracking]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class UpcomingDay:
    day: date
    counts: Counter[str]


@dataclass
class PlanSummary:
    plan: Plan
    counts: Counter[Tracking]
    tasks: int
    agency: Agency | None = None

    @property
    def milestones(self) -> int:
        return sum(self.counts.values())


@dataclass
class Dashboard:
    plan: Plan
    agency: Agency
    filters: Filters
    now: datetime
    counts: Counter[Tracking]
    units: list[UnitFigures]
    sections: list[tuple[str, str]]
    shown: list[Shown]
    matching: int
    pages: int
    months: list[Month]
    upcoming: list[PlannedStep]
    upcoming_total: int
    upcoming_days: list[UpcomingDay]
    unit_names: dict[str, str]
    tasks: int


@dataclass
class MilestoneDetail:
    shown: Shown
    planned: list[PlannedStep]
    evidence: list[Evidence]
    reviews: dict[int, list[EvidenceReview]]
    pending_extension: AuditEntry | None
    extension_decisions: list[AuditEntry]


@dataclass
class TaskDetail:
    plan: Plan
    task: MilestoneRow
    milestones: list[MilestoneDetail]
    notifications: list[NotificationLog]
    audit: list[AuditEntry]
    unit_names: dict[str, str]
    readings: list[PlannedMilestone]
    reading_refused: str
    now: datetime
    # The coordinator's corrections of the document's cells at import: field, original,
    # corrected, by, at.
    corrections: list[dict[str, str]] = field(default_factory=list)


@dataclass
class UnitWork:
    plan: Plan
    shown: Shown
    leads: bool
    pending_extension: AuditEntry | None = None
    last_refusal: AuditEntry | None = None
    rejection: AuditEntry | None = None


@dataclass
class UnitPage:
    unit: Unit
    work: list[UnitWork]
    counts: Counter[Tracking]


@dataclass
class OverdueLine:
    plan: Plan
    shown: Shown
    days_overdue: int


@dataclass
class Overview:
    summaries: list[PlanSummary]
    overdue: list[OverdueLine]
    units: list[UnitFigures]
    escalations: list[NotificationLog]
    unit_names: dict[str, str]
    now: datetime
