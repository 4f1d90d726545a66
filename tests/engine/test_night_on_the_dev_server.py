"""Outside office hours on the real dev server and the real clock, with the real notification
activity: `scheduler.py evidence` is answered at once, the milestone is recorded as done, and
its messages wait in the log, queued, for the opening. Every run carries its generation, and
`scheduler.py generations` counts the open ones.

The test's office hours are set around the present to exclude it, with the next opening at least
an hour away at any hour of the day, and its calendar makes today a working day."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta
from pathlib import Path

import pendulum
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from control import starting
from control.runtime import build_worker, start_dev_server
from models.statuses import MilestoneStatus
from models.tables import NotificationLog, NotificationStatus
from notifications.office_hours import next_office_opening
from scheduler import app
from settings import Settings, get_settings
from storage.db import session_scope, upgrade_schema
from tests.engine.test_dev_server import milestone_status
from tests.support.engine import deployment_settings, eventually, plan_csv, policy_at
from workflows import markers
from workflows import search_attributes as sa

LOCAL_TZ = "Asia/Ho_Chi_Minh"


def closed_office_hours(now: datetime) -> tuple[time, time]:
    """Office hours of today that exclude `now` (local), the next opening an hour away or more."""
    if now.hour >= 22:
        return time(1, 0), time(2, 0)
    if now.hour >= 2:
        return time(0, 0), (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    return (now + timedelta(hours=1)).time().replace(microsecond=0), (
        now + timedelta(hours=2)
    ).time().replace(microsecond=0)


def night_settings(folder: Path, tasks: str) -> Settings:
    """Settings of a deployment in `folder` whose office is closed now (the next opening an
    hour away or more), today a working day, and a plan of `tasks` (CSV rows after the header
    and the section line); the policy's times fall at the opening, so the worker accepts it."""
    now = pendulum.now(LOCAL_TZ)
    opens, closes = closed_office_hours(now)
    today = now.date()
    calendar = folder / "calendar"
    calendar.mkdir()
    (calendar / f"{today.year}.yaml").write_text(
        f"year: {today.year}\nworking_days:\n"
        f"  - {{date: {today.isoformat()}, name: test day, decision: the test}}\n",
        encoding="utf-8",
    )
    return deployment_settings(
        folder,
        task_queue="nhachan-night",
        calendar_dir=calendar,
        policy_file=policy_at(folder, opens.strftime("%H:%M")),
        plan_file=plan_csv(folder, "I. CHỈ ĐẠO", tasks),
        office_opens=opens,
        office_closes=closes,
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    today = pendulum.now(LOCAL_TZ).date()
    return night_settings(
        tmp_path, f"1,Xây dựng kế hoạch,Văn phòng Sở,,Tháng {today.month}/{today.year},\n"
    )


def rows(settings: Settings, kind: str) -> list[NotificationStatus]:
    with session_scope(settings.resolved_database_url()) as session:
        found = session.exec(select(NotificationLog).where(NotificationLog.kind == kind)).all()
        return [row.status for row in found]


async def test_evidence_at_night_is_answered_at_once_and_its_messages_wait(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = pendulum.now("UTC")
    opening = next_office_opening(settings.working_calendar, now)
    assert opening is not None and opening - now >= timedelta(minutes=50)
    upgrade_schema(settings.resolved_database_url())
    env = await start_dev_server(settings)
    async with env:
        with ThreadPoolExecutor(max_workers=8) as executor:
            async with build_worker(env.client, settings, executor=executor):
                report = await starting.start_plan(
                    env.client, settings, settings.plan_file, year=now.year
                )
                key = report.plan_key
                # The task plans itself and writes where it stands at once, office or not.
                await eventually(lambda: milestone_status(settings, "I.1") is not None)

                monkeypatch.setenv("NHACHAN_TEMPORAL_ADDRESS", settings.temporal_address)
                monkeypatch.setenv("NHACHAN_DATABASE_URL", settings.resolved_database_url())
                monkeypatch.setenv("NHACHAN_TASK_QUEUE", settings.task_queue)
                monkeypatch.setenv("NHACHAN_OFFICE_OPENS", settings.office_opens.isoformat())
                monkeypatch.setenv("NHACHAN_OFFICE_CLOSES", settings.office_closes.isoformat())
                monkeypatch.setenv("NHACHAN_CALENDAR_DIR", str(settings.calendar_dir))
                monkeypatch.setenv("NHACHAN_POLICY_FILE", str(settings.policy_file))

                def cli(*args: str) -> tuple[int, str]:
                    get_settings.cache_clear()
                    try:
                        result = CliRunner().invoke(app, list(args))
                    finally:
                        get_settings.cache_clear()
                    return result.exit_code, result.output

                code, output = await asyncio.to_thread(
                    cli, "evidence", "I.1", "--by", "van-phong", "--document", "5/KH", "--plan", key
                )
                assert code == 0, output
                # Recorded, while the office is still closed ...
                await eventually(lambda: milestone_status(settings, "I.1") in _DONE)
                assert pendulum.now("UTC") < opening
                # ... and its messages logged, waiting for the opening, none sent.
                await eventually(lambda: rows(settings, "evidence_received"))
                await eventually(lambda: rows(settings, "closing"))
                assert NotificationStatus.SENT not in rows(settings, "evidence_received")
                assert NotificationStatus.SENT not in rows(settings, "closing")

                # Every run says its generation: the plan's and the task's are open.
                current = markers.generations()[-1]
                query = f'{sa.PLAN.name} = "{key}" AND {sa.GENERATION.name} = "{current}"'

                async def listed() -> int:
                    return len([w.id async for w in env.client.list_workflows(query)])

                for _ in range(60):
                    if await listed() >= 2:
                        break
                    await asyncio.sleep(0.5)
                assert await listed() == 2
                code, output = await asyncio.to_thread(cli, "generations", "--json")
                assert code == 0, output
                document = json.loads(output)
                assert document["current"] == current
                counted = {g["generation"]: g["open_runs"] for g in document["generations"]}
                assert counted[current] >= 2


_DONE = (MilestoneStatus.DONE_ON_TIME, MilestoneStatus.DONE_LATE)
