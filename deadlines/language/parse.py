"""The entry point of the deadline language: one cell read into its milestones, in order."""

from __future__ import annotations

import re

from deadlines.folding import fold, tidy
from deadlines.language.parts import labelled_parts
from deadlines.language.periodic import cadences_in_title
from deadlines.language.tokens import Unreadable
from deadlines.language.value import Value, read_value
from deadlines.language.vocabulary import DeadlineRefused, MilestoneKind, MilestoneSpec


def parse_deadline(
    text: str, *, year: int, task_title: str = "", last_year: int | None = None
) -> list[MilestoneSpec]:
    """Read a deadline cell into milestones, in the order written.

    `year` is the plan's (first) year: it dates periods written without one ("Tháng 5",
    "quý 2"). `last_year` is the last year of a plan that runs over several ("giai đoạn
    2025–2030"); a year a deadline names must lie within the plan's reach (see `check_year`).
    `task_title` matters for one case: a task that is itself a periodic report ("Thực hiện
    chế độ báo cáo định kỳ (quý, 6 tháng, năm)") with "Cả năm" or "Thường xuyên" as its
    deadline is the series of those reports.

    Raises DeadlineRefused (never another exception) for a text it cannot read.
    """
    if not isinstance(text, str):
        raise DeadlineRefused(repr(text), "the deadline is not text")
    cleaned = tidy(text)
    if not cleaned:
        raise DeadlineRefused(text, "the deadline is empty")
    folded = fold(cleaned)
    try:
        values: list[Value] = []
        for label, part, part_fold in labelled_parts(
            cleaned, folded, year=year, last_year=last_year
        ):
            for read in read_value(part, part_fold, year=year, last_year=last_year):
                if label and read.label:
                    read.label = f"{label} ({read.label})"
                elif label:
                    read.label = label
                values.append(read)
        if not values:
            # Only separators (";", "-"): nothing that says when.
            raise Unreadable("the deadline names no time")
        if len(values) > 1:
            for value in values:
                value.label = value.label or value.text
        _apply_title(values, task_title)
    except Unreadable as unreadable:
        raise DeadlineRefused(text, unreadable.reason) from None
    return [
        MilestoneSpec(
            order=order,
            label=value.label,
            kind=value.kind,
            text=value.text,
            event_key=value.event_key,
            event_phrase=value.event_phrase,
            period=value.period,
            cadences=value.cadences,
            report=value.report,
            allowance=value.allowance,
            note=value.note,
            vague=value.vague,
            monthly_day=value.monthly_day,
            before_day=value.before_day,
        )
        for order, value in enumerate(values, start=1)
    ]


def _apply_title(values: list[Value], task_title: str) -> None:
    title = tidy(task_title) if task_title else ""
    title_fold = fold(title)
    title_cadences = cadences_in_title(title_fold, title)
    names_report = bool(re.search(r"\bbao\s*cao\b", title_fold))
    for value in values:
        if value.kind is MilestoneKind.PERIODIC:
            if not value.cadences:
                if not title_cadences:
                    raise Unreadable("'định kỳ' (periodic) names no period: monthly, quarterly…?")
                value.cadences = title_cadences
            value.report = value.report or names_report
        elif (
            len(values) == 1
            and title_cadences
            and (
                value.kind is MilestoneKind.ALL_YEAR
                or (value.kind is MilestoneKind.ONGOING and value.period is None)
            )
        ):
            value.kind = MilestoneKind.PERIODIC
            value.cadences = title_cadences
            value.report = True
            value.period = None
