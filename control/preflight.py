"""What `scheduler.py run` and `worker.py` check before anything starts, and the failures every
entry point reports in one line instead of a traceback.

A mistake in the configuration (a database that cannot be reached, a unit directory, contacts,
policy or calendar file that is wrong) would otherwise surface late: at the first message, the
first deadline, or as a hundred lines of traceback. Here each is found at start and said once,
naming the file (or setting) and the entry at fault; none of these messages shows a secret.
"""

from __future__ import annotations

from deadlines.policy import PolicyError
from deadlines.year_decisions import CalendarDataError
from notifications.channels import register_outbox
from notifications.contacts import ContactsError, load_contacts
from plan_import.units import UnitDirectoryError, load_unit_directory
from replies.configured import ReplySettingsError, check_reply_settings
from settings import Settings, SettingsError
from storage.db import DatabaseUnavailable, upgrade_schema
from storage.plans import PlanNotStorable


class EngineUnavailable(RuntimeError):
    """The Temporal server or the worker is not there (or stopped); the message says which,
    where, and what to start."""


# The failures a person can act on from one line: entry points print the message and exit 1.
NAMED_FAILURES: tuple[type[Exception], ...] = (
    SettingsError,
    DatabaseUnavailable,
    UnitDirectoryError,
    ContactsError,
    PolicyError,
    CalendarDataError,
    EngineUnavailable,
    PlanNotStorable,
    ReplySettingsError,
)


def check_configuration(settings: Settings, *, year: int) -> None:
    """The database (migrated now), the unit directory, the contacts, the policy (every task's
    override) and the calendar of `year` and the years around it; the first problem raises one
    of `NAMED_FAILURES`."""
    upgrade_schema(settings.resolved_database_url())
    directory = load_unit_directory(settings.units_file)
    # The contacts' URLs are checked by apprise, which must know the outbox channel first.
    register_outbox()
    load_contacts(settings.contacts, directory)
    settings.policy()
    settings.working_calendar(year)
    check_reply_settings(settings)
