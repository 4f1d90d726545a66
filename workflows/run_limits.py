"""How long one run of a long-lived workflow goes on: the longest it sleeps at a time, and the
history at which it hands its state to a fresh run (continue-as-new)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

# The longest single wait, so that a workflow with nothing scheduled still wakes now and then.
LONGEST_WAIT = timedelta(days=30)
# A task's longest wait from 1.2.0 (marker "wake-when-due"): it sleeps until its next instant
# however far that is; the 30-day wake-ups before it found nothing to do (an eighth of the seed
# plan's workflow tasks in a year). Still a bound: a run wakes within a year whatever it holds.
LONGEST_TASK_WAIT = timedelta(days=366)
# Past this many history events the run hands its state to a fresh one.
HISTORY_LIMIT = 2_000


def history_is_long() -> bool:
    """Whether the running workflow's history has grown enough to continue as new."""
    info = workflow.info()
    return info.is_continue_as_new_suggested() or info.get_current_history_length() > HISTORY_LIMIT
