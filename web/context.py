"""What every request handler shares: the app's parts (settings, clock, reader, actions,
sessions, limits, words) and who is asking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from fastapi import Request
from starlette.responses import Response

from control import access, refusal_words
from deadlines.local_time import local_day
from notifications.links import InvalidLink
from settings import Settings
from web.acting import Acting, Refusal
from web.actions import EngineActions
from web.auth import (
    AccessDenied,
    LinkUnit,
    RateLimiter,
    Session,
    Sessions,
    Visitor,
    csrf_matches,
)
from web.planning import PlannedSteps
from web.reading import Reader

WORDS_FILE = Path(__file__).resolve().parent / "words.yaml"


@lru_cache(maxsize=1)
def words() -> dict[str, Any]:
    loaded = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def say(group: str, phrase: str, **values: object) -> str:
    """A phrase of words.yaml's `group`, its {names} filled in."""
    return str(words()[group][phrase]).format(**values)


def refusal_text(refusal: Refusal) -> str:
    text = str(words()["refusals"].get(refusal.word, refusal.word))
    detail = refusal_detail(refusal.detail)
    return f"{text}: {detail}" if detail else text


def refusal_detail(detail: str) -> str:
    """What a refusal adds to its words, as the person reads it: a state by its name, a
    reason of the engine's in Vietnamese, a date dd/mm/yyyy; a technical English sentence
    (kept in the log) adds nothing."""
    if not detail:
        return ""
    tracking = words()["tracking"].get(detail)
    if tracking is not None:
        return str(tracking["label"]).lower()
    said = refusal_words.known(detail)
    if said is not None:
        return said
    if not detail.isascii():
        return detail  # said in Vietnamese already, or the person's own words
    return "" if " " in detail.strip() else refusal_words.local_dates(detail)


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Limits:
    # Sign-in: per address, and per account name whatever the address.
    sign_in_address: RateLimiter = field(default_factory=lambda: RateLimiter(10, 300))
    sign_in_name: RateLimiter = field(default_factory=lambda: RateLimiter(5, 300))
    # Opening or using a unit's link (a guessed token is worth nothing, but costs the database).
    link_use: RateLimiter = field(default_factory=lambda: RateLimiter(60, 60))


@dataclass
class WebContext:
    settings: Settings
    clock: Callable[[], datetime]
    engine: EngineActions
    planned: PlannedSteps
    reader: Reader
    acting: Acting
    sessions: Sessions
    limits: Limits

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = wall_clock,
        engine: EngineActions | None = None,
    ) -> WebContext:
        planned = PlannedSteps(settings)
        reader = Reader(settings, planned)
        engine = engine or EngineActions(settings)
        return cls(
            settings=settings,
            clock=clock,
            engine=engine,
            planned=planned,
            reader=reader,
            acting=Acting(settings, reader, engine, clock),
            sessions=Sessions(settings),
            limits=Limits(),
        )

    def today(self) -> date:
        return local_day(self.clock())


def web(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context


def address(request: Request) -> str:
    return request.client.host if request.client is not None else ""


def session_of(request: Request) -> Session:
    session: Session = request.state.session
    return session


def visitor(request: Request) -> Visitor:
    """Who is asking: a unit from an `Authorization: Bearer <link token>` header (the API), or
    whoever the session cookie says (checked again now)."""
    found: Visitor | None = getattr(request.state, "visitor", None)
    if found is not None:
        return found
    context = web(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        if not context.limits.link_use.allow(address(request)):
            raise Refusal("too_many", status=429)
        try:
            claim = access.read_unit_link(context.settings, header[7:].strip(), now=context.clock())
        except InvalidLink as error:
            raise Refusal("bad_link", status=401, detail=str(error)) from error
        found = Visitor(
            csrf="",
            unit=LinkUnit(claim.unit_code, claim.issued_at),
            bearer=True,
            address=address(request),
        )
    else:
        found = context.sessions.visitor(
            session_of(request), now=context.clock(), address=address(request)
        )
    request.state.visitor = found
    return found


def check_csrf(request: Request, presented: str | None) -> Visitor:
    """The visitor, once the form's (or the header's) CSRF token matches the session's; a
    bearer link carries no cookie and needs none."""
    who = visitor(request)
    if who.bearer:
        return who
    if not csrf_matches(who, presented or request.headers.get("x-csrf-token")):
        raise Refusal("bad_csrf", status=403)
    return who


def require_account(request: Request) -> Visitor:
    who = visitor(request)
    if who.account is None:
        raise AccessDenied("not_signed_in", status=401)
    return who


def require_plan_reader(request: Request, plan_key: str) -> Visitor:
    """A signed-in account that may read the plan: an account of one agency reads that
    agency's plans only (one of no agency, every agency's)."""
    who = require_account(request)
    agency = who.account.agency if who.account is not None else ""
    if agency and web(request).reader.plan_agency(plan_key) != agency:
        raise AccessDenied("other_agency")
    return who


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
