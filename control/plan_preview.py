"""A plan read from its file, previewed before anything starts: every task's milestones and
schedule, as the engine will plan them. The CLI's `preview` and the web's import page both
preview here, with the directory of the agency the document names."""

from __future__ import annotations

from collections.abc import Callable

from deadlines import DeadlinePolicy
from deadlines.preview import Preview, TaskDeadline, preview_plan
from plan_import import ImportedPlan, ImportedTask
from plan_import.units import UnitDirectory
from settings import Settings


def task_deadline(task: ImportedTask) -> TaskDeadline:
    """What the preview needs of an imported task."""
    return TaskDeadline(
        code=task.code,
        title=task.title,
        deadline_text=task.deadline_text,
        lead_units=tuple(task.lead_units),
        coordinating_units=tuple(task.coordinating_units),
    )


def preview_imported(
    settings: Settings,
    imported: ImportedPlan,
    home: UnitDirectory,
    *,
    policy_for: Callable[[str], DeadlinePolicy] | None = None,
) -> Preview:
    """The preview of `imported`, with the coordinator and leadership of the agency it names
    (`home`'s when it names none); an agency with no coordinator or leadership configured is
    previewed without them (its escalations name nobody yet). Raises PolicyError and
    CalendarDataError as the deadline code does."""
    directory = imported.directory or home
    return preview_plan(
        (task_deadline(t) for t in imported.tasks),
        year=imported.year,
        calendar=settings.working_calendar(imported.year),
        policy_for=policy_for or settings.policy,
        coordinator=directory.coordinator if directory.has_roles else "",
        leadership=directory.leadership if directory.has_roles else "",
        written_year=imported.written_year,
        last_year=imported.last_year,
    )
