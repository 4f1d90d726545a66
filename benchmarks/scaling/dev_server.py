"""(a), (b) and (c) on one dev server: the anchors, the plan's start and planning, the worker's
memory and the fan-out of an event."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.scaling.anchors import anchor_phase, fanout_anchor_run, routing_in_flight
from benchmarks.scaling.common import (
    ANCHOR_QUEUE,
    FANOUT_DEADLINE,
    ROOT,
    CpuMeter,
    Figures,
    cpu_detail,
    free_port,
    memory_mib,
    process_listening,
    row,
    say,
    spawn,
    stop,
    task_inputs,
    wait_for_worker,
    wait_running,
    wait_until,
    worker_environment,
)
from benchmarks.synthetic_plan import write_synthetic_plan
from control import operations, starting
from control.permissions import Actor
from control.runtime import start_dev_server
from deadlines.local_time import local_day
from models.statuses import DisplayStatus
from models.tables import UnitRole
from models.workflow_messages import EventOccurrence
from plan_import.units import load_unit_directory
from settings import get_settings


async def on_dev_server(args: argparse.Namespace, figures: Figures, folder: Path) -> list[str]:
    """(a), (b), (c); the lines of the table they fill."""
    var = folder / "var"
    settings = get_settings().model_copy(
        update={
            "var_dir": var,
            "database_url": f"sqlite:///{var / 'nhachan.db'}",
            "temporal_address": f"127.0.0.1:{free_port()}",
            "temporal_ui_port": free_port(),
            "task_queue": "nhachan-benchmark",
            "contacts": None,
        }
    )
    plan_path = write_synthetic_plan(folder, args.tasks, subject=f"quy mô {args.tasks}")
    fanout_path = write_synthetic_plan(
        folder, args.fanout, subject="lan tỏa", deadline=FANOUT_DEADLINE
    )
    env = worker_environment(settings, args)
    lines: list[str] = []
    say(f"dev server on {settings.temporal_address}, state in {var}")
    async with await start_dev_server(settings) as dev:
        client = dev.client
        anchor_worker = spawn(
            [sys.executable, "-m", "benchmarks.anchor", settings.temporal_address, ANCHOR_QUEUE],
            env,
            folder,
            "anchor-worker",
        )
        worker = spawn([sys.executable, str(ROOT / "worker.py")], env, folder, "worker")
        try:
            await wait_for_worker(client, ANCHOR_QUEUE)
            await wait_for_worker(client, settings.task_queue)
            idle_mib = memory_mib(worker.pid, "VmRSS")
            say(f"workers polling; the product's worker holds {idle_mib:.0f} MiB")
            server = process_listening(int(settings.temporal_address.rsplit(":", 1)[1]))

            year = args.year
            running = 0
            if {"a", "b"} & set(args.phases):
                if "a" in args.phases:
                    floor = await anchor_phase(
                        client, settings, args, plan_path, CpuMeter(server, anchor_worker.pid)
                    )
                    lines += floor.lines

                meter = CpuMeter(server, worker.pid)
                meter.start()
                first_start: list[float] = []

                def starting_tasks(done: int, total: int) -> None:
                    if not first_start:  # (0, total): read, planned and stored; starts next
                        first_start.append(time.perf_counter())

                began = time.perf_counter()
                report = await starting.start_plan(
                    client, settings, plan_path, year=year, on_progress=starting_tasks
                )
                started = time.perf_counter()
                started_count = running = len(report.started)
                say(
                    f"(a) plan: read, planned and stored in {first_start[0] - began:.1f} s; "
                    f"{started_count} tasks started in {started - began:.1f} s"
                )

                planned = await wait_running(
                    client,
                    report.plan_key,
                    started_count,
                    limit=args.timeout,
                    what="the plan's tasks",
                )
                cpu = meter.spent()
                figures.plan_cpu_s = sum(cpu.values())
                figures.plan_per_s = started_count / (started - began)
                figures.planned_s = planned - began
                figures.rss_mb = memory_mib(worker.pid, "VmHWM")
                say(
                    f"(a) every task planned after {figures.planned_s:.1f} s; "
                    f"(b) the worker's peak: {figures.rss_mb:.0f} MiB"
                )
                lines.append(
                    row(
                        f"(a) plan `start`, {started_count} tasks",
                        f"{figures.plan_per_s:.1f} tasks/s",
                        f"all planned in {figures.planned_s:.1f} s",
                    )
                )
                lines.append(
                    row("(a) plan `start`: CPU", f"{figures.plan_cpu_s:.1f} s", cpu_detail(cpu))
                )
                if "a" in args.phases:
                    figures.anchor_per_s = floor.rate
                    figures.anchor_cpu_s = floor.cpu_s
                    figures.ratio = figures.plan_per_s / floor.rate
                    figures.planned_ratio = floor.planned_s / figures.planned_s
                    lines += [
                        row(
                            "(a) ratio to the anchor",
                            f"{figures.ratio:.2f}",
                            f"{figures.plan_per_s / floor.sequential_rate:.2f} to one by one",
                        ),
                        row(
                            "(a) planned ratio to the anchor",
                            f"{figures.planned_ratio:.2f}",
                            f"{floor.planned_s:.1f} s against {figures.planned_s:.1f} s",
                        ),
                    ]
                lines.append(
                    row(
                        "(b) worker memory",
                        f"{figures.rss_mb:.0f} MiB peak",
                        f"{idle_mib:.0f} MiB before the plan",
                    )
                )

            if "c" in args.phases:
                fanout_began = time.perf_counter()
                fanout = await starting.start_plan(client, settings, fanout_path, year=year)
                fanout_count = len(fanout.started)

                await wait_running(
                    client,
                    fanout.plan_key,
                    fanout_count,
                    limit=args.timeout,
                    what="the fan-out plan's tasks",
                )
                say(
                    f"(c) {fanout_count} tasks wait, "
                    f"ready in {time.perf_counter() - fanout_began:.1f} s"
                )
                imported = starting.load_plan_for_start(
                    fanout_path, year=year, directory=load_unit_directory(settings.units_file)
                )
                subscription = starting.event_subscriptions(imported, settings)[0]
                today = local_day(datetime.now(UTC))
                event = EventOccurrence(
                    key=subscription.event_key,
                    occurred_on=today,
                    decision="benchmark",
                    due_on=today + timedelta(days=30) if subscription.needs_due_date else None,
                )
                anchors = task_inputs(settings, fanout_path, year, "benchmark-anchor-fanout")
                in_flight = routing_in_flight(args)
                # The CPU of each side over its window: what a reaction costs, which the load
                # of the machine's other work moves far less than the times.
                anchor_meter = CpuMeter(server, anchor_worker.pid)
                figures.fanout_anchor_s = await fanout_anchor_run(
                    client, anchors, event, in_flight, args.timeout, anchor_meter
                )
                anchor_cpu = anchor_meter.spent()
                say(
                    f"(c) anchor: {len(anchors)} took the event after "
                    f"{figures.fanout_anchor_s:.1f} s (CPU {cpu_detail(anchor_cpu)})"
                )
                fanout_meter = CpuMeter(server, worker.pid)
                fanout_meter.start()
                triggered = time.perf_counter()
                routed_to = await operations.trigger_event(
                    client, fanout.plan_key, event, actor=Actor("benchmark", UnitRole.COORDINATOR)
                )
                routed = time.perf_counter()

                # Counted by what each task's workflow records itself (its search attribute),
                # as the anchors are: the routing may write the projections before the tasks
                # have reacted, so the database's status would count a task too early.
                reacted_query = (
                    f'NhachanPlan = "{fanout.plan_key}" AND NhachanTaskCode IS NOT NULL '
                    f'AND NhachanStatus != "{DisplayStatus.WAITING_EVENT}"'
                )

                async def reacted() -> bool:
                    moved = (await client.count_workflows(reacted_query)).count
                    return moved >= fanout_count

                all_reacted = await wait_until(reacted, limit=args.timeout, what="the fan-out")
                fanout_cpu = fanout_meter.spent()
                figures.fanout_tasks = fanout_count
                figures.fanout_s = all_reacted - triggered
                peak_mib = memory_mib(worker.pid, "VmHWM")
                say(
                    f"(c) event routed to {len(routed_to.tasks)} in {routed - triggered:.1f} s, "
                    f"all reacted after {figures.fanout_s:.1f} s (CPU {cpu_detail(fanout_cpu)})"
                )
                lines += [
                    row(
                        f"(c) anchor, event to {len(anchors)}",
                        f"{figures.fanout_anchor_s:.1f} s until all took it",
                        f"signalled by the benchmark, {in_flight} in flight",
                    ),
                    row(
                        "(c) anchor's fan-out: CPU",
                        f"{sum(anchor_cpu.values()):.1f} s",
                        cpu_detail(anchor_cpu),
                    ),
                    row(
                        f"(c) event to {fanout_count} tasks",
                        f"{figures.fanout_s:.1f} s until all reacted",
                        f"the plan routed it in {routed - triggered:.1f} s; "
                        f"{figures.fanout_s / figures.fanout_anchor_s:.2f}× the anchor",
                    ),
                    row(
                        "(c) fan-out: CPU",
                        f"{sum(fanout_cpu.values()):.1f} s",
                        cpu_detail(fanout_cpu),
                    ),
                    row(
                        "(b) worker memory at the end",
                        f"{peak_mib:.0f} MiB peak",
                        f"with {running + fanout_count} tasks",
                    ),
                ]
        finally:
            stop(worker)
            stop(anchor_worker)
    return lines
