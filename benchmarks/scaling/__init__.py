"""How the engine scales: `python benchmarks/scale.py --tasks N` (see docs/BENCHMARKS.md).

One module a phase: dev_server.py runs (a)-(c) with anchors.py's anchors, lateness.py (d), run.py
(e) and the command line; common.py what they share.

On one Temporal dev server, in one run, against the product's own worker (`worker.py`, run as
a process of its own so that its memory is its alone):

(a) the anchor: N workflows that only wait, taking the tasks' own inputs and search attributes,
    started one by one and then with a bounded number in flight; then the plan: `start` of a
    synthetic plan of N tasks in the seed's layout. For each: starts per second, and the time
    from the first start until every one has planned itself: until visibility counts every one
    with the search attribute its first workflow task upserts (the anchor's NhachanNextDue, a
    task's NhachanGeneration). Not the database: the starter writes each task's projection
    before it starts the task (workflows/first_plan.py), so a state there says nothing of the
    task having run. The ratio is the plan's start rate against the anchor's concurrent one;
    the planned ratio, the anchor's time until all planned over the plan's;
(b) the worker's peak resident memory (VmHWM) once the N tasks have planned themselves;
(c) an event that a second plan of 1,000 tasks waits on: the time from triggering it until the
    database shows every one of them running its clock; and its anchor, as many anchors waiting
    on it, signalled from the benchmark's client with as many in flight as the engine's routing
    (the setting event_routing_in_flight), until every one has recorded it;

then, with that dev server and worker stopped:

(d) the lateness of steps due at one instant under the load of N tasks (or --lateness-tasks),
    p50 and p99. By default on a dev server and worker of their own, on the real clock: a plan
    of today whose every task's reminder falls due at the same instant, a few minutes after the
    start (--lateness-window, once every task has planned itself), as the first working morning
    of a month does; a reminder's lateness is when the notification log shows it sent against
    its scheduled instant. With --lateness-clock skipping, on the time-skipping test server
    instead: the plan in 2023 over its first --lateness-days days, each step's notification
    activity started against the step's instant (the test server gives way at a few thousand
    tasks);
(e) one simulated year of the seed plan (as benchmarks/simulate_year.py).

--phases runs some of them only (e.g. `c`, the fan-out alone; `b`, the plan and the worker's
memory without the anchors).

Prints the figures as a table and, as its last line, one JSON object. Progress goes to stderr.
No target is asserted: docs/BENCHMARKS.md holds the targets and the latest figures.
"""
