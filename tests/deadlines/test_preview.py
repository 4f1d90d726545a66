"""`scheduler.py preview`: the JSON document, the tables, refusals, options, and the iCalendar
files per unit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from icalendar import Calendar
from typer.testing import CliRunner, Result

from commands import preview
from deadlines.preview import TaskDeadline, preview_plan, unit_calendars
from settings import get_settings, load_calendar, load_policy

runner = CliRunner()
SEED = get_settings().plan_file


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    preview.register(app)
    # A second command keeps Typer from folding the single command into the app itself.
    app.command("noop")(lambda: None)
    return app


def run(app: typer.Typer, *args: str | Path) -> Result:
    return runner.invoke(app, ["preview", *(str(a) for a in args)])


def document(result: Result) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def task(doc: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(t for t in doc["tasks"] if t["code"] == code)
    return found


def seed_with(tmp_path: Path, old: str, new: str) -> Path:
    text = SEED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / SEED.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_seed_plan_as_json(app: typer.Typer) -> None:
    result = run(app, SEED, "--json")
    assert result.exit_code == 0, result.output
    doc = document(result)
    assert doc["plan"] == {"key": "snv-binh-dinh-cchc-2023", "year": 2023, "last_year": None}
    assert len(doc["tasks"]) == 32 and doc["refused"] == []
    report = task(doc, "I.7")
    assert [(m["key"], m["kind"], m["due"]) for m in report["milestones"]] == [
        ("2023-Q1", "periodic", "2023-03-16T17:00:00+07:00"),
        ("2023-H1", "periodic", "2023-06-16T17:00:00+07:00"),
        ("2023-Q3", "periodic", "2023-09-18T17:00:00+07:00"),
        ("2023", "periodic", "2023-12-18T17:00:00+07:00"),
    ]
    first = report["milestones"][0]["schedule"][0]
    assert first == {
        "at": "2023-03-02T08:00:00+07:00",
        "action": "reminder",
        "audience": "lead",
        "to": ["cchc-vtlt"],
        "note": "10 working days before the due day",
    }
    waiting = task(doc, "I.2")["milestones"][0]
    assert (waiting["due"], waiting["event"]) == (None, "ubnd-tinh-ban-hanh")
    assert {s["action"] for s in waiting["schedule"]} == {"nudge"}
    assert waiting["schedule"][0]["to"] == ["cchc-vtlt"]
    every_instant = [
        s["at"] for t in doc["tasks"] for m in t["milestones"] for s in m["schedule"]
    ] + [m["due"] for t in doc["tasks"] for m in t["milestones"] if m["due"]]
    assert every_instant and all(at.endswith("+07:00") for at in every_instant)
    events = {e["key"]: e["tasks"] for e in doc["events"]}
    assert events["xay-dung-phan-mem"] == ["VII.3", "VII.4", "VII.6"]
    assert events["ke-hoach-cua-ubnd-tinh"] == ["II.1", "II.4", "V.3"]


def test_the_seed_plan_as_tables(app: typer.Typer) -> None:
    result = runner.invoke(app, ["preview", str(SEED)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    shown = ("I.7", "quý I/2023", "Báo cáo 6 tháng đầu năm 2023", "chờ sự kiện", "hằng tuần")
    for expected in shown:
        assert expected in result.stdout


def test_a_deadline_that_cannot_be_read_is_listed_and_fails_the_command(
    app: typer.Typer, tmp_path: Path
) -> None:
    plan = seed_with(tmp_path, "\tTháng 9/2023\t", "\tTùy tình hình\t")
    result = run(app, plan, "--json")
    assert result.exit_code == 1
    doc = document(result)
    assert len(doc["tasks"]) == 31
    assert doc["refused"] == [
        {
            "code": "I.6",
            "text": "Tùy tình hình",
            "reason": doc["refused"][0]["reason"],
        }
    ]
    assert "does not start a deadline" in doc["refused"][0]["reason"]
    tables = run(app, plan)
    assert tables.exit_code == 1
    assert "I.6" in tables.output and "không đọc được" in tables.output


def test_a_policy_file_changes_the_dates(app: typer.Typer, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("due_rule: civil_code\n", encoding="utf-8")
    doc = document(run(app, SEED, "--json", "--policy", policy))
    # Tháng 9/2023: 30/09 is a Saturday; the Civil Code moves it to Monday 02/10.
    assert task(doc, "I.6")["milestones"][0]["due"] == "2023-10-02T17:00:00+07:00"


def test_a_wrong_policy_file_stops_with_its_error(app: typer.Typer, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("reminders: {at: '19:00'}\n", encoding="utf-8")
    result = run(app, SEED, "--json", "--policy", policy)
    assert result.exit_code == 1
    assert "reminders.at 19:00 is not an office hour" in document(result)["errors"][0]


def test_the_year_option_moves_the_plan(app: typer.Typer) -> None:
    doc = document(run(app, SEED, "--json", "--year", "2024"))
    assert doc["plan"]["year"] == 2024
    assert [m["key"] for m in task(doc, "I.7")["milestones"]] == [
        "2024-Q1",
        "2024-H1",
        "2024-Q3",
        "2024",
    ]
    # The years the cells name move with the plan: "Tháng 12/2023" is December 2024, due
    # Tuesday 31/12/2024.
    assert task(doc, "I.4")["milestones"][0]["due"] == "2024-12-31T17:00:00+07:00"


def test_a_missing_plan_file_is_an_error(app: typer.Typer, tmp_path: Path) -> None:
    result = run(app, tmp_path / "nothing.txt", "--json")
    assert result.exit_code == 1
    assert "no such file" in document(result)["errors"][0]


def test_ics_files_one_per_unit(app: typer.Typer, tmp_path: Path) -> None:
    target = tmp_path / "ics"
    result = run(app, SEED, "--ics", target)
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in target.iterdir())
    assert "cchc-vtlt.ics" in files and "ttlt.ics" in files and "van-phong.ics" in files
    calendar = Calendar.from_ical((target / "ttlt.ics").read_bytes())
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    # I.6, led by the archive centre: due Friday 29/09 17:00, four reminders as alarms.
    exhibition = events["snv-binh-dinh-cchc-2023/I.6/1@nhachan"]
    assert exhibition.decoded("dtend") == datetime(2023, 9, 29, 10, 0, tzinfo=UTC)
    assert len(exhibition.walk("VALARM")) == 4
    # I.1, where the archive centre only coordinates: one alarm, the first reminder.
    coordinated = events["snv-binh-dinh-cchc-2023/I.1/1@nhachan"]
    assert len(coordinated.walk("VALARM")) == 1
    assert "Trung tâm lưu trữ lịch sử tỉnh" in str(calendar["x-wr-calname"])


def test_calendars_are_built_from_the_preview_alone() -> None:
    calendar = load_calendar([2023])
    policy = load_policy()
    tasks = [
        TaskDeadline("A.1", "Một việc", "Tháng 4/2023", ("lead-unit",), ("helper",)),
        TaskDeadline("A.2", "Việc thường xuyên", "Thường xuyên", ("lead-unit",)),
        TaskDeadline("A.3", "Chờ tỉnh", "Sau khi UBND tỉnh ban hành", ("lead-unit",)),
    ]
    built = preview_plan(
        tasks,
        year=2023,
        calendar=calendar,
        policy_for=lambda code: policy,
        coordinator="coordinator",
        leadership="leadership",
    )
    stamp = datetime(2023, 1, 1, tzinfo=UTC)
    files = unit_calendars(built, plan_key="test", stamp=stamp)
    assert sorted(files) == ["coordinator", "helper", "lead-unit"]
    lead = Calendar.from_ical(files["lead-unit"])
    summaries = sorted(str(e["summary"]) for e in lead.walk("VEVENT"))
    # The deadline of A.1 and the four quarterly check-ins of A.2; A.3 has no date yet.
    assert summaries == ["[A.1] Một việc"] + ["[A.2] Việc thường xuyên"] * 4
    coordinator = Calendar.from_ical(files["coordinator"])
    (event,) = coordinator.walk("VEVENT")
    assert event.walk("VALARM") == []
    # The same inputs give the same files.
    assert unit_calendars(built, plan_key="test", stamp=stamp) == files
