"""(a) and (c)'s anchors: bare workflows started and signalled the way the plan's tasks are."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path

from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy

from benchmarks.anchor import ANCHOR_WORKFLOW
from benchmarks.scaling.common import (
    ANCHOR_QUEUE,
    CpuMeter,
    cpu_detail,
    row,
    say,
    task_inputs,
    wait_until,
)
from models.statuses import DisplayStatus
from models.workflow_messages import EventOccurrence, TaskWorkflowInput
from settings import Settings, get_settings
from workflows.search_attributes import initial_search_attributes


async def anchor_run(
    client: Client, inputs: Sequence[TaskWorkflowInput], in_flight: int, timeout: float
) -> tuple[float, float]:
    """Starts per second and seconds until every anchor has planned itself."""
    semaphore = asyncio.Semaphore(in_flight)

    async def start(input: TaskWorkflowInput) -> None:
        async with semaphore:
            await client.start_workflow(
                ANCHOR_WORKFLOW,
                input,
                id=f"{input.plan_key}/{input.task_code}",
                task_queue=ANCHOR_QUEUE,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=initial_search_attributes(input),
            )

    plan_key = inputs[0].plan_key
    query = f'NhachanPlan = "{plan_key}" AND NhachanNextDue IS NOT NULL'

    async def all_planned() -> bool:
        return (await client.count_workflows(query)).count >= len(inputs)

    began = time.perf_counter()
    if in_flight == 1:
        for input in inputs:
            await start(input)
    else:
        await asyncio.gather(*(start(input) for input in inputs))
    started = time.perf_counter()
    planned = await wait_until(all_planned, limit=timeout, what="the anchors")
    return len(inputs) / (started - began), planned - began


async def fanout_anchor_run(
    client: Client,
    inputs: Sequence[TaskWorkflowInput],
    event: EventOccurrence,
    in_flight: int,
    timeout: float,
    meter: CpuMeter,
) -> float:
    """Seconds from the first signal of `event` to anchors started from `inputs` (and planned)
    until every one has recorded it, `in_flight` signals at once (as the worker's routing);
    `meter` started with the first signal."""
    await anchor_run(client, inputs, in_flight, timeout)
    semaphore = asyncio.Semaphore(in_flight)

    async def signal(input: TaskWorkflowInput) -> None:
        async with semaphore:
            handle = client.get_workflow_handle(f"{input.plan_key}/{input.task_code}")
            await handle.signal("event_occurred", event)

    plan_key = inputs[0].plan_key
    query = f'NhachanPlan = "{plan_key}" AND NhachanStatus = "{DisplayStatus.ACTIVE}"'

    async def all_took_it() -> bool:
        return (await client.count_workflows(query)).count >= len(inputs)

    meter.start()
    began = time.perf_counter()
    await asyncio.gather(*(signal(input) for input in inputs))
    took = await wait_until(all_took_it, limit=timeout, what="the fan-out's anchors")
    return took - began


@dataclasses.dataclass
class Anchors:
    """(a)'s anchors: the concurrent start rate and time until all planned, the one-by-one
    rate, and the lines of the table."""

    rate: float
    planned_s: float
    sequential_rate: float
    cpu_s: float
    lines: list[str]


async def anchor_phase(
    client: Client, settings: Settings, args: argparse.Namespace, plan_path: Path, meter: CpuMeter
) -> Anchors:
    """The anchors of (a): one by one, then `--in-flight` at once (its CPU by `meter`)."""
    one_by_one = task_inputs(settings, plan_path, args.year, "benchmark-anchor-one-by-one")
    sequential_rate, sequential_planned = await anchor_run(client, one_by_one, 1, args.timeout)
    say(f"(a) anchor one by one: {sequential_rate:.0f}/s, {sequential_planned:.1f} s")
    bounded = task_inputs(settings, plan_path, args.year, "benchmark-anchor-concurrent")
    meter.start()
    rate, planned = await anchor_run(client, bounded, args.in_flight, args.timeout)
    cpu = meter.spent()
    say(f"(a) anchor, {args.in_flight} in flight: {rate:.0f}/s, {planned:.1f} s")
    lines = [
        row(
            "(a) anchor one by one",
            f"{sequential_rate:.1f} starts/s",
            f"all planned in {sequential_planned:.1f} s",
        ),
        row(
            f"(a) anchor, {args.in_flight} in flight",
            f"{rate:.1f} starts/s",
            f"all planned in {planned:.1f} s",
        ),
        row(
            f"(a) anchor, {args.in_flight} in flight: CPU",
            f"{sum(cpu.values()):.1f} s",
            cpu_detail(cpu),
        ),
    ]
    return Anchors(rate, planned, sequential_rate, sum(cpu.values()), lines)


def routing_in_flight(args: argparse.Namespace) -> int:
    """The signals the worker's routing keeps in flight: its setting, or the one tried."""
    in_flight = get_settings().event_routing_in_flight
    for setting in args.worker_setting:
        name, _, value = setting.partition("=")
        if name.lower() == "event_routing_in_flight":
            in_flight = int(value)
    return in_flight
