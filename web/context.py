"""What every request handler shares: the app's parts (settings, clock, reader, actions,
sessions, limits) and the words pages say. Who is asking is `web.deps`'s."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from control import refusal_words
from deadlines.local_time import local_day
from settings import Settings
from web.acting import Acting
from web.actions import EngineActions
from web.auth import RateLimiter, Sessions
from web.dashboard_reading import DashboardReading
from web.events import Events
from web.importing import Importing
from web.planning import PlannedSteps
from web.reading import Reader
from web.refusals import Refusal
from web.task_reading import TaskReading
from web.units_reading import UnitsReading

# Re-exported: the pages take their words from here, the CLI from web.words.
from web.words import say as say
from web.words import words as words

# Refusals whose detail is the machine's (a timeout, an address): kept in the API's `detail`
# and the audit log, never shown in the sentence a person reads.
_TECHNICAL = frozenset({"engine_late", "engine_unavailable", "server_error"})
# Refusals whose words say it all: their detail (control.permissions' rule) is the audit's.
_SAID_IN_FULL = frozenset({"read_only", "wrong_role"})


def refusal_text(refusal: Refusal) -> str:
    text = str(words()["refusals"].get(refusal.word, refusal.word))
    quiet = refusal.word in _TECHNICAL or refusal.word in _SAID_IN_FULL
    detail = "" if quiet else refusal_detail(refusal.detail)
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
    # Failed sign-ins: per address, and per account name whatever the address.
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
    dashboards: DashboardReading
    tasks: TaskReading
    acting: Acting
    importing: Importing
    events: Events
    units: UnitsReading
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
        acting = Acting(settings, reader, engine, clock)
        return cls(
            settings=settings,
            clock=clock,
            engine=engine,
            planned=planned,
            reader=reader,
            dashboards=DashboardReading(reader),
            tasks=TaskReading(reader),
            acting=acting,
            importing=Importing(acting),
            events=Events(reader),
            units=UnitsReading(reader),
            sessions=Sessions(settings),
            limits=Limits(),
        )

    def today(self) -> date:
        return local_day(self.clock())
