"""The plan's own header: number (Số: …/KH-SNV), place and date of issue, title (KẾ HOẠCH …) and the
appendix heading (PHỤ LỤC … NĂM 2023, Kèm theo Kế hoạch số …)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from plan_import.model import ReportEntry
from plan_import.sources import PreambleLine
from plan_import.text import clean_cell, fold, quote

_NUMBER = re.compile(r"\bS[ốô]\s*:\s*([^\s,;]*)", re.IGNORECASE)
_DATE = re.compile(r"ngày\s*(\d{1,2})?\s*tháng\s*(\d{1,2})?\s*năm\s*(\d{4})", re.IGNORECASE)
_YEAR = re.compile(r"\bnăm\s+(\d{4})\b", re.IGNORECASE)
_ATTACHED_TO = re.compile(r"kèm theo kế hoạch số\s*([^\s,;)]*)", re.IGNORECASE)
# Lines after "KẾ HOẠCH" that may still belong to a title broken over lines.
_TITLE_LINES = 3


@dataclass
class PlanHeader:
    number: str = ""
    issue_date: date | None = None
    title: str = ""
    year: int | None = None
    appendix_title: str = ""
    appendix_year: int | None = None
    appendix_plan_number: str = ""
    report: list[ReportEntry] = field(default_factory=list)


def parse_header(preamble: list[PreambleLine]) -> PlanHeader:
    header = PlanHeader()
    cleaned = [clean_cell(line.text) for line in preamble]
    places = [line.place for line in preamble]
    title_at = next(
        (i for i, line in enumerate(cleaned) if fold(line).startswith("ke hoach")
         and not fold(line).startswith("ke hoach so")),
        None,
    )  # fmt: skip
    appendix_at = next(
        (i for i, line in enumerate(cleaned) if fold(line).startswith("phu luc")), None
    )
    _read_number(header, cleaned, places, title_at)
    _read_issue_date(header, cleaned, places, title_at)
    _read_title(header, cleaned, title_at)
    _read_appendix_heading(header, cleaned, appendix_at)
    return header


def _read_number(
    header: PlanHeader, lines: list[str], places: list[str], title_at: int | None
) -> None:
    end = title_at if title_at is not None else len(lines)
    for index, line in enumerate(lines[:end]):
        match = _NUMBER.search(line)
        if match is None:
            continue
        header.number = match.group(1)
        if not re.match(r"^\d", header.number):
            header.report.append(
                ReportEntry(
                    "warning",
                    places[index],
                    f"the plan's number is blank ({quote(match.group(0).strip())}): "
                    "fill it in when the plan is issued",
                )
            )
        return
    if lines and any(lines):
        header.report.append(
            ReportEntry("warning", "preamble", "no plan number (Số: …) found before the title")
        )


def _read_issue_date(
    header: PlanHeader, lines: list[str], places: list[str], title_at: int | None
) -> None:
    end = title_at if title_at is not None else len(lines)
    for index, line in enumerate(lines[:end]):
        match = _DATE.search(line)
        if match is None:
            continue
        day, month, year = match.groups()
        written = quote(match.group(0))
        if not day or not month:
            blank = " and ".join(
                part for part, value in (("day", day), ("month", month)) if not value
            )
            header.report.append(
                ReportEntry(
                    "warning",
                    places[index],
                    f"the date of issue has no {blank} ({written}): the plan has no issue date yet",
                )
            )
            return
        try:
            header.issue_date = date(int(year), int(month), int(day))
        except ValueError:
            header.report.append(
                ReportEntry("warning", places[index], f"the date of issue {written} is not a date")
            )
        return
    if lines and any(lines):
        header.report.append(
            ReportEntry("warning", "preamble", "no date of issue (ngày … tháng … năm …) found")
        )


def _read_title(header: PlanHeader, lines: list[str], title_at: int | None) -> None:
    if title_at is None:
        return
    first = lines[title_at]
    # "KẾ HOẠCH" alone on its line, the subject on the next; or both on one line.
    rest = first[len("KẾ HOẠCH") :].strip(" :-")
    parts = [rest] if rest else []
    if not parts or not _YEAR.search(rest):
        for line in lines[title_at + 1 : title_at + 1 + _TITLE_LINES]:
            if not line:
                if parts:
                    break
                continue
            parts.append(line)
            if _YEAR.search(line):
                break
    header.title = clean_cell(" ".join(parts))
    years = _YEAR.findall(header.title)
    if years:
        header.year = int(years[-1])


def _read_appendix_heading(header: PlanHeader, lines: list[str], appendix_at: int | None) -> None:
    if appendix_at is None:
        return
    following = [line for line in lines[appendix_at + 1 :] if line]
    for line in following[:_TITLE_LINES]:
        attached = _ATTACHED_TO.search(line)
        if attached is not None:
            header.appendix_plan_number = attached.group(1)
            continue
        if not header.appendix_title:
            header.appendix_title = line
            years = _YEAR.findall(line)
            if years:
                header.appendix_year = int(years[-1])
