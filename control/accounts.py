"""The web app's accounts: the coordinator's staff and the leadership (passwords hashed with
argon2id, never kept or logged in clear), and the sessions they end by signing out.

The CLI (`scheduler.py user add`) and the web app both come here.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from models.tables import Account, UnitRole
from plan_import.agency import agency_directories
from settings import Settings
from storage import access as store
from storage.agencies import list_agencies
from storage.db import session_scope, upgrade_schema

# The roles an account may have; units act from their links, never from an account.
ACCOUNT_ROLES = (UnitRole.COORDINATOR, UnitRole.LEADERSHIP)
MIN_PASSWORD_LENGTH = 10
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
# The account the first `make run` makes, so that a newcomer can look at once.
FIRST_ACCOUNT = "dieuphoi"

_hasher = PasswordHasher()
# Verified against when the name is unknown, so that a wrong name takes as long as a wrong
# password and the answer does not tell which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccessRefused(ValueError):
    """What was asked cannot be done; the message says why, in words for the person."""


def _now() -> datetime:
    return datetime.now(UTC)


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessRefused(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")


def create_account(
    settings: Settings,
    *,
    name: str,
    role: UnitRole,
    password: str,
    must_change_password: bool = False,
    agency_code: str = "",
) -> Account:
    """`agency_code`: the one agency whose plans the account reads and acts on ("" for every
    agency's); an agency configured (NHACHAN_UNITS_FILE, NHACHAN_AGENCIES_DIR) or with a plan
    stored."""
    if role not in ACCOUNT_ROLES:
        raise AccessRefused("an account is for the coordinator or the leadership; units use links")
    if not _NAME.match(name):
        raise AccessRefused(
            f"{name!r} is not an account name: 2-40 lowercase letters, digits, '.', '_' or '-'"
        )
    check_new_password(password)
    url = settings.resolved_database_url()
    upgrade_schema(url)
    with session_scope(url) as session:
        if agency_code:
            known = known_agencies(settings, session)
            if agency_code not in known:
                raise AccessRefused(
                    f"no agency {agency_code!r}; the agencies known: {', '.join(sorted(known))}"
                )
        try:
            return store.add_account(
                session,
                name=name,
                role=role,
                password_hash=_hasher.hash(password),
                must_change_password=must_change_password,
                now=_now(),
                agency_code=agency_code,
            )
        except store.AccountExists as error:
            raise AccessRefused(str(error)) from error


def known_agencies(settings: Settings, session: Session) -> set[str]:
    """The codes of the agencies configured and of those a stored plan belongs to."""
    configured = agency_directories(settings.units_file, settings.agencies_dir).all
    return {d.agency.code for d in configured} | {a.code for a in list_agencies(session)}


def signed_in_account(settings: Settings, name: str, password: str) -> Account | None:
    """The account when the password is right; None otherwise (whatever was wrong)."""
    with session_scope(settings.resolved_database_url()) as session:
        account = store.get_account(session, name)
        try:
            _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if account is None or account.disabled:
            return None
        if _hasher.check_needs_rehash(account.password_hash):
            account.password_hash = _hasher.hash(password)
            session.add(account)
        return account


def find_account(settings: Settings, name: str) -> Account | None:
    with session_scope(settings.resolved_database_url()) as session:
        return store.get_account(session, name)


def change_password(settings: Settings, name: str, *, current: str, new: str) -> None:
    if signed_in_account(settings, name, current) is None:
        raise AccessRefused("the current password is not right")
    check_new_password(new)
    if new == current:
        raise AccessRefused("choose a password other than the current one")
    with session_scope(settings.resolved_database_url()) as session:
        account = store.get_account(session, name)
        assert account is not None
        store.set_password(session, account, password_hash=_hasher.hash(new), now=_now())


def first_coordinator(settings: Settings) -> tuple[str, str] | None:
    """On a database without any account: a coordinator account with a one-time password
    (changed at first sign-in); its name and that password, to be shown once. None when an
    account exists already."""
    url = settings.resolved_database_url()
    upgrade_schema(url)
    with session_scope(url) as session:
        if store.count_accounts(session):
            return None
    password = secrets.token_urlsafe(12)
    create_account(
        settings,
        name=FIRST_ACCOUNT,
        role=UnitRole.COORDINATOR,
        password=password,
        must_change_password=True,
    )
    return FIRST_ACCOUNT, password


# ----------------------------------------------------------------------------- sessions


def end_session(settings: Settings, session_id: str, *, lasts: timedelta) -> None:
    """The session is over: a copy of its cookie opens nothing any more. Sessions that would
    have expired by themselves (older than `lasts`) are forgotten meanwhile."""
    now = _now()
    with session_scope(settings.resolved_database_url()) as session:
        store.end_session(session, session_id, at=now, forget_before=now - lasts)


def session_ended(settings: Settings, session_id: str) -> bool:
    with session_scope(settings.resolved_database_url()) as session:
        return store.session_ended(session, session_id)
