"""A deployment for the tests that run the real engine on the real clock: its settings in a
folder of its own, on a dev server of its own on free loopback ports; the policy and plan files
those tests write; and the one way they wait for what the engine records."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from settings import Settings, get_settings
from tests.notifications.servers import free_port

PLAN_HEADER = "STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú\n"
POLICY_KINDS = ("reminders", "escalations", "check_ins", "nudges")


def deployment_settings(folder: Path, *, task_queue: str, **more: Any) -> Settings:
    """The settings of a deployment whose state (database, var/) lives in `folder`, on a dev
    server of its own at free loopback ports (`control.runtime.start_dev_server` starts it),
    with the worker on `task_queue`; `more` sets the rest (calendar, policy, plan, office)."""
    return get_settings().model_copy(
        update={
            "var_dir": folder / "var",
            "database_url": f"sqlite:///{folder / 'nhachan.db'}",
            "temporal_address": f"127.0.0.1:{free_port()}",
            "temporal_ui_port": free_port(),
            "task_queue": task_queue,
            **more,
        }
    )


def policy_at(folder: Path, at: str = "00:00") -> Path:
    """A policy file whose every time (reminders, escalations, check-ins, nudges) is `at`."""
    policy = folder / "policy.yaml"
    policy.write_text(
        "".join(f'{kind}: {{at: "{at}"}}\n' for kind in POLICY_KINDS), encoding="utf-8"
    )
    return policy


def plan_csv(folder: Path, section: str, rows: str) -> Path:
    """A plan file in the CSV the engine imports: the header, one section's line, its rows."""
    plan = folder / "plan.csv"
    plan.write_text(f"{PLAN_HEADER}{section},,,,,\n{rows}", encoding="utf-8")
    return plan


async def eventually(
    check: Callable[[], object], *, seconds: float = 120, every: float = 0.3
) -> None:
    """Until `check()` (a plain or an async callable) is true; `seconds` covers what the test
    waits on (a worker, a dev server, a message's retries) on a loaded machine."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true in time")
        await asyncio.sleep(every)
