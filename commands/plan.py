"""Verbs on the plan itself: import a plan file, list the stored tasks."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel, ConfigDict
from rich.table import Table
from rich.text import Text

from commands.corrections import SetOption, UntilOption, corrections_of, print_cells_to_check
from commands.output import ExitCode, JsonOption, console, errors, fail, print_json
from plan_import import (
    CellToCheck,
    ImportedPlan,
    NewUnit,
    PlanImportError,
    ReportEntry,
    read_plan,
)
from plan_import.units import UnitDirectory, UnitDirectoryError, load_unit_directory
from settings import get_settings
from storage.agencies import UnknownAgency, agency_of_code
from storage.db import session_scope, upgrade_schema
from storage.plans import (
    PlanChanges,
    PlanNotStorable,
    get_agency,
    get_plan,
    latest_plan,
    list_tasks,
    store_plan,
)

LEVEL_STYLES = {"error": "bold red", "warning": "yellow", "info": "dim"}
# `tasks` shows what is stored, running or not.
StoredPlanOption = Annotated[
    str | None, typer.Option("--plan", help="Plan key (default: the plan imported last).")
]


class TaskFields(BaseModel):
    """A task's fields from the document, as read or as stored."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    section: str
    section_title: str
    row: int
    title: str
    lead_units: list[str]
    coordinating_units: list[str]
    unresolved_units: list[str]
    deadline_text: str
    note: str
    corrections: list[dict[str, str]] = []


class PlanFields(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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
    task_count: int


class ImportedPlanFields(PlanFields):
    new_units: list[NewUnit]


class StoredPlanFields(PlanFields):
    imported_at: str


class ImportDocument(BaseModel):
    """`import --json`: the plan as read, its tasks, the report, and what storing changed."""

    plan: ImportedPlanFields | None
    tasks: list[TaskFields]
    report: list[ReportEntry]
    # The refused and doubtful cells, each correctable in place with --set.
    cells_to_check: list[CellToCheck] = []
    stored: bool
    changes: PlanChanges | None


class TasksDocument(BaseModel):
    """`tasks --json`: the stored plan, its tasks and the warnings of its import."""

    plan: StoredPlanFields | None
    tasks: list[TaskFields]
    report: list[ReportEntry]


def import_command(
    file: Annotated[
        Path, typer.Argument(help="The plan: .txt/.md (text form), .csv, .xlsx or .docx.")
    ],
    year: Annotated[
        int | None, typer.Option(help="The plan's year (default: the year in its title).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and report only; store nothing.")
    ] = False,
    as_json: JsonOption = False,
    accept_new_units: Annotated[
        bool,
        typer.Option(
            "--accept-new-units",
            help="Read names close to a known unit as new units too (names nobody knows are "
            "always recorded as new, for the coordinator to confirm).",
        ),
    ] = False,
    corrected: SetOption = None,
    until: UntilOption = None,
) -> None:
    """Read a plan's appendix, report every inconsistency, and store its tasks.

    Errors stop the import and nothing is written; warnings are stored with the plan. A cell
    refused or misread is corrected in place with --set, the file staying as issued.
    Importing the same file again changes nothing; a changed file shows what changed.
    """
    settings = get_settings()
    directory = _directory(settings.units_file, as_json)
    corrections = corrections_of(corrected)
    try:
        imported = read_plan(
            file,
            year=year,
            directory=directory,
            accept_new_units=accept_new_units,
            agencies_dir=settings.agencies_dir,
            until=until,
            corrections=corrections,
        )
    except PlanImportError as error:
        where = f"{error.source}, {error.where}" if error.where else error.source
        raise _nothing_stored([ReportEntry("error", where, error.problem)], as_json) from error

    changes: PlanChanges | None = None
    if not imported.errors and not dry_run:
        url = settings.resolved_database_url()
        upgrade_schema(url)
        try:
            with session_scope(url) as session:
                changes = store_plan(session, imported=imported, directory=directory)
        except PlanNotStorable as error:
            report = [*imported.report, ReportEntry("error", "database", str(error))]
            raise _nothing_stored(report, as_json) from error

    tasks = [TaskFields.model_validate(task) for task in imported.tasks]
    if as_json:
        print_json(
            ImportDocument(
                plan=ImportedPlanFields.model_validate(imported),
                tasks=tasks,
                report=imported.report,
                cells_to_check=imported.cells_to_check,
                stored=changes is not None,
                changes=changes,
            ),
            indent=2,
        )
    else:
        _print_plan(imported)
        _print_tasks(tasks, f"Tasks of {imported.key}")
        _print_report(imported.report)
        print_cells_to_check(imported.cells_to_check)
        if imported.errors:
            errors.print(
                f"[red]{len(imported.errors)} error(s): nothing was stored.[/red] "
                "Correct each cell in place (--set TASK:FIELD=TEXT, listed above) and import "
                "again: the file stays as issued."
            )
        elif dry_run:
            console.print("Dry run: nothing was stored.")
        elif changes is not None:
            _print_changes(changes)
    if imported.errors:
        raise typer.Exit(code=ExitCode.FAILED)


def tasks_command(
    plan: StoredPlanOption = None,
    agency_code: Annotated[
        str | None,
        typer.Option("--agency", help="Agency code: its plan imported last (or --plan's)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the stored tasks of a plan, with the warnings of its import."""
    url = get_settings().resolved_database_url()
    upgrade_schema(url)
    with session_scope(url) as session:
        try:
            of_agency = agency_of_code(session, agency_code) if agency_code else None
        except UnknownAgency as error:
            raise fail(str(error), code=ExitCode.USAGE) from error
        agency_id = of_agency.id if of_agency is not None else None
        if plan:
            stored = get_plan(session, plan)
            if stored is not None and agency_id is not None and stored.agency_id != agency_id:
                owner = get_agency(session, stored).code
                raise fail(f"plan {plan} is of agency {owner}, not {agency_code}")
        else:
            stored = latest_plan(session, agency_id=agency_id)
        if stored is None:
            message = (
                f"no plan {plan!r} in the database"
                if plan
                else "no plan has been imported yet: run `scheduler.py import FILE`"
            )
            empty = TasksDocument(plan=None, tasks=[], report=[ReportEntry("error", "", message)])
            raise fail(message, document=empty if as_json else None)
        agency = get_agency(session, stored)
        tasks = [
            TaskFields.model_validate(task) for task in list_tasks(session, plan_key=stored.key)
        ]
        document = TasksDocument(
            plan=StoredPlanFields.model_validate(
                {
                    **stored.model_dump(),
                    "agency_code": agency.code,
                    "agency_name": agency.name,
                    "task_count": len(tasks),
                    "imported_at": stored.imported_at.isoformat(),
                }
            ),
            tasks=tasks,
            report=stored.warnings,
        )
    if as_json:
        print_json(document, indent=2)
        return
    assert document.plan is not None
    console.print(
        f"[bold]{document.plan.title}[/bold] ({document.plan.key}), imported from "
        f"{document.plan.source_name}"
    )
    _print_tasks(tasks, f"Tasks of {document.plan.key}")
    _print_report(document.report)


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("tasks")(tasks_command)


def _directory(path: Path, as_json: bool) -> UnitDirectory:
    try:
        return load_unit_directory(path)
    except UnitDirectoryError as error:
        raise _nothing_stored([ReportEntry("error", str(path), str(error))], as_json) from error


def _nothing_stored(report: list[ReportEntry], as_json: bool) -> typer.Exit:
    if as_json:
        empty = ImportDocument(plan=None, tasks=[], report=report, stored=False, changes=None)
        return fail(document=empty)
    _print_report(report)
    return fail("Nothing was stored.")


def _print_plan(imported: ImportedPlan) -> None:
    issued = imported.issue_date.strftime("%d/%m/%Y") if imported.issue_date else "not dated"
    console.print(
        f"[bold]{imported.title or 'Untitled plan'}[/bold] — {imported.agency_name}, "
        f"Số: {imported.number or '—'}, {issued}",
        highlight=False,
    )
    console.print(
        f"Key {imported.key}, year {imported.year}, {len(imported.tasks)} tasks read from "
        f"{imported.source_name}",
        highlight=False,
    )


def _print_tasks(tasks: list[TaskFields], title: str) -> None:
    if not tasks:
        return
    table = Table(title=title, show_lines=False)
    table.add_column("code", no_wrap=True)
    table.add_column("task")
    table.add_column("lead")
    table.add_column("coordinating")
    table.add_column("deadline")
    for task in tasks:
        coordinating = Text(", ".join(task.coordinating_units))
        for phrase in task.unresolved_units:
            coordinating.append(("\n" if coordinating else "") + f"? {phrase}", style="yellow")
        table.add_row(
            task.code, task.title, ", ".join(task.lead_units), coordinating, task.deadline_text
        )
    console.print(table)


def _print_report(report: list[ReportEntry]) -> None:
    if not report:
        return
    table = Table(title="Import report")
    table.add_column("level", no_wrap=True)
    table.add_column("where")
    table.add_column("message")
    for entry in report:
        table.add_row(
            Text(entry.level, style=LEVEL_STYLES[entry.level]), entry.where, entry.message
        )
    console.print(table)


def _print_changes(changes: PlanChanges) -> None:
    for kept in changes.leads_kept:
        for change in kept.fields:
            console.print(
                f"  {kept.code}: the file names lead {', '.join(change.new)}; the engine's lead "
                f"{', '.join(change.old)} stays (`reassign` changes it)",
                highlight=False,
            )
    if changes.unchanged:
        console.print(f"{changes.plan_key} is stored already: nothing changed.")
        return
    if changes.created:
        console.print(
            f"Stored {changes.plan_key}: {len(changes.tasks_added)} tasks, "
            f"{len(changes.units_added)} units added."
        )
        return
    console.print(f"Updated {changes.plan_key}:")
    for label, codes in (
        ("tasks added", changes.tasks_added),
        ("tasks removed", changes.tasks_removed),
        ("units added", changes.units_added),
        ("units changed", changes.units_changed),
    ):
        if codes:
            console.print(f"  {label}: {', '.join(codes)}")
    for change in changes.plan_fields:
        if change.field not in ("warnings", "source_hash"):
            console.print(
                f"  plan {change.field}: {change.old!r} → {change.new!r}", highlight=False
            )
    for task_change in changes.tasks_changed:
        for field_change in task_change.fields:
            console.print(
                f"  {task_change.code} {field_change.field}: {field_change.old!r} → "
                f"{field_change.new!r}",
                highlight=False,
            )
