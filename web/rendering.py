"""Pages from Jinja2 templates (web/templates/, in Vietnamese), with what every page shows:
who is signed in, the CSRF token for its forms, the messages of the last action."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from deadlines.local_time import in_vietnam
from web.context import words
from web.deps import session_of, visitor, web

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def _when(instant: datetime | str | None) -> str:
    if not instant:
        return ""
    if isinstance(instant, str):
        # An instant kept as ISO text in a JSON column (a correction's "at").
        instant = datetime.fromisoformat(instant)
    return in_vietnam(instant).format("DD/MM/YYYY HH:mm")


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = in_vietnam(value).date()
    return f"{value:%d/%m/%Y}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["day"] = _day
    env.globals["words"] = words()
    return env


ENVIRONMENT = _environment()


def flash(request: Request, kind: str, text: str) -> None:
    """A message for the next page this visitor sees ("ok" or "error")."""
    session = session_of(request)
    shown = list(session.data.get("f") or [])
    shown.append([kind, text[:500]])
    session.set(f=shown[-3:])


def render(
    request: Request, template: str, values: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    session = session_of(request)
    messages = list(session.data.get("f") or [])
    if messages:
        session.set(f=None)
    context = web(request)
    page = ENVIRONMENT.get_template(template).render(
        {
            "request": request,
            "who": visitor(request),
            "messages": messages,
            "now": context.clock(),
            "public_url": context.settings.public_url.rstrip("/"),
            **values,
        }
    )
    response = HTMLResponse(page, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response
