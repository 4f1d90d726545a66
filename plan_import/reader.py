"""read_plan: a plan file in, the plan's tasks with their units and the report on the document out.

Pure: reads the file, the unit directories and the usual bodies, writes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from plan_import.agency import (
    BUNDLED_AGENCIES_DIR,
    check_codes_apart,
    directory_for,
    load_agency_directories,
    named_agency,
)
from plan_import.appendix import Appendix, RawTask, parse_appendix
from plan_import.bodies import BUNDLED_BODIES_FILE, KnownBodies, KnownBody, load_known_bodies
from plan_import.columns import COORDINATING, DEADLINE, LEAD, NOTE, TITLE
from plan_import.corrections import Correction, apply_corrections, cells_to_check
from plan_import.deadline_cells import check_deadline_years, read_deadline
from plan_import.header import PlanHeader, parse_header
from plan_import.model import (
    ImportedPlan,
    ImportedTask,
    NewUnit,
    PlanImportError,
    ReportEntry,
)
from plan_import.sources import read_source
from plan_import.text import fold, quote, slug
from plan_import.units import (
    BUNDLED_UNITS_FILE,
    AgencyEntry,
    CellUnits,
    UnitDirectory,
    UnitEntry,
    UnitGroup,
    load_unit_directory,
)
from plan_import.years import MAX_YEAR, MIN_YEAR, PlanYears, plan_years

# Words of a title that say nothing of its subject, left out of the plan's key.
_KEY_STOPWORDS = {"cua", "ve", "va", "cac", "cho", "tai", "trong", "theo", "voi", "nhung", "la"}
_KEY_INITIALS = 8


@lru_cache(maxsize=4)
def _known_bodies(path: Path) -> KnownBodies:
    return load_known_bodies(path)


def read_plan(
    path: Path,
    *,
    year: int | None = None,
    directory: UnitDirectory | None = None,
    accept_new_units: bool = False,
    agencies_dir: Path | None = None,
    bodies: KnownBodies | None = None,
    until: int | None = None,
    corrections: Sequence[Correction] = (),
) -> ImportedPlan:
    """Read a plan file (.txt/.md text form, .csv, .xlsx, .docx, by extension).

    The plan belongs to the agency its document names, read with that agency's unit directory:
    `directory` (default: the bundled one) or one of `agencies_dir`'s; an agency with none gets
    a new one, its units recorded as new. `year` runs a plan written for one year in another;
    by default the plan's years come from its title, date of issue and deadlines, and `until`
    sets the last (`--until`). `corrections` are the coordinator's readings of cells, put in
    place of the document's before the table is read (`plan_import.corrections`). Names close to
    one of the agency's own units are errors, unless `accept_new_units` makes each a new unit.
    Raises PlanImportError when the file cannot be read as a plan at all.
    """
    name = path.name
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise PlanImportError(name, "year", f"{year} is not a plan year ({MIN_YEAR}–{MAX_YEAR})")
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise PlanImportError(str(path), "", "no such file") from error
    except OSError as error:
        raise PlanImportError(str(path), "", f"cannot read the file ({error.strerror})") from error
    document = read_source(path, data)
    appendix = parse_appendix(document.rows, name)
    header = parse_header(document.preamble)
    known = bodies if bodies is not None else _known_bodies(BUNDLED_BODIES_FILE)
    home = replace(directory or load_unit_directory(BUNDLED_UNITS_FILE), known=known)
    others = [
        d
        for d in load_agency_directories(agencies_dir or BUNDLED_AGENCIES_DIR, known)
        if d.agency.code != home.agency.code
    ]
    check_codes_apart([home, *others])

    report: list[ReportEntry] = [*header.report, *document.notes, *appendix.report]
    corrected = apply_corrections(appendix.tasks, corrections, report)
    agency_directory = directory_for(named_agency(header, known), [home, *others], known, report)
    deadlines = [raw.cells[DEADLINE] for raw in appendix.tasks]
    years = plan_years(name, header, deadlines, year, report, until)
    reading = _Units.read(appendix, agency_directory, accept_new_units, header.issue_date)
    unreadable: list[ReportEntry] = []
    tasks = [_task(raw, appendix, reading, years, report, unreadable) for raw in appendix.tasks]
    for task in tasks:
        if task is not None:
            task.corrections = [c.as_dict() for c in corrected.get(task.code, [])]
    _check_document_claims(appendix, header, years, tasks, report)

    agency = reading.directory.agency
    plan = ImportedPlan(
        key=_plan_key(agency, header, years),
        number=header.number,
        agency_code=agency.code,
        agency_name=agency.name,
        year=years.first,
        title=header.title,
        issue_date=header.issue_date,
        source_name=name,
        source_hash=hashlib.sha256(data).hexdigest(),
        stated_task_count=appendix.stated_task_count,
        tasks=[task for task in tasks if task is not None],
        report=report,
        new_units=reading.new_units,
        written_year=years.written,
        last_year=years.last if years.several else None,
        directory=reading.directory,
        unreadable_deadlines=unreadable,
        cells_to_check=cells_to_check(appendix, report),
    )
    if not header.title:
        report.append(
            ReportEntry(
                "warning",
                "title",
                f"no title (KẾ HOẠCH …) found before the table: the plan is keyed {plan.key!r}",
            )
        )
    return plan


# ----------------------------------------------------------------------------- units


@dataclass
class _Units:
    """The agency's directory with the names the plan adds, and where each was first seen."""

    directory: UnitDirectory
    added: set[str]
    accept_new_units: bool
    issued: date | None = None
    new_units: list[NewUnit] = field(default_factory=list)

    @classmethod
    def read(
        cls,
        appendix: Appendix,
        directory: UnitDirectory,
        accept_new_units: bool,
        issued: date | None,
    ) -> _Units:
        names = [
            new
            for raw in appendix.tasks
            for column in (LEAD, COORDINATING)
            for new in directory.read_cell(raw.cells[column], accept_new_units=accept_new_units).new
        ]
        extended, added = directory.with_new(names)
        return cls(extended, {entry.code for entry in added}, accept_new_units, issued)

    def cell(self, text: str) -> CellUnits:
        return self.directory.read_cell(text, accept_new_units=self.accept_new_units)

    def note_new(self, cell: CellUnits, where: str, report: list[ReportEntry]) -> None:
        """One report line for each name the plan adds, where it is first seen."""
        seen = {unit.code for unit in self.new_units}
        for part in cell.parts:
            entry: UnitEntry | UnitGroup | None = part.unit or part.group
            if entry is None or entry.code not in self.added or entry.code in seen:
                continue
            seen.add(entry.code)
            file = self._file()
            if isinstance(entry, UnitEntry):
                self.new_units.append(NewUnit(entry.code, entry.name, where, "unit"))
                report.append(
                    ReportEntry(
                        "warning",
                        where,
                        f"new unit {quote(part.text)} recorded as {entry.code!r}"
                        f"{_as_named(part.text, entry.name)} for the coordinator to confirm: "
                        f"add it to the unit directory ({file}) to keep it",
                    )
                )
                self._note_merged(part.text, where, report)
            elif entry.to_be_named:
                # Which units it means depends on the task: each place says so (below).
                self.new_units.append(NewUnit(entry.code, entry.name, where, "group"))
            else:
                self.new_units.append(NewUnit(entry.code, entry.name, where, "group"))
                report.append(
                    ReportEntry(
                        "warning",
                        where,
                        f"new group {quote(part.text)} recorded as {entry.code!r}"
                        f"{_as_named(part.text, entry.name)}: reminded as one until the "
                        f"coordinator maps it to its members in the unit directory ({file})",
                    )
                )

    def _note_merged(self, written: str, where: str, report: list[ReportEntry]) -> None:
        """A body the 2025 reorganisation merged away, named by a plan issued after it."""
        known = self.directory.known
        body = known.find(written) if known is not None else None
        issued = self.issued
        if not isinstance(body, KnownBody) or not body.until or issued is None:
            return
        if issued.isoformat() > body.until:
            successor = known.body(body.merged_into) if known and body.merged_into else None
            into = f", merged into {successor.name}" if successor else ""
            report.append(
                ReportEntry(
                    "info",
                    where,
                    f"{quote(written)} ended on {body.until}{into}; the plan, dated "
                    f"{issued:%d/%m/%Y}, names it still",
                )
            )

    def _file(self) -> str:
        directory = self.directory
        if directory.source is not None:
            return directory.source.name
        return f"data/agencies/{directory.agency.code}.yaml"

    def coordinator_name(self) -> str:
        directory = self.directory
        if not directory.has_roles:
            return "the coordinator"
        return directory.get(directory.coordinator).name


def _as_named(written: str, name: str) -> str:
    return f" ({name})" if fold(written) != fold(name) else ""


# ----------------------------------------------------------------------------- tasks


def _task(
    raw: RawTask,
    appendix: Appendix,
    units: _Units,
    years: PlanYears,
    report: list[ReportEntry],
    unreadable: list[ReportEntry],
) -> ImportedTask | None:
    if raw.heads_subtasks:
        return None
    header = appendix.header
    issued = units.issued

    def where(column: str) -> str:
        return f"{raw.place} ({raw.code}), column {quote(header.name_of(column))}"

    title = raw.cells[TITLE]
    deadline = raw.cells[DEADLINE]
    complete = True
    if not title:
        report.append(ReportEntry("error", where(TITLE), f"task {raw.code} has no title"))
        complete = False
    if not deadline:
        report.append(ReportEntry("error", where(DEADLINE), f"task {raw.code} has no deadline"))
        complete = False
    else:
        check_deadline_years(deadline, years, where(DEADLINE), report, issued)
        refusal = read_deadline(raw, title, deadline, years, where(DEADLINE), report)
        if refusal is not None:
            report.append(refusal)
            unreadable.append(refusal)
    lead = units.cell(raw.cells[LEAD])
    coordinating = units.cell(raw.cells[COORDINATING])
    for cell, column in ((lead, LEAD), (coordinating, COORDINATING)):
        units.note_new(cell, where(column), report)
        for unknown in cell.unknown:
            report.append(ReportEntry("error", where(column), str(unknown)))
            complete = False
        for new in cell.new:
            # Every new name was added before the tasks are read: none may be left unread.
            report.append(
                ReportEntry("error", where(column), f"{quote(new.written)} could not be read")
            )
            complete = False
        for part in cell.parts:
            entry = part.unit or part.group
            if part.loosely and entry is not None:
                report.append(
                    ReportEntry(
                        "info",
                        where(column),
                        f"{quote(part.text)} read as {entry.name} ({entry.code}): the same name "
                        "with its separators written otherwise",
                    )
                )
        for clause in cell.clauses:
            report.append(
                ReportEntry(
                    "warning",
                    where(column),
                    f"{quote(clause)} follows a unit's name and names no unit: cut off",
                )
            )
        for fragment in cell.no_unit:
            report.append(
                ReportEntry(
                    "warning",
                    where(column),
                    f"{quote(fragment)} names no unit (words cut off or left over in the "
                    "document): kept for the coordinator to read",
                )
            )
        if column == COORDINATING or lead.named or lead.expanded:
            for phrase in cell.to_be_named:
                report.append(
                    ReportEntry(
                        "warning",
                        where(column),
                        f"{quote(phrase)} names no unit: {units.coordinator_name()} must say "
                        "which units are meant",
                    )
                )
    lead_units, coordinating_units = _split_roles(lead, coordinating)
    unresolved = [*coordinating.to_be_named, *lead.no_unit, *coordinating.no_unit]
    if lead_units:
        unresolved = [*lead.to_be_named, *unresolved]
    elif lead.to_be_named_groups:
        # "Các bộ, ngành liên quan" leads: the group is reminded until units are named.
        lead_units = lead.to_be_named_groups
        for phrase in lead.to_be_named:
            report.append(
                ReportEntry(
                    "warning",
                    where(LEAD),
                    f"{quote(phrase)} leads {raw.code} but names no unit: it is reminded as a "
                    f"group ({', '.join(lead_units)}) until {units.coordinator_name()} names "
                    "the units",
                )
            )
    if not raw.cells[LEAD]:
        report.append(ReportEntry("error", where(LEAD), f"task {raw.code} has no lead unit"))
        complete = False
    elif not lead_units and not lead.unknown:
        report.append(
            ReportEntry(
                "error",
                where(LEAD),
                f"task {raw.code} has no lead unit that can be reminded: "
                f"{quote(raw.cells[LEAD])} names no unit",
            )
        )
        complete = False
    both = [code for code in lead.named if code in coordinating.named]
    if both:
        report.append(
            ReportEntry(
                "warning",
                where(COORDINATING),
                f"{', '.join(both)} named as both lead and coordinating unit: kept as lead",
            )
        )
    if not complete:
        return None
    return ImportedTask(
        code=raw.code,
        section=raw.section,
        section_title=raw.section_title,
        row=raw.stt,
        title=title,
        lead_units=lead_units,
        coordinating_units=coordinating_units,
        unresolved_units=unresolved,
        deadline_text=deadline,
        note=raw.cells[NOTE],
        source_line=raw.line,
    )


def _split_roles(lead: CellUnits, coordinating: CellUnits) -> tuple[list[str], list[str]]:
    """Who leads and who coordinates; a unit is never both.

    A unit the document names one by one keeps the role it is named with, even when a group in
    the other column includes it ("Các đơn vị thuộc, trực thuộc Sở" lead, "Văn phòng Sở"
    coordinating: the office coordinates). Named in both columns, it leads.
    """
    named_lead = lead.named
    named_coordinating = [c for c in coordinating.named if c not in named_lead]
    from_groups = [c for c in lead.expanded if c not in named_lead and c not in named_coordinating]
    if not named_lead and not from_groups:
        # The coordinating column names every member of the lead group: the group still leads.
        from_groups = lead.expanded
    lead_units = [*named_lead, *from_groups]
    coordinating_units = [
        *[c for c in named_coordinating if c not in lead_units],
        *[c for c in coordinating.expanded if c not in lead_units and c not in named_coordinating],
    ]
    return lead_units, coordinating_units


# ----------------------------------------------------------------------------- the document


def _check_document_claims(
    appendix: Appendix,
    header: PlanHeader,
    years: PlanYears,
    tasks: list[ImportedTask | None],
    report: list[ReportEntry],
) -> None:
    numbered = len([raw for raw in appendix.tasks if raw.parent is None])
    if appendix.stated_task_count is not None and appendix.stated_task_count != numbered:
        report.append(
            ReportEntry(
                "warning",
                appendix.total_place,
                f"the document says {appendix.stated_task_count} tasks "
                f"(“Tổng cộng: {appendix.stated_task_count} nhiệm vụ”) but its table has "
                f"{numbered} task rows",
            )
        )
    if header.year and header.appendix_year and header.year != header.appendix_year:
        report.append(
            ReportEntry(
                "warning",
                "appendix heading",
                f"the appendix is for {header.appendix_year}, the plan's title for {header.year}",
            )
        )
    own = header.number.split("/")[0]
    attached = header.appendix_plan_number.split("/")[0]
    if own.isdigit() and attached.isdigit() and own != attached:
        report.append(
            ReportEntry(
                "warning",
                "appendix heading",
                f"the appendix is attached to plan {header.appendix_plan_number}, the plan's "
                f"number is {header.number}",
            )
        )
    rows = len(tasks)
    subtasks = len([raw for raw in appendix.tasks if raw.parent is not None])
    of_which = f" ({subtasks} of them sub-tasks)" if subtasks else ""
    report.append(
        ReportEntry(
            "info",
            "appendix",
            f"{rows} tasks{of_which} in {len(appendix.sections)} sections for {years.label}",
        )
    )


def _plan_key(agency: AgencyEntry, header: PlanHeader, years: PlanYears) -> str:
    """ "snv-binh-dinh-cchc-2023": the agency, the subject's initials, the year(s), and the
    number the plan was issued under when it has one ("…-2025-2030-03")."""
    subject = header.title or header.appendix_title
    subject = re.sub(r"\bnăm\s+\d{4}\b.*$", "", subject, flags=re.IGNORECASE)
    subject = re.sub(
        r"ngày\s*\d{0,2}\s*tháng\s*\d{0,2}\s*năm\s*\d{4}|\bsố\s*\S+", " ", subject, flags=re.I
    )
    subject = re.sub(r"^(?:các\s+)?nhiệm vụ\s+(?:công tác\s+)?", "", subject, flags=re.IGNORECASE)
    subject = re.sub(r"^ban hành\s+", "", subject, flags=re.IGNORECASE)
    folded = fold(subject)
    for name in sorted((agency.name, *agency.aliases), key=len, reverse=True):
        folded = folded.replace(fold(name), " ")
    words = [w for w in re.findall(r"[a-z0-9]+", folded) if w not in _KEY_STOPWORDS]
    initials = "".join(word[0] for word in words)[:_KEY_INITIALS]
    year = f"{years.first}-{years.last}" if years.several else str(years.first)
    number = re.match(r"\d+", header.number)
    parts = [agency.code, slug(initials) or "ke-hoach", year, number.group() if number else ""]
    return "-".join(part for part in parts if part)
