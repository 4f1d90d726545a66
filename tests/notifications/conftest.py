from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlmodel import select
from temporalio.common import RetryPolicy
from temporalio.testing import ActivityEnvironment

from models.payloads import NotificationRequest
from models.statuses import MilestoneStatus
from models.tables import Milestone, Plan, Task
from plan_import import read_plan
from plan_import.units import load_unit_directory
from settings import DATA_DIR, get_settings
from storage.db import session_scope, upgrade_schema
from storage.plans import store_plan
from tests.notifications.servers import SmtpServer, ZaloApi
from tests.support.postgres import private_postgres

PLAN_KEY = "snv-binh-dinh-cchc-2023"
ZALO_TOKEN = "1234567890:AbCdEfGhIjKlMnOpQrSt"
T = TypeVar("T")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def zalo() -> Iterator[ZaloApi]:
    api = ZaloApi()
    server = api.serve()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


@dataclasses.dataclass
class Product:
    """The product configured for one test: a database holding the real 2023 plan, a contacts
    file, and the settings pointing at both."""

    database_url: str
    root: Path
    monkeypatch: pytest.MonkeyPatch

    def contacts(self, text: str) -> Path:
        path = self.root / f"contacts-{abs(hash(text))}.yaml"
        path.write_text(text, encoding="utf-8")
        self.setting("CONTACTS", str(path))
        return path

    def setting(self, name: str, value: str) -> None:
        self.monkeypatch.setenv(f"NHACHAN_{name}", value)
        get_settings.cache_clear()

    def outbox(self, name: str) -> Path:
        return self.root / "outbox" / name

    def outbox_files(self, name: str) -> list[Path]:
        folder = self.outbox(name)
        return sorted(folder.iterdir()) if folder.is_dir() else []

    def milestone(
        self,
        task_code: str,
        key: str,
        *,
        due_at: datetime | None,
        status: MilestoneStatus,
        label: str = "",
    ) -> None:
        """What the engine records of a milestone (its projection of the task's workflow)."""
        with session_scope(self.database_url) as session:
            task = session.exec(
                select(Task).join(Plan).where(Plan.key == PLAN_KEY, Task.code == task_code)
            ).one()
            assert task.id is not None
            row = session.exec(
                select(Milestone).where(Milestone.task_id == task.id, Milestone.key == key)
            ).first() or Milestone(task_id=task.id, key=key, order=1, text=task.deadline_text)
            row.label = label
            row.due_at = due_at
            row.status = status
            session.add(row)


@pytest.fixture
def product(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Product]:
    yield from _product(f"sqlite:///{tmp_path / 'nhachan.db'}", tmp_path, monkeypatch)


@pytest.fixture
def postgres_product(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Product]:
    with private_postgres() as database_url:
        yield from _product(database_url, tmp_path, monkeypatch)


def _product(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Product]:
    upgrade_schema(database_url)
    directory = load_unit_directory(DATA_DIR / "units.yaml")
    imported = read_plan(DATA_DIR / "plans" / "snv-binh-dinh-cchc-2023.txt", year=2023)
    assert imported.key == PLAN_KEY
    with session_scope(database_url) as session:
        store_plan(session, imported=imported, directory=directory)
    monkeypatch.setenv("NHACHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("NHACHAN_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("NHACHAN_PUBLIC_URL", "https://nhachan.snv.binhdinh.gov.vn")
    monkeypatch.delenv("NHACHAN_CONTACTS", raising=False)
    get_settings.cache_clear()
    yield Product(database_url, tmp_path, monkeypatch)
    get_settings.cache_clear()


def run_activity(
    fn: Callable[[Any], T],
    arg: Any,
    *,
    at: datetime,
    attempt: int = 1,
    maximum_attempts: int = 8,
) -> T:
    """Run an activity as Temporal's attempt `attempt` of `maximum_attempts`, scheduled `at`."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        env.info,
        activity_type=getattr(fn, "__name__", "activity"),
        attempt=attempt,
        current_attempt_scheduled_time=at,
        started_time=at,
        retry_policy=RetryPolicy(maximum_attempts=maximum_attempts),
    )
    return env.run(fn, arg)


def notification(
    kind: str,
    *,
    task_code: str = "VI.2",
    title: str = "Xây dựng Nghị quyết và định mức đơn giá dịch vụ sự nghiệp công cơ bản",
    milestone_key: str = "1",
    label: str = "Tháng 4/2023",
    recipients: tuple[str, ...] = ("ttlt",),
    scheduled_at: datetime,
    due_at: datetime | None = datetime(2023, 4, 28, 10, 0, tzinfo=UTC),
    evidence_hint: str = "Nghị quyết có số, ngày ban hành",
) -> NotificationRequest:
    workflow_id = f"{PLAN_KEY}/{task_code}"
    return NotificationRequest(
        key=f"{workflow_id}/{milestone_key}/{kind}/lead/{scheduled_at.isoformat()}",
        workflow_id=workflow_id,
        kind=kind,
        plan_key=PLAN_KEY,
        task_code=task_code,
        task_title=title,
        milestone_key=milestone_key,
        milestone_label=label,
        scheduled_at=scheduled_at,
        recipients=list(recipients),
        due_at=due_at,
        evidence_hint=evidence_hint,
    )
