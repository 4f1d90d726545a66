"""The signed links every message carries (one per recipient unit, expiring, revocable), the
accounts (`scheduler.py user add`, argon2, never in clear), and what the first run prints."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from control import accounts
from models.tables import Account, UnitRole
from notifications.links import ExpiredLink, InvalidLink, UnitLinks
from scheduler import app
from settings import Settings, get_settings
from storage.db import session_scope
from tests.web.conftest import PLAN_KEY, Site
from web.server import welcome

NOW = datetime(2023, 3, 20, 3, 0, tzinfo=UTC)


def test_a_link_names_its_unit_and_expires() -> None:
    links = UnitLinks("secret", max_age=timedelta(days=60))
    token = links.token("van-phong", issued_at=NOW)
    claim = links.read(token, now=NOW + timedelta(days=59))
    assert (claim.unit_code, claim.issued_at) == ("van-phong", NOW)
    with pytest.raises(ExpiredLink):
        links.read(token, now=NOW + timedelta(days=61))
    with pytest.raises(InvalidLink):
        UnitLinks("another secret", max_age=timedelta(days=60)).read(token, now=NOW)
    signed = links.signed("https://x/plans/p/tasks/I.1/milestones/1/evidence", "ttlt")
    assert signed.startswith("https://x/plans/p/tasks/I.1/milestones/1/evidence?t=")


def test_each_recipient_of_a_message_gets_a_link_of_its_own(site: Site) -> None:
    from activities.notify import notification_service
    from notifications.channels import register_outbox
    from tests.notifications.conftest import notification

    register_outbox()
    service = notification_service(site.settings)
    request = notification(
        "reminder",
        task_code="II.3",
        recipients=("van-phong", "ttlt"),
        scheduled_at=datetime(2023, 3, 17, 1, 0, tzinfo=UTC),
        due_at=datetime(2023, 3, 31, 10, 0, tzinfo=UTC),
    )
    service.send(request, now=datetime(2023, 3, 17, 1, 0, tzinfo=UTC))
    outbox = site.settings.var_dir / "outbox"
    links = UnitLinks(site.settings.resolved_secret_key(), max_age=timedelta(days=60))
    found: list[str] = []
    for path in sorted(outbox.rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        match = re.search(r"/milestones/1/evidence\?t=([\w.\-]+)", text)
        assert match is not None, text
        found.append(links.read(match.group(1), now=datetime.now(UTC)).unit_code)
    assert sorted(found) == ["ttlt", "van-phong"]


def test_user_add_makes_an_account_with_a_hashed_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NHACHAN_DATABASE_URL", f"sqlite:///{tmp_path / 'nhachan.db'}")
    monkeypatch.setenv("NHACHAN_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        made = runner.invoke(
            app,
            ["user", "add", "lan.nguyen", "--role", "leadership"],
            input="mat-khau-cua-lan\nmat-khau-cua-lan\n",
        )
        assert made.exit_code == 0, made.output
        assert "lan.nguyen" in made.output and "mat-khau-cua-lan" not in made.output
        short = runner.invoke(
            app, ["user", "add", "ngan", "--role", "coordinator"], input="ngan\nngan\n"
        )
        assert short.exit_code == 1 and "at least 10" in short.output
        twice = runner.invoke(
            app,
            ["user", "add", "lan.nguyen", "--role", "coordinator"],
            input="mat-khau-khac-1\nmat-khau-khac-1\n",
        )
        assert twice.exit_code == 1 and "exists already" in twice.output
        unit_role = runner.invoke(app, ["user", "add", "x", "--role", "unit"], input="a\na\n")
        assert unit_role.exit_code == 2
        settings = get_settings()
        with session_scope(settings.resolved_database_url()) as session:
            account = session.exec(select(Account)).one()
        assert account.role is UnitRole.LEADERSHIP
        assert account.password_hash.startswith("$argon2id$")
        assert "mat-khau-cua-lan" not in account.password_hash
        assert accounts.signed_in_account(settings, "lan.nguyen", "mat-khau-cua-lan") is not None
    finally:
        get_settings.cache_clear()


def test_the_first_run_makes_a_coordinator_once_and_shows_a_units_link(tmp_path: Path) -> None:
    from plan_import import read_plan
    from plan_import.units import load_unit_directory
    from settings import DATA_DIR
    from storage.db import upgrade_schema
    from storage.plans import store_plan

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'nhachan.db'}",
        var_dir=tmp_path / "var",
        public_url="http://127.0.0.1:8000",
    )
    upgrade_schema(settings.resolved_database_url())
    directory = load_unit_directory(DATA_DIR / "units.yaml")
    with session_scope(settings.resolved_database_url()) as session:
        store_plan(session, imported=read_plan(settings.plan_file, year=2023), directory=directory)
    first = welcome(settings)
    match = re.search(r"as '(\w+)' with the one-time password (\S+) ", first[0])
    assert match is not None, first
    account = accounts.signed_in_account(settings, match.group(1), match.group(2))
    assert account is not None and account.must_change_password
    assert account.role is UnitRole.COORDINATOR
    unit_link = re.search(r"\((\S+)\), as its messages link to it: (\S+)$", first[1])
    assert unit_link is not None and unit_link.group(1) == "van-phong"
    assert unit_link.group(2).startswith("http://127.0.0.1:8000/u/")
    again = welcome(settings)
    assert "one-time password" not in again[0]
    assert PLAN_KEY  # the same bundled plan the site uses
