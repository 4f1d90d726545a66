"""Record the histories the replay test replays: `python scripts/record_histories.py`.

Runs on the time-skipping server, each saving the history of chosen workflows under
tests/histories/ as `<name>.json` (the baseline generation, workflows/markers.py) or
`<name>.<generation>.json` (a later one):

- the year: the seed plan from 1 January to 30 June 2023 with the test scenario, one workflow of
  each kind (a fixed deadline closed on time, one never done, an event-started one closed late,
  a compound one, a periodic report, a recurring obligation, the plan, the daily digest);
- the messages: a small plan whose workflows receive every update and signal they take (an
  event, its correction, evidence, an extension asked for, refused, asked again and granted, a
  reassignment, a cancellation, a carry-over, the plan's subscriptions changed by a second start),
  with a task added late and one added after its event;
- evidence rejected: a task of the seed plan whose evidence the coordinator rejects (delivered,
  rejected, delivered again late, then the review window);
- after the year: the small plan started once its year is over (the tasks catch up, the year's
  summary waits for their record);
- several years: a plan of 2025–2026 of another agency (tests/engine/data/), from January 2025
  until its workflow ends after the last year's summary (a yearly series, ongoing work);
- quiet hours: a plan started on a Saturday before dawn, its messages held outside office hours
  (evidence at night, a decision while messages are held, a period closed at night so that the
  task continues as new with its messages still queued), sent at Monday's opening;
- Tết: evidence the evening before the Tết holidays, its messages held until the office opens
  after them;
- a dead channel: the coordinator's channel answers nothing; its message is tried until given
  up while the next decision is recorded and told.

`python scripts/record_histories.py several_years` records only the runs named. A history already
recorded under a name is never overwritten: that run's file is left as it is.

A change to what a running workflow asks of Temporal goes behind a marker (workflows/markers.py);
its runs are of a new generation, whose histories are recorded beside the older ones. When a
marker is removed, the histories of the generations before it go with it.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from temporalio import activity
from temporalio.client import Client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from control import operations, starting  # noqa: E402
from control.permissions import unit_actor  # noqa: E402
from control.runtime import exit_without_finalizing  # noqa: E402
from control.starting import ensure_daily_digest  # noqa: E402
from models.workflow_ids import DAILY_DIGEST_WORKFLOW_ID  # noqa: E402
from models.workflow_messages import (  # noqa: E402
    Closure,
    EventOccurrence,
    EvidenceRejection,
    EvidenceSubmission,
    ExtensionGrant,
    ExtensionRefusal,
    ExtensionRequest,
    Reassignment,
)
from plan_import import read_plan  # noqa: E402
from plan_import.units import UnitDirectory, load_unit_directory  # noqa: E402
from settings import get_settings  # noqa: E402
from simulation.run import (  # noqa: E402
    NotificationRecorder,
    SimulatedPlan,
    local_start,
    perform_step,
    simulated_plan,
)
from simulation.scenario import load_scenario  # noqa: E402
from workflows import markers  # noqa: E402
from workflows.plan import plan_workflow_id  # noqa: E402
from workflows.task import TaskWorkflow, task_workflow_id  # noqa: E402

# The baseline's files have no suffix.
GENERATION = markers.generations()[-1]
SUFFIX = "" if GENERATION == markers.BASELINE else f".{GENERATION}"
SEED = ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt"
SCENARIO = ROOT / "tests" / "engine" / "data" / "year-2023.yaml"
OUT = ROOT / "tests" / "histories"
YEAR_TASKS = {
    "II.3": "fixed-closed-on-time",
    "IV.1": "fixed-never-done",
    "I.2": "after-event-closed-late",
    "I.1": "compound",
    "I.7": "periodic-report",
    "III.2": "recurring-event",
    "I.3": "ongoing",
}
YEAR_END = date(2023, 6, 30)

MESSAGES_PLAN = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO,,,,,
1,Xây dựng kế hoạch,Văn phòng Sở,Phòng TCBC và TCPCP,Tháng 3/2023,
2,Thực hiện theo quyết định,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,
3,Tuyển dụng,Văn phòng Sở,,Theo Kế hoạch tuyển dụng của UBND tỉnh,
4,Xử lý kiến nghị,Ban Tôn giáo,,Khi có phát sinh,
"""
# Added by a second start, after the first one's event and after its own deadline.
ADDED_LATER = """5,Báo cáo tháng 1,Ban Thi đua - Khen thưởng,,Tháng 1/2023,
6,Ban hành quy chế,Trung tâm lưu trữ lịch sử tỉnh,,Sau khi UBND tỉnh ban hành,
"""
MESSAGES_TASKS = {
    "I.1": "messages-extension-reassign-carry-over",
    "I.2": "messages-event-corrected-evidence",
    "I.3": "messages-cancel",
    "I.4": "messages-recurring",
    "I.5": "messages-late-start",
    "I.6": "messages-after-its-event",
}
MESSAGES_END = date(2023, 4, 15)


@activity.defn(name="send_daily_digests")
def digests_sent_nowhere(day: date) -> int:
    return 0


async def save(client: Client, targets: dict[str, str], runs: dict[str, str] | None = None) -> None:
    """The latest run of each workflow id of `targets`; `runs` names other runs (run id: name)."""
    OUT.mkdir(parents=True, exist_ok=True)
    chosen: list[tuple[str, str | None, str]] = [(w, None, name) for w, name in targets.items()]
    for run_id, name in (runs or {}).items():
        workflow_id, _, run_id = run_id.partition("@")
        chosen.append((workflow_id, run_id, name))
    for workflow_id, run, name in chosen:
        history = await client.get_workflow_handle(workflow_id, run_id=run).fetch_history()
        path = OUT / f"{name}{SUFFIX}.json"
        if path.exists():
            print(f"{path.name}: recorded already, left as it is")
            continue
        path.write_text(history.to_json(), encoding="utf-8")
        print(f"{path.name}: {len(history.events)} events")


async def the_year(directory: UnitDirectory) -> None:
    start = datetime(2022, 12, 31, 17, 0, tzinfo=UTC)  # 1 January 2023, 00:00 in Vietnam
    settings = get_settings()
    steps = [step for step in load_scenario(SCENARIO) if step.at < local_start(YEAR_END)]
    async with simulated_plan(
        SEED, start_at=start, settings=settings, year=2023, stand_ins=[digests_sent_nowhere]
    ) as sim:
        key = sim.report.plan_key
        await ensure_daily_digest(sim.client, sim.settings)
        for step in steps:
            await sim.sleep_until(step.at)
            print(await perform_step(sim.client, key, step, directory=directory))
        await sim.sleep_until(local_start(YEAR_END))
        targets = {task_workflow_id(key, code): name for code, name in YEAR_TASKS.items()}
        targets[plan_workflow_id(key)] = "plan"
        targets[DAILY_DIGEST_WORKFLOW_ID] = "daily-digest"
        await save(sim.client, targets)


async def every_message(directory: UnitDirectory) -> None:
    plan_file = Path(tempfile.mkdtemp(prefix="nhachan-histories-")) / "messages.csv"
    plan_file.write_text(MESSAGES_PLAN, encoding="utf-8")
    start = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)  # Wednesday 01/03/2023 09:00 in Vietnam
    coordinator = unit_actor(directory, directory.coordinator)
    lead = unit_actor(directory, "van-phong")
    async with simulated_plan(plan_file, start_at=start, settings=get_settings(), year=2023) as sim:
        key = sim.report.plan_key
        client = sim.client

        async def at(day: date, hour: int = 9) -> None:
            await sim.sleep_until(local_start(day) + timedelta(hours=hour))

        await at(date(2023, 3, 1), 10)
        decided = EventOccurrence("ubnd-tinh-ban-hanh", date(2023, 2, 27), decision="12/QĐ-UBND")
        await operations.trigger_event(client, key, decided, actor=coordinator)
        for day in (date(2023, 2, 10), date(2023, 2, 20)):
            recurring = EventOccurrence("phat-sinh", day)
            await operations.trigger_event(client, key, recurring, actor=coordinator)
        asked = ExtensionRequest("1", date(2023, 4, 14), "chờ số liệu", "van-phong")
        await operations.request_extension(client, key, "I.1", asked, actor=lead)
        refusal = ExtensionRefusal("1", "đủ thời gian", directory.coordinator)
        await operations.refuse_extension(client, key, "I.1", refusal, actor=coordinator)

        await at(date(2023, 3, 6))
        corrected = EventOccurrence("ubnd-tinh-ban-hanh", date(2023, 2, 28))
        await operations.trigger_event(client, key, corrected, actor=coordinator, correct=True)
        await operations.request_extension(client, key, "I.1", asked, actor=lead)
        # Two messages queued together: the main loop applies them in turn.
        grant = ExtensionGrant("1", date(2023, 4, 7), "đã xem lại", directory.coordinator)
        handover = Reassignment(["phong-ccvc"], "nhiệm vụ mới", directory.coordinator)
        await asyncio.gather(
            operations.grant_extension(client, key, "I.1", grant, actor=coordinator),
            operations.reassign_lead(client, key, "I.1", handover, actor=coordinator),
        )

        await at(date(2023, 3, 10))
        plan_file.write_text(MESSAGES_PLAN + ADDED_LATER, encoding="utf-8")
        again = await starting.start_plan(
            client, sim.settings, plan_file, year=2023, with_digest=False
        )
        print(f"started again: {again.started}")
        done = EvidenceSubmission("1", "van-phong", document_number="5/KH-SNV")
        await operations.submit_evidence(client, key, "I.2", done, actor=lead)
        cancelled = Closure("không tuyển dụng năm nay", directory.coordinator)
        await operations.cancel_task(client, key, "I.3", cancelled, actor=coordinator)

        await at(date(2023, 4, 10))
        carried = Closure("chuyển sang năm sau", directory.coordinator)
        await operations.cancel_task(
            client, key, "I.1", carried, actor=coordinator, carry_over=True
        )
        await sim.sleep_until(local_start(MESSAGES_END))
        await report_messages(sim)
        targets = {task_workflow_id(key, code): name for code, name in MESSAGES_TASKS.items()}
        targets[plan_workflow_id(key)] = "messages-plan"
        await save(client, targets)


async def after_the_year() -> None:
    plan_file = Path(tempfile.mkdtemp(prefix="nhachan-histories-")) / "late.csv"
    plan_file.write_text(MESSAGES_PLAN, encoding="utf-8")
    start = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)  # Friday 01/03/2024 09:00 in Vietnam
    async with simulated_plan(plan_file, start_at=start, settings=get_settings(), year=2023) as sim:
        await sim.sleep_until(start + timedelta(days=2))
        key = sim.report.plan_key
        await save(
            sim.client,
            {
                plan_workflow_id(key): "plan-started-after-its-year",
                task_workflow_id(key, "I.1"): "task-started-after-its-year",
            },
        )


async def several_years() -> None:
    data = ROOT / "tests" / "engine" / "data"
    settings = get_settings().model_copy(update={"agencies_dir": data / "agencies"})
    start = datetime(2025, 1, 20, 2, 0, tzinfo=UTC)  # Monday 20/01/2025 09:00 in Vietnam
    plan_file = data / "svhttdl-qng-2025-2026.txt"
    async with simulated_plan(plan_file, start_at=start, settings=settings) as sim:
        await sim.sleep_until(local_start(date(2027, 1, 10)))
        key = sim.report.plan_key
        await save(
            sim.client,
            {
                plan_workflow_id(key): "plan-of-several-years",
                task_workflow_id(key, "I.1"): "yearly-task-of-several-years",
                task_workflow_id(key, "I.2"): "ongoing-task-of-several-years",
            },
        )


async def report_messages(sim: SimulatedPlan) -> None:
    kinds = sorted({str(request.kind) for request in sim.recorder.requests})
    print(f"messages asked for: {', '.join(kinds)}")


# The task whose evidence is rejected ("Tháng 2/2023", due Tuesday 28/02/2023 17:00).
REJECTED_TASK = "II.2"


async def evidence_rejected(directory: UnitDirectory) -> None:
    start = datetime(2022, 12, 31, 17, 0, tzinfo=UTC)  # 1 January 2023, 00:00 in Vietnam
    settings = get_settings()
    task = next(t for t in read_plan(SEED, year=2023).tasks if t.code == REJECTED_TASK)
    lead = task.lead_units[0]
    unit = unit_actor(directory, lead)
    coordinator = unit_actor(directory, directory.coordinator)
    async with simulated_plan(
        SEED, start_at=start, settings=settings, year=2023, stand_ins=[digests_sent_nowhere]
    ) as sim:
        key = sim.report.plan_key
        client = sim.client
        await sim.sleep_until(local_start(date(2023, 2, 20)))
        first = EvidenceSubmission("1", lead, document_number="05/KH-SNV")
        print(await operations.submit_evidence(client, key, REJECTED_TASK, first, actor=unit))
        await sim.sleep_until(local_start(date(2023, 2, 22)))
        rejection = EvidenceRejection("1", "Kế hoạch chưa có chữ ký", directory.coordinator)
        print(
            await operations.reject_evidence(
                client, key, REJECTED_TASK, rejection, actor=coordinator
            )
        )
        await sim.sleep_until(local_start(date(2023, 3, 3)))
        again = EvidenceSubmission("1", lead, document_number="07/KH-SNV")
        print(await operations.submit_evidence(client, key, REJECTED_TASK, again, actor=unit))
        # Past the review window of the second delivery: the workflow has ended.
        await sim.sleep_until(local_start(date(2023, 4, 15)))
        await save(client, {task_workflow_id(key, REJECTED_TASK): "evidence-rejected"})


QUIET_PLAN = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO,,,,,
1,Xây dựng kế hoạch,Văn phòng Sở,Phòng TCBC và TCPCP,Tháng 3/2023,
2,Báo cáo tháng,Văn phòng Sở,,Hằng tháng,
3,Tuyển dụng,Văn phòng Sở,,Tháng 4/2023,
"""


async def quiet_hours(directory: UnitDirectory) -> None:
    plan_file = Path(tempfile.mkdtemp(prefix="nhachan-histories-")) / "quiet.csv"
    plan_file.write_text(QUIET_PLAN, encoding="utf-8")
    start = datetime(2023, 3, 3, 22, 19, tzinfo=UTC)  # Saturday 04/03/2023 05:19 in Vietnam
    settings = get_settings()
    recorder = NotificationRecorder(office_hours=settings.working_calendar)
    lead = unit_actor(directory, "van-phong")
    async with simulated_plan(
        plan_file, start_at=start, settings=settings, year=2023, recorder=recorder
    ) as sim:
        key, client = sim.report.plan_key, sim.client
        await sim.messages_sent()
        done = EvidenceSubmission("1", "van-phong", document_number="5/KH-SNV")
        print(await operations.submit_evidence(client, key, "I.1", done, actor=lead))
        asked = ExtensionRequest("1", date(2023, 5, 12), "chờ số liệu", "van-phong")
        print(await operations.request_extension(client, key, "I.3", asked, actor=lead))
        periodic = await operations.task_snapshot(client, key, "I.2")
        open_one = next(m for m in periodic.milestones if m.status == "open")
        handle = operations.task_handle(client, key, "I.2")
        first_run = (await handle.describe()).run_id
        report = EvidenceSubmission(open_one.key, "van-phong", document_number="9/BC")
        print(await operations.submit_evidence(client, key, "I.2", report, actor=lead))
        await sim.sleep_until(local_start(date(2023, 3, 7)))
        await report_messages(sim)
        await save(
            client,
            {
                plan_workflow_id(key): "plan-started-on-a-saturday",
                task_workflow_id(key, "I.1"): "evidence-at-night-held-over-the-weekend",
                task_workflow_id(key, "I.3"): "decision-while-messages-are-held",
                task_workflow_id(key, "I.2"): "continued-with-its-messages-queued",
            },
            {f"{handle.id}@{first_run}": "continues-as-new-with-messages-queued"},
        )


async def tet(directory: UnitDirectory) -> None:
    plan_file = Path(tempfile.mkdtemp(prefix="nhachan-histories-")) / "tet.csv"
    plan_file.write_text(
        "STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú\n"
        "I. CÔNG TÁC CHỈ ĐẠO,,,,,\n"
        "1,Báo cáo tháng 1,Văn phòng Sở,,Tháng 1/2023,\n",
        encoding="utf-8",
    )
    start = datetime(2023, 1, 19, 2, 0, tzinfo=UTC)  # Thursday 19/01/2023 09:00, before Tết
    settings = get_settings()
    recorder = NotificationRecorder(office_hours=settings.working_calendar)
    lead = unit_actor(directory, "van-phong")
    async with simulated_plan(
        plan_file, start_at=start, settings=settings, year=2023, recorder=recorder
    ) as sim:
        key, client = sim.report.plan_key, sim.client
        await sim.sleep_until(local_start(date(2023, 1, 19)) + timedelta(hours=20))
        done = EvidenceSubmission("1", "van-phong", document_number="3/BC")
        print(await operations.submit_evidence(client, key, "I.1", done, actor=lead))
        await sim.sleep_until(local_start(date(2023, 1, 28)))
        await report_messages(sim)
        await save(client, {task_workflow_id(key, "I.1"): "evidence-held-over-tet"})


async def dead_channel(directory: UnitDirectory) -> None:
    plan_file = Path(tempfile.mkdtemp(prefix="nhachan-histories-")) / "dead.csv"
    plan_file.write_text(QUIET_PLAN, encoding="utf-8")
    start = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)  # Wednesday 01/03/2023 09:00 in Vietnam
    settings = get_settings()
    recorder = NotificationRecorder(
        office_hours=settings.working_calendar, dead_units=[directory.coordinator]
    )
    lead = unit_actor(directory, "van-phong")
    coordinator = unit_actor(directory, directory.coordinator)
    async with simulated_plan(
        plan_file, start_at=start, settings=settings, year=2023, recorder=recorder
    ) as sim:
        key, client = sim.report.plan_key, sim.client
        await sim.messages_sent()
        asked = ExtensionRequest("1", date(2023, 4, 14), "chờ số liệu", "van-phong")
        print(await operations.request_extension(client, key, "I.1", asked, actor=lead))
        grant = ExtensionGrant("1", date(2023, 4, 14), "đồng ý", directory.coordinator)
        print(await operations.grant_extension(client, key, "I.1", grant, actor=coordinator))
        await sim.sleep_until(local_start(date(2023, 3, 2)))
        history = await operations.task_handle(client, key, "I.1").query(TaskWorkflow.history)
        print([entry.action for entry in history])
        await save(client, {task_workflow_id(key, "I.1"): "dead-channel"})


async def main(runs: list[str]) -> None:
    directory = load_unit_directory(get_settings().units_file)
    if not runs or "the_year" in runs:
        await the_year(directory)
    if not runs or "every_message" in runs:
        await every_message(directory)
    if not runs or "after_the_year" in runs:
        await after_the_year()
    if not runs or "several_years" in runs:
        await several_years()
    if not runs or "evidence_rejected" in runs:
        await evidence_rejected(directory)
    if not runs or "quiet_hours" in runs:
        await quiet_hours(directory)
    if not runs or "tet" in runs:
        await tet(directory)
    if not runs or "dead_channel" in runs:
        await dead_channel(directory)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
    exit_without_finalizing(0)
