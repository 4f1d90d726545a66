"""The options by which the coordinator corrects a plan's cells in place from the command line
(`--set 'II.42:deadline=Quý IV/2025'`, repeatable) and sets its last year (`--until`), shared by
`import`, `preview`, `start` and `simulate`; and the list of cells to correct that a refused
import prints."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from commands.output import ExitCode, console, fail
from plan_import import CellToCheck, Correction, CorrectionError, parse_corrections

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Read a cell as corrected, the file staying as issued: TASK:FIELD=TEXT, e.g. "
        "'II.42:deadline=Quý IV/2025' (fields: deadline, lead, coordinating, title); repeatable.",
    ),
]
UntilOption = Annotated[
    int | None,
    typer.Option(
        "--until",
        help="The plan's last year, where its document names none or another is wanted.",
    ),
]


def corrections_of(specs: list[str] | None) -> list[Correction]:
    """The corrections given on the command line, made by the account running it, now."""
    try:
        return parse_corrections(specs or [], by=f"{getpass.getuser()} (CLI)", at=datetime.now(UTC))
    except CorrectionError as error:
        raise fail(str(error), code=ExitCode.USAGE) from error


def print_cells_to_check(cells: list[CellToCheck]) -> None:
    if not cells:
        return
    table = Table(title="Cells to correct in place (--set TASK:FIELD=TEXT)")
    for column in ("row", "task", "field", "as written", "why", "--set"):
        table.add_column(column)
    for cell in cells:
        table.add_row(
            cell.row,
            cell.task,
            Text(cell.field, style="bold red" if cell.level == "error" else "yellow"),
            cell.text or "(empty)",
            cell.why,
            f"'{cell.task}:{cell.field}=…'",
        )
    console.print(table)
