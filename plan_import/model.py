"""What the importer hands on: the plan as read, its tasks and the report on the document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from plan_import.units import UnitDirectory

ReportLevel = Literal["error", "warning", "info"]


class PlanImportError(ValueError):
    """The file cannot be read as a plan at all; nothing was imported.

    `where` names the place (file, line or row, column) and `problem` what is wrong there.
    """

    def __init__(self, source: str, where: str, problem: str) -> None:
        self.source = source
        self.where = where
        self.problem = problem
        place = f"{source}, {where}" if where else source
        super().__init__(f"{place}: {problem}")


@dataclass(frozen=True)
class ReportEntry:
    level: ReportLevel
    where: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"level": self.level, "where": self.where, "message": self.message}


@dataclass(frozen=True)
class NewUnit:
    """A name the agency's directory did not know, recorded by the import for the coordinator
    to confirm: a unit, or a group kept as itself until mapped to its members."""

    code: str
    name: str
    where: str
    kind: Literal["unit", "group"] = "unit"


@dataclass(frozen=True)
class CellToCheck:
    """A cell the import refused ("error") or doubts ("warning"), for the coordinator to correct
    in place: the task, the field a correction names (deadline, lead, coordinating), the text as
    written, and why."""

    task: str
    field: str
    text: str
    level: ReportLevel
    where: str
    why: str
    # The line (text, CSV) or row (spreadsheet, Word table) the task starts on.
    row: str = ""


@dataclass
class ImportedTask:
    code: str
    section: str
    section_title: str
    row: int
    title: str
    # Unit codes.
    lead_units: list[str]
    coordinating_units: list[str]
    # Phrases such as "Các đơn vị liên quan" kept as written for the coordinator to fill.
    unresolved_units: list[str]
    # Exactly as written: cells cut by a page break joined, whitespace made single spaces.
    deadline_text: str
    note: str
    # Line (text, CSV) or row (spreadsheet, Word table) where the task starts.
    source_line: int
    # The coordinator's corrections of its cells: field, original, corrected, by, at.
    corrections: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ImportedPlan:
    key: str
    number: str
    agency_code: str
    agency_name: str
    year: int
    title: str
    issue_date: date | None
    source_name: str
    source_hash: str
    stated_task_count: int | None
    tasks: list[ImportedTask] = field(default_factory=list)
    report: list[ReportEntry] = field(default_factory=list)
    new_units: list[NewUnit] = field(default_factory=list)
    # The year the document was written for, when it differs from `year` (a plan reused for
    # another year with --year): the years its deadlines name move with the plan.
    written_year: int | None = None
    # The last year of a plan that runs over several from `year` ("giai đoạn 2025–2030").
    last_year: int | None = None
    # The agency's unit directory the plan was read with, its new units and groups included.
    directory: UnitDirectory | None = field(default=None, repr=False, compare=False)
    # The report's errors about deadlines that cannot be read (their tasks are kept, so that a
    # preview can show every reading); an import with any stores nothing, and nothing starts.
    unreadable_deadlines: list[ReportEntry] = field(default_factory=list)
    # Every refused or doubtful cell of a task, for the coordinator to correct in place.
    cells_to_check: list[CellToCheck] = field(default_factory=list)

    @property
    def task_count(self) -> int:
        return len(self.tasks)

    @property
    def errors(self) -> list[ReportEntry]:
        return [entry for entry in self.report if entry.level == "error"]

    @property
    def warnings(self) -> list[ReportEntry]:
        return [entry for entry in self.report if entry.level == "warning"]

    def task(self, code: str) -> ImportedTask:
        for task in self.tasks:
            if task.code == code:
                return task
        raise KeyError(f"plan {self.key} has no task {code!r}")
