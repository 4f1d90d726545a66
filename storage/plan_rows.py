"""A plan's rows kept between two readings: read whole once, then only the tasks the engine
wrote since (each write names its task and stamps it with the projection version it made), so
a dashboard of ten thousand tasks read right after a write reads one task, not ten thousand.
The rows are kept in the plan's order (section, row, milestone)."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from models.tables import Plan
from plan_import.text import roman_value
from storage.overview import MilestoneRow, milestone_rows, projection_version


@dataclass
class _Kept:
    version: int
    whole_version: int
    imported_at: datetime
    # Each task's rows in milestone order, the tasks in the plan's order.
    by_task: dict[int, list[MilestoneRow]]
    rows: list[MilestoneRow]

    @property
    def stamp(self) -> tuple[int, datetime]:
        return (self.version, self.imported_at)


def _task_order(rows: list[MilestoneRow]) -> tuple[int, str, int]:
    first = rows[0]
    return (roman_value(first.section) or 0, first.section, first.row)


def _grouped(rows: list[MilestoneRow]) -> dict[int, list[MilestoneRow]]:
    by_task: dict[int, list[MilestoneRow]] = {}
    for row in rows:
        by_task.setdefault(row.task_id, []).append(row)
    for found in by_task.values():
        found.sort(key=lambda r: r.order)
    return by_task


def _flat(by_task: dict[int, list[MilestoneRow]]) -> list[MilestoneRow]:
    return [row for rows in by_task.values() for row in rows]


class KeptPlanRows:
    """Each plan's rows as last read, by plan id."""

    def __init__(self) -> None:
        self._kept: dict[int, _Kept] = {}

    def stamp(self, plan_id: int) -> tuple[int, datetime]:
        """What the kept rows are of: the projection version and the plan's import."""
        return self._kept[plan_id].stamp

    def rows(self, session: Session, plan: Plan) -> list[MilestoneRow]:
        """The plan's rows in the plan's order, read again as little as the writes allow."""
        assert plan.id is not None
        version, whole_version = projection_version(session, plan.id)
        kept = self._kept.get(plan.id)
        if (
            kept is not None
            and kept.imported_at == plan.imported_at
            and kept.whole_version == whole_version
            and kept.version <= version
        ):
            if kept.version == version:
                return kept.rows
            changed = _grouped(milestone_rows(session, plan.id, written_after=kept.version))
            # Written tasks keep their place: a write never adds a task or moves one.
            if changed.keys() <= kept.by_task.keys():
                by_task = dict(kept.by_task)
                by_task.update(changed)
                self._kept[plan.id] = _Kept(
                    version, whole_version, plan.imported_at, by_task, _flat(by_task)
                )
                return self._kept[plan.id].rows
        grouped = _grouped(milestone_rows(session, plan.id))
        by_task = dict(sorted(grouped.items(), key=lambda item: _task_order(item[1])))
        self._kept[plan.id] = _Kept(
            version, whole_version, plan.imported_at, by_task, _flat(by_task)
        )
        _out_of_full_collections()
        return self._kept[plan.id].rows


def _out_of_full_collections() -> None:
    """What the process holds now (the rows just read among it) is kept for long: the cyclic
    collector's full passes stop walking it. Each render after a write makes tens of thousands
    of short-lived objects, which set off a full pass every few renders; walking the ~150,000
    objects a process serving a plan of ten thousand tasks holds took ~110 ms, one render in
    ten (the dashboard's p95). The young generations are collected first, so that little
    garbage is frozen with it (what is frozen is still freed when no longer referenced)."""
    gc.collect(1)
    gc.freeze()
