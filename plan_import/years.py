"""The years a plan runs over, from its title, its date of issue and its deadlines together: one
year ("… năm 2023"), several ("giai đoạn 2025–2030", "đến năm 2030"), or, with no year in the
title, from the year of issue to the last year its deadlines name. A plan of one year may be run
in another (`--year`: a copy of last year's plan); a plan of several runs in its own."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta

from deadlines.language.fixed import NAMED_YEARS_AFTER_PLAN
from plan_import.header import PlanHeader, TitleYears
from plan_import.model import PlanImportError, ReportEntry

MIN_YEAR, MAX_YEAR = 2000, 2100
YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


@dataclass(frozen=True)
class PlanYears:
    first: int
    last: int
    # The year the document was written for, when it runs in another (`--year`); its deadlines'
    # years move with it.
    written: int | None = None

    @property
    def several(self) -> bool:
        return self.last > self.first

    def __contains__(self, year: object) -> bool:
        return isinstance(year, int) and self.first <= year <= self.last

    @property
    def label(self) -> str:
        return f"{self.first}–{self.last}" if self.several else str(self.first)


def named_years(deadlines: Iterable[str]) -> list[int]:
    return sorted({int(y) for text in deadlines for y in YEAR_IN_TEXT.findall(text)})


def plan_years(
    source: str,
    header: PlanHeader,
    deadlines: list[str],
    year: int | None,
    report: list[ReportEntry],
    until: int | None = None,
) -> PlanYears:
    """The plan's years; `year` is the `--year` option, `until` the `--until` one (the last
    year, where the document names none or the coordinator wants another). Raises
    PlanImportError when nothing says which year the plan is of."""
    for option, value in (("year", year), ("until", until)):
        if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
            raise PlanImportError(
                source, option, f"{value} is not a plan year ({MIN_YEAR}–{MAX_YEAR})"
            )
    years = _plan_years(source, header, deadlines, year, report)
    if until is not None:
        if until < years.first:
            raise PlanImportError(
                source, "until", f"--until {until} is before the plan's first year {years.first}"
            )
        report.append(
            ReportEntry(
                "info",
                "title",
                f"the plan runs {years.first}–{until} as the coordinator set it (--until "
                f"{until}); the document alone reads {years.label}",
            )
        )
        return replace(years, last=until)
    stated = header.title_years or header.appendix_years
    issued = header.issue_date
    if stated is None and issued is not None and years.written is None:
        # No end year in the document: the work it sets runs a year at least, not the few weeks
        # left of the year a plan issued in November has.
        year_on = issued + timedelta(days=364)
        if year_on.year > years.last:
            report.append(
                ReportEntry(
                    "info",
                    "title",
                    f"the document names no end year: its ongoing and yearly work runs to "
                    f"31/12/{year_on.year}, at least twelve months from its date of issue "
                    f"({issued:%d/%m/%Y}); --until YEAR sets another end",
                )
            )
            return replace(years, last=year_on.year)
    return years


def _plan_years(
    source: str,
    header: PlanHeader,
    deadlines: list[str],
    year: int | None,
    report: list[ReportEntry],
) -> PlanYears:
    stated = header.title_years or header.appendix_years
    named = named_years(deadlines)
    found = _from_document(stated, header, named)
    if found is None:
        if year is None:
            raise PlanImportError(
                source,
                "title",
                "no plan year: the file has no title with “năm YYYY” and no date of issue; "
                "give the year (--year)",
            )
        return PlanYears(year, _last_named(year, named))
    first, last, how = found
    if how:
        report.append(ReportEntry("info", "title", how))
    if year is None or year == first:
        return PlanYears(first, last)
    if last > first:
        report.append(
            ReportEntry(
                "error",
                "title",
                f"the plan runs over {first}–{last}: its deadlines name its own years, which "
                f"--year {year} cannot move (--year moves a plan written for one year)",
            )
        )
        return PlanYears(first, last)
    report.append(
        ReportEntry(
            "info",
            "title",
            f"imported as the plan of {year}; the document is the plan of {first}: "
            f"the years its deadlines name move by {year - first:+d}",
        )
    )
    return PlanYears(year, year, written=first)


def _from_document(
    stated: TitleYears | None, header: PlanHeader, named: list[int]
) -> tuple[int, int, str] | None:
    """(first, last, how it was worked out when the title alone does not say)."""
    issued = header.issue_date
    if stated is not None and stated.first is not None:
        return stated.first, stated.last, ""
    if stated is not None:
        # "… đến năm 2030": from the year of issue (or the first year a deadline names).
        start = issued.year if issued else next((y for y in named if y <= stated.last), None)
        if start is None or start > stated.last:
            return None
        source = f"its date of issue ({issued:%d/%m/%Y})" if issued else "its first deadline"
        return (
            start,
            stated.last,
            (
                f"the plan runs {start}–{stated.last}: its title names the end (“đến năm "
                f"{stated.last}”), the start is {source}"
            ),
        )
    if issued is None:
        return None
    first = issued.year
    if first + 1 in named and not any(y <= first for y in named):
        # Issued late in the year before ("ngày 28 tháng 12 năm 2022") for the year its
        # deadlines all name.
        first += 1
    last = _last_named(first, named)
    if last == first:
        return (
            first,
            first,
            (
                f"the plan is of {first}: no year in its title; its date of issue "
                f"({issued:%d/%m/%Y}) and its deadlines say so"
            ),
        )
    return (
        first,
        last,
        (
            f"the plan runs {first}–{last}: no year in its title; from its date of issue "
            f"({issued:%d/%m/%Y}) to the last year its deadlines name ({last})"
        ),
    )


def _last_named(first: int, named: list[int]) -> int:
    """The last year the deadlines name within reach of the plan (a slip such as "2203" is the
    deadline's own error, not the plan's end)."""
    reach = [y for y in named if first <= y <= first + NAMED_YEARS_AFTER_PLAN]
    return max([first, *reach])
