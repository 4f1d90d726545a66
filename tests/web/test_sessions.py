"""Sessions and the defects of issue 17 in the web's own area: a cookie copied before signing
out opens nothing after; only failed sign-ins count toward the limit; X-Forwarded-For only
from a proxy the settings name; the cookie's flags; the Content-Security-Policy; /docs behind
sign-in; Vietnamese error pages; a link sent again with the old ones revoked keeps working;
another agency's plan imported from the upload page; an engine that answers late."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from control.permissions import Actor
from models.tables import AuditEntry, UnitRole
from models.workflow_messages import EvidenceSubmission, MilestoneView
from settings import PROJECT_ROOT
from storage.db import session_scope
from tests.web.conftest import (
    COORDINATOR,
    LEADERSHIP,
    PLAN_KEY,
    RecordingEngine,
    Site,
    csrf_of,
    form_csrf,
    sign_in,
)
from web.actions import EngineLate
from web.auth import COOKIE
from web.context import words

QNG_PLAN = PROJECT_ROOT / "tests" / "engine" / "data" / "svhttdl-qng-2025-2026.txt"
EVIDENCE = f"/api/plans/{PLAN_KEY}/tasks/II.3/milestones/1/evidence"


def audit(site: Site) -> list[AuditEntry]:
    with session_scope(site.settings.resolved_database_url()) as session:
        return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)))  # type: ignore[arg-type]


def copied(site: Site, client: TestClient) -> TestClient:
    """Another browser holding a copy of `client`'s session cookie."""
    thief = site.browser()
    thief.cookies.set(COOKIE, client.cookies[COOKIE])
    return thief


# ----------------------------------------------------------------------------- sessions


def test_a_cookie_copied_before_signing_out_opens_nothing_after(site: Site) -> None:
    coordinator = site.browser()
    token = sign_in(coordinator, *COORDINATOR)
    thief = copied(site, coordinator)
    assert thief.get("/overview", follow_redirects=False).status_code == 200
    out = coordinator.delete("/api/session", headers={"X-CSRF-Token": token})
    assert out.status_code == 200, out.text
    assert thief.get("/overview", follow_redirects=False).headers["location"].startswith("/login")
    assert thief.get("/api/plans").status_code == 401
    assert coordinator.get("/api/plans").status_code == 401
    # Signing in again opens a new session; the copy stays worthless.
    sign_in(coordinator, *COORDINATOR)
    assert coordinator.get("/api/plans").status_code == 200
    assert thief.get("/api/plans").status_code == 401


def test_a_units_session_ends_at_sign_out_too(site: Site) -> None:
    clerk = site.browser()
    clerk.get(f"/u/{site.link('van-phong')}")
    thief = copied(site, clerk)
    assert thief.get("/unit").status_code == 200
    out = clerk.post("/logout", data={"csrf": csrf_of(clerk)}, follow_redirects=False)
    assert out.status_code == 303
    assert thief.get("/unit").status_code == 401
    assert clerk.get("/unit").status_code == 401


def test_the_cookie_is_http_only_same_site_and_secure_on_https(site: Site) -> None:
    answer = site.browser().get("/login")
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # http://testserver
    secure = site.settings.model_copy(update={"public_url": "https://nhachan.example"})
    from web.app import create_app

    app = create_app(secure, clock=lambda: site.now, engine=site.engine)
    with TestClient(app, base_url="https://nhachan.example") as client:
        assert "Secure" in client.get("/login").headers["set-cookie"]


def test_only_failed_sign_ins_count_toward_the_limit(site: Site) -> None:
    limit = site.client.app.state.web.limits.sign_in_name.limit  # type: ignore[attr-defined]
    for _ in range(limit + 2):
        client = site.browser()
        sign_in(client, *COORDINATOR)  # asserts 200 each time
    visitor = site.browser()
    token = csrf_of(visitor)
    answers = [
        visitor.post(
            "/api/session",
            json={"name": LEADERSHIP[0], "password": "x" * 12},
            headers={"X-CSRF-Token": token},
        ).status_code
        for _ in range(limit + 1)
    ]
    assert answers[:limit] == [401] * limit and answers[-1] == 429


def test_a_failed_sign_in_is_written_to_the_audit_log_without_its_password(site: Site) -> None:
    visitor = site.browser()
    tried = "mat-khau-doan-thu-1"
    for name, role in ((LEADERSHIP[0], UnitRole.LEADERSHIP), ("ai-do-khong-co", None)):
        answer = visitor.post(
            "/api/session",
            json={"name": name, "password": tried},
            headers={"X-CSRF-Token": csrf_of(visitor)},
        )
        assert answer.status_code == 401
        entry = audit(site)[-1]
        assert (entry.action, entry.outcome, entry.actor) == ("sign_in", "refused", name)
        # A name no account has is no coordinator, nor anything else.
        assert entry.actor_role is role
        assert entry.address == "testclient" and entry.message.startswith("sign_in_failed")
        assert tried not in repr(entry.model_dump())


def test_x_forwarded_for_is_read_from_named_proxies_only(site: Site) -> None:
    from web.app import create_app

    limit = site.client.app.state.web.limits.sign_in_address.limit  # type: ignore[attr-defined]
    # testclient is the peer's address in Starlette's test client.
    for trusted, varied in (("", False), ("testclient", True)):
        settings = site.settings.model_copy(update={"trusted_proxies": trusted})
        app = create_app(settings, clock=lambda: site.now, engine=site.engine)
        with TestClient(app, base_url="http://testserver") as client:
            answers = [
                # A fresh name each time, so only the address's limit can say 429.
                client.post(
                    "/api/session",
                    json={"name": f"ai-do-{n}", "password": "x" * 12},
                    headers={
                        "X-CSRF-Token": csrf_of(client),
                        "X-Forwarded-For": f"203.0.113.{n}",
                    },
                ).status_code
                for n in range(limit + 1)
            ]
        # Trusted, each forwarded address is a visitor of its own; not, they are one.
        assert (answers[-1] == 401) is varied, (trusted, answers)


def test_the_pages_carry_a_content_security_policy(site: Site) -> None:
    policy = site.browser().get("/login").headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy


def test_the_api_documentation_is_for_the_signed_in(site: Site) -> None:
    stranger = site.browser()
    assert stranger.get("/openapi.json").status_code == 401
    assert stranger.get("/docs", follow_redirects=False).headers["location"].startswith("/login")
    reader = site.browser()
    sign_in(reader, *LEADERSHIP)
    schema = reader.get("/openapi.json").json()
    assert reader.get("/docs").status_code == 200
    # Every API route answers a schema of its own, never a bare object.
    for path, methods in schema["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in methods.items():
            content = operation["responses"]["200"]["content"]["application/json"]["schema"]
            assert content not in ({}, {"type": "object"}), (method, path, content)


# ----------------------------------------------------------------------------- error pages


def test_unknown_pages_missing_fields_and_failures_answer_in_vietnamese(site: Site) -> None:
    visitor = site.browser()
    page = visitor.get("/khong-co-trang-nay")
    assert page.status_code == 404 and words()["refusals"]["not_found"] in page.text
    assert "Not Found" not in page.text and page.headers["content-type"].startswith("text/html")
    api = visitor.get("/api/khong-co")
    assert api.status_code == 404 and api.json()["message"] == words()["refusals"]["not_found"]
    coordinator = site.browser()
    token = sign_in(coordinator, *COORDINATOR)
    missing = coordinator.post(
        f"/plans/{PLAN_KEY}/tasks/II.3/close", data={"csrf": token}, follow_redirects=False
    )
    assert missing.status_code == 422 and "reason" in missing.text
    assert "Field required" not in missing.text and "<html" in missing.text
    missing_api = coordinator.post(
        f"/api/plans/{PLAN_KEY}/tasks/II.3/close", json={}, headers={"X-CSRF-Token": token}
    )
    assert missing_api.status_code == 422
    assert missing_api.json()["error"] == "bad_request" and "reason" in missing_api.json()["detail"]
    big = visitor.post(
        f"/plans/{PLAN_KEY}/tasks/II.3/milestones/1/evidence",
        content=b"x" * (site.settings.evidence_max_bytes + 2 * 1024 * 1024),
        headers={"content-type": "application/octet-stream"},
    )
    assert big.status_code == 413 and words()["refusals"]["too_large"] in big.text
    assert "<html" in big.text


class FailingEngine(RecordingEngine):
    async def task_history(self, plan_key: str, task_code: str) -> list[Any]:
        raise RuntimeError("a fault nobody foresaw")


def test_a_fault_is_a_vietnamese_page_not_a_bare_500(site: Site) -> None:
    from web.app import create_app

    engine = FailingEngine(site.settings, lambda: site.now)
    app = create_app(site.settings, clock=lambda: site.now, engine=engine)
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        sign_in(client, *LEADERSHIP)
        page = client.get(f"/plans/{PLAN_KEY}/tasks/II.3")
    assert page.status_code == 500
    assert words()["refusals"]["server_error"] in page.text and "<html" in page.text


# ----------------------------------------------------------------------------- late answers


class LateEngine(RecordingEngine):
    """Records the evidence, then answers too late (as an update whose worker is slow)."""

    def __init__(self, *args: Any, record: bool) -> None:
        super().__init__(*args)
        self.record = record

    async def submit_evidence(
        self, actor: Actor, plan_key: str, task_code: str, submission: EvidenceSubmission
    ) -> MilestoneView:
        if self.record:
            await super().submit_evidence(actor, plan_key, task_code, submission)
        raise EngineLate("no answer within 20 s: is the worker running?")


def test_evidence_recorded_but_answered_late_is_shown_as_recorded(site: Site) -> None:
    from web.app import create_app

    link = {"Authorization": f"Bearer {site.link('van-phong')}"}
    # Not recorded first: once recorded, the milestone is done and takes no more.
    for record in (False, True):
        engine = LateEngine(site.settings, lambda: site.now, record=record)
        app = create_app(site.settings, clock=lambda: site.now, engine=engine)
        with TestClient(app, base_url="http://testserver") as client:
            answer = client.post(EVIDENCE, headers=link, data={"document_number": "12/KH"})
        entry = audit(site)[-1]
        if record:
            assert answer.status_code == 200, answer.text
            assert answer.json()["recorded"] is True
            assert (entry.action, entry.outcome) == ("submit_evidence", "done")
        else:
            assert answer.status_code == 504
            assert answer.json()["recorded"] is None
            assert answer.json()["message"] == words()["refusals"]["engine_late"]
            assert (entry.action, entry.outcome) == ("submit_evidence", "failed")


def test_every_refused_change_is_audited_even_before_any_action(site: Site) -> None:
    coordinator = site.browser()
    sign_in(coordinator, *COORDINATOR)
    forged = coordinator.post(
        f"/api/plans/{PLAN_KEY}/tasks/II.3/close",
        json={"reason": "x"},
        headers={"X-CSRF-Token": "forged"},
    )
    assert forged.status_code == 403
    entry = audit(site)[-1]
    assert (entry.actor, entry.outcome, entry.plan_key, entry.task_code) == (
        COORDINATOR[0],
        "refused",
        PLAN_KEY,
        "II.3",
    )
    assert entry.message.startswith("bad_csrf")


# ----------------------------------------------------------------------------- the defects


def test_a_link_sent_again_with_the_old_ones_revoked_keeps_working(site: Site) -> None:
    from web.app import create_app

    # An instant with microseconds, as the wall clock gives: the new link carries whole
    # milliseconds, which fell before a revocation at the full instant.
    now = site.now + timedelta(microseconds=654_321)
    app = create_app(site.settings, clock=lambda: now, engine=site.engine)
    with TestClient(app, base_url="http://testserver") as client:
        token = sign_in(client, *COORDINATOR)
        sent = client.post(
            "/api/units/ttlt/link", json={"revoke_old": True}, headers={"X-CSRF-Token": token}
        )
        assert sent.status_code == 200 and sent.json()["delivered"], sent.text
        outbox = [p for p in (site.settings.var_dir / "outbox").rglob("*") if p.is_file()]
        text = outbox[-1].read_text(encoding="utf-8")
        new = text.split("http://testserver/u/")[1].split()[0].strip('"<>')
        clerk = TestClient(app, base_url="http://testserver")
        own = clerk.get("/api/unit", headers={"Authorization": f"Bearer {new}"})
        assert own.status_code == 200, own.text
        old = site.link("ttlt", issued_at=now - timedelta(seconds=1))
        assert clerk.get("/api/unit", headers={"Authorization": f"Bearer {old}"}).status_code == 401


def test_another_agencys_plan_imports_from_the_upload_page(site: Site) -> None:
    """The Quảng Ngãi department's plan, its agency not configured here (no coordinator)."""
    coordinator = site.browser()
    sign_in(coordinator, *COORDINATOR)
    page = coordinator.get("/import")
    answer = coordinator.post(
        "/import",
        data={"csrf": form_csrf(page.text)},
        files={"file": (QNG_PLAN.name, QNG_PLAN.read_bytes(), "text/plain")},
    )
    assert answer.status_code == 200, answer.text[:2000]
    assert "svhttdl" in answer.text or "Quảng Ngãi" in answer.text
    api = coordinator.post(
        "/api/imports",
        files={"file": (QNG_PLAN.name, QNG_PLAN.read_bytes(), "text/plain")},
        headers={"X-CSRF-Token": csrf_of(coordinator)},
    )
    assert api.status_code == 200, api.text
    assert api.json()["plan"]["key"].startswith("svhttdl-quang-ngai")


class LateClosingEngine(RecordingEngine):
    """Records the task cancelled where the pages read it, then answers too late."""

    async def close_task(
        self, actor: Actor, plan_key: str, task_code: str, *, reason: str, carry_over: bool
    ) -> Any:
        from sqlmodel import select as select_rows

        from models.statuses import TaskStatus
        from models.tables import Plan, Task
        from storage.progress import bump_projection_version

        with session_scope(self._settings.resolved_database_url()) as session:
            task = session.exec(
                select_rows(Task).join(Plan).where(Plan.key == plan_key, Task.code == task_code)
            ).one()
            task.status = TaskStatus.CANCELLED
            session.add(task)
            bump_projection_version(session, plan_id=task.plan_id)
        raise EngineLate("no answer within 20 s: is the worker running?")


def test_a_cancellation_answered_late_is_shown_as_recorded(site: Site) -> None:
    from web.app import create_app

    engine = LateClosingEngine(site.settings, lambda: site.now)
    app = create_app(site.settings, clock=lambda: site.now, engine=engine)
    with TestClient(app, base_url="http://testserver") as client:
        token = sign_in(client, *COORDINATOR)
        answer = client.post(
            f"/api/plans/{PLAN_KEY}/tasks/II.3/close",
            json={"reason": "không còn cần"},
            headers={"X-CSRF-Token": token},
        )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"closed": "cancelled", "recorded": True, "pending": False}
    assert (audit(site)[-1].action, audit(site)[-1].outcome) == ("cancel", "done")


def test_a_plan_that_cannot_start_is_named_with_the_engine_down(site: Site) -> None:
    """The file is read before the engine is called, as the command line does: a plan whose
    agency has no coordinator is refused in its own words, not "the engine is unreachable"."""
    from tests.support.mailserver import free_port
    from web.actions import EngineActions
    from web.app import create_app

    settings = site.settings.model_copy(update={"temporal_address": f"127.0.0.1:{free_port()}"})
    app = create_app(settings, clock=lambda: site.now, engine=EngineActions(settings))
    with TestClient(app, base_url="http://testserver") as client:
        token = sign_in(client, *COORDINATOR)
        upload = client.post(
            "/api/imports",
            files={"file": (QNG_PLAN.name, QNG_PLAN.read_bytes(), "text/plain")},
            headers={"X-CSRF-Token": token},
        )
        assert upload.status_code == 200, upload.text
        sha256 = upload.json()["upload"]
        started = client.post(
            f"/api/imports/{sha256}/start", json={}, headers={"X-CSRF-Token": token}
        )
    assert started.status_code == 409, started.text
    assert "chưa có đơn vị theo dõi kế hoạch và lãnh đạo" in started.json()["message"]
    assert (audit(site)[-1].action, audit(site)[-1].outcome) == ("start_plan", "refused")


class LateDecisionEngine(RecordingEngine):
    """Takes an extension request, a refusal, an evidence rejection or an event and answers
    too late; with `record`, the engine's activities have written it first (the message it
    sends, the event)."""

    record = False

    def _message(self, plan_key: str, task_code: str, key: str, kind: Any) -> None:
        from storage.notifications import ensure_log, new_log

        with session_scope(self._settings.resolved_database_url()) as session:
            ensure_log(
                session,
                new_log(
                    key=f"late-{kind.value}-{len(self.calls)}",
                    workflow_id=f"task-{plan_key}-{task_code}",
                    plan_key=plan_key,
                    task_code=task_code,
                    milestone_key=key,
                    kind=kind,
                    unit_code="van-phong",
                    scheduled_at=self._clock(),
                    details={},
                    now=self._clock(),
                ),
            )

    async def request_extension(
        self, actor: Actor, plan_key: str, task_code: str, milestone_key: str, **what: Any
    ) -> str:
        from models.payloads import MessageKind

        self._called("request_extension", actor, task=task_code, **what)
        if self.record:
            self._message(plan_key, task_code, milestone_key, MessageKind.EXTENSION_REQUEST)
        raise EngineLate("no answer within 20 s: is the worker running?")

    async def refuse_extension(
        self, actor: Actor, plan_key: str, task_code: str, milestone_key: str, *, reason: str
    ) -> MilestoneView:
        from models.payloads import MessageKind

        self._called("refuse_extension", actor, task=task_code, reason=reason)
        if self.record:
            self._message(plan_key, task_code, milestone_key, MessageKind.EXTENSION_REFUSED)
        raise EngineLate("no answer within 20 s: is the worker running?")

    async def reject_evidence(
        self, actor: Actor, plan_key: str, task_code: str, milestone_key: str, *, reason: str
    ) -> MilestoneView:
        from models.payloads import MessageKind

        self._called("reject_evidence", actor, task=task_code, reason=reason)
        if self.record:
            self._message(plan_key, task_code, milestone_key, MessageKind.EVIDENCE_REJECTED)
        raise EngineLate("no answer within 20 s: is the worker running?")

    async def trigger_event(self, actor: Actor, plan_key: str, **what: Any) -> Any:
        from models.workflow_messages import EventOccurrence, EventRecord
        from storage.progress import save_event

        self._called("trigger_event", actor, **what)
        if self.record:
            event = EventOccurrence(what["key"], what["occurred_on"])
            with session_scope(self._settings.resolved_database_url()) as session:
                save_event(session, record=EventRecord(plan_key, event))
        raise EngineLate("no answer within 20 s: is the worker running?")


def test_decisions_answered_late_are_shown_as_recorded_when_they_were(site: Site) -> None:
    """An extension request, its refusal, an evidence rejection and an event: each not
    recorded first ("not known yet", 504), then recorded (done), as evidence is."""
    from web.app import create_app

    engine = LateDecisionEngine(site.settings, lambda: site.now)
    app = create_app(site.settings, clock=lambda: site.now, engine=engine)
    milestone = f"/api/plans/{PLAN_KEY}/tasks/II.3/milestones/1"
    unit = {"Authorization": f"Bearer {site.link('van-phong')}"}
    with TestClient(app, base_url="http://testserver") as client:
        headers = {"X-CSRF-Token": sign_in(client, *COORDINATOR)}
        asks: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
            (
                "request_extension",
                f"{milestone}/extension-request",
                {"until": "2023-04-14", "reason": "chờ"},
                unit,
            ),
            (
                "refuse_extension",
                f"{milestone}/extension",
                {"decision": "refuse", "reason": "không"},
                headers,
            ),
            (
                "trigger_event",
                f"/api/plans/{PLAN_KEY}/events",
                {"key": "ubnd-tinh-ban-hanh", "occurred_on": site.now.date().isoformat()},
                headers,
            ),
        ]
        for action, path, body, who in asks:
            for record in (False, True):
                engine.record = record
                answer = client.post(path, json=body, headers=who)
                entry = audit(site)[-1]
                if record:
                    assert answer.status_code == 200, (action, answer.text)
                    assert (entry.action, entry.outcome) == (action, "done")
                else:
                    assert answer.status_code == 504, (action, answer.text)
                    assert answer.json()["recorded"] is None
                    assert (entry.action, entry.outcome) == (action, "failed")
        # Evidence to reject, delivered as the engine records it.
        delivered = client.post(
            f"{milestone}/evidence", headers=unit, data={"document_number": "1"}
        )
        assert delivered.status_code == 200, delivered.text
        for record in (False, True):
            engine.record = record
            answer = client.post(
                f"{milestone}/review", json={"decision": "reject", "reason": "sai"}, headers=headers
            )
            entry = audit(site)[-1]
            assert answer.status_code == (200 if record else 504), answer.text
            assert (entry.action, entry.outcome) == (
                "reject_evidence",
                "done" if record else "failed",
            )
