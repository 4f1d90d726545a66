"""A plan of an agency other than the bundled one reaches that agency's people: a unit of its
plan that cannot be reached is reported to its own coordinator (the coordinator's own failure
to its own leadership), and the verbs' --by and unit names are read with its own directory."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
import typer

from commands.running import acting, resolve_unit
from control.operations import plan_directory
from control.permissions import Action
from models.payloads import MessageKind, NotificationRequest
from models.tables import UnitRole
from plan_import import read_plan
from settings import PROJECT_ROOT
from storage.db import session_scope
from storage.plans import store_plan
from tests.notifications.conftest import PLAN_KEY, Product, run_activity
from tests.notifications.servers import SmtpServer

DATA = PROJECT_ROOT / "tests" / "engine" / "data"
AGENCIES = DATA / "agencies"
QNG_PLAN = "svhttdl-quang-ngai-cdvhttdl-2025-2026-46"
# Monday 20/01/2025, 09:00 in Vietnam: a working day, inside office hours.
MONDAY_MORNING = datetime(2025, 1, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def two_agencies(product: Product) -> Product:
    """The bundled agency's 2023 plan and a plan of the Quảng Ngãi department, stored."""
    product.configure(agencies_dir=AGENCIES)
    imported = read_plan(DATA / "svhttdl-qng-2025-2026.txt", agencies_dir=AGENCIES)
    assert imported.key == QNG_PLAN
    with session_scope(product.database_url) as session:
        store_plan(session, imported=imported)
    return product


def _reminder(unit: str) -> NotificationRequest:
    workflow_id = f"{QNG_PLAN}/I.1"
    return NotificationRequest(
        key=f"{workflow_id}/2025-Q4/reminder/lead/{MONDAY_MORNING.isoformat()}",
        workflow_id=workflow_id,
        kind=MessageKind.REMINDER,
        plan_key=QNG_PLAN,
        task_code="I.1",
        task_title="Xây dựng kế hoạch chuyển đổi số hằng năm của Sở",
        milestone_key="2025-Q4",
        milestone_label="Quý IV/2025",
        scheduled_at=MONDAY_MORNING,
        recipients=[unit],
        due_at=datetime(2025, 12, 31, 10, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("unreachable", "told"), [("qng-qlvh", "qng-coordinator"), ("qng-vp", "qng-leadership")]
)
def test_a_unit_of_another_agencys_plan_given_up_on_is_reported_to_that_agency(
    two_agencies: Product, smtp: SmtpServer, unreachable: str, told: str
) -> None:
    product = two_agencies
    channels = {
        "qng-vp": f"outbox://{product.outbox('qng-coordinator')}",
        "qng-ld": f"outbox://{product.outbox('qng-leadership')}",
        "Phòng CCHC-VTLT": f"outbox://{product.outbox('home-coordinator')}",
        "Lãnh đạo Sở": f"outbox://{product.outbox('home-leadership')}",
        unreachable: smtp.url("unit@example.gov.vn"),
    }
    product.contacts(
        "units:\n" + "".join(f'  {unit}: ["{url}"]\n' for unit, url in channels.items())
    )
    smtp.stop()
    outcome = run_activity(
        product.notify.send_notification,
        _reminder(unreachable),
        at=MONDAY_MORNING,
        attempt=8,
        maximum_attempts=8,
    )
    assert outcome.per_unit == {unreachable: "failed"}
    [alert] = product.outbox_files(told)
    assert "[Lỗi gửi thông báo]" in alert.read_text(encoding="utf-8")
    assert product.outbox_files("home-coordinator") == []
    assert product.outbox_files("home-leadership") == []


def test_the_verbs_read_who_acts_with_the_plans_own_directory(two_agencies: Product) -> None:
    settings = two_agencies.settings
    assert plan_directory(settings, QNG_PLAN).agency.code == "svhttdl-quang-ngai"
    assert plan_directory(settings, PLAN_KEY).coordinator == "cchc-vtlt"

    coordinator = acting(settings, "qng-vp", Action.RECORD_EVENT, plan_key=QNG_PLAN)
    assert coordinator.role is UnitRole.COORDINATOR
    # A name both agencies use means the plan's agency's unit.
    assert resolve_unit(settings, "Văn phòng Sở", plan_key=QNG_PLAN) == "qng-vp"
    assert resolve_unit(settings, "Phòng Quản lý văn hóa", plan_key=QNG_PLAN) == "qng-qlvh"
    # The bundled agency's plan knows none of the other agency's units.
    with pytest.raises(typer.Exit):
        acting(settings, "qng-vp", Action.RECORD_EVENT, plan_key=PLAN_KEY)


def test_a_message_about_an_event_names_the_plans_own_coordinator_as_its_recorder(
    two_agencies: Product,
) -> None:
    product = two_agencies
    product.contacts(f'units:\n  qng-qlvh: ["outbox://{product.outbox("qng-unit")}"]\n')
    # The nudge of a milestone still waiting for its event: it says who records the event.
    reminder = _reminder("qng-qlvh")
    request = dataclasses.replace(
        reminder,
        key=reminder.key.replace("/reminder/", "/nudge/"),
        kind=MessageKind.NUDGE,
        due_at=None,
        event_text="Sau khi UBND tỉnh ban hành Kế hoạch",
        event_key="ubnd-ke-hoach",
    )
    outcome = run_activity(product.notify.send_notification, request, at=MONDAY_MORNING)
    assert outcome.per_unit == {"qng-qlvh": "sent"}
    [message] = product.outbox_files("qng-unit")
    text = message.read_text(encoding="utf-8")
    assert "Văn phòng Sở ghi nhận khi sự kiện xảy ra" in text
    assert "Phòng Cải cách hành chính" not in text
