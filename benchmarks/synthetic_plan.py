"""A plan of any size in the seed's text layout, for the scale benchmark.

The seed's preamble is kept (so the importer finds the same agency, number and year) with the
title changed, which gives the plan a key of its own; the appendix holds the seed's 32 rows over
and over, a hundred to a section, each title marked with its copy so that no two tasks look the
same. The rows are taken from the seed's own table, so the mix of deadlines (months, the whole
year, ongoing, after an event) stays the seed's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt"
SEED_TITLE = "Cải cách hành chính Sở Nội vụ năm 2023"
# The importer reads at most three digits of STT.
ROWS_PER_SECTION = 100
HEADER = "STT\tNhiệm vụ cụ thể\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian thực hiện\tGhi chú"


@dataclass(frozen=True)
class Row:
    title: str
    lead: str
    coordinating: str
    deadline: str


def seed_rows(text: str) -> list[Row]:
    """The seed appendix's task rows, each with the part a page break cut off joined back."""
    appendix = text[text.index("PHỤ LỤC") :]
    rows: list[list[str]] = []
    for line in appendix.splitlines():
        cells = [cell.strip() for cell in line.split("\t")]
        if len(cells) < 5 or cells[0].startswith("<b>") or "STT" in cells[0]:
            continue
        if cells[0].isdigit():
            rows.append(cells[1:5])
        elif not cells[0] and rows:
            rows[-1] = [_join(a, b) for a, b in zip(rows[-1], cells[1:5], strict=True)]
    return [Row(*cells) for cells in rows]


def _join(first: str, rest: str) -> str:
    # "Phòng CCHC-" + "VTLT": a word cut at its hyphen is joined back without a space.
    if not first or not rest:
        return first or rest
    return first + rest if first.endswith("-") else f"{first} {rest}"


def to_roman(value: int) -> str:
    numerals = (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    )  # fmt: skip
    result = ""
    for amount, letters in numerals:
        count, value = divmod(value, amount)
        result += letters * count
    return result


def synthetic_plan(tasks: int, *, subject: str, deadline: str | None = None) -> str:
    """The text of a plan of `tasks` tasks titled "Cải cách hành chính <subject> năm 2023".

    `deadline` gives every task the same deadline text (e.g. one event they all wait on)."""
    text = SEED.read_text(encoding="utf-8")
    templates = seed_rows(text)
    preamble = text[: text.index(HEADER)].replace(
        SEED_TITLE, f"Cải cách hành chính {subject} năm 2023"
    )
    lines = [preamble.rstrip("\n"), "", HEADER]
    for index in range(tasks):
        section, stt = divmod(index, ROWS_PER_SECTION)
        if stt == 0:
            lines.append(f"<b>{to_roman(section + 1)}. NHÓM NHIỆM VỤ {section + 1}</b>\t\t\t\t\t")
        row = templates[index % len(templates)]
        title = f"{row.title} (bản {index // len(templates) + 1})"
        when = deadline or row.deadline
        lines.append(f"{stt + 1}\t{title}\t{row.lead}\t{row.coordinating}\t{when}\t")
    lines.append(f"<b>Tổng cộng: {tasks} nhiệm vụ</b>\t\t\t\t\t")
    return "\n".join(lines) + "\n"


def write_synthetic_plan(
    folder: Path, tasks: int, *, subject: str, deadline: str | None = None
) -> Path:
    path = folder / f"{subject.replace(' ', '-')}-{tasks}.txt"
    path.write_text(synthetic_plan(tasks, subject=subject, deadline=deadline), encoding="utf-8")
    return path
