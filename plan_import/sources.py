"""Reading the files plans arrive in: the text form of the issued plan (.txt, .md), CSV, Excel
(.xlsx) and Word (.docx). Each reader gives the lines before the appendix and the rows of the
appendix table; what the rows mean is `appendix`'s business."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from plan_import.columns import SourceRow, looks_like_header
from plan_import.model import PlanImportError, ReportEntry
from plan_import.text import clean_cell, quote

TEXT_SUFFIXES = (".txt", ".md")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, ".csv", ".xlsx", ".docx")
_HEADING_MARKS = re.compile(r"^\s*#{1,6}\s+")
_PAGE_NUMBER = re.compile(r"^\s*(?:-\s*)?\d{1,3}(?:\s*-)?\s*$")
_MARKDOWN_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
# Rows searched for the appendix header in a Word table (a sheet is searched whole: the plan's
# whole text may stand above its table).
_HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class PreambleLine:
    place: str
    text: str


@dataclass
class SourceDocument:
    # Text before the appendix table, line by line: title, number, date, appendix heading.
    preamble: list[PreambleLine]
    rows: list[SourceRow]
    # What the reader itself noticed (an Excel date where text was expected, stray text).
    notes: list[ReportEntry] = field(default_factory=list)


def read_source(path: Path, data: bytes) -> SourceDocument:
    suffix = path.suffix.lower()
    name = path.name
    if not data.strip():
        raise PlanImportError(name, "", "the file is empty")
    readers: dict[str, Callable[[str, bytes], SourceDocument]] = {
        ".txt": _read_text_file,
        ".md": _read_text_file,
        ".csv": _read_csv,
        ".xlsx": _read_xlsx,
        ".docx": _read_docx,
    }
    reader = readers.get(suffix)
    if reader is None:
        advice = {
            ".doc": "save it as .docx in Word",
            ".xls": "save it as .xlsx in Excel",
            ".pdf": "export the text (tab-separated table) or open it in Word and save as .docx",
        }.get(suffix, f"supported: {', '.join(SUPPORTED_SUFFIXES)}")
        raise PlanImportError(
            name, "", f"cannot read {suffix or 'a file without extension'} files; {advice}"
        )
    return reader(name, data)


def decode_text(name: str, data: bytes) -> str:
    """UTF-8 (with or without BOM), or UTF-16 with a BOM as Excel's "Unicode text" saves it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise PlanImportError(name, f"byte {error.start}", "broken UTF-16 text") from error
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise PlanImportError(
            name,
            f"byte {offset}",
            "this is not a text file (it holds NUL bytes); a Word or Excel file needs its own "
            "extension (.docx, .xlsx)",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        bad = data[error.start : error.start + 1].hex()
        raise PlanImportError(
            name,
            f"line {line}, column {column}",
            f"not UTF-8 text (byte 0x{bad}); the file is in another encoding (Windows-1258, "
            "TCVN3/VNI?): save it again as UTF-8",
        ) from error


def _read_text_file(name: str, data: bytes) -> SourceDocument:
    return read_text(decode_text(name, data))


def read_text(text: str) -> SourceDocument:
    """The text form of the issued plan: the table's rows are tab-separated (as extracted from
    the PDF) or Markdown pipe rows; blank lines between rows are page breaks."""
    preamble: list[PreambleLine] = []
    rows: list[SourceRow] = []
    notes: list[ReportEntry] = []
    # Stray text counts only when more rows follow: after the table come signatures, footnotes.
    pending: list[ReportEntry] = []
    gap = False
    for number, raw in enumerate(text.splitlines(), start=1):
        cells = _table_cells(raw)
        if cells is None:
            line = clean_cell(_HEADING_MARKS.sub("", raw))
            if not rows:
                preamble.append(PreambleLine(f"line {number}", line))
                continue
            if line and not _PAGE_NUMBER.match(line) and not _MARKDOWN_RULE.match(raw):
                pending.append(
                    ReportEntry(
                        "warning",
                        f"line {number}",
                        f"text between table rows ignored: {quote(line)}",
                    )
                )
            gap = gap or not _MARKDOWN_RULE.match(raw)
            continue
        rows.append(SourceRow(tuple(cells), number, f"line {number}", after_break=gap))
        notes.extend(pending)
        pending.clear()
        gap = False
    return _split_preamble(rows, preamble, notes)


def _table_cells(line: str) -> list[str] | None:
    if "\t" in line:
        return [clean_cell(cell) for cell in line.split("\t")]
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
        if _MARKDOWN_RULE.match(stripped):
            return None
        return [clean_cell(cell) for cell in stripped[1:-1].split("|")]
    return None


def _read_csv(name: str, data: bytes) -> SourceDocument:
    text = decode_text(name, data)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[SourceRow] = []
    start = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append(SourceRow(tuple(clean_cell(c) for c in record), start, f"line {start}"))
            start = reader.line_num + 1
    except csv.Error as error:
        raise PlanImportError(
            name, f"line {reader.line_num}", f"not valid CSV ({error})"
        ) from error
    return _split_preamble(rows)


def _split_preamble(
    rows: list[SourceRow],
    preamble: list[PreambleLine] | None = None,
    notes: list[ReportEntry] | None = None,
) -> SourceDocument:
    """Rows above the table's header are the plan's title lines (a sheet's first rows)."""
    lines = list(preamble or [])
    for index, row in enumerate(rows):
        if looks_like_header(row.cells):
            lines.extend(
                PreambleLine(r.place, " ".join(dict.fromkeys(c for c in r.cells if c)))
                for r in rows[:index]
            )
            return SourceDocument(preamble=lines, rows=rows[index:], notes=list(notes or []))
    return SourceDocument(preamble=lines, rows=rows, notes=list(notes or []))


def _read_xlsx(name: str, data: bytes) -> SourceDocument:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # Not read-only: merged ranges are only known to a fully loaded workbook.
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise PlanImportError(name, "", f"not a readable .xlsx workbook ({error})") from error
    names = []
    for sheet in workbook.worksheets:
        names.append(sheet.title)
        # A cell merged down over several rows says the same for each of them.
        merged_down: dict[tuple[int, int], tuple[int, int]] = {}
        for merged_range in sheet.merged_cells.ranges:
            if merged_range.max_row > merged_range.min_row:
                for row_number in range(merged_range.min_row + 1, merged_range.max_row + 1):
                    merged_down[(row_number, merged_range.min_col)] = (
                        merged_range.min_row,
                        merged_range.min_col,
                    )
        rows: list[SourceRow] = []
        notes: list[ReportEntry] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            place = f"sheet “{sheet.title}”, row {number}"
            texts = [_spreadsheet_text(value, place, notes) for value in values]
            merged: set[int] = set()
            for index in range(len(texts)):
                origin = merged_down.get((number, index + 1))
                if origin is not None:
                    value = sheet.cell(row=origin[0], column=origin[1]).value
                    texts[index] = _spreadsheet_text(value, place, [])
                    merged.add(index)
            if any(texts):
                rows.append(SourceRow(tuple(texts), number, place, merged=frozenset(merged)))
        if any(looks_like_header(row.cells) for row in rows):
            return _split_preamble(rows, notes=notes)
    raise PlanImportError(
        name,
        "sheets " + ", ".join(f"“{n}”" for n in names),
        "no sheet holds the appendix table (a header row with STT, Nhiệm vụ cụ thể, "
        "Cơ quan chủ trì, Thời gian thực hiện)",
    )


def _spreadsheet_text(value: Any, place: str, notes: list[ReportEntry]) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime | date):
        written = value.strftime("%d/%m/%Y")
        notes.append(
            ReportEntry(
                "warning",
                place,
                f"Excel stored a date ({written}) where the plan writes text; read as "
                f"{written}: check that this is what the plan says (format the cell as Text)",
            )
        )
        return written
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return clean_cell(str(value))


def _read_docx(name: str, data: bytes) -> SourceDocument:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.oxml.ns import qn
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise PlanImportError(name, "", f"not a readable .docx document ({error})") from error

    preamble: list[PreambleLine] = []
    rows: list[SourceRow] = []
    columns = 0
    paragraph_number = 0
    table_number = 0
    state = "before"  # before the appendix table, in it (and its page continuations), after
    gap_since_table = False
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph_number += 1
            text = clean_cell(Paragraph(child, document).text)
            if state == "before":
                preamble.append(PreambleLine(f"paragraph {paragraph_number}", text))
            elif state == "in" and text:
                state = "after"
            continue
        if child.tag != qn("w:tbl"):
            continue
        table_number += 1
        table = Table(child, document)
        grid: list[tuple[str, ...]] = []
        merges: list[frozenset[int]] = []
        # A cell merged down over several rows says the same for each of them.
        merged_text: dict[int, str] = {}
        for tr in child.tr_lst:
            texts: list[str] = [""] * tr.grid_before
            merged: set[int] = set()
            for tc in tr.tc_lst:
                position = len(texts)
                if tc.vMerge == "continue":
                    text = merged_text.get(position, "")
                    merged.add(position)
                else:
                    text = clean_cell(_Cell(tc, table).text)
                    if tc.vMerge == "restart":
                        merged_text[position] = text
                    else:
                        merged_text.pop(position, None)
                texts.append(text)
                texts.extend([""] * (tc.grid_span - 1))
            grid.append(tuple(texts))
            merges.append(frozenset(merged))
        if state == "before":
            if any(looks_like_header(cells) for cells in grid[:_HEADER_SEARCH_ROWS]):
                state = "in"
                columns = max(len(cells) for cells in grid)
            else:
                preamble.extend(
                    PreambleLine(f"table {table_number}, row {number}", text)
                    for number, cells in enumerate(grid, start=1)
                    for text in dict.fromkeys(cells)
                    if text
                )
                continue
        elif state == "in":
            # A plan converted from PDF has one table per page: same columns, nothing between.
            if max((len(cells) for cells in grid), default=0) != columns:
                state = "after"
                continue
            gap_since_table = True
        else:
            continue
        for number, (cells, merged_positions) in enumerate(zip(grid, merges, strict=True), start=1):
            rows.append(
                SourceRow(
                    cells,
                    number,
                    f"table {table_number}, row {number}",
                    after_break=gap_since_table and number == 1,
                    merged=merged_positions,
                )
            )
    if not rows:
        raise PlanImportError(
            name,
            f"{table_number} table(s)",
            "no table with the appendix columns (STT, Nhiệm vụ cụ thể, Cơ quan chủ trì, "
            "Thời gian thực hiện) in this Word file",
        )
    return _split_preamble(rows, preamble)
