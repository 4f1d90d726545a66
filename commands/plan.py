"""Verbs on the plan itself: import a plan file, list the stored tasks."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from models.tables import Plan, Task
from plan_import import ImportedPlan, ImportedTask, PlanImportError, ReportEntry, read_plan
from plan_import.units import UnitDirectory, UnitDirectoryError, load_unit_directory
from settings import get_settings
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

console = Console()
errors = Console(stderr=True)
LEVEL_STYLES = {"error": "bold red", "warning": "yellow", "info": "dim"}

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of tables.")
]


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
            help="Add unit names the directory does not know as new units (a warning each) "
            "instead of stopping.",
        ),
    ] = False,
) -> None:
    """Read a plan's appendix, report every inconsistency, and store its tasks.

    Errors stop the import and nothing is written; warnings are stored with the plan.
    Importing the same file again changes nothing; a changed file shows what changed.
    """
    settings = get_settings()
    directory = _directory(settings.units_file, as_json)
    try:
        imported = read_plan(
            file, year=year, directory=directory, accept_new_units=accept_new_units
        )
    except PlanImportError as error:
        where = f"{error.source}, {error.where}" if error.where else error.source
        _fail_with_report([ReportEntry("error", where, error.problem)], as_json)

    changes: PlanChanges | None = None
    if not imported.errors and not dry_run:
        url = settings.resolved_database_url()
        upgrade_schema(url)
        try:
            with session_scope(url) as session:
                changes = store_plan(
                    session,
                    imported=imported,
                    directory=directory,
                    accept_new_units=accept_new_units,
                )
        except PlanNotStorable as error:
            _fail_with_report(
                [*imported.report, ReportEntry("error", "database", str(error))], as_json
            )

    if as_json:
        _print_json(
            {
                **_document(imported),
                "stored": changes is not None,
                "changes": changes.as_dict() if changes else None,
            }
        )
    else:
        _print_plan(imported)
        _print_tasks(
            [_imported_task_fields(task) for task in imported.tasks], f"Tasks of {imported.key}"
        )
        _print_report(imported.report)
        if imported.errors:
            errors.print(
                f"[red]{len(imported.errors)} error(s): nothing was stored.[/red] "
                "Correct the file and import it again."
            )
        elif dry_run:
            console.print("Dry run: nothing was stored.")
        elif changes is not None:
            _print_changes(changes)
    if imported.errors:
        raise typer.Exit(code=1)


def tasks_command(
    plan: Annotated[
        str | None, typer.Option("--plan", help="Plan key (default: the plan imported last).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the stored tasks of a plan, with the warnings of its import."""
    url = get_settings().resolved_database_url()
    upgrade_schema(url)
    with session_scope(url) as session:
        stored = get_plan(session, plan) if plan else latest_plan(session)
        if stored is None:
            message = (
                f"no plan {plan!r} in the database"
                if plan
                else "no plan has been imported yet: run `scheduler.py import FILE`"
            )
            _fail(message, as_json)
        agency = get_agency(session, stored)
        tasks = [_stored_task_fields(task) for task in list_tasks(session, plan_key=stored.key)]
        plan_fields = _stored_plan_fields(stored, agency.code, agency.name, len(tasks))
        warnings = list(stored.warnings)
    if as_json:
        _print_json({"plan": plan_fields, "tasks": tasks, "report": warnings})
        return
    console.print(
        f"[bold]{plan_fields['title']}[/bold] ({plan_fields['key']}), imported from "
        f"{plan_fields['source_name']}"
    )
    _print_tasks(tasks, f"Tasks of {plan_fields['key']}")
    if warnings:
        _print_report([ReportEntry("warning", w["where"], w["message"]) for w in warnings])


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("tasks")(tasks_command)


def _directory(path: Path, as_json: bool) -> UnitDirectory:
    try:
        return load_unit_directory(path)
    except UnitDirectoryError as error:
        _fail_with_report([ReportEntry("error", str(path), str(error))], as_json)


def _fail(message: str, as_json: bool) -> NoReturn:
    if as_json:
        _print_json(
            {"plan": None, "tasks": [], "report": [ReportEntry("error", "", message).as_dict()]}
        )
    else:
        errors.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code=1)


def _fail_with_report(report: list[ReportEntry], as_json: bool) -> NoReturn:
    if as_json:
        _print_json(
            {
                "plan": None,
                "tasks": [],
                "report": [entry.as_dict() for entry in report],
                "stored": False,
                "changes": None,
            }
        )
    else:
        _print_report(report)
        errors.print("[red]Nothing was stored.[/red]")
    raise typer.Exit(code=1)


def _print_json(document: dict[str, Any]) -> None:
    # Plain print: Rich would wrap long lines and break the document.
    print(json.dumps(document, ensure_ascii=False, indent=2))


def _document(imported: ImportedPlan) -> dict[str, Any]:
    return {
        "plan": {
            "key": imported.key,
            "number": imported.number,
            "agency_code": imported.agency_code,
            "agency_name": imported.agency_name,
            "year": imported.year,
            "title": imported.title,
            "issue_date": imported.issue_date.isoformat() if imported.issue_date else None,
            "source_name": imported.source_name,
            "source_hash": imported.source_hash,
            "stated_task_count": imported.stated_task_count,
            "task_count": len(imported.tasks),
            "new_units": [
                {"code": u.code, "name": u.name, "where": u.where} for u in imported.new_units
            ],
        },
        "tasks": [_imported_task_fields(task) for task in imported.tasks],
        "report": [entry.as_dict() for entry in imported.report],
    }


def _imported_task_fields(task: ImportedTask) -> dict[str, Any]:
    return {
        "code": task.code,
        "section": task.section,
        "section_title": task.section_title,
        "row": task.row,
        "title": task.title,
        "lead_units": task.lead_units,
        "coordinating_units": task.coordinating_units,
        "unresolved_units": task.unresolved_units,
        "deadline_text": task.deadline_text,
        "note": task.note,
    }


def _stored_task_fields(task: Task) -> dict[str, Any]:
    return {
        "code": task.code,
        "section": task.section,
        "section_title": task.section_title,
        "row": task.row,
        "title": task.title,
        "lead_units": list(task.lead_units),
        "coordinating_units": list(task.coordinating_units),
        "unresolved_units": list(task.unresolved_units),
        "deadline_text": task.deadline_text,
        "note": task.note,
    }


def _stored_plan_fields(
    plan: Plan, agency_code: str, agency_name: str, task_count: int
) -> dict[str, Any]:
    return {
        "key": plan.key,
        "number": plan.number,
        "agency_code": agency_code,
        "agency_name": agency_name,
        "year": plan.year,
        "title": plan.title,
        "issue_date": plan.issue_date.isoformat() if plan.issue_date else None,
        "source_name": plan.source_name,
        "source_hash": plan.source_hash,
        "stated_task_count": plan.stated_task_count,
        "task_count": task_count,
        # SQLite gives the instant back without its zone; it was stored in UTC.
        "imported_at": (
            plan.imported_at if plan.imported_at.tzinfo else plan.imported_at.replace(tzinfo=UTC)
        ).isoformat(),
    }


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


def _print_tasks(tasks: list[dict[str, Any]], title: str) -> None:
    if not tasks:
        return
    table = Table(title=title, show_lines=False)
    table.add_column("code", no_wrap=True)
    table.add_column("task")
    table.add_column("lead")
    table.add_column("coordinating")
    table.add_column("deadline")
    for task in tasks:
        coordinating = Text(", ".join(task["coordinating_units"]))
        for phrase in task["unresolved_units"]:
            coordinating.append(("\n" if coordinating else "") + f"? {phrase}", style="yellow")
        table.add_row(
            task["code"],
            task["title"],
            ", ".join(task["lead_units"]),
            coordinating,
            task["deadline_text"],
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
