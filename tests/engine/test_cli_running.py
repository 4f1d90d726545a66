"""The verbs on a running plan as people type them: which plan they act on, who may act (each
refusal one line, before the engine is reached), and `status` in Vietnamese within 100
columns. The engine's record is written by hand here; no Temporal server runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from commands.output import console
from control.operations import NoPlanChosen, running_plan_key
from deadlines import MilestoneKind, StepAction
from models.statuses import DisplayStatus, MilestoneStatus, TaskStatus
from models.workflow_messages import MilestoneView, NextAction, TaskSnapshot
from plan_import import read_plan
from plan_import.units import load_unit_directory
from scheduler import app
from settings import PROJECT_ROOT, Settings, get_settings
from storage.db import session_scope, upgrade_schema
from storage.plans import get_plan, mark_plan_started, store_plan
from storage.progress import save_task_snapshot

SEED = PROJECT_ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt"
SEED_KEY = "snv-binh-dinh-cchc-2023"
OTHER = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO,,,,,
1,Xây dựng kế hoạch,Văn phòng Sở,,Tháng 3/2024,
"""
runner = CliRunner()


@dataclass
class Record:
    settings: Settings
    tmp_path: Path

    def store(self, path: Path, *, started: bool, year: int | None = None) -> str:
        directory = load_unit_directory(self.settings.units_file)
        imported = read_plan(path, directory=directory, year=year)
        with session_scope(self.settings.resolved_database_url()) as session:
            store_plan(session, imported=imported, directory=directory)
            if started:
                stored = get_plan(session, imported.key)
                assert stored is not None
                mark_plan_started(session, stored, now=datetime.now(UTC))
        return imported.key

    def other_plan(self) -> Path:
        path = self.tmp_path / "other.csv"
        path.write_text(OTHER, encoding="utf-8")
        return path

    def report(self, snapshot: TaskSnapshot) -> None:
        with session_scope(self.settings.resolved_database_url()) as session:
            save_task_snapshot(session, snapshot=snapshot)


@pytest.fixture
def record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Record]:
    url = f"sqlite:///{tmp_path / 'nhachan.db'}"
    monkeypatch.setenv("NHACHAN_DATABASE_URL", url)
    # Nothing listens here: a verb that reached for the engine would fail differently.
    monkeypatch.setenv("NHACHAN_TEMPORAL_ADDRESS", "127.0.0.1:9")
    get_settings.cache_clear()
    upgrade_schema(url)
    yield Record(get_settings(), tmp_path)
    get_settings.cache_clear()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def error_line(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


# ----------------------------------------------------------------------------- which plan


def test_no_plan_running_is_said_in_one_line(record: Record) -> None:
    record.store(SEED, started=False)  # imported, never started
    result = run("status")
    assert result.exit_code == 1
    assert error_line(result) == ("error: no plan is running: `scheduler.py start FILE` starts one")


def test_the_only_plan_running_is_the_one_acted_on_whatever_was_imported_since(
    record: Record,
) -> None:
    record.store(SEED, started=True)
    other = record.other_plan()
    # Importing and previewing another plan change nothing of what the verbs act on.
    assert run("import", str(other), "--year", "2024").exit_code == 0
    assert run("preview", str(other), "--year", "2024", "--json").exit_code == 0
    assert running_plan_key(record.settings) == SEED_KEY
    status = run("status", "--json")
    assert status.exit_code == 0, status.output
    assert f'"plan": "{SEED_KEY}"' in status.stdout.replace('":"', '": "')


def test_several_plans_running_are_listed_and_one_must_be_named(record: Record) -> None:
    record.store(SEED, started=True)
    other_key = record.store(record.other_plan(), started=True, year=2024)
    result = run("status")
    assert result.exit_code == 1
    line = error_line(result)
    assert line.startswith("error: 2 plans are running, name one with --plan: ")
    assert SEED_KEY in line and other_key in line
    assert run("status", "--plan", other_key, "--json").exit_code == 0


def test_a_plan_named_must_exist_and_be_running(record: Record) -> None:
    other_key = record.store(record.other_plan(), started=False, year=2024)
    with pytest.raises(NoPlanChosen, match="no plan 'nope' in the database"):
        running_plan_key(record.settings, "nope")
    result = run("status", "--plan", other_key)
    assert result.exit_code == 1
    assert error_line(result) == (
        f"error: plan {other_key} has been imported but not started: "
        "`scheduler.py start FILE` starts it"
    )


# ----------------------------------------------------------------------------- who acts

REFUSED = [
    # A unit does not decide.
    (
        ["extend", "I.1", "--until", "2023-05-31", "--reason", "x", "--by", "van-phong"],
        "van-phong (unit) may not grant an extension: only the coordinator does",
    ),
    (
        ["refuse", "I.1", "--reason", "x", "--by", "van-phong"],
        "van-phong (unit) may not refuse an extension: only the coordinator does",
    ),
    (
        ["reassign", "I.1", "--lead", "ttlt", "--reason", "x", "--by", "van-phong"],
        "van-phong (unit) may not reassign a task: only the coordinator does",
    ),
    (
        ["cancel", "I.1", "--reason", "x", "--by", "van-phong"],
        "van-phong (unit) may not cancel a task: only the coordinator does",
    ),
    (
        ["cancel", "I.1", "--carry-over", "--reason", "x", "--by", "Văn phòng Sở"],
        "van-phong (unit) may not carry a task over: only the coordinator does",
    ),
    (
        ["event", "ubnd-tinh-ban-hanh", "--date", "2023-03-10", "--by", "ttlt"],
        "ttlt (unit) may not record an event: only the coordinator does",
    ),
    # A unit acts for itself only.
    (
        ["evidence", "I.1", "--document", "1/KH", "--by", "ttlt", "--for", "van-phong"],
        "ttlt (unit) may not deliver evidence for van-phong: a unit acts only for itself",
    ),
    (
        [
            "extend",
            "I.1",
            "--request",
            "--until",
            "2023-05-31",
            "--reason",
            "x",
            "--by",
            "ttlt",
            "--for",
            "van-phong",
        ],
        "ttlt (unit) may not ask for an extension for van-phong: a unit acts only for itself",
    ),
    # The leadership reads.
    (
        ["evidence", "I.1", "--document", "1/KH", "--by", "lanh-dao"],
        "lanh-dao (leadership) may not deliver evidence: the leadership reads, it does not act",
    ),
    (
        ["extend", "I.1", "--until", "2023-05-31", "--reason", "x", "--by", "Lãnh đạo Sở"],
        "lanh-dao (leadership) may not grant an extension: the leadership reads, it does not act",
    ),
    (
        ["event", "ubnd-tinh-ban-hanh", "--date", "2023-03-10", "--by", "lanh-dao"],
        "lanh-dao (leadership) may not record an event: the leadership reads, it does not act",
    ),
]


@pytest.mark.parametrize(("args", "message"), REFUSED, ids=[" ".join(a[:2]) for a, _ in REFUSED])
def test_a_role_that_may_not_act_is_refused_in_one_line(
    record: Record, args: list[str], message: str
) -> None:
    record.store(SEED, started=True)
    result = run(*args)
    assert result.exit_code == 1
    assert error_line(result) == f"error: {message}"


def test_an_unknown_unit_is_a_usage_error(record: Record) -> None:
    record.store(SEED, started=True)
    result = run("cancel", "I.1", "--reason", "x", "--by", "Phòng không có")
    assert result.exit_code == 2
    assert "unknown unit" in error_line(result)


@pytest.mark.parametrize(
    "args",
    [
        ["evidence", "IX.99", "--by", "van-phong", "--document", "1/BC"],
        ["cancel", "IX.99", "--reason", "x", "--by", "cchc-vtlt"],
        ["history", "IX.99"],
    ],
    ids=["evidence", "cancel", "history"],
)
def test_an_unknown_task_is_a_usage_error_like_an_unknown_unit(
    record: Record, args: list[str]
) -> None:
    # One rule for names no one knows: exit 2, one line naming what is known, and the engine
    # (nothing listens at its address here) never asked.
    record.store(SEED, started=True)
    result = run(*args)
    assert result.exit_code == 2, result.output
    line = error_line(result)
    assert line.startswith(f"error: unknown task 'IX.99' in plan {SEED_KEY} (its tasks: I.1, ")
    assert "workflow not found" not in line


def test_start_names_a_broken_plan_file_even_with_the_engine_down(
    record: Record, tmp_path: Path
) -> None:
    broken = tmp_path / "plan.docx"
    broken.write_bytes(b"not a word document")
    result = run("start", str(broken))
    assert result.exit_code == 1
    assert error_line(result) == (
        "error: plan.docx: not a readable .docx document (File is not a zip file)"
    )
    # A readable plan goes on to the engine, which is down: that is what is said then.
    result = run("start", str(SEED))
    assert result.exit_code == 1
    assert error_line(result).startswith("error: cannot reach Temporal at 127.0.0.1:9")


# ----------------------------------------------------------------------------- status


def test_status_reads_in_vietnamese_with_each_open_milestones_due_date_in_100_columns(
    record: Record, monkeypatch: pytest.MonkeyPatch
) -> None:
    record.store(SEED, started=True)
    overdue = datetime(2023, 1, 31, 10, 0, tzinfo=UTC)
    record.report(
        TaskSnapshot(
            plan_key=SEED_KEY,
            task_code="IV.1",
            title="Kế hoạch",
            status=TaskStatus.ACTIVE,
            lead_units=["phong-ccvc"],
            milestones=[
                MilestoneView(
                    "1", "", MilestoneKind.FIXED, MilestoneStatus.OVERDUE, overdue, None, None
                )
            ],
            next_action=NextAction(
                at=datetime(2023, 2, 7, 1, 0, tzinfo=UTC),
                action=StepAction.ESCALATION,
                milestone_key="1",
                to=["lanh-dao"],
            ),
            display_status=DisplayStatus.OVERDUE,
        )
    )
    record.report(
        TaskSnapshot(
            plan_key=SEED_KEY,
            task_code="I.7",
            title="Báo cáo",
            status=TaskStatus.ACTIVE,
            lead_units=["cchc-vtlt"],
            milestones=[
                MilestoneView(
                    "2023-Q1",
                    "Quý I",
                    MilestoneKind.PERIODIC,
                    MilestoneStatus.DONE_ON_TIME,
                    datetime(2023, 3, 14, 10, 0, tzinfo=UTC),
                    datetime(2023, 3, 13, 2, 0, tzinfo=UTC),
                    None,
                ),
                MilestoneView(
                    "2023-Q2",
                    "Quý II",
                    MilestoneKind.PERIODIC,
                    MilestoneStatus.OPEN,
                    datetime(2023, 6, 14, 10, 0, tzinfo=UTC),
                    None,
                    None,
                ),
            ],
            next_action=None,
        )
    )
    monkeypatch.setattr(console, "_width", 200)
    result = run("status")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    text = result.stdout
    for words in ("Mã", "Tình trạng", "Hạn mốc còn mở", "Tiếp theo", "Chủ trì", "Nhiệm vụ"):
        assert words in text
    iv1 = next(line for line in lines if "IV.1" in line)
    assert "quá hạn" in iv1 and "31/01/2023*" in iv1 and "báo quá hạn" in iv1
    assert "* quá hạn" in lines
    assert "07/02 08:00" in lines[lines.index(iv1) + 1]
    assert "2023-Q2: 14/06/2023" in text and "2023-Q1" not in text  # closed: not shown
    assert "chưa bắt đầu" in text  # the tasks that have not reported yet

    document = run("status", "--json")
    tasks = {t["code"]: t for t in __import__("json").loads(document.stdout)["tasks"]}
    assert tasks["I.7"]["milestones"] == [
        {"key": "2023-Q2", "status": "open", "due": "2023-06-14T17:00:00+07:00"}
    ]
