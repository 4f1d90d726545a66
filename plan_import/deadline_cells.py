"""A task's deadline cell as the importer checks it: read as the engine will read it (an
unreadable one is an error, one set outside the plan by no named document a warning), and the
years it names against the plan's."""

from __future__ import annotations

from datetime import date

from deadlines import DeadlineRefused, parse_deadline
from plan_import.appendix import RawTask
from plan_import.model import ReportEntry
from plan_import.text import quote
from plan_import.years import YEAR_IN_TEXT, PlanYears

# A plan issued from this month on is issued late in its year: its work runs into the next.
LATE_ISSUE_MONTH = 10


def check_deadline_years(
    deadline: str, years: PlanYears, where: str, report: list[ReportEntry], issued: date | None
) -> None:
    """Years a deadline names outside the plan's: a plan of one year names the next now and
    then (a warning to look at); a plan of several, years beyond its own (at most info). A plan
    issued late in its year names the first months after it as a matter of course."""
    own = (
        range(years.written, years.written + 1)
        if years.written
        else range(years.first, years.last + 1)
    )
    other = sorted({int(y) for y in YEAR_IN_TEXT.findall(deadline)} - set(own))
    if not other:
        return
    if _early_next_year(deadline, own, other, issued):
        return
    named = ", ".join(map(str, other))
    if len(own) == 1:
        report.append(
            ReportEntry(
                "warning",
                where,
                f"the deadline {quote(deadline)} names {named}, not the plan's year {own[0]}",
            )
        )
    else:
        report.append(
            ReportEntry(
                "info",
                where,
                f"the deadline {quote(deadline)} names {named}, outside the plan's years "
                f"{own[0]}–{own[-1]}",
            )
        )


def _early_next_year(deadline: str, own: range, other: list[int], issued: date | None) -> bool:
    """A plan of one year issued in its last quarter whose deadline falls in the first half of
    the next year: "Tháng 01/2026" in a plan of 2025 issued on 20/11/2025 is right as written."""
    if issued is None or len(own) != 1 or other != [own[0] + 1]:
        return False
    if issued.year != own[0] or issued.month < LATE_ISSUE_MONTH:
        return False
    try:
        specs = parse_deadline(deadline, year=own[0])
    except DeadlineRefused:
        return False
    ends = [spec.period.end for spec in specs if spec.period is not None]
    return bool(ends) and all(end <= date(own[0] + 1, 6, 30) for end in ends)


def read_deadline(
    raw: RawTask,
    title: str,
    deadline: str,
    years: PlanYears,
    where: str,
    report: list[ReportEntry],
) -> ReportEntry | None:
    """Reads the deadline as the engine will: unreadable is an error (returned: nothing can
    start), set outside the plan by a document it does not name a warning (reported)."""
    try:
        specs = parse_deadline(
            deadline,
            year=years.written or years.first,
            task_title=title,
            last_year=None if years.written else years.last,
        )
    except DeadlineRefused as refused:
        return ReportEntry(
            "error",
            where,
            f"the deadline {quote(deadline)} of {raw.code} cannot be read: {refused.reason}",
        )
    for spec in specs:
        if spec.vague:
            report.append(
                ReportEntry(
                    "warning",
                    where,
                    f"the deadline {quote(deadline)} of {raw.code} is set outside the plan by "
                    f"{quote(spec.event_phrase)}, which names no document: the coordinator "
                    "enters the date when it is known (scheduler.py event … --due)",
                )
            )
    return None
