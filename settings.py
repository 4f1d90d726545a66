"""The one place settings are read: environment variables prefixed NHACHAN_, and a .env file."""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from deadlines.policy import DeadlinePolicy, load_policy
from deadlines.workdays import OfficeHours, WorkingCalendar, calendar_years, load_calendar

PROJECT_ROOT = Path(__file__).resolve().parent
DATA_DIR = PROJECT_ROOT / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NHACHAN_", env_file=".env", extra="ignore")

    # Where state lives. The SQLite file is the embedded default; PostgreSQL by URL.
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""

    # Temporal.
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    task_queue: str = "nhachan"

    # Data the product ships with; each can be replaced by a file of the department's own.
    plan_file: Path = DATA_DIR / "plans" / "snv-binh-dinh-cchc-2023.txt"
    units_file: Path = DATA_DIR / "units.yaml"
    calendar_dir: Path = DATA_DIR / "calendar"
    policy_file: Path = DATA_DIR / "policy" / "default.yaml"
    # NHACHAN_CONTACTS: a YAML file mapping each unit to its apprise URLs.
    contacts: Path | None = None

    # Where units send their evidence; shown in every message.
    public_url: str = "http://127.0.0.1:8000"

    # Notifications. The Zalo Bot API's address, replaceable (a stand-in server in tests).
    zalo_api_base: str = "https://bot-api.zaloplatforms.com"
    # Failed sends on a unit's main channel before its fallbacks are tried; failed sends in all
    # before the unit is given up on and the coordinator told. Temporal's retry policy spaces
    # the attempts out.
    notify_main_channel_failures: int = 3
    notify_max_failures: int = 6
    # When each working day's digests go out (local time, inside office hours).
    digest_time: time = time(8, 0)

    # The department's office hours (local): deadlines fall at the close, reminders inside.
    office_opens: time = time(7, 30)
    office_closes: time = time(17, 0)

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
