"""Cells corrected in place: the coordinator's reading of a cell the importer refused or
doubted ("II.42:deadline=Quý IV/2025"), applied to the table before it is read, so that the
official document's file stays as issued. The CLI (`--set`) and the web import flow both go
through here; the original text and the correction, with who made it and when, stay with the
task."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from plan_import.appendix import Appendix, RawTask
from plan_import.columns import COORDINATING, DEADLINE, LEAD, TITLE
from plan_import.model import CellToCheck, ReportEntry
from plan_import.text import clean_cell, quote

# The cells a correction may name, by the word the coordinator writes.
FIELDS = {"deadline": DEADLINE, "lead": LEAD, "coordinating": COORDINATING, "title": TITLE}
_SPEC = re.compile(r"^\s*(?P<task>[^:=\s]+)\s*:\s*(?P<field>[a-z]+)\s*=(?P<text>.*)$", re.DOTALL)


class CorrectionError(ValueError):
    """A correction written wrong: the message says what is expected."""


@dataclass(frozen=True)
class Correction:
    """The coordinator's reading of one cell: task code, field, the text to read instead."""

    task: str
    field: str
    text: str
    by: str = ""
    # ISO instant, UTC.
    at: str = ""

    @property
    def spec(self) -> str:
        return f"{self.task}:{self.field}={self.text}"


@dataclass(frozen=True)
class CellCorrection:
    """A cell as the document wrote it and as the coordinator corrected it, kept with the task."""

    field: str
    original: str
    corrected: str
    by: str
    at: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def parse_correction(spec: str, *, by: str, at: datetime) -> Correction:
    """ "II.42:deadline=Quý IV/2025" (also lead=, coordinating=, title=)."""
    match = _SPEC.match(spec)
    if match is None:
        raise CorrectionError(
            f"{quote(spec)} is not a correction: write TASK:FIELD=TEXT, e.g. "
            "'II.42:deadline=Quý IV/2025' (fields: " + ", ".join(FIELDS) + ")"
        )
    field = match.group("field")
    if field not in FIELDS:
        raise CorrectionError(
            f"{quote(spec)}: {field!r} is no cell a correction can name ({', '.join(FIELDS)})"
        )
    text = clean_cell(match.group("text"))
    if field in {"deadline", "lead", "title"} and not text:
        raise CorrectionError(f"{quote(spec)}: the {field} cannot be corrected to nothing")
    return Correction(match.group("task").strip(), field, text, by, at.isoformat())


def parse_corrections(specs: Sequence[str], *, by: str, at: datetime) -> list[Correction]:
    """Every correction, the last one for a cell winning; raises CorrectionError for one
    written wrong."""
    read = [parse_correction(spec, by=by, at=at) for spec in specs]
    latest = {(c.task, c.field): c for c in read}
    return list(latest.values())


def apply_corrections(
    tasks: Sequence[RawTask],
    corrections: Sequence[Correction],
    report: list[ReportEntry],
) -> dict[str, list[CellCorrection]]:
    """Put each correction in its cell; what each task's cells were and became, by task code.
    A correction naming no task of the table is an error (nothing is stored)."""
    by_code = {task.code: task for task in tasks}
    done: dict[str, list[CellCorrection]] = {}
    for correction in corrections:
        task = by_code.get(correction.task)
        if task is None:
            report.append(
                ReportEntry(
                    "error",
                    f"correction {quote(correction.spec)}",
                    f"the table has no task {correction.task}: nothing corrected",
                )
            )
            continue
        column = FIELDS[correction.field]
        original = task.cells[column]
        task.cells[column] = correction.text
        if column in task.inherited:
            task.inherited.remove(column)
        done.setdefault(task.code, []).append(
            CellCorrection(
                correction.field, original, correction.text, correction.by, correction.at
            )
        )
        report.append(
            ReportEntry(
                "info",
                f"{task.place} ({task.code})",
                f"the {correction.field} {quote(original) if original else '(empty)'} read as "
                f"{quote(correction.text)}: corrected by {correction.by or 'the coordinator'}",
            )
        )
    return done


def cells_to_check(appendix: Appendix, report: Sequence[ReportEntry]) -> list[CellToCheck]:
    """The cells the report refuses or doubts, each with its task, field and text: what the
    coordinator can correct in place. A name recorded as new is no doubt about its cell."""
    cells: dict[str, tuple[str, str, str, str]] = {}
    for raw in appendix.tasks:
        for field_name, column in FIELDS.items():
            where = f"{raw.place} ({raw.code}), column {quote(appendix.header.name_of(column))}"
            cells[where] = (raw.code, field_name, raw.cells[column], raw.place)
    found: list[CellToCheck] = []
    for entry in report:
        cell = cells.get(entry.where)
        if cell is None or entry.level == "info":
            continue
        if entry.message.startswith(("new unit", "new group")):
            continue
        task, field_name, text, row = cell
        found.append(
            CellToCheck(task, field_name, text, entry.level, entry.where, entry.message, row)
        )
    return found
