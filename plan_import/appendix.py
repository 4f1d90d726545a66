"""The appendix table (PHỤ LỤC) read row by row, whatever file it came from: section headings,
task rows, sub-task rows (a., b., -) under a task, rows cut by a page break, the total row, and
what is wrong with them (the header and its columns are in columns.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from plan_import.columns import (
    COLUMNS,
    DEADLINE,
    LEAD,
    STT,
    TITLE,
    Header,
    SourceRow,
    find_header,
    is_header_repeat,
)
from plan_import.model import ReportEntry
from plan_import.settling import (
    check_sequence,
    drop_repeated_rows,
    settle_subsections,
    settle_subtasks,
)
from plan_import.text import fold, join_cut, quote, roman_value

_STT_NUMBER = re.compile(r"^0*(\d{1,3})\s*[.)]?$")
# A sub-section's number inside a section ("III.1", "III.1.1", "1.2"): a heading of the rows
# below it, or, with a lead or deadline of its own, a task numbered so.
_SUBSECTION = re.compile(r"^((?:[IVXLCDM]+|\d{1,3})(?:\s*\.\s*\d{1,3})+)\s*\.?$", re.IGNORECASE)
_HEADING = re.compile(r"^([IVXLCDM]+)\s*[.:)]\s*(\S.*)$", re.IGNORECASE)
_BARE_NUMERAL = re.compile(r"^([IVXLCDM]+)\s*[.:)]?$", re.IGNORECASE)
_TOTAL = re.compile(r"^(?:tong cong|tong so)\b\D{0,3}(\d+)?")
# A sub-task's mark, in the STT column ("a", "b.", "c)", "-", "+") or starting its title.
_SUB_LETTER = re.compile(r"^([a-zđ])\s*[.)]?$")
_SUB_BULLET = re.compile(r"^[-+•*–]$")
_TITLE_LETTER = re.compile(r"^([a-zđ])[.)]\s+(\S.*)$")
_TITLE_BULLET = re.compile(r"^[-+•–]\s+(\S.*)$")


@dataclass
class RawTask:
    section: str
    section_title: str
    stt: int
    cells: dict[str, str]
    line: int
    place: str
    # Lines of the rows joined into this one (a row cut by a page break).
    continued_at: list[str] = field(default_factory=list)
    # A sub-task's task and its own mark ("a", or "1" for the first "-" row).
    parent: RawTask | None = None
    mark: str = ""
    # The columns a sub-task takes from its task, its own cells being empty.
    inherited: list[str] = field(default_factory=list)
    # A task whose sub-tasks carry its deadline: a heading of them, not a task of its own.
    heads_subtasks: bool = False
    # The sub-section ("III.1") whose number prefixes the task's code, when the document numbers
    # its rows anew under each sub-section heading.
    subsection: str = ""
    # The sub-section heading above the task, whatever its numbering.
    under: str = ""

    @property
    def code(self) -> str:
        if self.parent is not None:
            return f"{self.parent.code}.{self.mark}"
        if self.subsection:
            return f"{self.subsection}.{self.stt}"
        return f"{self.section}.{self.stt}" if self.section else str(self.stt)


@dataclass
class Section:
    numeral: str
    title: str
    place: str


@dataclass
class Appendix:
    header: Header
    tasks: list[RawTask]
    sections: list[Section]
    stated_task_count: int | None
    total_place: str
    report: list[ReportEntry]


def parse_appendix(rows: Sequence[SourceRow], source: str) -> Appendix:
    header = find_header(rows, source)
    report: list[ReportEntry] = []
    tasks: list[RawTask] = []
    sections: list[Section] = []
    section: Section | None = None
    subsection = ""
    # Entries that name a task's code, said once the codes are settled (a sub-section's number
    # prefixes them only when its rows are numbered anew): (where in the report, the entry).
    later: list[tuple[int, Callable[[], ReportEntry]]] = []
    current: RawTask | None = None
    page_break = False
    stated: int | None = None
    total_place = ""
    width = len(header.written)

    def cell(cells: Sequence[str], column: str) -> str:
        position = header.positions.get(column)
        return cells[position] if position is not None and position < len(cells) else ""

    for row in rows[header.index + 1 :]:
        page_break = page_break or row.after_break
        cells = row.cells
        extra = [c for c in cells[width:] if c]
        if extra:
            report.append(
                ReportEntry(
                    "error",
                    row.place,
                    f"the row has {len(cells)} cells with text beyond the header's {width} "
                    f"columns: {', '.join(quote(c) for c in extra)}",
                )
            )
            current = None
            continue
        filled = [c for c in cells if c]
        if not filled:
            continue
        if is_header_repeat(cells, header):
            page_break = True
            continue

        # A row number merged down from above makes this row the rest of the task above.
        stt_text = "" if header.positions[STT] in row.merged else cell(cells, STT)
        total = _total(filled, stt_text)
        if total is not None:
            if total.group(1) is None:
                report.append(
                    ReportEntry(
                        "warning",
                        row.place,
                        f"a total row without a number: {quote(' '.join(filled))}",
                    )
                )
            else:
                stated = int(total.group(1))
            total_place = row.place
            current = None
            page_break = False
            continue

        heading = _heading(cells, header)
        if heading is not None:
            numeral, title, stray = heading
            for column_name, text in stray:
                report.append(
                    ReportEntry(
                        "warning",
                        f"{row.place}, column {quote(column_name)}",
                        f"text beside the heading of section {numeral} ignored: {quote(text)}",
                    )
                )
            repeated = next((s for s in sections if s.numeral == numeral), None)
            if repeated is not None and fold(repeated.title) == fold(title):
                report.append(
                    ReportEntry(
                        "warning",
                        row.place,
                        f"the heading of section {numeral} is repeated (first at "
                        f"{repeated.place}); the rows below continue that section",
                    )
                )
                section = repeated
            elif repeated is not None:
                report.append(
                    ReportEntry(
                        "error",
                        row.place,
                        f"section {numeral} {quote(title)} has the numeral of section {numeral} "
                        f"{quote(repeated.title)} at {repeated.place}",
                    )
                )
                section = Section(numeral, title, row.place)
            else:
                expected = _numeral(sections[-1].numeral) + 1 if sections else 1
                if _numeral(numeral) != expected:
                    report.append(
                        ReportEntry(
                            "warning",
                            row.place,
                            f"section {numeral} is out of sequence: expected section "
                            f"{_to_roman(expected)} after "
                            f"{sections[-1].numeral if sections else 'the header'}",
                        )
                    )
                section = Section(numeral, title, row.place)
                sections.append(section)
            subsection = ""
            current = None
            page_break = False
            continue

        own = _own_subtask(cells, header, row.merged, cell)
        sub = _sub_mark(stt_text, cell(cells, TITLE), page_break)
        own_row = ""
        if sub is None and not stt_text and own and current is not None:
            # A row with its own lead or deadline is a task of its own under the row above, not
            # the rest of it (a row cut by a page break carries on the same sentence).
            sub, own_row = ("-", cell(cells, TITLE)), own
        if sub is not None:
            mark, own_title = sub
            parent = current.parent if current is not None and current.parent else current
            if parent is None:
                report.append(
                    ReportEntry(
                        "error",
                        row.place,
                        "a sub-task row (" + quote(stt_text or mark) + ") with no numbered task "
                        "above it: " + " | ".join(quote(c) for c in filled),
                    )
                )
                current = None
                page_break = False
                continue
            if not mark[0].isalpha():
                bullets = [t for t in tasks if t.parent is parent and t.mark.isdigit()]
                mark = str(len(bullets) + 1)
            subtask = RawTask(
                section=parent.section,
                section_title=parent.section_title,
                stt=parent.stt,
                cells={column: cell(cells, column) for column in COLUMNS if column != STT},
                line=row.line,
                place=row.place,
                parent=parent,
                mark=mark,
            )
            subtask.cells[TITLE] = own_title
            tasks.append(subtask)
            current = subtask
            if own_row:
                later.append((len(report), _own_row(row.place, own_row, subtask, parent)))
            page_break = False
            continue

        if not stt_text:
            if current is None:
                report.append(
                    ReportEntry(
                        "error",
                        row.place,
                        "a row without STT and no task row above it to continue: "
                        + " | ".join(quote(c) for c in filled),
                    )
                )
            else:
                for column in COLUMNS:
                    # Text merged down from the task's own row is already there.
                    if column != STT and header.positions.get(column) not in row.merged:
                        current.cells[column] = join_cut(current.cells[column], cell(cells, column))
                current.continued_at.append(row.place)
                later.append((len(report), _continued(row.place, current, page_break)))
            page_break = False
            continue

        dotted = _SUBSECTION.match(stt_text)
        if dotted is not None and section is not None:
            prefix = _subsection_prefix(dotted.group(1), section.numeral)
            if not own:
                subsection = prefix
                report.append(
                    ReportEntry(
                        "info",
                        row.place,
                        f"sub-section heading {prefix} {quote(cell(cells, TITLE))}: the rows "
                        "below it are its tasks",
                    )
                )
                current = None
                page_break = False
                continue
            parent_number, _, last = prefix.rpartition(".")
            current = RawTask(
                section=section.numeral,
                section_title=section.title,
                stt=int(last),
                cells={column: cell(cells, column) for column in COLUMNS if column != STT},
                line=row.line,
                place=row.place,
                subsection=parent_number if parent_number != section.numeral else "",
            )
            tasks.append(current)
            page_break = False
            continue
        number = _STT_NUMBER.match(stt_text)
        if number is None:
            report.append(
                ReportEntry(
                    "error",
                    f"{row.place}, column {quote(header.name_of(STT))}",
                    f"STT {quote(stt_text)} is not a row number",
                )
            )
            current = None
            page_break = False
            continue
        current = RawTask(
            section=section.numeral if section else "",
            section_title=section.title if section else "",
            stt=int(number.group(1)),
            cells={column: cell(cells, column) for column in COLUMNS if column != STT},
            line=row.line,
            place=row.place,
            under=subsection,
        )
        tasks.append(current)
        page_break = False

    if stated is None and not total_place:
        report.append(
            ReportEntry(
                "info",
                rows[header.index].place,
                "the table has no total row (Tổng cộng): the task count cannot be checked",
            )
        )
    if sections:
        for task in tasks:
            if not task.section:
                report.append(
                    ReportEntry(
                        "error",
                        task.place,
                        f"task row {task.stt} comes before the first section heading",
                    )
                )
    elif tasks:
        report.append(
            ReportEntry(
                "info",
                rows[header.index].place,
                "the table has no section headings: tasks are named by their STT alone",
            )
        )
    settle_subsections(tasks)
    for position, entry in reversed(later):
        report.insert(position, entry())
    tasks = drop_repeated_rows(tasks, report)
    settle_subtasks(tasks, report)
    check_sequence([task for task in tasks if task.parent is None], report)
    return Appendix(
        header=header,
        tasks=tasks,
        sections=sections,
        stated_task_count=stated,
        total_place=total_place,
        report=report,
    )


def _own_row(place: str, own: str, task: RawTask, parent: RawTask) -> Callable[[], ReportEntry]:
    return lambda: ReportEntry(
        "info",
        place,
        f"a row without STT with a {own} of its own: read as {task.code}, a sub-task of "
        f"{parent.code}, not as the rest of it",
    )


def _continued(place: str, task: RawTask, page_break: bool) -> Callable[[], ReportEntry]:
    def entry() -> ReportEntry:
        if page_break:
            message = f"{task.code} continues across a page break: joined to its start at "
            return ReportEntry("info", place, message + task.place)
        return ReportEntry(
            "info",
            place,
            f"a row without STT or sub-task mark: read as the rest of {task.code} ({task.place}), "
            "as a row cut by a page break is; give it a number (or a., b., -) if it is a task of "
            "its own",
        )

    return entry


def _own_subtask(
    cells: Sequence[str],
    header: Header,
    merged: Sequence[int] | set[int] | frozenset[int],
    cell: Callable[[Sequence[str], str], str],
) -> str:
    """ "lead" or "deadline" when a row without STT carries one of its own (not merged down from
    above) under a title that begins a sentence of its own; "" when it continues the row above."""
    title = cell(cells, TITLE)
    if not title or not title[:1].isupper():
        return ""
    for column, word in ((LEAD, "lead"), (DEADLINE, "deadline")):
        if cell(cells, column) and header.positions.get(column) not in merged:
            return word
    return ""


def _subsection_prefix(number: str, numeral: str) -> str:
    """ "III.1" as written, or "1.2" under section III as "III.1.2"."""
    parts = [part.strip() for part in number.split(".")]
    if roman_value(parts[0]) is not None and not parts[0].isdigit():
        return ".".join([parts[0].upper(), *(str(int(p)) for p in parts[1:])])
    return ".".join([numeral, *(str(int(p)) for p in parts)])


def _total(filled: list[str], stt_text: str) -> re.Match[str] | None:
    """The total row has "Tổng cộng" in the STT column (or merged over the row from there); a
    cut title continued on the next row may begin with the same words in its own column."""
    if not _TOTAL.match(fold(stt_text)):
        return None
    return _TOTAL.match(fold(" ".join(dict.fromkeys(filled))))


def _heading(cells: Sequence[str], header: Header) -> tuple[str, str, list[tuple[str, str]]] | None:
    """A section heading: "I. CÔNG TÁC …" alone in the row (or merged across it), or the
    numeral in the STT column and the title next to it; with any other text in the row (a
    fragment the source left there), by column."""
    distinct = list(dict.fromkeys(c for c in cells if c))
    if len(distinct) == 1:
        match = _HEADING.match(distinct[0])
        if match and roman_value(match.group(1)) is not None:
            return match.group(1).upper(), match.group(2).strip(), []
        return None
    stt_position = header.positions[STT]
    numeral = _BARE_NUMERAL.match(cells[stt_position]) if stt_position < len(cells) else None
    if numeral is None or roman_value(numeral.group(1)) is None or len(distinct) < 2:
        return None
    title_position = header.positions[TITLE]
    title = cells[title_position] if title_position < len(cells) else ""
    if not title:
        title = next(c for c in distinct if c != cells[stt_position])
    stray = [
        (header.name_of(_column_at(header, i)), text)
        for i, text in enumerate(cells)
        if text and i not in (stt_position, title_position) and text != title
    ]
    return numeral.group(1).upper(), title, stray


def _column_at(header: Header, position: int) -> str:
    return next((c for c, p in header.positions.items() if p == position), TITLE)


def _sub_mark(stt_text: str, title: str, after_break: bool) -> tuple[str, str] | None:
    """(mark, title) of a sub-task row: a letter or bullet in the STT column, or, with the STT
    column empty and no page break before it, a title that starts with one ("a) …", "- …")."""
    if _SUB_LETTER.match(stt_text) or _SUB_BULLET.match(stt_text):
        letter = _SUB_LETTER.match(stt_text)
        own = _TITLE_LETTER.match(title) or _TITLE_BULLET.match(title)
        return (letter.group(1) if letter else "-"), (
            own.group(own.lastindex or 1) if own else title
        )
    if stt_text or after_break:
        return None
    letter = _TITLE_LETTER.match(title)
    if letter is not None:
        return letter.group(1), letter.group(2)
    bullet = _TITLE_BULLET.match(title)
    if bullet is not None:
        return "-", bullet.group(1)
    return None


def _numeral(numeral: str) -> int:
    value = roman_value(numeral)
    if value is None:
        raise ValueError(f"{numeral!r} is not a roman numeral")
    return value


def _to_roman(value: int) -> str:
    numerals = (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    )  # fmt: skip
    result = ""
    for amount, letters in numerals:
        while value >= amount:
            result += letters
            value -= amount
    return result
