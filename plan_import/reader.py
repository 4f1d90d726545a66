"""read_plan: a plan file in, the plan's tasks with their units and the report on the document out.

Pure: reads the file and the unit directory, writes nothing.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from plan_import.appendix import Appendix, RawTask, parse_appendix
from plan_import.columns import COORDINATING, DEADLINE, LEAD, NOTE, TITLE
from plan_import.header import PlanHeader, parse_header
from plan_import.model import ImportedPlan, ImportedTask, NewUnit, PlanImportError, ReportEntry
from plan_import.sources import PreambleLine, read_source
from plan_import.text import fold, quote, slug
from plan_import.units import BUNDLED_UNITS_FILE, CellUnits, UnitDirectory, load_unit_directory

MIN_YEAR, MAX_YEAR = 2000, 2100
_YEAR_IN_TEXT = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def read_plan(
    path: Path,
    *,
    year: int | None = None,
    directory: UnitDirectory | None = None,
    accept_new_units: bool = False,
) -> ImportedPlan:
    """Read a plan file (.txt/.md text form, .csv, .xlsx, .docx, by extension).

    `year` overrides the plan's year (a department reusing last year's plan); by default it is
    the year of the title ("… năm 2023"). Unit names the directory (default: the bundled one)
    does not know are errors, unless `accept_new_units` makes each a new unit (reported as a
    warning).
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
    if directory is None:
        directory = load_unit_directory(BUNDLED_UNITS_FILE)

    report: list[ReportEntry] = [*header.report, *document.notes, *appendix.report]
    plan_year = _plan_year(name, header, year, report)
    stated_year = header.year or header.appendix_year
    written_year = stated_year if stated_year is not None and stated_year != plan_year else None
    added_codes: set[str] = set()
    if accept_new_units:
        unknown = [
            part.text
            for raw in appendix.tasks
            for column in (LEAD, COORDINATING)
            for part in directory.read_cell(raw.cells[column]).parts
            if part.unknown is not None
        ]
        directory, added = directory.with_new_units(unknown)
        added_codes = {unit.code for unit in added}
    first_seen: dict[str, str] = {}
    tasks = [
        _task(raw, appendix, directory, report, written_year or plan_year, added_codes, first_seen)
        for raw in appendix.tasks
    ]
    new_units = [
        NewUnit(code, directory.get(code).name, where) for code, where in first_seen.items()
    ]
    _check_document_claims(appendix, header, plan_year, tasks, report)

    agency = directory.agency
    plan = ImportedPlan(
        key=_plan_key(agency.code, header, agency.name, agency.aliases, plan_year),
        number=header.number,
        agency_code=agency.code,
        agency_name=agency.name,
        year=plan_year,
        title=header.title,
        issue_date=header.issue_date,
        source_name=name,
        source_hash=hashlib.sha256(data).hexdigest(),
        stated_task_count=appendix.stated_task_count,
        tasks=[task for task in tasks if task is not None],
        report=report,
        new_units=new_units,
        written_year=written_year,
    )
    _check_agency(document.preamble, directory, report)
    if not header.title:
        report.append(
            ReportEntry(
                "warning",
                "title",
                f"no title (KẾ HOẠCH …) found before the table: the plan is keyed {plan.key!r}",
            )
        )
    return plan


def _plan_year(name: str, header: PlanHeader, year: int | None, report: list[ReportEntry]) -> int:
    stated = header.year or header.appendix_year
    if year is not None:
        if stated is not None and stated != year:
            report.append(
                ReportEntry(
                    "info",
                    "title",
                    f"imported as the plan of {year}; the document is the plan of {stated}: "
                    f"the years its deadlines name move by {year - stated:+d}",
                )
            )
        return year
    if stated is None:
        raise PlanImportError(
            name,
            "title",
            "no plan year: the file has no title with “năm YYYY”; give the year (--year)",
        )
    return stated


def _task(
    raw: RawTask,
    appendix: Appendix,
    directory: UnitDirectory,
    report: list[ReportEntry],
    plan_year: int,
    added_codes: set[str],
    first_seen: dict[str, str],
) -> ImportedTask | None:
    header = appendix.header

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
        other_years = sorted({int(y) for y in _YEAR_IN_TEXT.findall(deadline)} - {plan_year})
        if other_years:
            report.append(
                ReportEntry(
                    "warning",
                    where(DEADLINE),
                    f"the deadline {quote(deadline)} names "
                    f"{', '.join(map(str, other_years))}, not the plan's year {plan_year}",
                )
            )
    lead = directory.read_cell(raw.cells[LEAD])
    coordinating = directory.read_cell(raw.cells[COORDINATING])
    for cell, column in ((lead, LEAD), (coordinating, COORDINATING)):
        for unknown in cell.unknown:
            report.append(ReportEntry("error", where(column), str(unknown)))
            complete = False
        for part in cell.parts:
            if part.unit is not None and part.unit.code in added_codes:
                first_seen.setdefault(part.unit.code, where(column))
                report.append(
                    ReportEntry(
                        "warning",
                        where(column),
                        f"new unit {quote(part.text)} added as {part.unit.code!r}: add it to "
                        "the unit directory to keep it",
                    )
                )
        for phrase in cell.to_be_named:
            report.append(
                ReportEntry(
                    "warning",
                    where(column),
                    f"{quote(phrase)} names no unit: {directory.get(directory.coordinator).name} "
                    "must say which units are meant",
                )
            )
    lead_units, coordinating_units = _split_roles(lead, coordinating)
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
        unresolved_units=[*lead.to_be_named, *coordinating.to_be_named],
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


def _check_document_claims(
    appendix: Appendix,
    header: PlanHeader,
    plan_year: int,
    tasks: list[ImportedTask | None],
    report: list[ReportEntry],
) -> None:
    rows = len(tasks)
    if appendix.stated_task_count is not None and appendix.stated_task_count != rows:
        report.append(
            ReportEntry(
                "warning",
                appendix.total_place,
                f"the document says {appendix.stated_task_count} tasks "
                f"(“Tổng cộng: {appendix.stated_task_count} nhiệm vụ”) but its table has "
                f"{rows} task rows",
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
    report.append(
        ReportEntry(
            "info",
            "appendix",
            f"{rows} tasks in {len(appendix.sections)} sections for {plan_year}",
        )
    )


def _check_agency(
    preamble: list[PreambleLine], directory: UnitDirectory, report: list[ReportEntry]
) -> None:
    text = fold(" ".join(line.text for line in preamble))
    if not text.strip():
        return
    names = (directory.agency.name, *directory.agency.aliases)
    if not any(fold(name) in text for name in names):
        report.append(
            ReportEntry(
                "warning",
                "preamble",
                f"the document does not name {directory.agency.name}, the agency of the unit "
                "directory: is this its plan?",
            )
        )


def _plan_key(
    agency_code: str, header: PlanHeader, agency_name: str, aliases: tuple[str, ...], year: int
) -> str:
    """ "snv-binh-dinh-cchc-2023": the agency, the subject's initials, the year."""
    subject = header.title or header.appendix_title
    subject = re.sub(r"\bnăm\s+\d{4}\b.*$", "", subject, flags=re.IGNORECASE)
    subject = re.sub(r"^(?:các\s+)?nhiệm vụ\s+(?:công tác\s+)?", "", subject, flags=re.IGNORECASE)
    folded = fold(subject)
    for name in sorted((agency_name, *aliases), key=len, reverse=True):
        folded = folded.replace(fold(name), " ")
    initials = "".join(word[0] for word in re.findall(r"[a-z0-9]+", folded))
    return "-".join(part for part in (agency_code, slug(initials) or "ke-hoach", str(year)))
