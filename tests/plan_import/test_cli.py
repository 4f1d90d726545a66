"""`scheduler.py import` and `scheduler.py tasks`: the report and the tasks for people (Rich) and
as one JSON document; errors stop with a non-zero exit and leave the database untouched."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from sqlmodel import select

from commands import plan
from models.tables import Plan
from settings import PROJECT_ROOT
from storage.db import session_scope
from tests.plan_import.cli import as_json, run
from tests.plan_import.seed_table import EXPECTED_TASKS, SEED


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    plan.register(app)
    return app


def stored_plans(url: str) -> list[str]:
    if not Path(url.removeprefix("sqlite:///")).exists():
        return []
    with session_scope(url) as session:
        return [p.key for p in session.exec(select(Plan))]


def test_import_the_seed_as_json_then_again(app: typer.Typer, database: str) -> None:
    first = run(app, "import", SEED, "--json")
    assert first.exit_code == 0, first.output
    document = as_json(first)
    assert set(document) == {"plan", "tasks", "report", "cells_to_check", "stored", "changes"}
    assert document["plan"]["key"] == "snv-binh-dinh-cchc-2023"
    assert document["plan"]["stated_task_count"] == 33
    assert [
        (
            t["code"],
            t["title"],
            t["lead_units"],
            t["coordinating_units"],
            t["unresolved_units"],
            t["deadline_text"],
        )
        for t in document["tasks"]
    ] == EXPECTED_TASKS
    assert {
        "code",
        "section",
        "title",
        "lead_units",
        "coordinating_units",
        "deadline_text",
        "note",
    } <= set(document["tasks"][0])
    assert {"level", "where", "message"} == set(document["report"][0])
    assert document["stored"] is True
    assert document["changes"]["created"] is True

    again = as_json(run(app, "import", SEED, "--json"))
    assert again["changes"]["unchanged"] is True
    assert stored_plans(database) == ["snv-binh-dinh-cchc-2023"]


def test_a_changed_file_shows_what_changed(app: typer.Typer, database: str, tmp_path: Path) -> None:
    run(app, "import", SEED)
    changed = tmp_path / SEED.name
    changed.write_text(
        SEED.read_text(encoding="utf-8").replace("Tháng 11/2023", "Tháng 10/2023"), encoding="utf-8"
    )
    result = run(app, "import", changed)
    assert result.exit_code == 0, result.output
    assert "Updated snv-binh-dinh-cchc-2023:" in result.stdout
    assert "I.5 deadline_text: 'Tháng 11/2023' → 'Tháng 10/2023'" in result.stdout
    changes = as_json(run(app, "import", changed, "--json"))["changes"]
    assert changes["unchanged"] is True


def test_people_get_tables(app: typer.Typer, database: str) -> None:
    result = run(app, "import", SEED)
    assert result.exit_code == 0
    for text in (
        "Tasks of snv-binh-dinh-cchc-2023",
        "Import report",
        "Stored snv-binh-dinh-cchc-2023: 32 tasks",
    ):
        assert text in result.stdout
    listed = run(app, "tasks")
    assert listed.exit_code == 0
    assert "Tasks of snv-binh-dinh-cchc-2023" in listed.stdout
    assert "VII.8" in listed.stdout


def test_dry_run_stores_nothing(app: typer.Typer, database: str) -> None:
    result = run(app, "import", SEED, "--dry-run", "--json")
    assert result.exit_code == 0
    assert as_json(result)["stored"] is False
    assert stored_plans(database) == []
    listed = run(app, "tasks", "--json")
    assert listed.exit_code == 1
    assert as_json(listed)["report"][0]["message"].startswith("no plan has been imported yet")


def test_tasks_lists_the_stored_plan(app: typer.Typer, database: str) -> None:
    run(app, "import", SEED)
    run(app, "import", SEED, "--year", "2024")
    document = as_json(run(app, "tasks", "--json", "--plan", "snv-binh-dinh-cchc-2023"))
    assert document["plan"]["key"] == "snv-binh-dinh-cchc-2023"
    assert document["plan"]["agency_name"] == "Sở Nội vụ tỉnh Bình Định"
    assert [t["code"] for t in document["tasks"]] == [t[0] for t in EXPECTED_TASKS]
    assert len(document["report"]) == 13
    latest = as_json(run(app, "tasks", "--json"))
    assert latest["plan"]["key"] == "snv-binh-dinh-cchc-2024"
    missing = run(app, "tasks", "--plan", "snv-binh-dinh-cchc-1999")
    assert missing.exit_code == 1
    assert "no plan 'snv-binh-dinh-cchc-1999' in the database" in missing.stderr


def test_an_unknown_unit_stops_the_import(app: typer.Typer, database: str, tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(
        SEED.read_text(encoding="utf-8").replace(
            "\tBan Tôn giáo\tCác đơn vị liên quan", "\tBan Tôn giáo Sở\tCác đơn vị liên quan"
        ),
        encoding="utf-8",
    )
    result = run(app, "import", path, "--json")
    assert result.exit_code == 1
    document = as_json(result)
    [error] = [e for e in document["report"] if e["level"] == "error"]
    assert error["where"] == "line 174 (VII.6), column “Cơ quan chủ trì”"
    assert error["message"].startswith(
        "unknown unit “Ban Tôn giáo Sở” (closest known: Ban Tôn giáo (ban-ton-giao);"
    )
    assert document["stored"] is False
    assert stored_plans(database) == []

    text = run(app, "import", path)
    assert text.exit_code == 1
    assert "1 error(s): nothing was stored." in text.stderr

    accepted = run(app, "import", path, "--json", "--accept-new-units")
    assert accepted.exit_code == 0, accepted.output
    document = as_json(accepted)
    assert document["plan"]["new_units"] == [
        {
            "code": "ban-ton-giao-so",
            "name": "Ban Tôn giáo Sở",
            "where": error["where"],
            "kind": "unit",
        }
    ]
    assert "ban-ton-giao-so" in document["changes"]["units_added"]
    assert stored_plans(database) == ["snv-binh-dinh-cchc-2023"]


@pytest.mark.parametrize("flag", ["--json", "--dry-run"])
def test_unreadable_input_names_the_place(
    app: typer.Typer, database: str, tmp_path: Path, flag: str
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = run(app, "import", empty, flag)
    assert result.exit_code == 1
    if flag == "--json":
        assert as_json(result) == {
            "plan": None,
            "tasks": [],
            "report": [{"level": "error", "where": "empty.txt", "message": "the file is empty"}],
            "cells_to_check": [],
            "stored": False,
            "changes": None,
        }
    else:
        assert "the file is empty" in result.stdout
        assert "Nothing was stored." in result.stderr
    assert stored_plans(database) == []


def test_the_scheduler_has_the_verbs(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scheduler.py"),
            "import",
            str(SEED),
            "--dry-run",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"NHACHAN_DATABASE_URL": f"sqlite:///{tmp_path / 'n.db'}", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["plan"]["key"] == "snv-binh-dinh-cchc-2023"
