"""The JSON API: every action, and every refusal the issue names (an expired link, another unit's
milestone, a bad CSRF token, a file too large or of a forbidden type, the wrong role), each one
written in the audit log."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from sqlmodel import select

from control import links
from control.permissions import Actor
from models.tables import AuditEntry, EvidenceFile, EvidenceReview, UnitRole
from storage.db import session_scope
from tests.web.conftest import COORDINATOR, LEADERSHIP, PDF, PLAN_KEY, Site, csrf_of, sign_in
from web.context import words

EVIDENCE = f"/api/plans/{PLAN_KEY}/tasks/II.3/milestones/1/evidence"
ASK = f"/api/plans/{PLAN_KEY}/tasks/II.3/milestones/1/extension-request"


def bearer(site: Site, unit: str, **kwargs: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.link(unit, **kwargs)}"}  # type: ignore[arg-type]


def audit(site: Site) -> list[AuditEntry]:
    with session_scope(site.settings.resolved_database_url()) as session:
        return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)))  # type: ignore[arg-type]


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


# ----------------------------------------------------------------------------- units


def test_a_unit_delivers_evidence_with_a_file_from_its_link(site: Site) -> None:
    answer = site.client.post(
        EVIDENCE,
        headers=bearer(site, "van-phong"),
        data={"document_number": "12/KH-SNV", "document_date": "2023-03-15"},
        files={"file": ("ke-hoach.pdf", PDF, "application/pdf")},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["tracking"] == "done_on_time"
    name, actor, what = site.engine.calls[-1]
    assert (name, actor) == ("submit_evidence", Actor("van-phong", UnitRole.UNIT))
    assert what["submission"].file_ref.startswith("sha256:")
    assert what["submission"].document_date.isoformat() == "2023-03-15"
    with session_scope(site.settings.resolved_database_url()) as session:
        stored = session.exec(select(EvidenceFile)).one()
    assert (stored.media_type, stored.uploaded_by, stored.original_name) == (
        "application/pdf",
        "van-phong",
        "ke-hoach.pdf",
    )
    files = list((site.settings.var_dir / "evidence").rglob(f"{stored.sha256}.pdf"))
    assert len(files) == 1 and files[0].read_bytes() == PDF
    entry = audit(site)[-1]
    assert (entry.actor, entry.via, entry.action, entry.outcome, entry.task_code) == (
        "van-phong",
        "unit_link",
        "submit_evidence",
        "done",
        "II.3",
    )
    assert entry.via_detail.startswith("link issued 2023-03-20")

    # The unit may fetch its own file; another unit may not.
    sha = stored.sha256
    assert site.client.get(f"/files/{sha}", headers=bearer(site, "van-phong")).content == PDF
    assert site.browser().get(f"/files/{sha}", follow_redirects=False).status_code == 303
    own = site.browser()
    own.get(f"/u/{site.link('van-phong')}")
    assert own.get(f"/files/{sha}").content == PDF
    other = site.browser()
    other.get(f"/u/{site.link('ttlt')}")
    assert other.get(f"/files/{sha}").status_code == 403


def test_a_docx_and_a_link_are_evidence_too(site: Site) -> None:
    answer = site.client.post(
        EVIDENCE,
        headers=bearer(site, "van-phong"),
        data={"link": "https://snv.binhdinh.gov.vn/kh-12"},
        files={"file": ("bao-cao.docx", docx_bytes(), "application/octet-stream")},
    )
    assert answer.status_code == 200, answer.text
    submission = site.engine.calls[-1][2]["submission"]
    assert submission.link == "https://snv.binhdinh.gov.vn/kh-12"


def test_an_expired_a_revoked_and_a_forged_link_open_nothing(site: Site) -> None:
    old = site.now - timedelta(days=site.settings.unit_link_days + 1)
    expired = site.client.post(
        EVIDENCE, headers=bearer(site, "van-phong", issued_at=old), data={"document_number": "1"}
    )
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    assert site.client.get(f"/u/{site.link('van-phong', issued_at=old)}").status_code == 401

    links.revoke_unit_links(site.settings, "van-phong", by="dieuphoi", before=site.now)
    revoked = site.client.post(
        EVIDENCE,
        headers=bearer(site, "van-phong", issued_at=site.now - timedelta(hours=1)),
        data={"document_number": "1"},
    )
    assert revoked.status_code == 401 and "newer" in revoked.json()["detail"]

    token = site.link("van-phong")
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    answer = site.client.post(
        EVIDENCE, headers={"Authorization": f"Bearer {forged}"}, data={"document_number": "1"}
    )
    assert answer.status_code == 401
    assert site.engine.calls == []


def test_a_unit_cannot_act_on_another_units_milestone(site: Site) -> None:
    answer = site.client.post(
        EVIDENCE, headers=bearer(site, "ttlt"), data={"document_number": "1/KH"}
    )
    assert answer.status_code == 403 and answer.json()["error"] == "not_your_task"
    asked = site.client.post(
        ASK, headers=bearer(site, "ttlt"), json={"until": "2023-04-20", "reason": "x"}
    )
    assert asked.status_code == 403
    # Nor see it: its own page lists only its tasks.
    page = site.client.get("/api/unit", headers=bearer(site, "ttlt")).json()
    assert {w["task"] for w in page["work"]} == {"I.1", "I.2", "I.3", "I.4", "I.5", "I.6", "I.7",
        "II.1", "II.2", "II.3", "II.4", "III.2", "III.3", "III.4", "V.4", "V.5", "VI.1", "VI.2",
        "VI.3", "VII.1", "VII.2", "VII.7", "VII.8"}  # fmt: skip
    assert not any(w["leads"] for w in page["work"] if w["task"] == "II.3")
    assert (
        site.client.get(f"/api/plans/{PLAN_KEY}", headers=bearer(site, "ttlt")).status_code == 401
    )
    assert site.engine.calls == []
    assert [(e.action, e.outcome) for e in audit(site)] == [
        ("submit_evidence", "refused"),
        ("request_extension", "refused"),
    ]


def test_a_milestone_not_open_takes_no_evidence(site: Site) -> None:
    waiting = site.client.post(
        f"/api/plans/{PLAN_KEY}/tasks/I.2/milestones/1/evidence",
        headers=bearer(site, "van-phong"),
        data={"document_number": "1"},
    )
    assert waiting.status_code == 409 and waiting.json()["error"] == "milestone_not_open"
    assert "waiting_event" in waiting.json()["detail"]


def test_uploads_too_large_or_of_a_forbidden_type_are_refused(site: Site) -> None:
    big = PDF + b"0" * (site.settings.evidence_max_bytes + 1)
    too_large = site.client.post(
        EVIDENCE,
        headers=bearer(site, "van-phong"),
        data={"document_number": "1"},
        files={"file": ("big.pdf", big, "application/pdf")},
    )
    assert too_large.status_code == 413 and too_large.json()["error"] == "too_large"
    # Far larger than any form: refused by its length, before it is read.
    huge = site.client.post(
        EVIDENCE,
        headers={**bearer(site, "van-phong"), "Content-Length": str(50 * 1024 * 1024)},
        content=b"x" * 10,
    )
    assert huge.status_code == 413
    for name, content in (
        ("virus.pdf", b"MZ\x90\x00 an executable named as a PDF"),
        ("notes.pdf", b"just text"),
        ("archive.xlsx", _plain_zip()),
        ("page.png", b"<html>not an image</html>"),
    ):
        answer = site.client.post(
            EVIDENCE,
            headers=bearer(site, "van-phong"),
            data={"document_number": "1"},
            files={"file": (name, content, "application/pdf")},
        )
        assert answer.status_code == 415, name
        assert answer.json()["error"] == "bad_type"
    assert site.engine.calls == []
    assert not (site.settings.var_dir / "evidence").exists()


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "a")
    return buffer.getvalue()


def test_evidence_needs_something_and_a_web_link(site: Site) -> None:
    empty = site.client.post(EVIDENCE, headers=bearer(site, "van-phong"), data={"note": "x"})
    assert empty.status_code == 400 and empty.json()["error"] == "empty_evidence"
    script = site.client.post(
        EVIDENCE, headers=bearer(site, "van-phong"), data={"link": "javascript:alert(1)"}
    )
    assert script.status_code == 400 and script.json()["error"] == "bad_url"


def test_the_engines_refusal_comes_back_with_its_reason(site: Site) -> None:
    site.engine.refuse_with = "milestone '1' is already closed (done_on_time)"
    answer = site.client.post(
        EVIDENCE, headers=bearer(site, "van-phong"), data={"document_number": "1"}
    )
    assert answer.status_code == 409
    # In the words of the person who acted (the engine's own sentence is English).
    assert answer.json()["detail"] == "Mốc 1 đã đóng (hoàn thành đúng hạn)."
    assert audit(site)[-1].message == "engine_refused: Mốc 1 đã đóng (hoàn thành đúng hạn)."


def test_a_unit_asks_for_more_time_and_the_coordinator_refuses(site: Site) -> None:
    asked = site.client.post(
        ASK,
        headers=bearer(site, "van-phong"),
        json={"until": "2023-04-14", "reason": "chờ số liệu"},
    )
    assert asked.status_code == 200, asked.text
    coordinator = site.browser()
    token = sign_in(coordinator, *COORDINATOR)
    task = coordinator.get(f"/api/plans/{PLAN_KEY}/tasks/II.3").json()
    assert task["milestones"][0]["pending_extension"] == {
        "until": "2023-04-14",
        "reason": "chờ số liệu",
    }
    refused = coordinator.post(
        f"/api/plans/{PLAN_KEY}/tasks/II.3/milestones/1/extension",
        json={"decision": "refuse", "reason": "đã đủ thời gian"},
        headers={"X-CSRF-Token": token},
    )
    assert refused.status_code == 200, refused.text
    again = coordinator.post(
        f"/api/plans/{PLAN_KEY}/tasks/II.3/milestones/1/extension",
        json={"decision": "refuse", "reason": "lần nữa"},
        headers={"X-CSRF-Token": token},
    )
    assert again.status_code == 409 and again.json()["error"] == "no_pending_request"
    # The unit sees the refusal on its own page.
    unit_page = site.browser()
    unit_page.get(f"/u/{site.link('van-phong')}")
    assert "không được đồng ý: đã đủ thời gian" in unit_page.get("/unit").text


# ----------------------------------------------------------------------------- accounts


def test_bad_csrf_tokens_are_refused(site: Site) -> None:
    coordinator = site.browser()
    token = sign_in(coordinator, *COORDINATOR)
    url = f"/api/plans/{PLAN_KEY}/tasks/II.3/close"
    for headers in ({}, {"X-CSRF-Token": "forged"}, {"X-CSRF-Token": token[:-1]}):
        answer = coordinator.post(url, json={"reason": "x"}, headers=headers)
        assert answer.status_code == 403 and answer.json()["error"] == "bad_csrf"
    # A token of another session is worth nothing here.
    other = site.browser()
    foreign = csrf_of(other)
    answer = coordinator.post(url, json={"reason": "x"}, headers={"X-CSRF-Token": foreign})
    assert answer.status_code == 403
    # Signing in needs the token too.
    fresh = site.browser()
    answer = fresh.post("/api/session", json={"name": COORDINATOR[0], "password": COORDINATOR[1]})
    assert answer.status_code == 403
    assert site.engine.calls == []


def test_the_wrong_role_is_refused(site: Site) -> None:
    leadership = site.browser()
    token = sign_in(leadership, *LEADERSHIP)
    assert leadership.get(f"/api/plans/{PLAN_KEY}").status_code == 200
    assert leadership.get("/api/overview").status_code == 200
    for url, body in (
        (f"/api/plans/{PLAN_KEY}/tasks/II.3/close", {"reason": "x"}),
        (f"/api/plans/{PLAN_KEY}/tasks/II.3/reassign", {"lead_units": ["ttlt"], "reason": "x"}),
        (f"/api/plans/{PLAN_KEY}/events", {"key": "k", "occurred_on": "2023-03-20"}),
        ("/api/units/ttlt/link", {"revoke_old": True}),
        (
            f"/api/plans/{PLAN_KEY}/tasks/II.2/milestones/1/extension",
            {"decision": "grant", "until": "2023-04-10", "reason": "x"},
        ),
    ):
        answer = leadership.post(url, json=body, headers={"X-CSRF-Token": token})
        assert answer.status_code == 403, url
        assert answer.json()["error"] == "read_only"
        assert answer.json()["message"] == words()["refusals"]["read_only"]
    # A leadership account is no unit: it cannot deliver.
    answer = leadership.post(
        EVIDENCE, data={"document_number": "1"}, headers={"X-CSRF-Token": token}
    )
    assert answer.status_code == 401
    # A unit's link is no account.
    unit = bearer(site, "cchc-vtlt")
    assert (
        site.client.post(
            f"/api/plans/{PLAN_KEY}/tasks/II.3/close", json={"reason": "x"}, headers=unit
        ).status_code
        == 401
    )
    # Nobody at all.
    assert site.browser().get("/api/plans").status_code == 401
    assert site.engine.calls == []
    refused = [e for e in audit(site) if e.outcome == "refused"]
    # Refused by control.permissions, the command line's rule, in its words.
    said = {e.action: e.message for e in refused if e.actor == "lanhdao"}
    assert said["cancel"] == (
        "read_only: lanhdao (leadership) may not cancel a task: the leadership reads, it does "
        "not act"
    )
    decided = ("cancel", "reassign", "trigger_event", "send_unit_link", "grant_extension")
    assert all(said[a].endswith("the leadership reads, it does not act") for a in decided), said


def test_sign_in_is_rate_limited_and_never_says_which_part_was_wrong(site: Site) -> None:
    visitor = site.browser()
    token = csrf_of(visitor)
    wrong_name = visitor.post(
        "/api/session",
        json={"name": "ai-do", "password": "x" * 12},
        headers={"X-CSRF-Token": token},
    )
    wrong_password = visitor.post(
        "/api/session",
        json={"name": COORDINATOR[0], "password": "x" * 12},
        headers={"X-CSRF-Token": token},
    )
    assert wrong_name.status_code == wrong_password.status_code == 401
    assert wrong_name.json()["message"] == wrong_password.json()["message"]
    answers = [
        visitor.post(
            "/api/session",
            json={"name": COORDINATOR[0], "password": "x" * 12},
            headers={"X-CSRF-Token": token},
        ).status_code
        for _ in range(6)
    ]
    assert answers[-1] == 429
    # Even the right password waits now.
    right = visitor.post(
        "/api/session",
        json={"name": COORDINATOR[0], "password": COORDINATOR[1]},
        headers={"X-CSRF-Token": token},
    )
    assert right.status_code == 429


def test_link_use_is_rate_limited(site: Site) -> None:
    limit = site.client.app.state.web.limits.link_use.limit  # type: ignore[attr-defined]
    answers = [
        site.client.get("/api/unit", headers=bearer(site, "van-phong")).status_code
        for _ in range(limit + 1)
    ]
    assert answers[:limit] == [200] * limit and answers[-1] == 429


# ----------------------------------------------------------------------------- the coordinator


def test_every_coordinator_action_goes_to_the_engine_and_the_audit_log(site: Site) -> None:
    coordinator = site.browser()
    token = sign_in(coordinator, *COORDINATOR)
    headers = {"X-CSRF-Token": token}
    base = f"/api/plans/{PLAN_KEY}/tasks"
    # Evidence delivered, then reviewed.
    site.client.post(EVIDENCE, headers=bearer(site, "van-phong"), data={"document_number": "1/KH"})
    rejected = coordinator.post(
        f"{base}/II.3/milestones/1/review",
        json={"decision": "reject", "reason": "thiếu chữ ký"},
        headers=headers,
    )
    assert rejected.status_code == 200, rejected.text
    no_reason = coordinator.post(
        f"{base}/II.3/milestones/1/review", json={"decision": "reject"}, headers=headers
    )
    assert no_reason.status_code == 409  # reviewed already
    site.client.post(EVIDENCE, headers=bearer(site, "van-phong"), data={"document_number": "2/KH"})
    accepted = coordinator.post(
        f"{base}/II.3/milestones/1/review", json={"decision": "accept"}, headers=headers
    )
    assert accepted.status_code == 200, accepted.text
    granted = coordinator.post(
        f"{base}/II.2/milestones/1/extension",
        json={"decision": "grant", "until": "2023-04-10", "reason": "đợi số liệu"},
        headers=headers,
    )
    assert granted.status_code == 200, granted.text
    reassigned = coordinator.post(
        f"{base}/VI.2/reassign",
        json={"lead_units": ["phong-ccvc"], "reason": "đổi"},
        headers=headers,
    )
    assert reassigned.status_code == 200
    unknown = coordinator.post(
        f"{base}/VI.2/reassign", json={"lead_units": ["khong-co"], "reason": "đổi"}, headers=headers
    )
    assert unknown.status_code == 400
    closed = coordinator.post(
        f"{base}/VII.8/close", json={"reason": "chuyển", "carry_over": True}, headers=headers
    )
    assert closed.json() == {"closed": "carried_over", "recorded": True, "pending": False}
    preview = coordinator.get(
        f"/api/plans/{PLAN_KEY}/events/preview",
        params={"key": "ubnd-tinh-ban-hanh", "occurred_on": "2023-03-20"},
    )
    assert preview.status_code == 200, preview.text
    assert [s["task"] for s in preview.json()["starts"]] == ["I.2"]
    assert preview.json()["starts"][0]["due"].startswith("2023-04-")
    triggered = coordinator.post(
        f"/api/plans/{PLAN_KEY}/events",
        json={"key": "ubnd-tinh-ban-hanh", "occurred_on": "2023-03-20", "decision": "1/QĐ-UBND"},
        headers=headers,
    )
    assert triggered.json()["tasks"] == ["I.2"]
    future = coordinator.post(
        f"/api/plans/{PLAN_KEY}/events",
        json={"key": "ubnd-tinh-ban-hanh", "occurred_on": "2023-05-01"},
        headers=headers,
    )
    assert future.status_code == 400

    # The engine is told the office acted; the audit names the account.
    assert [(name, actor.who, actor.role) for name, actor, _ in site.engine.calls] == [
        ("submit_evidence", "van-phong", UnitRole.UNIT),
        ("reject_evidence", "cchc-vtlt", UnitRole.COORDINATOR),
        ("submit_evidence", "van-phong", UnitRole.UNIT),
        ("grant_extension", "cchc-vtlt", UnitRole.COORDINATOR),
        ("reassign", "cchc-vtlt", UnitRole.COORDINATOR),
        ("close_task", "cchc-vtlt", UnitRole.COORDINATOR),
        ("trigger_event", "cchc-vtlt", UnitRole.COORDINATOR),
    ]
    with session_scope(site.settings.resolved_database_url()) as session:
        reviews = list(session.exec(select(EvidenceReview).order_by(EvidenceReview.id)))  # type: ignore[arg-type]
    assert [(r.decision, r.reason, r.by) for r in reviews] == [
        ("rejected", "thiếu chữ ký", "dieuphoi"),
        ("accepted", "", "dieuphoi"),
    ]
    task = coordinator.get(f"{base}/I.2").json()
    assert [(a["actor"], a["action"], a["via"]) for a in task["audit"]] == [
        ("dieuphoi", "trigger_event", "account")
    ]
    done = [(e.action, e.outcome) for e in audit(site) if e.actor == "dieuphoi"]
    assert ("carry_over", "done") in done and ("reassign", "refused") in done


def test_the_coordinator_sends_a_unit_its_link_again_and_revokes_the_old_one(site: Site) -> None:
    old = site.link("ttlt", issued_at=site.now - timedelta(days=3))
    assert (
        site.client.get("/api/unit", headers={"Authorization": f"Bearer {old}"}).status_code == 200
    )
    coordinator = site.browser()
    token = sign_in(coordinator, *COORDINATOR)
    answer = coordinator.post(
        "/api/units/ttlt/link", json={"revoke_old": True}, headers={"X-CSRF-Token": token}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["delivered"] is True
    outbox = sorted((site.settings.var_dir / "outbox").rglob("*"))
    sent = [p for p in outbox if p.is_file()]
    assert sent, outbox
    text = sent[0].read_text(encoding="utf-8")
    assert "http://testserver/u/" in text
    new_token = text.split("http://testserver/u/")[1].split()[0].strip('"<>')
    assert (
        site.client.get("/api/unit", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    )
    assert (
        site.client.get("/api/unit", headers={"Authorization": f"Bearer {new_token}"}).json()[
            "unit"
        ]
        == "ttlt"
    )


def test_a_plan_is_imported_from_an_upload_previewed_then_started(site: Site) -> None:
    coordinator = site.browser()
    token = sign_in(coordinator, *COORDINATOR)
    content = site.settings.plan_file.read_bytes()
    checked = coordinator.post(
        "/api/imports",
        files={"file": ("ke-hoach.txt", content, "text/plain")},
        data={"year": "2023"},
        headers={"X-CSRF-Token": token},
    )
    assert checked.status_code == 200, checked.text
    report = checked.json()
    assert report["startable"] is True and report["plan"]["key"] == PLAN_KEY
    assert len(report["tasks"]) == 32 and report["refused"] == []
    assert site.engine.calls == []  # nothing starts before the confirmation
    started = coordinator.post(
        f"/api/imports/{report['upload']}/start",
        json={"year": 2023},
        headers={"X-CSRF-Token": token},
    )
    # The site's plan has every task's milestones recorded already: nothing left pending.
    assert started.json() == {"plan": PLAN_KEY, "recorded": True, "pending": False}
    assert site.engine.calls[-1][0] == "start_plan"
    bad = coordinator.post(
        "/api/imports",
        files={"file": ("x.pdf", PDF, "application/pdf")},
        headers={"X-CSRF-Token": token},
    )
    assert bad.status_code == 415
    unknown = coordinator.post(
        f"/api/imports/{'0' * 64}/start", json={}, headers={"X-CSRF-Token": token}
    )
    assert unknown.status_code == 404
