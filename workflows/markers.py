"""The registry of the workflows' markers (`workflow.patched`), and the generation of a run.

A run's history is replayed by whatever code the worker runs today: a change to what a task or
plan workflow asks of Temporal (an activity more or less, another order, another timer) would
make the histories of open runs fail to replay. Such a change goes behind a marker, listed here:

    LIVE = (
        Marker(
            name="digest-per-instant",           # the id given to workflow.patched
            changed="what runs with it do differently, and why",
            since="1.1.0",                       # the release that brings it (pyproject.toml)
        ),
    )

and the code asks `markers.taken("digest-per-instant")` where the two paths part. A run takes
every live marker at its start (`generation`), so a run is of one generation throughout: the
newest marker it took names it (`since`), or `BASELINE` when it took none. Each run carries its
generation in the search attribute `NhachanGeneration`, and `scheduler.py plans` counts the
open runs of each.

The lifecycle of a marker (docs/DEPLOY.md):

1. patched: listed with `deprecated=False`; both paths live in the code.
2. deprecated: once no run of an older generation is open (`scheduler.py plans` shows none),
   the next release sets `deprecated=True`; the old path is deleted, `taken` calls
   `workflow.deprecate_patch` and answers True, and the histories are recorded again.
3. removed: once no run of a generation older than the deprecation's is open, the entry and its
   `taken` calls go; `BASELINE` becomes its `since`.

1.0.0 folded every marker of the releases before it (the old paths are gone, their recorded
histories recorded again): the registry starts empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import workflow


@dataclass(frozen=True)
class Marker:
    name: str
    # What runs that took it do differently.
    changed: str
    # The release that brought it: the generation of the runs that take it.
    since: str
    # No run without it is open any more: `deprecate_patch`, one path left.
    deprecated: bool = False


# The generation of a run that took no live marker: the release whose code it runs.
BASELINE = "1.0.0"

FIRST_PLAN_FROM_THE_STARTER = "first-plan-from-the-starter"
CLOCK_FROM_THE_ROUTER = "clock-from-the-router"

# Oldest first.
LIVE: tuple[Marker, ...] = (
    Marker(
        name="local-send",
        changed=(
            "a task's messages of one instant are sent by a local activity in the workflow task "
            "that queued them (a step's timer, an event), not by an activity whose result needs "
            "a round trip and a workflow task of its own; what a round that answered an update "
            "queued still goes by the activity, so that no answer waits for a send "
            "(workflows/sending.py)"
        ),
        since="1.1.0",
    ),
    Marker(
        name=FIRST_PLAN_FROM_THE_STARTER,
        changed=(
            "a task's first run takes the first plan its input carries (the starter planned "
            "every task of the plan and wrote their projections in one transaction) instead of "
            "asking the plan_task local activity, and writes its projection only if it differs "
            "from the starter's: a task is running sooner after its start"
        ),
        since="1.1.0",
    ),
    Marker(
        name=CLOCK_FROM_THE_ROUTER,
        changed=(
            "a task whose clock an event starts takes the due date and the steps the routing "
            "activity worked out for it and carried in the signal (workflows/event_clock.py) "
            "instead of asking the due_after_event and schedule_milestone local activities, "
            "unless its milestone no longer waits as the router found it: one local activity "
            "fewer in each task's reaction, two with its steps"
        ),
        since="1.2.0",
    ),
)


def _marker(name: str) -> Marker:
    for marker in LIVE:
        if marker.name == name:
            return marker
    raise KeyError(f"marker {name!r} is not in workflows/markers.py LIVE")


def taken(name: str) -> bool:
    """Workflow code only: whether this run took the marker `name` (one of LIVE)."""
    marker = _marker(name)
    if marker.deprecated:
        workflow.deprecate_patch(marker.name)
        return True
    return workflow.patched(marker.name)


def generation() -> str:
    """Workflow code only, at the start of a run: the generation of this run (see above). It
    asks for every live marker, so that the run takes them all or none from its start."""
    current = BASELINE
    for marker in LIVE:
        if taken(marker.name):
            current = marker.since
    return current


def generations() -> list[str]:
    """Every generation a run may be of, oldest first."""
    return list(dict.fromkeys([BASELINE, *(marker.since for marker in LIVE)]))
