"""The one place settings are read: environment variables prefixed NHACHAN_, a .env file, and the
data files they name that the deadline core takes already read (the calendar's year files, the
policy files), so the core itself reads no file."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Self

import yaml
from pydantic import ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from deadlines.policy import DeadlinePolicy, PlanPolicies, PolicyError, plan_policies
from deadlines.workdays import OfficeHours, WorkingCalendar, calendar_years
from deadlines.year_decisions import CalendarDataError, YearDecisions, year_decisions

# The shipped folders, asked of `shipped` (which imports nothing of ours) and named here too.
from shipped import DATA_DIR as DATA_DIR
from shipped import MIGRATIONS_DIR as MIGRATIONS_DIR
from shipped import PROJECT_ROOT as PROJECT_ROOT
from yaml_input import load_yaml_text

# Where state lives by default: var/ in the source tree, or in the working directory of an
# installed wheel (site-packages is no place to write; a deployment sets NHACHAN_VAR_DIR).
DEFAULT_VAR_DIR = PROJECT_ROOT / "var" if DATA_DIR == PROJECT_ROOT / "data" else Path("var")
# Every plan's policy is laid over this one; it states each default with its reason.
DEFAULT_POLICY_FILE = DATA_DIR / "policy" / "default.yaml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NHACHAN_", env_file=".env", extra="ignore")

    # Where state lives. The SQLite file is the embedded default; PostgreSQL by URL.
    var_dir: Path = DEFAULT_VAR_DIR
    database_url: str = ""

    # Temporal.
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    task_queue: str = "nhachan"
    # Task starts `start` keeps in flight at once (each waits a round trip to the server).
    start_concurrency: int = 32
    # Signals the worker keeps in flight at once when it takes an event to the tasks waiting on
    # it (activities.routing).
    event_routing_in_flight: int = 32
    # The worker's sticky cache: workflows kept in memory between their wake-ups, about 0.16 MiB
    # each over an idle worker of about 150 MiB (measured: 302 MiB with 1,000 tasks and a cache
    # of 500, 383 MiB with a cache of 2,000). One evicted replays its history when it next
    # wakes: a smaller cache costs CPU, not correctness. It should hold the tasks that wake
    # together (the 1,000 tasks of one event reacted in 140 s with 500, 77 s with 2,000); 1,500
    # keeps the worker near 400 MiB however many tasks run.
    worker_max_cached_workflows: int = 1500
    # Workflow tasks and local activities (the task's date computations) run at once.
    worker_max_concurrent_workflow_tasks: int = 100
    worker_max_concurrent_local_activities: int = 16
    # Activities (sends, records) run at once, each on a thread of its own beside the local
    # activities' (control.serving): a burst of sends never holds up a task's projection write.
    # One task's messages of an instant are one activity. More than 16 did not send a burst
    # faster on 2 cores (docs/BENCHMARKS.md): the sends wait for the CPU, not for threads.
    worker_max_concurrent_activities: int = 16

    # Data the product ships with; each can be replaced by a file of the department's own.
    plan_file: Path = DATA_DIR / "plans" / "snv-binh-dinh-cchc-2023.txt"
    units_file: Path = DATA_DIR / "units.yaml"
    # Other agencies' unit directories, one file each (data/agencies/README.md).
    agencies_dir: Path = DATA_DIR / "agencies"
    calendar_dir: Path = DATA_DIR / "calendar"
    policy_file: Path = DEFAULT_POLICY_FILE
    # NHACHAN_CONTACTS: a YAML file mapping each unit to its apprise URLs.
    contacts: Path | None = None

    # Where units send their evidence; shown in every message.
    public_url: str = "http://127.0.0.1:8000"

    # The web app. The key signs the units' links and the sessions; empty: a random key made
    # once and kept in var/secret_key (every process of this machine reads the same one).
    secret_key: str = ""
    # How long a unit's link (in every message it gets) opens its page.
    unit_link_days: int = 60
    # The largest evidence file a unit may upload.
    evidence_max_bytes: int = 20 * 1024 * 1024
    # Where the web app listens ("host:port"); empty: the public URL's own host and port.
    web_listen: str = ""
    # The reverse proxies in front of the web app (addresses, comma-separated): only a request
    # from one of them may say, in X-Forwarded-For, whom it came from. Empty: nobody may.
    trusted_proxies: str = ""

    # Replies (README "Replies by email and Zalo"). The mailbox units reply to: every email
    # carries a Reply-To of this address with a signed "+token"; empty: no Reply-To.
    reply_address: str = ""
    # That mailbox read over IMAP: imaps://user:password@host[:port][/folder] (imap:// without
    # TLS, for a server on this machine); empty: replies are not read. Shown masked.
    inbox_url: str = ""
    # The apprise URL answers to replies go out on (mailto:// or mailtos:// of the mailbox's own
    # SMTP account); each answer adds its recipient. Empty: replies are recorded, not answered.
    reply_sender: str = ""
    # The Zalo bot's webhook secret (Zalo's X-Bot-Api-Secret-Token); with an https public URL the
    # bot's updates come by webhook, otherwise `getUpdates` is polled.
    zalo_webhook_secret: str = ""
    # The Zalo bot whose updates are read (its token, as in the contacts' zalo:// URLs).
    zalo_bot_token: str = ""

    # Notifications. The Zalo Bot API's address, replaceable (a stand-in server in tests).
    zalo_api_base: str = "https://bot-api.zaloplatforms.com"
    # Failed sends on a unit's main channel before its fallbacks are tried; failed sends in all
    # before the unit is given up on and the coordinator told. Temporal's retry policy spaces
    # the attempts out.
    notify_main_channel_failures: int = 3
    notify_max_failures: int = 6
    # A batch's answers go to the log together, at least this often (seconds): one write for a
    # batch on a fast channel; a worker killed mid-batch sends again (marked uncertain) what it
    # sent in that time. 0 writes each answer as it comes (one send at most is ever resent).
    notify_record_within: float = 0.2
    # When each working day's digests go out (local time, inside office hours).
    digest_time: time = time(8, 0)

    # The department's office hours (local): deadlines fall at the close, reminders inside.
    office_opens: time = time(7, 30)
    office_closes: time = time(17, 0)

    @model_validator(mode="after")
    def _office_opens_before_it_closes(self) -> Self:
        if not self.office_opens < self.office_closes:
            raise ValueError(
                f"the office opens ({self.office_opens:%H:%M}) after it closes "
                f"({self.office_closes:%H:%M}): NHACHAN_OFFICE_OPENS must come before "
                "NHACHAN_OFFICE_CLOSES"
            )
        return self

    def office_hours(self) -> OfficeHours:
        return OfficeHours(opens=self.office_opens, closes=self.office_closes)

    def policy(self, task_code: str | None = None, path: Path | None = None) -> DeadlinePolicy:
        """The deadline policy (NHACHAN_POLICY_FILE unless `path`), checked against the
        office hours."""
        return load_policy(
            path or self.policy_file, task_code=task_code, office_hours=self.office_hours()
        )

    def working_calendar(self, plan_year: int) -> WorkingCalendar:
        """Vietnam's working days around a plan year, with the department's calendar files and
        office hours."""
        folder = self.calendar_dir if self.calendar_dir.is_dir() else None
        return configured_calendar(
            tuple(calendar_years(plan_year)), folder, self.office_opens, self.office_closes
        )

    def proxy_addresses(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.trusted_proxies.split(",") if part.strip())

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Made by whichever process comes first; the others read it.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip()
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            key = secrets.token_urlsafe(48)
            file.write(key)
        return key

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.var_dir / 'nhachan.db'}"


@lru_cache(maxsize=32)
def configured_calendar(
    years: tuple[int, ...], folder: Path | None, opens: time, closes: time
) -> WorkingCalendar:
    """Cached: the calendar of a set of years is built once per process."""
    return load_calendar(years, folder, office_hours=OfficeHours(opens=opens, closes=closes))


class SettingsError(ValueError):
    """A setting (an NHACHAN_ variable, or its line in .env) that cannot be used; the message is
    one line naming the variable and its value."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process; `SettingsError` when one of them cannot be used."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(settings_problem(error)) from None


def settings_problem(error: ValidationError) -> str:
    """The first problem of `error` in one line: the variable, the value given, what is wrong."""
    first = error.errors()[0]
    reason = str(first["msg"]).removeprefix("Value error, ")
    if not first["loc"]:  # a check of several settings together: the reason names them
        return reason
    variable = "NHACHAN_" + "_".join(str(part) for part in first["loc"]).upper()
    return f"{variable}={first['input']!r} cannot be used: {reason}"


# ----------------------------------------------------------------------------- the calendar

_YEAR_FILE = re.compile(r"^([0-9]{4})\.ya?ml$")


def year_files(calendar_dir: Path) -> list[Path]:
    """The year files in a calendar directory, oldest first."""
    return sorted(p for p in calendar_dir.iterdir() if _YEAR_FILE.match(p.name))


def read_year_file(path: Path) -> YearDecisions:
    """Read and check one year file; CalendarDataError names the file, entry and field."""
    try:
        # Every scalar as text, for the model to read: an impossible date (30/02) is then named
        # with its entry and field, not a traceback from the YAML reader.
        raw = load_yaml_text(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CalendarDataError(f"{path}: cannot be read ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise CalendarDataError(f"{path}: not valid YAML ({error})") from error
    decisions = year_decisions(raw, source=str(path))
    match = _YEAR_FILE.match(path.name)
    if match and int(match.group(1)) != decisions.year:
        raise CalendarDataError(
            f"{path}: says year {decisions.year} but is named for {match.group(1)}"
        )
    return decisions


def load_calendar(
    years: Iterable[int],
    calendar_dir: Path | None = None,
    *,
    office_hours: OfficeHours | None = None,
) -> WorkingCalendar:
    """The calendar with every year file of `calendar_dir` (None: the law alone), read now so
    a broken file fails at once; `years` are worked out now too."""
    if calendar_dir is not None and not calendar_dir.is_dir():
        raise CalendarDataError(f"{calendar_dir}: the calendar directory does not exist")
    files = year_files(calendar_dir) if calendar_dir is not None else []
    return WorkingCalendar(
        [read_year_file(path) for path in files], years=years, office_hours=office_hours
    )


# ----------------------------------------------------------------------------- the policy


def load_policy(
    path: Path | None = None,
    task_code: str | None = None,
    *,
    office_hours: OfficeHours | None = None,
) -> DeadlinePolicy:
    """The policy in `path` laid over the defaults (the defaults alone when None), with the
    override for `task_code` applied when the file has one. Every task override is checked
    whichever task is asked for, so a wrong one fails at once; so is every step time against
    `office_hours` (default 07:30-17:00)."""
    resolved, text = _policy_file(path) if path is not None else (None, "")
    if resolved == DEFAULT_POLICY_FILE:
        resolved, text = None, ""
    policies = _policies(resolved, text, _policy_file(DEFAULT_POLICY_FILE)[1])
    policies.check_office_hours(office_hours or OfficeHours())
    return policies.for_task(task_code)


def _policy_file(path: Path) -> tuple[Path, str]:
    """`path` resolved, and its text, read again only when the file is another or changed (its
    identity, size or time): a stat, where resolving and reading it on every call took 40 µs,
    and the starter asks twice for each task of a plan, the worker once for each planning."""
    try:
        status = path.stat()
    except OSError as error:
        raise PolicyError(f"{path}: cannot be read ({error.strerror})") from error
    stamp = (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
    return _read_policy_file(path, os.getcwd(), stamp)


@lru_cache(maxsize=32)
def _read_policy_file(path: Path, cwd: str, stamp: tuple[int, int, int, int]) -> tuple[Path, str]:
    # Keyed on the working folder too: a relative path resolves against it.
    resolved = path.resolve()
    return resolved, _policy_text(resolved)


@lru_cache(maxsize=32)
def _policies(path: Path | None, text: str, default_text: str) -> PlanPolicies:
    # Keyed on the files' contents: an edited file is read again, an unchanged one is not.
    return plan_policies(
        _policy_yaml(default_text, DEFAULT_POLICY_FILE),
        _policy_yaml(text, path) if path is not None else None,
        defaults_source=str(DEFAULT_POLICY_FILE),
        source=str(path) if path is not None else None,
    )


def _policy_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyError(f"{path}: cannot be read ({error.strerror})") from error


def _policy_yaml(text: str, where: Path) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PolicyError(f"{where}: not valid YAML ({error})") from error
    except ValueError as error:  # a value YAML itself cannot build, such as 2023-02-30
        raise PolicyError(f"{where}: not valid YAML ({error})") from None
