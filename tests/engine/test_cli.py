"""`scheduler.py simulate` as a coordinator runs it: one JSON document on stdout."""

import json
from pathlib import Path

from typer.testing import CliRunner

from scheduler import app
from settings import PROJECT_ROOT

SEED = PROJECT_ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt"


def test_simulate_prints_the_timeline_and_the_final_state_as_json(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        '- on: 2023-01-30\n  evidence: {task: VI.3, milestone: "1", by: ttlt, document: "3/QC"}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            str(SEED),
            "--from",
            "2023-01-01",
            "--to",
            "2023-02-08",
            "--scenario",
            str(scenario),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    iv1 = [(e["at"], e["action"], e["to"]) for e in document["timeline"] if e["task"] == "IV.1"]
    assert iv1 == [
        ("2023-01-10T08:00:00+07:00", "reminder", ["phong-tcbc"]),
        ("2023-01-10T08:00:00+07:00", "reminder", ["van-phong"]),
        ("2023-01-17T08:00:00+07:00", "reminder", ["van-phong"]),
        ("2023-01-27T08:00:00+07:00", "reminder", ["van-phong"]),
        ("2023-01-31T08:00:00+07:00", "reminder", ["van-phong"]),
        ("2023-02-01T08:00:00+07:00", "escalation", ["cchc-vtlt"]),
        ("2023-02-01T08:00:00+07:00", "escalation", ["van-phong"]),
        ("2023-02-07T08:00:00+07:00", "escalation", ["lanh-dao"]),
    ]
    closing = [e for e in document["timeline"] if e["action"] == "closing"]
    assert closing == [
        {
            "at": "2023-01-30T09:00:00+07:00",
            "task": "VI.3",
            "milestone": "1",
            "action": "closing",
            "to": ["van-phong", "ban-ton-giao", "ban-tdkt", "ttlt"],
        }
    ]
    final = {row["task"]: row["status"] for row in document["final"]}
    assert final["VI.3"] == "done" and final["IV.1"] == "overdue" and len(final) == 32


def test_a_scenario_outside_the_span_is_refused_with_its_place(tmp_path: Path) -> None:
    scenario = tmp_path / "late.yaml"
    scenario.write_text("- on: 2023-09-01\n  event: ubnd-tinh-ban-hanh\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            str(SEED),
            "--from",
            "2023-01-01",
            "--to",
            "2023-02-01",
            "--scenario",
            str(scenario),
        ],
    )
    assert result.exit_code == 1
    assert "late.yaml, step 1: its day is outside --from/--to" in result.output


def test_a_refused_cell_corrected_in_place_is_simulated(tmp_path: Path) -> None:
    # As `start --set` reads it: the file stays as issued, the cell is read as corrected.
    row = "Văn phòng Sở\tCác đơn vị thuộc, trực thuộc Sở\tSau khi UBND tỉnh ban hành"
    plan = tmp_path / "ke-hoach.txt"
    text = SEED.read_text(encoding="utf-8")
    plan.write_text(
        text.replace(row, row.replace("Sau khi UBND tỉnh ban hành", "Quý V")), encoding="utf-8"
    )
    span = ["--from", "2023-01-01", "--to", "2023-01-11", "--json"]

    refused = CliRunner().invoke(app, ["simulate", str(plan), *span])
    assert refused.exit_code == 1
    assert "(I.2)" in refused.output and "Quý V" in refused.output

    corrected = CliRunner().invoke(
        app, ["simulate", str(plan), *span, "--set", "I.2:deadline=Tháng 01/2023"]
    )
    assert corrected.exit_code == 0, corrected.output
    document = json.loads(corrected.stdout)
    i2 = [(e["at"], e["action"]) for e in document["timeline"] if e["task"] == "I.2"]
    # "Tháng 01/2023": due Tuesday 31/01, its first reminder 10 working days before (after Tết)
    assert ("2023-01-10T08:00:00+07:00", "reminder") in i2
    assert {row["task"] for row in document["final"]} >= {"I.2"}
    assert "Quý V" in plan.read_text(encoding="utf-8")
