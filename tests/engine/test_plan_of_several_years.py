"""A plan of several years, of an agency other than the bundled one, runs on the time-skipping
server: its yearly tasks get a milestone in each of its years, ongoing work ends with its last
year, the leadership gets one summary per year, and the plan's workflow ends after the last."""

from datetime import UTC, date, datetime, timedelta

from deadlines.local_time import local_day
from models.payloads import MessageKind
from models.statuses import MilestoneStatus
from models.workflow_messages import TaskSnapshot
from settings import PROJECT_ROOT, get_settings
from simulation.run import SimulatedPlan, local_start, simulated_plan
from workflows.plan import PlanWorkflow, plan_workflow_id
from workflows.task import TaskWorkflow, task_workflow_id

DATA = PROJECT_ROOT / "tests" / "engine" / "data"
PLAN = DATA / "svhttdl-qng-2025-2026.txt"
AGENCIES = DATA / "agencies"


async def _snapshot(sim: SimulatedPlan, code: str) -> TaskSnapshot:
    handle = sim.client.get_workflow_handle_for(
        TaskWorkflow.run, task_workflow_id(sim.report.plan_key, code)
    )
    return await handle.query(TaskWorkflow.snapshot)


async def test_a_plan_of_two_years_runs_over_both_and_ends_after_the_last() -> None:
    start = datetime(2025, 1, 20, 2, 0, tzinfo=UTC)  # Monday 20/01/2025 09:00 in Vietnam
    settings = get_settings().model_copy(update={"agencies_dir": AGENCIES})
    async with simulated_plan(PLAN, start_at=start, settings=settings) as sim:
        await sim.sleep_until(start + timedelta(minutes=5))
        plan_key = sim.report.plan_key
        assert plan_key == "svhttdl-quang-ngai-cdvhttdl-2025-2026-46"
        assert sorted(sim.report.started) == ["I.1", "I.2", "I.3", "I.4"]

        # The yearly series has a milestone in each year of the plan; the dated one its own.
        yearly = {m.key: m for m in (await _snapshot(sim, "I.1")).milestones}
        assert set(yearly) == {"2025-Q4", "2026-Q4"}
        december = {m.key: m for m in (await _snapshot(sim, "I.3")).milestones}
        assert set(december) == {"2025-12", "2026-12"}
        assert {local_day(m.due).year for m in december.values() if m.due} == {2025, 2026}
        (dated,) = (await _snapshot(sim, "I.4")).milestones
        assert dated.due is not None and local_day(dated.due) == date(2026, 6, 30)

        # Ongoing work goes on over the first year's end, and ends with the last.
        await sim.sleep_until(local_start(date(2026, 1, 10)))
        (ongoing,) = (await _snapshot(sim, "I.2")).milestones
        assert ongoing.status is MilestoneStatus.OPEN
        await sim.sleep_until(local_start(date(2027, 1, 10)))
        (ongoing,) = (await _snapshot(sim, "I.2")).milestones
        assert ongoing.status is MilestoneStatus.ENDED
        assert ongoing.closed_at is not None and ongoing.closed_at.year == 2026

        # One summary per year, at the end of each, to the agency's own leadership.
        summaries = [r for r in sim.recorder.requests if r.kind == MessageKind.YEAR_SUMMARY]
        assert [(r.summary_year, local_day(r.scheduled_at)) for r in summaries] == [
            (None, date(2026, 1, 2)),
            (2026, date(2027, 1, 4)),
        ]
        assert {tuple(r.recipients) for r in summaries} == {("qng-ld",)}
        # The escalations reach the agency's coordinator, never the bundled agency's.
        escalated = {
            unit
            for r in sim.recorder.requests
            if r.kind == MessageKind.ESCALATION_COORDINATOR
            for unit in r.recipients
        }
        assert "qng-vp" in escalated and "cchc-vtlt" not in escalated

        # The plan's workflow is over: its years are.
        plan = sim.client.get_workflow_handle_for(PlanWorkflow.run, plan_workflow_id(plan_key))
        await plan.result()  # returns: it has ended
