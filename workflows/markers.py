"""The registry of the workflows' markers (`workflow.patched`), and the generation of a run.

A run's history is replayed by whatever code the worker runs today: a change to what a task or
plan workflow asks of Temporal (an activity more or less, another order, another timer) would
make the histories of open runs fail to replay. Such a change goes behind a marker, listed here:

    LIVE = (
        Marker(
            name="digest-per-instant",           # names the change where the paths part
            changed="what runs with it do differently, and why",
            since="1.2.0",                       # the release that brings it (pyproject.toml)
        ),
    )

and the code asks `markers.taken("digest-per-instant", generation)` where the two paths part.
A run is of one generation throughout: at its start (`generation`) it takes the newest release,
and with it every live change (`since` at or before it), or, replayed, finds in its history what
it took when it began; `taken` then answers from that generation alone, asking Temporal nothing.
Each run carries its generation in the search attribute `NhachanGeneration`, and
`scheduler.py generations` counts the open runs of each.

One marker a release: from 1.2.0 (`ONE_MARKER_FROM`) a new run records one marker, its release's
(`release_marker`: "release-1.2.0"), not one per change (each a marker and a
`TemporalChangeVersion` search attribute upsert in its first workflow task). A run replayed
asks the releases' markers newest first: `workflow.patched` of a marker its history does not hold
answers False and records nothing, so a run finds the one it took. Runs begun before 1.2.0 took
one marker per change, each asked at their start in the order of LIVE; they find none of the
release markers and ask those, exactly as they did.

The lifecycle of a change (docs/DEPLOY.md):

1. patched: listed with `deprecated=False`; both paths live in the code.
2. deprecated: once no run of an older generation is open (`scheduler.py generations` shows
   none), the next release sets `deprecated=True`; the old path is deleted and `taken` answers
   True. Its marker is still asked (`workflow.deprecate_patch`: its release's, once every change
   of that release is deprecated; its own, for a change of 1.1.0) so that open runs holding it
   replay; the histories are recorded again.
3. removed: once no run of a generation older than the deprecation's is open, the entry goes;
   `BASELINE` becomes its `since`.

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
# The first release whose new runs record one marker for the release, not one per change.
ONE_MARKER_FROM = "1.2.0"

FIRST_PLAN_FROM_THE_STARTER = "first-plan-from-the-starter"
RECORD_AND_SEND = "record-and-send"
WAKE_WHEN_DUE = "wake-when-due"
PLAN_A_YEAR_AHEAD = "plan-a-year-ahead"
CLOCK_FROM_THE_ROUTER = "clock-from-the-router"
UNITS_TOLD_ONCE = "units-told-once"
KNOWN_EVENTS_LOCALLY = "known-events-locally"

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
        name=RECORD_AND_SEND,
        changed=(
            "a round that changed the task's projection and queued messages due at once, "
            "answering no update, writes the projection and sends them in one local activity "
            "(record_and_send: the write first), not a local activity each: a step's instant "
            "is two activations fewer (workflows/sending.py)"
        ),
        since="1.2.0",
    ),
    Marker(
        name=WAKE_WHEN_DUE,
        changed=(
            "a task sleeps until its next instant however far (a year at most, "
            "run_limits.LONGEST_TASK_WAIT), not 30 days at most: the 30-day wake-ups found "
            "nothing to do"
        ),
        since="1.2.0",
    ),
    Marker(
        name=PLAN_A_YEAR_AHEAD,
        changed=(
            "a task's own planning asks the policy for a year of steps at a time "
            "(task_state.TASK_PLANNING_WINDOW), not 120 days: an overdue milestone's "
            "escalations are not fetched again every 120 days, each a workflow task and a "
            "local activity"
        ),
        since="1.2.0",
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
    Marker(
        name=UNITS_TOLD_ONCE,
        changed=(
            "an event's first date reaching several tasks is told to each lead unit once, by "
            "the plan after its tasks reacted (`send_clocks_started`: one message listing the "
            "unit's tasks and the due dates they recorded), not by each task in its reaction: "
            "the plan routes it telling the tasks so (RoutedEvent.units_told), then sends"
        ),
        since="1.3.0",
    ),
    Marker(
        name=KNOWN_EVENTS_LOCALLY,
        changed=(
            "a task's first run that waits on an event reads the plan's known events "
            "(events_for_plan) by a local activity in its first workflow task, not by an "
            "activity whose result needs a round trip and a workflow task of its own: the task "
            "is running after one workflow task, as one waiting on no event is"
        ),
        since="1.3.0",
    ),
)


def _marker(name: str) -> Marker:
    for marker in LIVE:
        if marker.name == name:
            return marker
    raise KeyError(f"marker {name!r} is not in workflows/markers.py LIVE")


def _version(release: str) -> tuple[int, ...]:
    return tuple(int(part) for part in release.split("."))


def release_marker(release: str) -> str:
    """The one marker a run of `release` records (from `ONE_MARKER_FROM`)."""
    return f"release-{release}"


def _ask(name: str, *, deprecated: bool) -> bool:
    if deprecated:
        workflow.deprecate_patch(name)
        return True
    return workflow.patched(name)


def taken(name: str, generation: str) -> bool:
    """Whether a run of `generation` (what `generation()` answered at its start) took the
    change `name` (one of LIVE): it took every change of its release and the older ones."""
    marker = _marker(name)
    return marker.deprecated or (
        generation != BASELINE and _version(marker.since) <= _version(generation)
    )


def generation() -> str:
    """Workflow code only, at the start of a run: the generation of this run (see above). A new
    run takes the newest release; a replayed one finds the release it took."""
    for release in reversed(generations()):
        if release == BASELINE or _version(release) < _version(ONE_MARKER_FROM):
            break
        changes = [marker for marker in LIVE if marker.since == release]
        if _ask(release_marker(release), deprecated=all(m.deprecated for m in changes)):
            return release
    # A run begun before one marker a release: each change of its releases asked by itself.
    current = BASELINE
    for marker in LIVE:
        if _version(marker.since) >= _version(ONE_MARKER_FROM):
            continue
        if _ask(marker.name, deprecated=marker.deprecated):
            current = marker.since
    return current


def generations() -> list[str]:
    """Every generation a run may be of, oldest first."""
    return list(dict.fromkeys([BASELINE, *(marker.since for marker in LIVE)]))
