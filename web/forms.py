"""What every page's form shares: where an action sends the person back (POST, redirect,
GET), the addresses of a task and a milestone, dates as a form gives them, and an action's
outcome said on the page it came from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from web.context import refusal_text, say
from web.refusals import Refusal
from web.rendering import flash

T = TypeVar("T")


def back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def safe_next(path: str | None) -> str:
    """Only a path of this site: never an address elsewhere."""
    if path and path.startswith("/") and not path.startswith("//"):
        return path
    return "/"


def plan_path(plan_key: str) -> str:
    return f"/plans/{quote(plan_key, safe='')}"


def task_path(plan_key: str, task_code: str) -> str:
    return f"{plan_path(plan_key)}/tasks/{quote(task_code, safe='')}"


def milestone_anchor(plan_key: str, task_code: str, milestone_key: str) -> str:
    return f"{task_path(plan_key, task_code)}#m-{quote(milestone_key, safe='')}"


def evidence_path(plan_key: str, task_code: str, milestone_key: str) -> str:
    return f"{task_path(plan_key, task_code)}/milestones/{quote(milestone_key, safe='')}/evidence"


def form_date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise Refusal("bad_date", detail=value) from error


def required_date(value: str) -> date:
    found = form_date(value)
    if found is None:
        raise Refusal("bad_date", detail=say("done", "empty"))
    return found


def form_year(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


async def acted(
    request: Request,
    action: Callable[[], Awaitable[T]],
    *,
    to: str,
    said: Callable[[T], str],
    refused_to: str | None = None,
) -> Response:
    """Runs the action; the page it sends back to says what came of it (`said` of its
    result, or the refusal's words). A refusal of who is asking (401, 403: no link, not
    theirs, not their role or agency) is the error page with its status, as the API's."""
    try:
        result = await action()
    except Refusal as refusal:
        if refusal.status in (401, 403):
            raise
        flash(request, "error", refusal_text(refusal))
        return back(refused_to or to)
    text = said(result)
    if text:
        flash(request, "ok", text)
    return back(to)
