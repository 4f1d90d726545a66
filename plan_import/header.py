"""The plan's own header: the letterhead (who issues it), its number (Số: …/KH-SNV), place and
date of issue, the kind and title (KẾ HOẠCH …, NGHỊ QUYẾT …) and the appendix heading (PHỤ LỤC …,
"Kèm theo Kế hoạch số … của …")."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from plan_import.model import ReportEntry
from plan_import.sources import PreambleLine
from plan_import.text import clean_cell, fold, quote

_NUMBER = re.compile(r"\bS[ốô]\s*:\s*([^\s,;]*)", re.IGNORECASE)
_DATE = re.compile(r"ngày\s*(\d{1,2})?\s*tháng\s*(\d{1,2})?\s*năm\s*(\d{4})", re.IGNORECASE)
# The kinds of document whose appendix is a table of tasks; the title follows the kind.
_KIND = re.compile(
    r"^(kế hoạch|nghị quyết|quyết định|chương trình|đề án|chỉ thị|phương án)\b", re.IGNORECASE
)
# "Kèm theo Kế hoạch số 123/KH-SNV ngày … của Sở Nội vụ tỉnh Bình Định", and the same for a
# programme, resolution or decision.
_ATTACHED = re.compile(r"kèm theo\b(?P<rest>.*)$", re.IGNORECASE)
_ATTACHED_NUMBER = re.compile(r"\bsố\s*(?P<number>[^\s,;)]*)", re.IGNORECASE)
_ATTACHED_OF = re.compile(r"\bcủa\s+(?P<of>[^()]+?)\s*\)?\s*$", re.IGNORECASE)
# The national motto the letterhead sets beside the issuer's name.
_MOTTO = re.compile(
    r"c[ộo]ng h[òoà]a x[ãa] h[ộo]i ch[ủu] ngh[ĩi]a vi[ệe]t nam|"
    r"đ[ộo]c l[ậa]p\s*[-–]\s*t[ựu] do\s*[-–]\s*h[ạa]nh ph[úu]c",
    re.IGNORECASE,
)
# Lines after the kind that may still belong to a title broken over lines.
_TITLE_LINES = 3


@dataclass(frozen=True)
class TitleYears:
    """The years a title names: one ("năm 2023"), a range ("giai đoạn 2025–2030"), or an end
    with no start ("đến năm 2030": `first` is None)."""

    first: int | None
    last: int

    @property
    def several(self) -> bool:
        return self.first is None or self.last > self.first


@dataclass
class PlanHeader:
    number: str = ""
    issue_date: date | None = None
    kind: str = ""
    title: str = ""
    title_years: TitleYears | None = None
    appendix_title: str = ""
    appendix_years: TitleYears | None = None
    appendix_plan_number: str = ""
    appendix_plan_date: date | None = None
    # The agency the appendix heading says the plan is of: "… của Sở Nội vụ tỉnh Bình Định)".
    attached_of: str = ""
    attached_where: str = ""
    # The letterhead's lines (the issuer and the body above it), the motto taken out.
    letterhead: list[tuple[str, str]] = field(default_factory=list)
    report: list[ReportEntry] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        """The one year the title names ("… năm 2023"); None for none or several."""
        years = self.title_years
        return years.last if years is not None and not years.several else None

    @property
    def appendix_year(self) -> int | None:
        years = self.appendix_years
        return years.last if years is not None and not years.several else None


def parse_header(preamble: list[PreambleLine]) -> PlanHeader:
    header = PlanHeader()
    cleaned = [clean_cell(line.text) for line in preamble]
    places = [line.place for line in preamble]
    title_at = next((i for i, line in enumerate(cleaned) if _is_title(line)), None)
    appendix_at = next(
        (i for i, line in enumerate(cleaned) if fold(line).startswith("phu luc")), None
    )
    _read_number(header, cleaned, places, title_at)
    _read_issue_date(header, cleaned, places, title_at)
    _read_letterhead(header, cleaned, places, title_at)
    _read_title(header, cleaned, title_at)
    _read_appendix_heading(header, cleaned, places, appendix_at)
    _number_and_date_from_attached(header)
    return header


def _number_and_date_from_attached(header: PlanHeader) -> None:
    """An appendix without its letterhead: the "Kèm theo Công văn số … ngày … của …" line names
    the document's number and date, which the plan is known by."""
    place = header.attached_where or "appendix heading"
    taken: list[str] = []
    if not header.number and re.match(r"^\d", header.appendix_plan_number):
        header.number = header.appendix_plan_number
        taken.append(f"number {header.number}")
        header.report = [e for e in header.report if not e.message.startswith("no plan number")]
    if header.issue_date is None and header.appendix_plan_date is not None:
        header.issue_date = header.appendix_plan_date
        taken.append(f"date {header.issue_date:%d/%m/%Y}")
        header.report = [e for e in header.report if not e.message.startswith("no date of issue")]
    if taken:
        header.report.append(
            ReportEntry(
                "info",
                place,
                f"no letterhead: the plan's {' and '.join(taken)} read from the line "
                "“Kèm theo … số … ngày …”",
            )
        )


def _is_title(line: str) -> bool:
    match = _KIND.match(line)
    if match is None:
        return False
    rest = line[match.end() :].strip(" :-")
    if fold(rest).startswith("so"):
        return False  # "Kế hoạch số 12/KH-UBND …" is a reference, not the title
    kind = match.group(1)
    # The kind stands in capitals, or alone on its line; a plan's own "Kế hoạch …" also counts.
    return kind.isupper() or not rest or fold(kind) == "ke hoach"


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


def _read_letterhead(
    header: PlanHeader, lines: list[str], places: list[str], title_at: int | None
) -> None:
    """The lines in capitals above the number, the date and the title: "UBND TỈNH BÌNH ĐỊNH",
    "SỞ NỘI VỤ" (a Word letterhead may set both in one cell, and the motto beside them)."""
    end = title_at if title_at is not None else len(lines)
    for index, line in enumerate(lines[:end]):
        if _NUMBER.search(line) or _DATE.search(line):
            break
        text = clean_cell(_MOTTO.sub(" ", unicodedata.normalize("NFC", line))).strip(" -")
        letters = [c for c in text if c.isalpha()]
        if letters and sum(c.isupper() for c in letters) >= 0.8 * len(letters):
            header.letterhead.append((places[index], text))


def _read_title(header: PlanHeader, lines: list[str], title_at: int | None) -> None:
    if title_at is None:
        return
    first = lines[title_at]
    kind = _KIND.match(first)
    assert kind is not None
    header.kind = kind.group(1).upper()
    # The kind alone on its line, the subject on the next; or both on one line.
    rest = first[kind.end() :].strip(" :-")
    parts = [rest] if rest else []
    if not parts or title_years(rest) is None:
        for line in lines[title_at + 1 : title_at + 1 + _TITLE_LINES]:
            if not line:
                if parts:
                    break
                continue
            if _ATTACHED.search(line) or fold(line).startswith(("phu luc", "can cu")):
                break
            parts.append(line)
            if title_years(line) is not None:
                break
    header.title = clean_cell(" ".join(parts))
    header.title_years = title_years(header.title)


def _read_appendix_heading(
    header: PlanHeader, lines: list[str], places: list[str], appendix_at: int | None
) -> None:
    if appendix_at is None:
        return
    following = [(i, line) for i, line in enumerate(lines) if i > appendix_at and line]
    for index, line in following[:_TITLE_LINES]:
        attached = _ATTACHED.search(line)
        if attached is not None:
            rest = attached.group("rest")
            number = _ATTACHED_NUMBER.search(rest)
            if number is not None:
                header.appendix_plan_number = number.group("number").rstrip(".")
            header.appendix_plan_date = _attached_date(rest)
            of = _ATTACHED_OF.search(rest)
            if of is not None:
                header.attached_of = clean_cell(of.group("of")).rstrip(" .)")
                header.attached_where = places[index]
            continue
        if not header.appendix_title:
            header.appendix_title = line
            header.appendix_years = title_years(line)


def _attached_date(text: str) -> date | None:
    """ "ngày 15/11/2025" or "ngày 15 tháng 11 năm 2025" on the "Kèm theo …" line."""
    match = _DATE.search(text)
    numeric = re.search(r"ngày\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})", text, re.I)
    found = match if match is not None and match.group(1) and match.group(2) else numeric
    if found is None:
        return None
    day, month, year = found.groups()
    try:
        return date(int(year), int(month), int(day))
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------------------- years in a title

# Dates and document numbers name years that are not the plan's: "Nghị quyết số 57-NQ/TW ngày
# 22 tháng 12 năm 2024", "Quyết định số 04/2024/QĐ-UBND", "tầm nhìn đến năm 2045".
_DATES = re.compile(
    r"ngày\s*\d{0,2}\s*(?:tháng|/|-)\s*\d{0,2}\s*(?:năm|/|-)\s*\d{4}|\b\d{1,2}/\d{1,2}/\d{4}\b",
    re.IGNORECASE,
)
_DOCUMENT_NUMBERS = re.compile(r"\bsố\s*[\w./-]*\d[\w./-]*", re.IGNORECASE)
_VISION = re.compile(r"tầm nhìn\s+(?:đến|tới)\s+(?:năm\s+)?\d{4}", re.IGNORECASE)
_RANGE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:[-–—]|đến(?:\s+năm)?|tới(?:\s+năm)?)\s*((?:19|20)\d{2})(?!\d)",
    re.IGNORECASE,
)
_UNTIL = re.compile(r"(?:đến|tới)\s+năm\s+((?:19|20)\d{2})(?!\d)", re.IGNORECASE)
_ONE_YEAR = re.compile(r"\bnăm\s+((?:19|20)\d{2})(?!\d)", re.IGNORECASE)


def title_years(title: str) -> TitleYears | None:
    """The years a title names as the plan's own, leaving out dates, document numbers and a
    vision beyond the plan."""
    text = unicodedata.normalize("NFC", title)
    for pattern in (_DATES, _DOCUMENT_NUMBERS, _VISION):
        text = pattern.sub(" ", text)
    ranged = _RANGE.search(text)
    if ranged is not None:
        first, last = int(ranged.group(1)), int(ranged.group(2))
        if first <= last:
            return TitleYears(first, last)
    until = _UNTIL.search(text)
    if until is not None:
        return TitleYears(None, int(until.group(1)))
    years = _ONE_YEAR.findall(text)
    if years:
        return TitleYears(int(years[-1]), int(years[-1]))
    return None
