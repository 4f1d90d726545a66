"""The coordinator rejects delivered evidence, on the time-skipping server: the milestone opens
again, the lead units are told why, the unit delivers again; a task done by its evidence waits
out its review window, and after it a rejection is refused."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowUpdateFailedError

from control import operations
from control.permissions import Actor, NotPermitted
from models.payloads import MessageKind
from models.statuses import MilestoneStatus, TaskStatus
from models.tables import UnitRole
from models.workflow_messages import EvidenceRejection, EvidenceSubmission
from settings import get_settings
from simulation.run import SimulatedPlan, simulated_plan
from workflows.task import EVIDENCE_REVIEW_WINDOW

PLAN = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO,,,,,
1,Xây dựng kế hoạch,Văn phòng Sở,Phòng TCBC và TCPCP,Tháng 3/2023,
2,Báo cáo,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,
"""

COORDINATOR = Actor("cchc-vtlt", UnitRole.COORDINATOR)
LEAD = Actor("van-phong", UnitRole.UNIT)


@pytest.fixture
async def plan(tmp_path: Path) -> AsyncIterator[SimulatedPlan]:
    path = tmp_path / "mini.csv"
    path.write_text(PLAN, encoding="utf-8")
    start = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)  # Wednesday 01/03/2023 09:00 in Vietnam
    async with simulated_plan(path, start_at=start, settings=get_settings(), year=2023) as sim:
        yield sim


def refusal(raised: pytest.ExceptionInfo[WorkflowUpdateFailedError]) -> str:
    return str(getattr(raised.value.cause, "message", raised.value.cause))


async def test_a_rejection_reopens_the_milestone_and_tells_the_lead_unit(
    plan: SimulatedPlan,
) -> None:
    key = plan.report.plan_key
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await operations.reject_evidence(
            plan.client,
            key,
            "I.1",
            EvidenceRejection("1", "thiếu chữ ký", "cchc-vtlt"),
            actor=COORDINATOR,
        )
    assert "no delivered evidence" in refusal(raised)
    # Only the coordinator rejects evidence: a lead unit may not, even its own.
    with pytest.raises(NotPermitted):
        await operations.reject_evidence(
            plan.client, key, "I.1", EvidenceRejection("1", "sai", "van-phong"), actor=LEAD
        )

    delivered = await operations.submit_evidence(
        plan.client,
        key,
        "I.1",
        EvidenceSubmission("1", "van-phong", document_number="1/KH"),
        actor=LEAD,
    )
    assert delivered.status is MilestoneStatus.DONE_ON_TIME
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await operations.reject_evidence(
            plan.client, key, "I.1", EvidenceRejection("1", "  ", "cchc-vtlt"), actor=COORDINATOR
        )
    assert "say why" in refusal(raised)

    # The task is done, and waits out its review window: a rejection still reaches it.
    snapshot = await operations.task_snapshot(plan.client, key, "I.1")
    assert snapshot.status is TaskStatus.DONE
    view = await operations.reject_evidence(
        plan.client,
        key,
        "I.1",
        EvidenceRejection("1", "thiếu chữ ký", "cchc-vtlt"),
        actor=COORDINATOR,
    )
    assert view.status is MilestoneStatus.OPEN and view.closed_at is None
    snapshot = await operations.task_snapshot(plan.client, key, "I.1")
    assert snapshot.status is TaskStatus.ACTIVE
    assert snapshot.next_action is not None and snapshot.next_action.action == "reminder"
    await plan.messages_sent()
    told = [r for r in plan.recorder.requests if r.kind == MessageKind.EVIDENCE_REJECTED]
    assert [(r.task_code, r.recipients, r.note) for r in told] == [
        ("I.1", ["van-phong"], "thiếu chữ ký")
    ]

    again = await operations.submit_evidence(
        plan.client,
        key,
        "I.1",
        EvidenceSubmission("1", "van-phong", document_number="2/KH"),
        actor=LEAD,
    )
    assert again.status is MilestoneStatus.DONE_ON_TIME
    history = await operations.task_handle(plan.client, key, "I.1").query("history")
    assert "evidence_rejected" in [entry["action"] for entry in history]

    # After the window the workflow ends, and nothing can be rejected any more.
    await plan.env.sleep(EVIDENCE_REVIEW_WINDOW + timedelta(days=1))
    result = await operations.task_handle(plan.client, key, "I.1").result()
    assert result.status is TaskStatus.DONE
    # "already completed" on a real server; the test server does not find the update.
    with pytest.raises(Exception, match=r"already completed|not found"):
        await operations.reject_evidence(
            plan.client, key, "I.1", EvidenceRejection("1", "muộn", "cchc-vtlt"), actor=COORDINATOR
        )
