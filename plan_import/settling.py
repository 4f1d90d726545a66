"""The appendix's rows settled once the whole table is read: a sub-section's number in its
rows' codes where they are numbered anew under it, a sub-task's cells taken from its task, rows
repeated, and the numbering checked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plan_import.columns import COORDINATING, DEADLINE, LEAD, TITLE
from plan_import.model import ReportEntry
from plan_import.text import fold, quote

if TYPE_CHECKING:
    from plan_import.appendix import RawTask

# What a sub-task takes from its task when its own cell is empty.
_INHERITED = (LEAD, COORDINATING, DEADLINE)


def settle_subsections(tasks: list[RawTask]) -> None:
    """A sub-section's number prefixes its rows' codes only when the rows are numbered anew
    under each sub-section (1, 2 under III.1, 1, 2 under III.2); rows numbered on across the
    section keep their section's codes (III.5), the headings being headings of their own."""
    by_section: dict[str, list[RawTask]] = {}
    for task in tasks:
        if task.parent is None:
            by_section.setdefault(task.section, []).append(task)
    for rows in by_section.values():
        numbers = [task.stt for task in rows if not task.subsection]
        if len(set(numbers)) < len(numbers):
            for task in rows:
                task.subsection = task.subsection or task.under


def settle_subtasks(tasks: list[RawTask], report: list[ReportEntry]) -> None:
    """A sub-task takes its task's lead, coordinating units and deadline where its own cells are
    empty; a task with no deadline whose sub-tasks each have one is their heading, not a task."""
    parents: dict[int, list[RawTask]] = {}
    for task in tasks:
        if task.parent is not None:
            parents.setdefault(id(task.parent), []).append(task)
    for task in tasks:
        subtasks = parents.get(id(task))
        if not subtasks:
            continue
        for subtask in subtasks:
            subtask.inherited = [c for c in _INHERITED if not subtask.cells[c] and task.cells[c]]
            for column in subtask.inherited:
                subtask.cells[column] = task.cells[column]
        codes = ", ".join(subtask.code for subtask in subtasks)
        if not task.cells[DEADLINE] and all(subtask.cells[DEADLINE] for subtask in subtasks):
            task.heads_subtasks = True
            report.append(
                ReportEntry(
                    "info",
                    task.place,
                    f"{task.code} has sub-tasks {codes}, each with its own deadline: "
                    f"{task.code} is their heading, not a task of its own",
                )
            )
        else:
            report.append(
                ReportEntry(
                    "info",
                    task.place,
                    f"{task.code} has sub-tasks {codes}: each is a task of its own",
                )
            )
        for subtask in subtasks:
            own = [c for c in _INHERITED if c not in subtask.inherited and subtask.cells[c]]
            said = []
            if own:
                said.append("its own " + ", ".join(_WORDS[c] for c in own))
            if subtask.inherited:
                said.append(f"the {', '.join(_WORDS[c] for c in subtask.inherited)} of {task.code}")
            carries = " and ".join(said) or "no lead or deadline"
            report.append(
                ReportEntry(
                    "info", subtask.place, f"{subtask.code}: a sub-task of {task.code} ({carries})"
                )
            )


_WORDS = {LEAD: "lead", COORDINATING: "coordinating units", DEADLINE: "deadline"}


def drop_repeated_rows(tasks: list[RawTask], report: list[ReportEntry]) -> list[RawTask]:
    kept: dict[str, RawTask] = {}
    result: list[RawTask] = []
    titles: dict[str, RawTask] = {}
    for task in tasks:
        first = kept.get(task.code)
        if first is not None:
            same = all(fold(first.cells[c]) == fold(task.cells[c]) for c in task.cells)
            if same:
                report.append(
                    ReportEntry(
                        "warning",
                        task.place,
                        f"the row repeats {task.code} at {first.place} word for word: read once",
                    )
                )
            else:
                report.append(
                    ReportEntry(
                        "error",
                        task.place,
                        f"two different rows are numbered {task.code}: this one and the one at "
                        f"{first.place}",
                    )
                )
            continue
        kept[task.code] = task
        title_key = fold(task.cells[TITLE])
        earlier = titles.get(title_key)
        if title_key and earlier is not None:
            report.append(
                ReportEntry(
                    "warning",
                    task.place,
                    f"{task.code} has the same task as {earlier.code} ({earlier.place}): "
                    f"{quote(task.cells[TITLE])}",
                )
            )
        titles.setdefault(title_key, task)
        result.append(task)
    return result


def check_sequence(tasks: list[RawTask], report: list[ReportEntry]) -> None:
    """Rows are numbered 1, 2, 3 … in each section, or on across sections (1–13 in I, 14–42 in
    II): both are usual; anything else is out of sequence."""
    previous: dict[str, int] = {}
    last_number = 0
    for task in tasks:
        before = previous.get(task.subsection or task.section, 0)
        expected = {before + 1} if before else {1, last_number + 1}
        if task.stt not in expected:
            where = f"section {task.section}" if task.section else "the table"
            if before:
                message = (
                    f"rows out of sequence: STT {task.stt} follows STT {before} in {where}, "
                    f"expected {before + 1}"
                )
            else:
                message = f"{where} starts at STT {task.stt}, expected 1"
                if last_number:
                    message += f" (or {last_number + 1}, numbering on from the section before)"
            report.append(ReportEntry("warning", task.place, message))
        previous[task.subsection or task.section] = task.stt
        last_number = task.stt
