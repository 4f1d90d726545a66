"""Local time in Vietnam: the one place instants become local days and back.

Everything people see and every calendar rule is in Asia/Ho_Chi_Minh; everything stored and
sent between processes is an aware UTC instant. Pure (pendulum only), so workflow code may call
it on instants it got from `workflow.now()`; it never reads a clock itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import overload

import pendulum

LOCAL_TZ = "Asia/Ho_Chi_Minh"
# Made once: pendulum builds a time zone afresh each time it is named, and the deadline policy
# turns days into instants many times per task it plans.
_LOCAL = pendulum.timezone(LOCAL_TZ)
_UTC = pendulum.UTC


# Remembered: a task's first plan asks for the same few office hours of the same days hundreds
# of times (a year of weekly escalations, for each audience), and pendulum's conversion was
# half of the planning's time; the answer never changes, and a datetime cannot be changed.
@functools.lru_cache(maxsize=8192)
def local_instant(day: date, at: time) -> datetime:
    """The instant `at` o'clock on `day` in Vietnam, as a plain aware datetime in UTC."""
    local = pendulum.datetime(
        day.year, day.month, day.day, at.hour, at.minute, at.second, tz=_LOCAL
    )
    utc = local.in_timezone(_UTC)
    return datetime(
        utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, tzinfo=UTC
    )


def in_vietnam(instant: datetime) -> pendulum.DateTime:
    """An aware instant shown in Vietnam's time (for display and for finding its day)."""
    if instant.tzinfo is None:
        raise ValueError(f"{instant!r} has no time zone: instants must be aware")
    return pendulum.instance(instant).in_timezone(_LOCAL)


def local_day(instant: datetime) -> date:
    local = in_vietnam(instant)
    return date(local.year, local.month, local.day)


def local_time(instant: datetime) -> time:
    local = in_vietnam(instant)
    return time(local.hour, local.minute, local.second)


def end_of_plan_year(year: int) -> datetime:
    """Midnight at the end of 31 December of `year`, Vietnam time (UTC)."""
    return local_instant(date(year + 1, 1, 1), time(0, 0))


@overload
def local_iso(instant: datetime) -> str: ...
@overload
def local_iso(instant: None) -> None: ...
def local_iso(instant: datetime | None) -> str | None:
    """An instant as ISO 8601 in Vietnam's time (+07:00), to the second, for people and files."""
    return None if instant is None else in_vietnam(instant).replace(microsecond=0).isoformat()


# The days of the week as Vietnamese calendars shorten them, Monday first.
_SHORT_WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


def local_display(instant: datetime | None) -> str:
    """An instant as a person in Vietnam reads it: 'T2 06/02/2023 17:00'; '-' for none."""
    if instant is None:
        return "-"
    local = in_vietnam(instant)
    return f"{_SHORT_WEEKDAYS[local.weekday()]} {local.format('DD/MM/YYYY HH:mm')}"


# An ISO 8601 instant that carries its offset, as the engine writes one into a text (in UTC).
_ISO_INSTANT = re.compile(
    r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})"
)


def localized(text: str, show: Callable[[datetime], str] = local_iso) -> str:
    """`text` with every instant written in it with its offset (a task's history details were
    recorded in UTC: "due 2026-11-30T16:59:00+00:00") shown by `show` in Vietnam's time."""
    return _ISO_INSTANT.sub(
        lambda match: show(datetime.fromisoformat(match[0].replace("Z", "+00:00"))), text
    )
