"""Workflow ids fixed by the product: for whoever starts the workflow, and for the log."""

from __future__ import annotations

# The one workflow that sends each working day's digests and the leadership summaries that
# waited for the day; its messages are logged under this id.
DAILY_DIGEST_WORKFLOW_ID = "nhachan-daily-digest"
