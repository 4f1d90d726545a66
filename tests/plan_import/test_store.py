"""Storing an imported plan: everything once, nothing twice, and exactly what changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from models.statuses import TaskStatus
from models.tables import Agency, Plan, Task, Unit, UnitRole
from plan_import import read_plan
from plan_import.units import BUNDLED_UNITS_FILE, UnitDirectory, load_unit_directory
from storage.db import session_scope, upgrade_schema
from storage.plans import (
    FieldChange,
    PlanChanges,
    PlanNotStorable,
    get_plan,
    latest_plan,
    list_tasks,
    store_plan,
)
from tests.plan_import.seed_table import EXPECTED_TASKS, SEED
from tests.support.postgres import private_postgres

VII_8_ROW = "8\tTriển lãm thực tế ảo\tTrung tâm lưu trữ lịch sử tỉnh\tCác đơn vị có liên quan\tTháng 8/2023\t\n"  # noqa: E501


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'nhachan.db'}"
    upgrade_schema(url)
    return url


@pytest.fixture(scope="module")
def directory() -> UnitDirectory:
    return load_unit_directory(BUNDLED_UNITS_FILE)


def _store(url: str, path: Path, directory: UnitDirectory) -> PlanChanges:
    imported = read_plan(path, directory=directory)
    with session_scope(url) as session:
        return store_plan(session, imported=imported, directory=directory)


def test_the_seed_is_stored_once(db: str, directory: UnitDirectory) -> None:
    first = _store(db, SEED, directory)
    assert first.created
    assert first.tasks_added == [t[0] for t in EXPECTED_TASKS]
    with session_scope(db) as session:
        plan = get_plan(session, "snv-binh-dinh-cchc-2023")
        assert plan is not None
        imported_at = plan.imported_at
        assert plan.number == "/KH-SNV"
        assert plan.stated_task_count == 33
        assert [w["where"] for w in plan.warnings][:2] == ["line 3", "line 3"]
        assert len(plan.warnings) == 13
        tasks = list_tasks(session, plan_key=plan.key)
        assert [
            (
                t.code,
                t.title,
                t.lead_units,
                t.coordinating_units,
                t.unresolved_units,
                t.deadline_text,
            )
            for t in tasks
        ] == EXPECTED_TASKS
        units = {u.code: u.role for u in session.exec(select(Unit))}
        assert units["cchc-vtlt"] is UnitRole.COORDINATOR
        assert units["lanh-dao"] is UnitRole.LEADERSHIP
        assert len(units) == 8
        assert session.exec(select(Agency)).one().name == "Sở Nội vụ tỉnh Bình Định"

    again = _store(db, SEED, directory)
    assert again.unchanged
    with session_scope(db) as session:
        plan = get_plan(session, "snv-binh-dinh-cchc-2023")
        assert plan is not None
        assert plan.imported_at == imported_at
        assert len(list_tasks(session)) == 32


def test_a_changed_file_shows_what_changed(
    db: str, directory: UnitDirectory, tmp_path: Path
) -> None:
    _store(db, SEED, directory)
    text = SEED.read_text(encoding="utf-8")
    # A number given is another plan (the key holds it): the date of issue is filled in instead.
    text = text.replace("ngày tháng 12 năm 2022", "ngày 28 tháng 12 năm 2022", 1)
    text = text.replace(
        "Tổ chức tọa đàm về cải cách hành chính\tTrung tâm lưu trữ lịch sử tỉnh",
        "Tổ chức tọa đàm về cải cách hành chính\tBan Tôn giáo",
    )
    text = text.replace("Tháng 9/2023", "Tháng 10/2023")
    text = text.replace(
        VII_8_ROW,
        "",
    )
    text = text.replace("Tổng cộng: 33", "Tổng cộng: 31")
    changed = tmp_path / "snv-binh-dinh-cchc-2023.txt"
    changed.write_text(text, encoding="utf-8")

    changes = _store(db, changed, directory)
    assert changes.tasks_removed == ["VII.8"]
    assert changes.tasks_added == []
    [i6] = changes.tasks_changed
    assert i6.code == "I.6"
    assert i6.fields == [
        FieldChange("lead_units", ["ttlt"], ["ban-ton-giao"]),
        FieldChange(
            "coordinating_units",
            ["van-phong", "phong-tcbc", "phong-ccvc", "cchc-vtlt", "ban-ton-giao", "ban-tdkt"],
            ["van-phong", "phong-tcbc", "phong-ccvc", "cchc-vtlt", "ban-tdkt", "ttlt"],
        ),
        FieldChange("deadline_text", "Tháng 9/2023", "Tháng 10/2023"),
    ]
    changed_fields = {c.field for c in changes.plan_fields}
    assert changed_fields == {"issue_date", "source_hash", "stated_task_count", "warnings"}
    with session_scope(db) as session:
        assert [t.code for t in list_tasks(session)][-1] == "VII.7"
        plan = latest_plan(session)
        assert plan is not None and plan.issue_date == date(2022, 12, 28)


def test_a_started_task_is_not_removed_silently(
    db: str, directory: UnitDirectory, tmp_path: Path
) -> None:
    _store(db, SEED, directory)
    with session_scope(db) as session:
        task = session.exec(select(Task).where(Task.code == "VII.8")).one()
        task.status = TaskStatus.ACTIVE
        session.add(task)
    shorter = tmp_path / "plan.txt"
    shorter.write_text(
        SEED.read_text(encoding="utf-8").replace(
            VII_8_ROW,
            "",
        ),
        encoding="utf-8",
    )
    with pytest.raises(
        PlanNotStorable,
        match=r"VII\.8 are no longer in the file but the engine has already started",
    ):
        _store(db, shorter, directory)
    with session_scope(db) as session:
        plan = get_plan(session, "snv-binh-dinh-cchc-2023")
        assert plan is not None
        assert plan.source_name == SEED.name
        assert len(list_tasks(session)) == 32


def test_errors_are_not_stored_new_units_are(
    db: str, directory: UnitDirectory, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_text(
        SEED.read_text(encoding="utf-8").replace("\tTháng 8/2023\t", "\t\t"), encoding="utf-8"
    )
    with pytest.raises(PlanNotStorable, match="1 error"):
        _store(db, broken, directory)
    with session_scope(db) as session:
        assert session.exec(select(Plan)).all() == []
        assert session.exec(select(Unit)).all() == []

    path = tmp_path / "plan.txt"
    path.write_text(
        SEED.read_text(encoding="utf-8").replace(
            "\tPhòng TCBC và TCPCP\tCác đơn vị liên quan", "\tThanh tra Sở\tCác đơn vị liên quan"
        ),
        encoding="utf-8",
    )
    # A unit nobody knows is recorded as new (the report lists it), no flag needed.
    changes = _store(db, path, directory)
    assert changes.units_added[-1] == "thanh-tra-so"
    with session_scope(db) as session:
        assert [t.lead_units for t in list_tasks(session) if t.code == "VII.5"] == [
            ["thanh-tra-so"]
        ]


def test_plans_of_two_years_live_side_by_side(db: str, directory: UnitDirectory) -> None:
    _store(db, SEED, directory)
    with session_scope(db) as session:
        store_plan(session, imported=read_plan(SEED, year=2024), directory=directory)
    with session_scope(db) as session:
        latest = latest_plan(session)
        assert latest is not None and latest.key == "snv-binh-dinh-cchc-2024"
        assert len(list_tasks(session, plan_key="snv-binh-dinh-cchc-2023")) == 32
        assert len(list_tasks(session)) == 64


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with private_postgres() as url:
        upgrade_schema(url)
        yield url


def test_postgresql_stores_the_same_and_nothing_twice(
    postgres_url: str, directory: UnitDirectory
) -> None:
    first = _store(postgres_url, SEED, directory)
    assert first.created
    assert _store(postgres_url, SEED, directory).unchanged
    with session_scope(postgres_url) as session:
        assert [
            (
                t.code,
                t.title,
                t.lead_units,
                t.coordinating_units,
                t.unresolved_units,
                t.deadline_text,
            )
            for t in list_tasks(session, plan_key="snv-binh-dinh-cchc-2023")
        ] == EXPECTED_TASKS
