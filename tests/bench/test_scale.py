"""The scale benchmark keeps working as the engine changes: its synthetic plans import as the
seed does, and a tiny run prints the table and, last, the JSON object with the issue's keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.scale import FANOUT_DEADLINE
from benchmarks.synthetic_plan import seed_rows, write_synthetic_plan
from control.starting import event_subscriptions
from plan_import import read_plan
from settings import PROJECT_ROOT, get_settings

KEYS = {
    "tasks",
    "anchor_per_s",
    "plan_per_s",
    "ratio",
    "planned_ratio",
    "planned_s",
    "anchor_cpu_s",
    "plan_cpu_s",
    "rss_mb",
    "fanout_tasks",
    "fanout_s",
    "fanout_anchor_s",
    "lateness_p50_s",
    "lateness_p99_s",
    "seed_year_s",
}


def test_a_synthetic_plan_is_the_seeds_rows_over_and_over(tmp_path: Path) -> None:
    path = write_synthetic_plan(tmp_path, 250, subject="quy mô")
    plan = read_plan(path, year=2027)
    assert not plan.errors
    assert plan.task_count == plan.stated_task_count == 250
    assert len({task.title for task in plan.tasks}) == 250
    seed = read_plan(PROJECT_ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt", year=2027)
    assert (
        len(seed_rows((PROJECT_ROOT / "data/plans/snv-binh-dinh-cchc-2023.txt").read_text())) == 32
    )
    mix = Counter(task.deadline_text for task in plan.tasks[:32])
    assert mix == Counter(task.deadline_text for task in seed.tasks)
    assert plan.key != seed.key


def test_the_fan_out_plan_waits_on_one_event(tmp_path: Path) -> None:
    path = write_synthetic_plan(tmp_path, 120, subject="lan tỏa", deadline=FANOUT_DEADLINE)
    plan = read_plan(path, year=2027)
    assert not plan.errors
    subscriptions = event_subscriptions(plan, get_settings())
    assert len(subscriptions) == 120
    assert len({s.event_key for s in subscriptions}) == 1


def scale(tmp_path: Path, *arguments: str) -> tuple[list[str], dict[str, Any]]:
    """The table's lines and the figures of a run of scale.py."""
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "benchmarks" / "scale.py"), *arguments],
        capture_output=True,
        text=True,
        # A safety net only: each phase of scale.py waits for what it needs, within --timeout.
        timeout=900,
        cwd=tmp_path,
        # Its working folder (servers' logs, databases) goes under tmp_path too.
        env={**os.environ, "TMPDIR": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert set(figures) == KEYS
    return lines, figures


def test_a_tiny_run_prints_the_table_and_the_json_last(tmp_path: Path) -> None:
    # The reminders of (d) fall due on the real clock, 20 s after the start at any hour (the
    # window starts after midnight when it would cross it), or later on a machine that plans
    # the tasks slower than that: scale.py tries again with a longer window.
    tiny = ["--tasks", "8", "--fanout", "8", "--lateness-window", "20", "--no-seed-year"]
    lines, figures = scale(tmp_path, *tiny)
    assert figures["tasks"] == 8 and figures["fanout_tasks"] == 8
    assert figures["planned_s"] > 0 and figures["fanout_s"] > 0 and figures["rss_mb"] > 0
    assert figures["planned_ratio"] > 0 and figures["fanout_anchor_s"] > 0
    assert figures["plan_cpu_s"] > 0 and figures["anchor_cpu_s"] > 0
    assert figures["lateness_p99_s"] is not None
    assert any(line.startswith("(a) plan `start`") for line in lines)
    assert not any("failed" in line or "unsent" in line for line in lines)


def test_lateness_on_the_time_skipping_server_alone(tmp_path: Path) -> None:
    tiny = ["--tasks", "8", "--phases", "d", "--lateness-clock", "skipping"]
    lines, figures = scale(tmp_path, *tiny, "--lateness-days", "3")
    assert figures["planned_s"] == 0 and figures["fanout_s"] == 0
    measured = lines[2:-1]
    assert [line[:3] for line in measured] == ["(d)"] and "failed" not in measured[0]
