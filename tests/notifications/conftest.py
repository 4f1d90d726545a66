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

from activities.notify import NotifyActivities
from models.payloads import MessageKind, NotificationRequest
from models.statuses import MilestoneStatus
from models.tables import Milestone, Plan, Task
from notifications.channels import register_outbox
from plan_import import read_plan
from plan_import.units import load_unit_directory
from settings import DATA_DIR, Settings
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


@pytest.fixture(scope="session", autouse=True)
def outbox_channel() -> None:
    # What the worker and `notify-test` do at start.
    register_outbox()


@dataclasses.dataclass
class Product:
    """The product configured for one test: a database holding the real 2023 plan, a contacts
    file, and the settings pointing at both, from which the worker builds its activities."""

    database_url: str
    root: Path
    settings: Settings
    notify: NotifyActivities = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.notify = NotifyActivities(self.settings)

    def contacts(self, text: str) -> Path:
        path = self.root / f"contacts-{abs(hash(text))}.yaml"
        path.write_text(text, encoding="utf-8")
        self.configure(contacts=path)
        return path

    def configure(self, **changes: Any) -> None:
        """Change settings; the activities are built again, as a restarted worker does."""
        self.settings = self.settings.model_copy(update=changes)
        self.notify = NotifyActivities(self.settings)

    def environment(self) -> dict[str, str | None]:
        """The settings as the commands read them, from NHACHAN_ variables."""
        contacts = self.settings.contacts
        return {
            "NHACHAN_DATABASE_URL": self.database_url,
            "NHACHAN_VAR_DIR": str(self.settings.var_dir),
            "NHACHAN_PUBLIC_URL": self.settings.public_url,
            "NHACHAN_CONTACTS": str(contacts) if contacts is not None else None,
        }

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
        event_key: str | None = None,
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
            row.event_key = event_key
            session.add(row)


@pytest.fixture
def product(tmp_path: Path) -> Product:
    return _product(f"sqlite:///{tmp_path / 'nhachan.db'}", tmp_path)


@pytest.fixture
def postgres_product(tmp_path: Path) -> Iterator[Product]:
    with private_postgres() as database_url:
        yield _product(database_url, tmp_path)


def _product(database_url: str, tmp_path: Path) -> Product:
    upgrade_schema(database_url)
    directory = load_unit_directory(DATA_DIR / "units.yaml")
    imported = read_plan(DATA_DIR / "plans" / "snv-binh-dinh-cchc-2023.txt", year=2023)
    assert imported.key == PLAN_KEY
    with session_scope(database_url) as session:
        store_plan(session, imported=imported, directory=directory)
    settings = Settings(
        database_url=database_url,
        var_dir=tmp_path / "var",
        public_url="https://nhachan.snv.binhdinh.gov.vn",
        contacts=None,
    )
    return Product(database_url, tmp_path, settings)


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
        kind=MessageKind(kind),
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
