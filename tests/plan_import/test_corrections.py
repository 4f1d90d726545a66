"""Correcting a plan's cells in place: the refused and doubtful cells listed with their task,
field, text and why; `--set TASK:FIELD=TEXT` on import; the original and the correction, with
who made it and when, kept with the stored task; a plan still stored whole or not at all."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from sqlmodel import select

from models.tables import Task
from plan_import import CorrectionError, parse_corrections, read_plan
from storage.db import session_scope
from tests.plan_import.cli import as_json, run
from tests.plan_import.test_bad_input import plan_text
from tests.plan_import.test_cli import app, stored_plans

__all__ = ["app"]  # the fixture, used by name

ROWS = [
    ["I", "CÔNG TÁC CHỈ ĐẠO", "", "", "", ""],
    ["1", "Rà soát quy chế làm việc", "Văn phòng Sở", "", "Quý V/2023", ""],
    ["2", "Sửa đổi quy chế chi tiêu", "Phòng CCHC", "Văn phòng Sở", "Quý II", ""],
]
AT = datetime(2025, 3, 4, 2, 30, tzinfo=UTC)


def test_the_cells_to_check_name_task_field_text_and_why(tmp_path: Path) -> None:
    plan = read_plan(plan_text(tmp_path, ROWS))
    refused = [(c.row, c.task, c.field, c.text, c.level) for c in plan.cells_to_check]
    assert refused == [
        ("line 9", "I.1", "deadline", "Quý V/2023", "error"),
        ("line 10", "I.2", "lead", "Phòng CCHC", "error"),
    ]
    assert all(c.why for c in plan.cells_to_check)


def test_corrections_read_the_cells_as_corrected(tmp_path: Path) -> None:
    corrections = parse_corrections(
        ["I.1:deadline=Quý IV/2023", "I.2:lead=Phòng CCHC-VTLT"], by="chuyên viên A", at=AT
    )
    plan = read_plan(plan_text(tmp_path, ROWS), corrections=corrections)
    assert plan.errors == []
    assert plan.cells_to_check == []
    first, second = plan.tasks
    assert first.deadline_text == "Quý IV/2023"
    assert first.corrections == [
        {
            "field": "deadline",
            "original": "Quý V/2023",
            "corrected": "Quý IV/2023",
            "by": "chuyên viên A",
            "at": "2025-03-04T02:30:00+00:00",
        }
    ]
    assert second.lead_units == ["cchc-vtlt"]
    assert [c["original"] for c in second.corrections] == ["Phòng CCHC"]


def test_a_correction_of_no_task_refuses_the_plan(tmp_path: Path) -> None:
    corrections = parse_corrections(["IX.9:deadline=Quý IV/2023"], by="A", at=AT)
    plan = read_plan(plan_text(tmp_path, ROWS[:2]), corrections=corrections)
    assert next((e.where, e.message) for e in plan.errors) == (
        "correction “IX.9:deadline=Quý IV/2023”",
        "the table has no task IX.9: nothing corrected",
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("I.1 deadline Quý IV", "is not a correction: write TASK:FIELD=TEXT"),
        ("I.1:due=Quý IV", "'due' is no cell a correction can name"),
        ("I.1:lead=", "the lead cannot be corrected to nothing"),
    ],
)
def test_a_correction_written_wrong_says_how(spec: str, message: str) -> None:
    with pytest.raises(CorrectionError, match=message):
        parse_corrections([spec], by="A", at=AT)


def test_the_cli_corrects_in_place_and_stores_who_and_when(
    app: typer.Typer, database: str, tmp_path: Path
) -> None:
    path = plan_text(tmp_path, ROWS)
    refused = run(app, "import", path, "--json")
    assert refused.exit_code == 1
    assert [(c["task"], c["field"]) for c in as_json(refused)["cells_to_check"]] == [
        ("I.1", "deadline"),
        ("I.2", "lead"),
    ]
    assert stored_plans(database) == []
    # One correction of two: still nothing stored.
    half = run(app, "import", path, "--set", "I.1:deadline=Quý IV/2023")
    assert half.exit_code == 1
    assert stored_plans(database) == []
    done = run(
        app,
        "import",
        path,
        "--set",
        "I.1:deadline=Quý IV/2023",
        "--set",
        "I.2:lead=Phòng CCHC-VTLT",
        "--json",
    )
    assert done.exit_code == 0, done.stdout
    assert path.read_text(encoding="utf-8").count("Quý V/2023") == 1
    with session_scope(database) as session:
        task = session.exec(select(Task).where(Task.code == "I.1")).one()
        assert task.deadline_text == "Quý IV/2023"
        (correction,) = task.corrections
    assert (correction["field"], correction["original"], correction["corrected"]) == (
        "deadline",
        "Quý V/2023",
        "Quý IV/2023",
    )
    assert correction["by"].endswith("(CLI)")
    assert datetime.fromisoformat(correction["at"]).tzinfo is not None
    wrong = run(app, "import", path, "--set", "I.1 deadline")
    assert wrong.exit_code == 2
