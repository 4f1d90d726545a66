"""Two agencies' plans in one web app: the home page groups them by agency and filters with
?agency=, the dashboard names the plan's agency, the coordinator acts as the office of the
plan's own agency, and an account of one agency sees and acts on that agency's plans only
(a refusal is audited and never reaches the engine)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from control import accounts
from models.tables import AuditEntry, UnitRole
from plan_import import read_plan
from scheduler import app
from settings import PROJECT_ROOT, get_settings
from storage.db import session_scope
from storage.plans import store_plan
from tests.web.conftest import COORDINATOR, PLAN_KEY, Site, sign_in

DATA = PROJECT_ROOT / "tests" / "engine" / "data"
QNG_KEY = "svhttdl-quang-ngai-cdvhttdl-2025-2026-46"
QNG_NAME = "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi"
QNG_ACCOUNT = ("qng.dieuphoi", "mat-khau-quang-ngai")


@pytest.fixture
def two(site: Site) -> Site:
    """The site's 2023 plan of the bundled agency and a plan of the Quảng Ngãi department, with
    a coordinator account of that department."""
    imported = read_plan(DATA / "svhttdl-qng-2025-2026.txt", agencies_dir=DATA / "agencies")
    with session_scope(site.settings.resolved_database_url()) as session:
        store_plan(session, imported=imported)
    accounts.create_account(
        site.settings,
        name=QNG_ACCOUNT[0],
        role=UnitRole.COORDINATOR,
        password=QNG_ACCOUNT[1],
        agency_code="svhttdl-quang-ngai",
    )
    return site


def _agencies_shown(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('<section class="agency" data-agency="')[1:]]


def test_the_home_page_groups_by_agency_and_filters(two: Site) -> None:
    coordinator = two.browser()
    sign_in(coordinator, *COORDINATOR)
    page = coordinator.get("/")
    assert page.status_code == 200
    # By name: "Sở Nội vụ …" before "Sở Văn hóa …".
    assert _agencies_shown(page.text) == ["snv-binh-dinh", "svhttdl-quang-ngai"]
    assert 'name="agency"' in page.text and QNG_NAME in page.text
    assert "năm 2025–2026" in page.text

    one = coordinator.get("/", params={"agency": "svhttdl-quang-ngai"})
    assert _agencies_shown(one.text) == ["svhttdl-quang-ngai"]
    assert PLAN_KEY not in one.text and QNG_KEY in one.text
    api = coordinator.get("/api/plans", params={"agency": "snv-binh-dinh"}).json()
    assert [(p["key"], p["agency"]) for p in api] == [(PLAN_KEY, "snv-binh-dinh")]

    unknown = coordinator.get("/", params={"agency": "snv-gia-lai"})
    assert unknown.status_code == 404
    assert "Không có cơ quan này." in unknown.text


def test_the_dashboard_names_the_plans_agency(two: Site) -> None:
    coordinator = two.browser()
    sign_in(coordinator, *COORDINATOR)
    board = coordinator.get(f"/plans/{QNG_KEY}")
    assert board.status_code == 200
    assert f'data-agency="svhttdl-quang-ngai"><a href="/?agency=svhttdl-quang-ngai">{QNG_NAME}' in (
        board.text
    )
    home = coordinator.get(f"/plans/{PLAN_KEY}")
    assert "Sở Nội vụ tỉnh Bình Định" in home.text


def test_the_coordinator_acts_as_the_office_of_the_plans_agency(two: Site) -> None:
    coordinator = two.browser()
    token = sign_in(coordinator, *COORDINATOR)
    headers = {"X-CSRF-Token": token}
    for plan_key, office in ((QNG_KEY, "qng-vp"), (PLAN_KEY, "cchc-vtlt")):
        answer = coordinator.post(
            f"/api/plans/{plan_key}/tasks/I.2/close", json={"reason": "x"}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        assert two.engine.calls[-1][1].who == office
    # A unit of the other agency cannot lead this agency's task.
    answer = coordinator.post(
        f"/api/plans/{QNG_KEY}/tasks/I.2/reassign",
        json={"lead_units": ["van-phong"], "reason": "x"},
        headers=headers,
    )
    assert answer.status_code == 400 and answer.json()["error"] == "no_such_unit"


def test_an_account_of_one_agency_acts_on_its_plans_only(two: Site) -> None:
    qng = two.browser()
    token = sign_in(qng, *QNG_ACCOUNT)
    headers = {"X-CSRF-Token": token}
    # Its home page is its agency's, whatever is asked.
    page = qng.get("/", params={"agency": "snv-binh-dinh"})
    assert _agencies_shown(page.text) == ["svhttdl-quang-ngai"]
    assert 'name="agency"' not in page.text
    assert [p["key"] for p in qng.get("/api/plans").json()] == [QNG_KEY]

    refused = qng.post(
        f"/api/plans/{PLAN_KEY}/tasks/II.3/close", json={"reason": "x"}, headers=headers
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == "other_agency"
    assert two.engine.calls == []
    with session_scope(two.settings.resolved_database_url()) as session:
        entry = session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()  # type: ignore[union-attr]
    assert entry is not None
    assert (entry.actor, entry.outcome, entry.plan_key) == (QNG_ACCOUNT[0], "refused", PLAN_KEY)
    assert "of agency snv-binh-dinh" in entry.message

    done = qng.post(f"/api/plans/{QNG_KEY}/tasks/I.2/close", json={"reason": "x"}, headers=headers)
    assert done.status_code == 200, done.text
    assert two.engine.calls[-1][1].who == "qng-vp"


def test_an_account_of_one_agency_reads_its_plans_only(two: Site) -> None:
    qng = two.browser()
    sign_in(qng, *QNG_ACCOUNT)
    for path in (
        f"/plans/{PLAN_KEY}",
        f"/plans/{PLAN_KEY}/tasks/II.3",
        f"/plans/{PLAN_KEY}/export/status.xlsx",
        f"/api/plans/{PLAN_KEY}",
        f"/api/plans/{PLAN_KEY}/tasks/II.3",
    ):
        answer = qng.get(path)
        assert answer.status_code == 403, path
    assert "thuộc cơ quan khác" in qng.get(f"/plans/{PLAN_KEY}").text
    assert qng.get(f"/plans/{QNG_KEY}").status_code == 200
    # The overview is its agency's.
    overview = qng.get("/api/overview").json()
    assert [p["key"] for p in overview["plans"]] == [QNG_KEY]
    coordinator = two.browser()
    sign_in(coordinator, *COORDINATOR)
    every = coordinator.get("/api/overview").json()
    assert {p["key"] for p in every["plans"]} == {PLAN_KEY, QNG_KEY}
    one = coordinator.get("/api/overview", params={"agency": "snv-binh-dinh"}).json()
    assert [p["key"] for p in one["plans"]] == [PLAN_KEY]


def test_an_account_of_an_unknown_agency_is_refused(two: Site) -> None:
    with pytest.raises(accounts.AccessRefused, match="no agency 'snv-gia-lai'; the agencies known"):
        accounts.create_account(
            two.settings,
            name="someone",
            role=UnitRole.COORDINATOR,
            password="a-long-password",
            agency_code="snv-gia-lai",
        )


def test_user_add_gives_an_account_its_agency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NHACHAN_DATABASE_URL", f"sqlite:///{tmp_path / 'nhachan.db'}")
    monkeypatch.setenv("NHACHAN_VAR_DIR", str(tmp_path / "var"))
    # A configured agency is known before any of its plans is imported.
    monkeypatch.setenv("NHACHAN_AGENCIES_DIR", str(DATA / "agencies"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        password = "mat-khau-quang-ngai\nmat-khau-quang-ngai\n"
        made = runner.invoke(
            app,
            ["user", "add", "qng", "--role", "coordinator", "--agency", "svhttdl-quang-ngai"],
            input=password,
        )
        assert made.exit_code == 0, made.output
        assert "of agency svhttdl-quang-ngai" in made.output
        unknown = runner.invoke(
            app, ["user", "add", "gla", "--role", "leadership", "--agency", "gla"], input=password
        )
        assert unknown.exit_code == 1
        assert "no agency 'gla'; the agencies known: snv-binh-dinh, svhttdl-quang-ngai" in (
            unknown.output
        )
        found = accounts.find_account(get_settings(), "qng")
        assert found is not None and found.agency_code == "svhttdl-quang-ngai"
    finally:
        get_settings.cache_clear()
