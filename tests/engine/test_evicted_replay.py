"""A worker whose workflow cache holds one workflow evicts the others after every workflow task:
each replays its history when it next wakes. The same plan, the same messages and the same span
of time give the same messages and the same end as with the default cache."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from control import operations
from control.permissions import Actor
from models.tables import UnitRole
from models.workflow_messages import (
    EventOccurrence,
    EvidenceSubmission,
    ExtensionGrant,
    ExtensionRequest,
    Reassignment,
)
from settings import get_settings
from simulation.run import local_start, simulated_plan
from tests.engine.conftest import run_async

PLAN = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO,,,,,
1,Xây dựng kế hoạch,Văn phòng Sở,Phòng TCBC và TCPCP,Tháng 3/2023,
2,Thực hiện theo quyết định,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,
3,Tuyển dụng,Văn phòng Sở,,Theo Kế hoạch tuyển dụng của UBND tỉnh,
4,Xử lý kiến nghị,Ban Tôn giáo,,Khi có phát sinh,
5,Báo cáo quý,Văn phòng Sở,,Hằng quý,
"""
COORDINATOR = Actor("cchc-vtlt", UnitRole.COORDINATOR)
LEAD = Actor("van-phong", UnitRole.UNIT)
START = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)  # Wednesday 01/03/2023 09:00 in Vietnam

Outcome = tuple[list[tuple[str, ...]], list[tuple[str, ...]]]


def minute(instant: datetime) -> str:
    return instant.replace(second=0, microsecond=0).isoformat()


async def a_spring(plan_file: Path, cached: int | None) -> Outcome:
    """Every kind of message into the plan's tasks, and six weeks of timers; the messages asked
    for and where each task ends."""
    settings = get_settings()
    if cached is not None:
        settings = settings.model_copy(
            update={
                "worker_max_cached_workflows": cached,
                "worker_max_concurrent_workflow_tasks": 2,
            }
        )
    async with simulated_plan(plan_file, start_at=START, settings=settings, year=2023) as sim:
        key, client = sim.report.plan_key, sim.client

        async def at(day: date, hour: int = 10) -> None:
            await sim.sleep_until(local_start(day) + timedelta(hours=hour))

        await at(date(2023, 3, 1))
        decided = EventOccurrence("ubnd-tinh-ban-hanh", date(2023, 2, 27), decision="12/QĐ-UBND")
        await operations.trigger_event(client, key, decided, actor=COORDINATOR)
        await operations.trigger_event(
            client, key, EventOccurrence("phat-sinh", date(2023, 2, 20)), actor=COORDINATOR
        )
        asked = ExtensionRequest("1", date(2023, 4, 14), "chờ số liệu", "van-phong")
        await operations.request_extension(client, key, "I.1", asked, actor=LEAD)
        await at(date(2023, 3, 8))
        grant = ExtensionGrant("1", date(2023, 4, 7), "đã xem lại", "cchc-vtlt")
        await operations.grant_extension(client, key, "I.1", grant, actor=COORDINATOR)
        handover = Reassignment(["phong-ccvc"], "nhiệm vụ mới", "cchc-vtlt")
        await operations.reassign_lead(client, key, "I.3", handover, actor=COORDINATOR)
        await at(date(2023, 3, 20))
        done = EvidenceSubmission("1", "van-phong", document_number="5/KH-SNV")
        await operations.submit_evidence(client, key, "I.2", done, actor=LEAD)
        await at(date(2023, 4, 14))
        # A decision's message is dated when the update was applied: to the minute, then.
        sent = sorted(
            (r.task_code, r.milestone_key, str(r.kind), minute(r.scheduled_at), *r.recipients)
            for r in sim.recorder.requests
        )
        ended = []
        for code in ("I.1", "I.2", "I.3", "I.4", "I.5"):
            snapshot = await operations.task_snapshot(client, key, code)
            ended.append(
                (
                    code,
                    str(snapshot.display_status),
                    ",".join(snapshot.lead_units),
                    *(f"{m.key}:{m.status}:{m.due}" for m in snapshot.milestones),
                )
            )
        return sent, ended


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("evicted") / "spring.csv"
    path.write_text(PLAN, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cached(plan_file: Path) -> Outcome:
    return run_async(a_spring(plan_file, cached=None))


@pytest.fixture(scope="module")
def evicted(plan_file: Path) -> Outcome:
    return run_async(a_spring(plan_file, cached=1))


def test_a_tiny_cache_sends_the_same_messages(cached: Outcome, evicted: Outcome) -> None:
    kinds = {message[2] for message in cached[0]}
    # The spring had timers, an event, an extension asked for and granted, and evidence.
    assert {"reminder", "clock_started", "extension_request", "extension_granted"} <= kinds
    assert evicted[0] == cached[0]


def test_a_tiny_cache_ends_every_task_the_same_way(cached: Outcome, evicted: Outcome) -> None:
    ended = {task[0]: task for task in cached[1]}
    assert ended["I.3"][2] == "phong-ccvc"
    assert ended["I.2"][3].startswith("1:done")
    assert evicted[1] == cached[1]
