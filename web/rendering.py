"""Pages from Jinja2 templates (web/templates/, in Vietnamese), with what every page shows:
who is signed in, the CSRF token for its forms, the messages of the last action."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from control import refusal_words
from deadlines.local_time import in_vietnam
from models.tables import Plan
from storage.db import session_scope
from web.context import refusal_detail, words
from web.deps import session_of, visitor, web
from web.readings import written_year

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


def plan_title(plan: Plan) -> str:
    """The plan's title in its year: a plan written for one year and run for another (the
    importer's `--year`) is titled with the year it runs for."""
    if not plan.title:
        # A plan read from a table alone has no title: it is named by its number and year,
        # never by its key.
        number = f" {plan.number}" if plan.number else ""
        return f"Kế hoạch{number} năm {plan.year}"
    title = plan.title
    written = written_year(plan)
    if written is None or written == plan.year:
        return title
    return re.sub(rf"\b{written}\b", str(plan.year), title)


def _message_kind(kind: str) -> str:
    return str(words()["message_kinds"].get(kind, words()["message_kinds"]["digest"]))


def channel_name(address: str) -> str:
    """A channel by its kind, never its address (which may hold a token)."""
    channels = words()["channels"]
    scheme = urlsplit(address).scheme.lower() if "://" in address else address.lower()
    return str(channels.get(scheme, channels["other"]))


def _audit_refusal(message: str) -> str:
    """An audit entry's refusal ("word: detail") in the words the person was shown."""
    word, _, detail = message.partition(": ")
    said = words()["refusals"].get(word)
    if said is None:
        return refusal_words.local_dates(message)
    shown = refusal_detail(detail)
    return f"{said}: {shown}" if shown else str(said)


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
    env.filters["plan_title"] = plan_title
    env.filters["written_year"] = written_year
    env.filters["engine_words"] = refusal_words.refusal
    env.filters["history_words"] = refusal_words.history_detail
    env.filters["local_dates"] = refusal_words.local_dates
    env.filters["message_kind"] = _message_kind
    env.filters["import_note"] = refusal_words.import_note
    env.filters["deadline_reason"] = refusal_words.deadline_reason
    env.filters["import_where"] = refusal_words.import_where
    env.filters["channel"] = channel_name
    env.filters["audit_refusal"] = _audit_refusal
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
    who = visitor(request)
    unit_name = ""
    if who.unit is not None:
        with session_scope(context.settings.resolved_database_url()) as db:
            unit_name = context.reader.unit_names(db).get(who.unit.code, who.unit.code)
    page = ENVIRONMENT.get_template(template).render(
        {
            "request": request,
            "who": who,
            "unit_name": unit_name,
            "messages": messages,
            "now": context.clock(),
            "public_url": context.settings.public_url.rstrip("/"),
            **values,
        }
    )
    response = HTMLResponse(page, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response
