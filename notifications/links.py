"""The addresses messages point to, all under the `public_url` setting."""

from __future__ import annotations

from urllib.parse import quote


def _part(value: str) -> str:
    return quote(value, safe="")


def plan_link(public_url: str, plan_key: str) -> str:
    """The plan's overview: where it stands, what is overdue."""
    return f"{public_url.rstrip('/')}/plans/{_part(plan_key)}"


def evidence_link(public_url: str, plan_key: str, task_code: str, milestone_key: str) -> str:
    """Where the lead unit sends the evidence (minh chứng) of one milestone."""
    return (
        f"{plan_link(public_url, plan_key)}/tasks/{_part(task_code)}"
        f"/milestones/{_part(milestone_key)}/evidence"
    )
