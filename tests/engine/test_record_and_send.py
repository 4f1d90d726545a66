"""`record_and_send` (marker "record-and-send"): the round's projection is written before the
first message of its batch leaves, and a write that fails sends nothing; the same whether the
send blocks (the product's, in a thread) or is a coroutine (a simulation's recorder)."""

import inspect
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment

from activities.record_and_send import record_and_send_activity
from activities.records import SnapshotWriter
from models.payloads import (
    MessageBatch,
    MessageKind,
    MessageResult,
    MessageToSend,
    NotificationRequest,
    SendResult,
)
from models.statuses import MilestoneStatus
from models.workflow_messages import RecordedBatch
from storage.db import session_scope
from storage.progress import UnknownTask, milestones_by_task
from tests.engine.test_snapshot_writer import snapshot, stored_seed

AT = datetime(2023, 3, 24, 1, 0, tzinfo=UTC)


def stored_plan(tmp_path: Path) -> tuple[str, str, str]:
    url, imported = stored_seed(tmp_path)
    return url, imported.key, imported.tasks[0].code


def batch(plan_key: str, task_code: str) -> MessageBatch:
    request = NotificationRequest(
        key=f"{plan_key}/{task_code}/1/reminder/{AT.isoformat()}",
        workflow_id=f"{plan_key}/{task_code}",
        kind=MessageKind.REMINDER,
        plan_key=plan_key,
        task_code=task_code,
        task_title="",
        milestone_key="1",
        milestone_label="Tháng 3",
        scheduled_at=AT,
        recipients=["van-phong"],
    )
    return MessageBatch(messages=[MessageToSend(request)], at=AT)


async def ran(activity: Callable[..., object], job: RecordedBatch) -> Any:
    """The activity run as the worker runs it: awaited when it is a coroutine."""
    result = ActivityEnvironment().run(activity, job)
    return await result if inspect.isawaitable(result) else result


def statuses(url: str, plan_key: str, task_code: str) -> list[MilestoneStatus | None]:
    with session_scope(url) as session:
        found = milestones_by_task(session, plan_key=plan_key).get(task_code, [])
        return [m.status for m in found]


@pytest.mark.parametrize("coroutine", [False, True], ids=["in-a-thread", "on-the-loop"])
async def test_the_write_ends_before_the_first_message_leaves(
    tmp_path: Path, coroutine: bool
) -> None:
    url, plan_key, code = stored_plan(tmp_path)
    seen: list[list[MilestoneStatus | None]] = []

    def send(sent: MessageBatch) -> list[MessageResult]:
        seen.append(statuses(url, plan_key, code))
        return [MessageResult(m.request.key, SendResult.SETTLED) for m in sent.messages]

    async def send_async(sent: MessageBatch) -> list[MessageResult]:
        return send(sent)

    with ThreadPoolExecutor(max_workers=2) as executor:
        activity = record_and_send_activity(
            SnapshotWriter(url), send_async if coroutine else send, executor
        )
        job = RecordedBatch(snapshot=snapshot(plan_key, code), batch=batch(plan_key, code))
        results = await ran(activity, job)
    assert [r.result for r in results] == [SendResult.SETTLED]
    # What the message leaves with is already on the dashboard: the snapshot's open milestone.
    assert seen == [[MilestoneStatus.OPEN]]


@pytest.mark.parametrize("coroutine", [False, True], ids=["in-a-thread", "on-the-loop"])
async def test_a_write_that_fails_sends_nothing(tmp_path: Path, coroutine: bool) -> None:
    url, plan_key, code = stored_plan(tmp_path)
    sent: list[MessageBatch] = []

    def send(asked: MessageBatch) -> list[MessageResult]:
        sent.append(asked)
        return []

    async def send_async(asked: MessageBatch) -> list[MessageResult]:
        return send(asked)

    with ThreadPoolExecutor(max_workers=2) as executor:
        activity = record_and_send_activity(
            SnapshotWriter(url), send_async if coroutine else send, executor
        )
        job = RecordedBatch(snapshot=snapshot(plan_key, "IX.99"), batch=batch(plan_key, code))
        with pytest.raises(UnknownTask, match=r"IX\.99"):
            await ran(activity, job)
    assert sent == []
