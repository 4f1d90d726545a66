"""Two agencies' plans in one database, as the command line shows them: `plans` lists each with
its agency, years, tasks, whether it started and its open and overdue tasks, for one agency or
all; the verbs that choose a plan take --agency (its only running plan; several: named); an
unknown agency is refused naming the known ones. The engine's record is written by hand here;
no Temporal server runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from typer.testing import CliRunner, Result

from commands.output import console
from models.tables import Plan, Task
from plan_import import read_plan
from plan_import.units import load_unit_directory
from scheduler import app
from settings import PROJECT_ROOT, Settings, get_settings
from storage.db import session_scope, upgrade_schema
from storage.plans import get_plan, mark_plan_started, store_plan

SEED = PROJECT_ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt"
SEED_KEY = "snv-binh-dinh-cchc-2023"
DATA = PROJECT_ROOT / "tests" / "engine" / "data"
QNG_FILE = DATA / "svhttdl-qng-2025-2026.txt"
QNG_KEY = "svhttdl-quang-ngai-cdvhttdl-2025-2026-46"
# A second plan of the bundled agency (its own title, so its own key).
OTHER = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO,,,,,
1,Xây dựng kế hoạch,Văn phòng Sở,,Tháng 3/2024,
"""
runner = CliRunner()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    url = f"sqlite:///{tmp_path / 'nhachan.db'}"
    monkeypatch.setenv("NHACHAN_DATABASE_URL", url)
    monkeypatch.setenv("NHACHAN_AGENCIES_DIR", str(DATA / "agencies"))
    # Nothing listens here: a verb that reached for the engine would fail differently.
    monkeypatch.setenv("NHACHAN_TEMPORAL_ADDRESS", "127.0.0.1:9")
    get_settings.cache_clear()
    upgrade_schema(url)
    yield get_settings()
    get_settings.cache_clear()


def store(settings: Settings, path: Path, *, started: bool, year: int | None = None) -> str:
    directory = load_unit_directory(settings.units_file)
    imported = read_plan(path, directory=directory, year=year, agencies_dir=settings.agencies_dir)
    with session_scope(settings.resolved_database_url()) as session:
        store_plan(session, imported=imported, directory=directory)
        if started:
            stored = get_plan(session, imported.key)
            assert stored is not None
            mark_plan_started(session, stored, now=datetime.now(UTC))
    return imported.key


def report_statuses(settings: Settings, plan_key: str, statuses: dict[str, str]) -> None:
    """What the engine's projection would hold once the tasks reported."""
    with session_scope(settings.resolved_database_url()) as session:
        plan = get_plan(session, plan_key)
        assert plan is not None
        for task in session.exec(select(Task).where(Task.plan_id == plan.id)):
            task.status = statuses.get(task.code, "active")
            session.add(task)


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def as_json(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def error_line(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def two_agencies(settings: Settings) -> Settings:
    """The seed (started, two tasks overdue, one done) and Quảng Ngãi's plan (imported only)."""
    store(settings, SEED, started=True)
    report_statuses(settings, SEED_KEY, {"I.1": "overdue", "I.2": "overdue", "I.3": "done"})
    assert store(settings, QNG_FILE, started=False) == QNG_KEY
    return settings


def test_plans_lists_every_agencys_plans_with_their_counts(
    two_agencies: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = as_json(run("plans", "--json"))
    assert document["agency"] is None
    lines = {line["key"]: line for line in document["plans"]}
    assert set(lines) == {SEED_KEY, QNG_KEY}
    seed, qng = lines[SEED_KEY], lines[QNG_KEY]
    assert (seed["agency_code"], seed["agency_name"]) == (
        "snv-binh-dinh",
        "Sở Nội vụ tỉnh Bình Định",
    )
    assert (seed["year"], seed["last_year"], seed["tasks"]) == (2023, None, 32)
    assert (seed["started"], seed["open"], seed["overdue"]) == (True, 31, 2)
    assert qng["agency_code"] == "svhttdl-quang-ngai"
    assert (qng["year"], qng["last_year"], qng["tasks"]) == (2025, 2026, 4)
    # Not started: every task is still open, none overdue.
    assert (qng["started"], qng["started_at"], qng["open"], qng["overdue"]) == (False, None, 4, 0)

    monkeypatch.setattr(console, "_width", 200)
    table = run("plans")
    assert table.exit_code == 0, table.output
    assert "Sở Nội vụ tỉnh Bình Định (snv-binh-dinh)" in table.stdout
    assert "2025–2026" in table.stdout, table.stdout
    assert QNG_KEY in table.stdout, table.stdout


def test_plans_of_one_agency(two_agencies: Settings) -> None:
    document = as_json(run("plans", "--agency", "svhttdl-quang-ngai", "--json"))
    assert document["agency"] == "svhttdl-quang-ngai"
    assert [line["key"] for line in document["plans"]] == [QNG_KEY]


def test_an_unknown_agency_is_refused_naming_the_known_ones(two_agencies: Settings) -> None:
    for verb in (("plans",), ("status",), ("tasks",), ("history", "I.1")):
        result = run(*verb, "--agency", "snv-gia-lai")
        assert result.exit_code != 0
        line = error_line(result)
        assert "'snv-gia-lai'" in line
        assert "svhttdl-quang-ngai" in line and "snv-binh-dinh" in line


def test_the_agencys_only_running_plan_is_the_one_chosen(two_agencies: Settings) -> None:
    settings = two_agencies
    store(settings, QNG_FILE, started=True)
    # Two plans run: the agency names one.
    assert error_line(run("status")).startswith("error: 2 plans are running, name one")
    status = as_json(run("status", "--agency", "svhttdl-quang-ngai", "--json"))
    assert (status["plan"], status["agency"]) == (QNG_KEY, "svhttdl-quang-ngai")
    assert [t["code"] for t in status["tasks"]] == ["I.1", "I.2", "I.3", "I.4"]
    # A plan named with an agency it is not of is refused.
    result = run("status", "--plan", QNG_KEY, "--agency", "snv-binh-dinh")
    assert error_line(result) == (
        f"error: plan {QNG_KEY} is of agency svhttdl-quang-ngai, not snv-binh-dinh"
    )


def test_several_running_plans_of_the_agency_are_listed(
    two_agencies: Settings, tmp_path: Path
) -> None:
    settings = two_agencies
    other = tmp_path / "other.csv"
    other.write_text(OTHER, encoding="utf-8")
    other_key = store(settings, other, started=True, year=2024)
    line = error_line(run("status", "--agency", "snv-binh-dinh"))
    assert line.startswith("error: 2 plans of agency snv-binh-dinh are running, name one with")
    assert SEED_KEY in line and other_key in line and QNG_KEY not in line
    with session_scope(settings.resolved_database_url()) as session:
        assert len(session.exec(select(Plan)).all()) == 3


def test_tasks_shows_the_agencys_plan_imported_last(two_agencies: Settings) -> None:
    # The seed was imported first, Quảng Ngãi's plan last.
    assert as_json(run("tasks", "--json"))["plan"]["key"] == QNG_KEY
    seed = as_json(run("tasks", "--agency", "snv-binh-dinh", "--json"))
    assert (seed["plan"]["key"], seed["plan"]["agency_code"]) == (SEED_KEY, "snv-binh-dinh")
    refused = run("tasks", "--plan", SEED_KEY, "--agency", "svhttdl-quang-ngai")
    assert error_line(refused) == (
        f"error: plan {SEED_KEY} is of agency snv-binh-dinh, not svhttdl-quang-ngai"
    )
