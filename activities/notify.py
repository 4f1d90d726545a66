"""The notification activities the engine's workflows call.

`send_notification` delivers one request to its units once (the log makes a retry find what
was sent); `send_daily_digests` sends the day's digests and the leadership summaries that
waited for the day. Both tell Temporal how to go on by what they raise:

- outside office hours (evenings, weekends, holidays) an `ApplicationError` of type
  `QuietHours` whose `next_retry_delay` is the next office opening: the same request is sent
  then, and this costs one attempt of the retry policy;
- a unit not reached yet: `DeliveryIncomplete`, retried with the policy's backoff;
- a request no retry can fix: `InvalidNotification`, non-retryable.

On the retry policy's last attempt nothing waits any more: quiet hours are ignored and every
unit still undelivered is given up on, with the coordinator told, so the result is an outcome
and never a silent loss. The instant an attempt runs at is Temporal's (the attempt's
`started_time`), so time-skipping tests see their own clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from deadlines.workdays import WorkingCalendar, calendar_years
from models.payloads import NotificationOutcome, NotificationRequest
from notifications.contacts import load_contacts
from notifications.delivery import (
    DeliveryIncomplete,
    DeliveryRules,
    InvalidNotification,
    NotificationService,
    QuietHours,
)
from plan_import.units import load_unit_directory
from settings import Settings, configured_calendar, get_settings
from storage.db import upgrade_schema

T = TypeVar("T")


@dataclass(frozen=True)
class _ServiceConfig:
    """Everything a service is built from; a changed file (its mtime) builds a new one, so an
    edited contacts file takes effect without restarting the worker."""

    database_url: str
    units_file: Path
    units_mtime: float
    contacts: Path | None
    contacts_mtime: float
    calendar_dir: Path | None
    office_opens: time
    office_closes: time
    public_url: str
    zalo_api_base: str
    main_channel_failures: int
    max_failures: int


def _mtime(path: Path | None) -> float:
    try:
        return path.stat().st_mtime if path is not None else 0.0
    except OSError:
        return -1.0


def _config(settings: Settings) -> _ServiceConfig:
    return _ServiceConfig(
        database_url=settings.resolved_database_url(),
        units_file=settings.units_file,
        units_mtime=_mtime(settings.units_file),
        contacts=settings.contacts,
        contacts_mtime=_mtime(settings.contacts),
        calendar_dir=settings.calendar_dir if settings.calendar_dir.is_dir() else None,
        office_opens=settings.office_opens,
        office_closes=settings.office_closes,
        public_url=settings.public_url,
        zalo_api_base=settings.zalo_api_base,
        main_channel_failures=settings.notify_main_channel_failures,
        max_failures=settings.notify_max_failures,
    )


def _calendar(year: int, config: _ServiceConfig) -> WorkingCalendar:
    return configured_calendar(
        tuple(calendar_years(year)),
        config.calendar_dir,
        config.office_opens,
        config.office_closes,
    )


@lru_cache(maxsize=4)
def _service(config: _ServiceConfig) -> NotificationService:
    upgrade_schema(config.database_url)
    directory = load_unit_directory(config.units_file)
    return NotificationService(
        database_url=config.database_url,
        directory=directory,
        contacts=load_contacts(config.contacts, directory),
        calendar=lambda year: _calendar(year, config),
        public_url=config.public_url,
        zalo_api_base=config.zalo_api_base,
        rules=DeliveryRules(
            main_channel_failures=config.main_channel_failures,
            max_failures=config.max_failures,
        ),
    )


_service_lock = threading.Lock()


def notification_service(settings: Settings | None = None) -> NotificationService:
    """The service for the current settings (built once per configuration, by one thread: the
    worker runs activities in a pool, and building migrates the schema)."""
    config = _config(settings or get_settings())
    with _service_lock:
        return _service(config)


def _is_last_attempt(info: activity.Info) -> bool:
    maximum = info.retry_policy.maximum_attempts if info.retry_policy else 0
    return maximum > 0 and info.attempt >= maximum


def _now(info: activity.Info) -> datetime:
    # When this attempt started, on Temporal's clock. Not `current_attempt_scheduled_time`:
    # for a retry that is when the previous attempt failed, before the retry's delay.
    started = info.started_time
    return started if started.tzinfo is not None else started.replace(tzinfo=UTC)


def _as_temporal_errors(now: datetime, call: Callable[[], T]) -> T:
    try:
        return call()
    except QuietHours as quiet:
        raise ApplicationError(
            str(quiet),
            quiet.until.isoformat(),
            type="QuietHours",
            next_retry_delay=max(quiet.until - now, timedelta(seconds=1)),
        ) from None
    except DeliveryIncomplete as incomplete:
        raise ApplicationError(
            str(incomplete), incomplete.outcome.per_unit, type="DeliveryIncomplete"
        ) from None
    except InvalidNotification as invalid:
        raise ApplicationError(
            str(invalid), type="InvalidNotification", non_retryable=True
        ) from None


@activity.defn(name="send_notification")
def send_notification(request: NotificationRequest) -> NotificationOutcome:
    info = activity.info()
    now = _now(info)
    service = notification_service()
    return _as_temporal_errors(
        now, lambda: service.send(request, now=now, last_attempt=_is_last_attempt(info))
    )


@activity.defn(name="send_daily_digests")
def send_daily_digests(day: date) -> int:
    info = activity.info()
    now = _now(info)
    service = notification_service()
    return _as_temporal_errors(
        now,
        lambda: service.send_daily_digests(day, now=now, last_attempt=_is_last_attempt(info)),
    )


NOTIFY_ACTIVITIES: list[Callable[..., Any]] = [send_notification, send_daily_digests]
