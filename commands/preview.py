"""`scheduler.py preview FILE`: every task's milestones and the whole schedule of reminders,
check-ins, escalations and nudges, before anything runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from commands.corrections import SetOption, UntilOption, corrections_of
from commands.output import ExitCode, JsonOption, console, errors, fail, print_json
from control.plan_preview import preview_imported
from control.refusal_words import deadline_reason, history_detail
from deadlines import CalendarDataError, PolicyError
from deadlines.local_time import in_vietnam, local_display
from deadlines.policy import DeadlinePolicy
from deadlines.preview import (
    Preview,
    PreviewedMilestone,
    TaskDeadline,
    awaited_events,
    preview_document,
    unit_calendars,
)
from deadlines.schedule import ScheduledStep
from deadlines.steps import StepAudience
from plan_import import ImportedPlan, PlanImportError, read_plan
from plan_import.units import UnitDirectory, UnitDirectoryError, load_unit_directory
from settings import Settings, get_settings
from web.words import words

# Steps that repeat (weekly escalations, monthly nudges) are shown to people as one line.
REPEATING_NOTES = ("still overdue", "still waiting")


def preview_command(
    file: Annotated[
        Path, typer.Argument(help="The plan: .txt/.md (text form), .csv, .xlsx or .docx.")
    ],
    as_json: JsonOption = False,
    policy_file: Annotated[
        Path | None,
        typer.Option(
            "--policy", help="A policy file laid over the defaults (default: NHACHAN_POLICY_FILE)."
        ),
    ] = None,
    year: Annotated[
        int | None, typer.Option(help="The plan's year (default: the year in its title).")
    ] = None,
    ics: Annotated[
        Path | None,
        typer.Option(
            "--ics",
            help="Also write one iCalendar file per unit into this directory (Outlook, Google).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="As for import; a preview never stores anything.")
    ] = False,
    accept_new_units: Annotated[
        bool,
        typer.Option(
            "--accept-new-units",
            help="As for import: names close to a known unit are read as new units.",
        ),
    ] = False,
    corrected: SetOption = None,
    until: UntilOption = None,
) -> None:
    """Show every task's milestones and its whole schedule of reminders and escalations.

    Instants are Vietnam time. A deadline the engine cannot read is listed with the reason, and
    the command then exits with status 1: such a plan cannot be started.
    """
    settings = get_settings()
    home = _directory(settings.units_file, as_json)
    corrections = corrections_of(corrected)
    try:
        imported = read_plan(
            file,
            year=year,
            directory=home,
            accept_new_units=accept_new_units,
            agencies_dir=settings.agencies_dir,
            until=until,
            corrections=corrections,
        )
    except PlanImportError as error:
        raise _fail([str(error)], as_json) from error
    # Unreadable deadlines are listed with the preview's own refusals, below.
    errors = [e for e in imported.errors if e not in imported.unreadable_deadlines]
    if errors:
        raise _fail([f"{e.where}: {e.message}" for e in errors], as_json)
    directory = imported.directory or home

    policy_path = policy_file or settings.policy_file
    try:
        policy_for = _policies(settings, policy_path)
        preview = preview_imported(settings, imported, home, policy_for=policy_for)
    except (PolicyError, CalendarDataError) as error:
        raise _fail([str(error)], as_json) from error

    written: list[Path] = []
    if ics is not None:
        written = _write_calendars(preview, imported, directory, ics, as_json)
    if as_json:
        print_json(preview_document(preview, plan_key=imported.key), indent=2)
    else:
        _print_preview(preview, imported, directory)
        for path in written:
            console.print(f"wrote {path}")
    if preview.refused:
        raise typer.Exit(code=ExitCode.FAILED)


def register(app: typer.Typer) -> None:
    app.command("preview")(preview_command)


# ----------------------------------------------------------------------------- inputs


def _policies(settings: Settings, path: Path) -> Callable[[str], DeadlinePolicy]:
    settings.policy(path=path)  # every task override is checked here, before any is planned

    def policy_for(task_code: str) -> DeadlinePolicy:
        return settings.policy(task_code, path=path)

    return policy_for


def _directory(path: Path, as_json: bool) -> UnitDirectory:
    try:
        return load_unit_directory(path)
    except UnitDirectoryError as error:
        raise _fail([str(error)], as_json) from error


def _fail(messages: list[str], as_json: bool) -> typer.Exit:
    document = {"tasks": [], "refused": [], "errors": messages} if as_json else None
    return fail(*messages, document=document)


def _write_calendars(
    preview: Preview,
    imported: ImportedPlan,
    directory: UnitDirectory,
    target: Path,
    as_json: bool,
) -> list[Path]:
    names = {unit.code: unit.name for unit in directory.units}
    files = unit_calendars(preview, plan_key=imported.key, unit_names=names)
    try:
        target.mkdir(parents=True, exist_ok=True)
        written = []
        for unit, content in files.items():
            path = target / f"{unit}.ics"
            path.write_bytes(content)
            written.append(path)
    except OSError as error:
        message = f"{target}: cannot write the calendars ({error.strerror})"
        raise _fail([message], as_json) from error
    return written


# ----------------------------------------------------------------------------- for people
# In Vietnamese, with the web's words for kinds, steps and audiences (web/words.yaml) and the
# engine's notes as the task page says them (control/refusal_words.py).


def _unit_names(directory: UnitDirectory, codes: list[str]) -> str:
    if not codes:
        return "chưa khai báo"
    names = []
    for code in codes:
        try:
            names.append(directory.get(code).label)
        except LookupError:
            names.append(code)
    return ", ".join(names)


def _print_preview(preview: Preview, imported: ImportedPlan, directory: UnitDirectory) -> None:
    years = f"{preview.year}–{preview.last_year}" if preview.last_year else str(preview.year)
    console.print(f"[bold]{imported.title or imported.key}[/bold] ({imported.key}, {years})")
    coordinator = [preview.coordinator] if preview.coordinator else []
    leadership = [preview.leadership] if preview.leadership else []
    console.print(
        f"Đơn vị điều phối: {_unit_names(directory, coordinator)}; "
        f"lãnh đạo: {_unit_names(directory, leadership)}",
        highlight=False,
    )
    for previewed in preview.tasks:
        task = previewed.task
        console.print()
        console.rule(f"[bold]{task.code}[/bold] {task.title}", align="left")
        console.print(f"Thời hạn: {task.deadline_text}", highlight=False)
        console.print(
            f"Chủ trì: {_unit_names(directory, list(task.lead_units)) or '-'}", highlight=False
        )
        table = Table(show_header=True, header_style="bold", expand=False)
        for column in ("Mốc", "Thời điểm", "Bước", "Gửi đến"):
            table.add_column(column, no_wrap=column == "Thời điểm")
        for pm in previewed.milestones:
            _add_milestone_rows(table, preview, task, pm)
        console.print(table)
    events = awaited_events(preview)
    if events:
        console.print()
        console.rule(
            "[bold]Các sự kiện kế hoạch chờ[/bold] (ghi nhận bằng scheduler.py event KEY)",
            align="left",
        )
        table = Table(show_header=True, header_style="bold")
        for column in ("Mã sự kiện", "Loại mốc", "Nhiệm vụ"):
            table.add_column(column)
        kinds_said = words()["milestone_kinds"]
        for key, (kinds, tasks) in events.items():
            table.add_row(key, ", ".join(kinds_said.get(k, k) for k in kinds), ", ".join(tasks))
        console.print(table)
    if preview.refused:
        console.print()
        console.rule("[bold red]Thời hạn không đọc được[/bold red]", align="left")
        for refusal in preview.refused:
            errors.print(
                f"[red]{refusal.code}[/red]: “{refusal.text}” ({deadline_reason(refusal.reason)})",
                highlight=False,
            )
        errors.print(
            f"[red]{len(preview.refused)} thời hạn không đọc được: kế hoạch chỉ khởi động được "
            "khi các thời hạn này được viết lại (--set MÃ:deadline=...).[/red]"
        )


def _milestone_cell(pm: PreviewedMilestone) -> str:
    m = pm.milestone
    kind = words()["milestone_kinds"].get(m.kind.value, m.kind.value)
    lines = [f"{m.key} {m.label}".strip(), kind]
    if m.due is not None:
        lines.append(f"hạn {local_display(m.due)}")
    if m.event_key is not None:
        lines.append(f"chờ sự kiện {m.event_key}")
    if m.evidence_hint:
        lines.append(m.evidence_hint)
    return "\n".join(lines)


def _to(preview: Preview, task: TaskDeadline, audience: str) -> str:
    if not audience:
        return ""
    units = preview.recipients(task, StepAudience(audience))
    said = words()["audiences"].get(audience, audience)
    if len(units) > 2:
        return f"{said}: {len(units)} đơn vị"
    return f"{said}: {', '.join(units) or '-'}"


def _add_milestone_rows(
    table: Table, preview: Preview, task: TaskDeadline, pm: PreviewedMilestone
) -> None:
    rows = _collapsed(pm.steps) or [("", "(chưa có bước nào)", "")]
    for i, (when, what, audience) in enumerate(rows):
        table.add_row(
            _milestone_cell(pm) if i == 0 else "", when, what, _to(preview, task, audience)
        )
    table.add_section()


def _collapsed(steps: list[ScheduledStep]) -> list[tuple[str, str, str]]:
    """(when, what, audience) rows; a run of repeats is one row with its first and last day."""
    steps_said = words()["steps"]
    rows: list[tuple[str, str, str]] = []
    runs: dict[tuple[str, str], list[ScheduledStep]] = {}
    for step in steps:
        if step.note.startswith(REPEATING_NOTES):
            runs.setdefault((step.action, step.audience), []).append(step)
        else:
            what = f"{steps_said.get(step.action, step.action)}: {history_detail(step.note)}"
            rows.append((local_display(step.at), what, step.audience))
    for (action, audience), run in runs.items():
        how_often = "hằng tuần" if action == "escalation" else "hằng tháng"
        first, last = (in_vietnam(s.at).format("DD/MM/YYYY") for s in (run[0], run[-1]))
        what = f"{steps_said.get(action, action)}: {how_often}, {len(run)} lần"
        rows.append((f"{first} - {last}", what, audience))
    return rows
