"""The appendix's columns and the header row that names them: which column a header cell
means, and where in a table the header is. A document may order or word its columns its own way;
the rest of the importer knows the columns by the product's names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plan_import.model import PlanImportError
from plan_import.text import fold, quote

# The columns of the appendix, by the product's names.
STT, TITLE, LEAD, COORDINATING, DEADLINE, NOTE = (
    "stt",
    "title",
    "lead",
    "coordinating",
    "deadline",
    "note",
)
COLUMNS = (STT, TITLE, LEAD, COORDINATING, DEADLINE, NOTE)
REQUIRED_COLUMNS = (STT, TITLE, LEAD, DEADLINE)
# How the issued plan names them; used in messages when the document's own header is not known.
COLUMN_NAMES = {
    STT: "STT",
    TITLE: "Nhiệm vụ cụ thể",
    LEAD: "Cơ quan chủ trì",
    COORDINATING: "Cơ quan phối hợp",
    DEADLINE: "Thời gian thực hiện",
    NOTE: "Ghi chú",
}
# A header names at least this many of the columns; fewer is a coincidence in a task row.
_HEADER_MIN_COLUMNS = 3
_HEADER_CELL_MAX = 40


@dataclass(frozen=True)
class SourceRow:
    """One row of the table as the file holds it."""

    cells: tuple[str, ...]
    # The line (text, CSV) or row (spreadsheet, Word table) number.
    line: int
    # Where it is, for people: "line 87", "sheet “Phụ lục”, row 12", "table 2, row 5".
    place: str
    # Blank lines, a page break or a new table came before this row.
    after_break: bool = False
    # Positions whose text is that of a cell merged down from a row above (Word, Excel).
    merged: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Header:
    index: int
    # Column name -> position in the row.
    positions: dict[str, int]
    # The header cells as the document writes them.
    written: tuple[str, ...]

    def name_of(self, column: str) -> str:
        position = self.positions.get(column)
        if position is None:
            return COLUMN_NAMES[column]
        return self.written[position]


def column_of(cell: str) -> str | None:
    """Which appendix column a header cell names, if any."""
    name = fold(cell)
    if not name or len(name) > _HEADER_CELL_MAX:
        return None
    if name in {"stt", "tt", "so tt", "so thu tu"}:
        return STT
    if "chu tri" in name:
        return LEAD
    if "phoi hop" in name:
        return COORDINATING
    if "thoi gian" in name or "thoi han" in name or "tien do" in name:
        return DEADLINE
    if "ghi chu" in name:
        return NOTE
    if name.startswith(("don vi", "co quan")) and "thuc hien" in name:
        return LEAD
    if "nhiem vu" in name or "noi dung" in name or "cong viec" in name:
        return TITLE
    return None


def header_positions(cells: Sequence[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = column_of(cell)
        if column is not None and column not in positions:
            positions[column] = index
    return positions


def looks_like_header(cells: Sequence[str]) -> bool:
    return len(header_positions(cells)) >= _HEADER_MIN_COLUMNS


def find_header(rows: Sequence[SourceRow], source: str) -> Header:
    """The table's header row; a file without one cannot be imported."""
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(rows):
        positions = header_positions(row.cells)
        if len(positions) >= _HEADER_MIN_COLUMNS and (
            best is None or len(positions) > len(best[1])
        ):
            best = (index, positions)
            if all(column in positions for column in REQUIRED_COLUMNS):
                break
    expected = ", ".join(COLUMN_NAMES[c] for c in REQUIRED_COLUMNS)
    if best is None:
        raise PlanImportError(source, "", f"no appendix table: no row names the columns {expected}")
    index, positions = best
    row = rows[index]
    missing = [COLUMN_NAMES[c] for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        found = " | ".join(cell for cell in row.cells if cell)
        raise PlanImportError(
            source,
            row.place,
            f"the table's header lacks the column(s) {', '.join(missing)} (found: {found}); "
            f"the appendix needs {expected}",
        )
    for column in COLUMNS:
        named = [i for i, cell in enumerate(row.cells) if column_of(cell) == column]
        if len(named) > 1:
            cells = " and ".join(quote(row.cells[i]) for i in named)
            raise PlanImportError(
                source,
                row.place,
                f"two header cells name the column {COLUMN_NAMES[column]}: {cells}",
            )
    return Header(index=index, positions=positions, written=row.cells)


def is_header_repeat(cells: Sequence[str], header: Header) -> bool:
    positions = header_positions(cells)
    return len(positions) >= _HEADER_MIN_COLUMNS and all(
        header.positions.get(column) == index for column, index in positions.items()
    )
