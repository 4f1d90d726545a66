"""A plan started late: every task whose steps had passed sends one catch-up message to its lead
units and the coordinator instead of replaying a step, and the leadership's first report
(the weekly escalations' summary, or the year's summary for a plan started after its year),
composed from the engine's record, counts every milestone really overdue."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from activities.notify import notification_service
from control import operations
from deadlines.local_time import local_iso
from models.payloads import MessageKind
from models.statuses import MilestoneStatus
from models.tables import Milestone, NotificationLog, Task
from models.workflow_messages import HistoryEntry, TaskSnapshot
from notifications.channels import register_outbox
from settings import PROJECT_ROOT, get_settings
from simulation.run import SimulatedPlan, local_start, simulated_plan
from storage.db import session_scope
from workflows.task import TaskWorkflow

SEED = PROJECT_ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt"
COORDINATOR = "cchc-vtlt"


async def test_a_plan_started_late_catches_up_once_and_reports_what_is_really_overdue() -> None:
    start = datetime(2023, 6, 15, 2, 0, tzinfo=UTC)  # Thursday 15/06/2023 09:00 in Vietnam
    async with simulated_plan(SEED, start_at=start, settings=get_settings(), year=2023) as sim:
        await sim.sleep_until(start + timedelta(minutes=5))
        at_start = list(sim.recorder.requests)
        url = sim.settings.resolved_database_url()
        with session_scope(url) as session:
            overdue = session.exec(
                select(Milestone).where(Milestone.status == MilestoneStatus.OVERDUE)
            ).all()
        histories = {code: await _history(sim, code) for code in sim.report.started}

        # Nothing the tasks missed is replayed, the leadership's escalations least of all.
        assert {r.kind for r in at_start} <= {MessageKind.CATCH_UP}
        catch_ups = {r.task_code: r for r in at_start}
        late = {
            code
            for code, history in histories.items()
            if any(entry.action == "caught_up" for entry in history)
        }
        assert set(catch_ups) == late and len(late) >= 13
        for request in catch_ups.values():
            assert local_iso(request.scheduled_at)[:16] == "2023-06-15T09:00"
            assert COORDINATOR in request.recipients
            assert len(request.recipients) == len(set(request.recipients))
        assert len(at_start) == len(catch_ups)  # one per task

        # The record the leadership's reports read holds every overdue milestone from the start.
        really_overdue = 0
        for code in histories:
            view = await _view(sim, code)
            really_overdue += sum(m.status is MilestoneStatus.OVERDUE for m in view.milestones)
        assert len(overdue) == really_overdue == 11

        # The first report goes out with the next scheduled escalation, and counts them all.
        await sim.sleep_until(local_start(date(2023, 6, 24)))
        first = next(
            r for r in sim.recorder.requests if r.kind == MessageKind.ESCALATION_LEADERSHIP
        )
        register_outbox()
        service = notification_service(sim.settings)
        service.send(first, now=first.scheduled_at, last_attempt=True)
        with session_scope(url) as session:
            overdue_then = session.exec(
                select(Milestone).where(Milestone.status == MilestoneStatus.OVERDUE)
            ).all()
            summary = session.exec(
                select(NotificationLog).where(
                    NotificationLog.kind == MessageKind.ESCALATION_LEADERSHIP,
                    NotificationLog.unit_code == "lanh-dao",
                )
            ).all()
        assert summary
        [report] = [
            path.read_text(encoding="utf-8")
            for path in (sim.settings.var_dir / "outbox").rglob("*.txt")
            if "[Báo cáo quá hạn]" in path.read_text(encoding="utf-8")
        ]
        assert f"[Báo cáo quá hạn] {len(overdue_then)} mốc nhiệm vụ quá hạn" in report
        assert len(overdue_then) >= really_overdue


async def _history(sim: SimulatedPlan, code: str) -> list[HistoryEntry]:
    handle = operations.task_handle(sim.client, sim.report.plan_key, code)
    return await handle.query(TaskWorkflow.history)


async def _view(sim: SimulatedPlan, code: str) -> TaskSnapshot:
    return await operations.task_snapshot(sim.client, sim.report.plan_key, code)


async def test_a_plan_started_after_its_year_sends_the_summary_once_its_tasks_have_reported(
    tmp_path: Path,
) -> None:
    plan = tmp_path / "mini.csv"
    plan.write_text(
        "STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú\n"
        "I. CÔNG TÁC CHỈ ĐẠO,,,,,\n"
        "1,Xây dựng kế hoạch,Văn phòng Sở,,Tháng 3/2023,\n"
        "2,Báo cáo,Ban Tôn giáo,,Tháng 6/2023,\n",
        encoding="utf-8",
    )
    start = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)  # Friday 01/03/2024 09:00, the year long over
    async with simulated_plan(plan, start_at=start, settings=get_settings(), year=2023) as sim:
        await sim.sleep_until(start + timedelta(minutes=30))
        assert not [r for r in sim.recorder.requests if r.kind == MessageKind.YEAR_SUMMARY]
        with session_scope(sim.settings.resolved_database_url()) as session:
            reported = session.exec(select(Task.status)).all()
        assert reported and None not in reported
        await sim.sleep_until(start + timedelta(hours=2))
        summaries = [r for r in sim.recorder.requests if r.kind == MessageKind.YEAR_SUMMARY]
        assert [r.recipients for r in summaries] == [["lanh-dao"]]
