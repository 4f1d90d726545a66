"""`scheduler.py notify-test UNIT [--kind KIND]`: samples on every channel of a unit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner, Result

from commands import notify
from settings import PROJECT_ROOT, get_settings
from storage.db import session_scope
from storage.notifications import notification_history
from tests.notifications.conftest import Product
from tests.notifications.servers import SmtpServer

runner = CliRunner()


def invoke(product: Product, *args: str, **env: str) -> Result:
    """The command as an operator runs it: its settings read from the NHACHAN_ variables."""
    get_settings.cache_clear()
    try:
        return runner.invoke(cli(), list(args), env={**product.environment(), **env})
    finally:
        get_settings.cache_clear()


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """nhachan"""

    notify.register(app)
    return app


def test_every_kind_is_sampled_on_every_channel(product: Product, smtp: SmtpServer) -> None:
    product.contacts(
        f"""
units:
  Văn phòng Sở:
    - {smtp.url("vanphong@snv.binhdinh.gov.vn")}
    - outbox://{product.outbox("vp")}
"""
    )
    result = invoke(product, "notify-test", "Văn Phòng Sở")
    assert result.exit_code == 0, result.output
    assert "Samples for Văn phòng Sở (van-phong), 6 kind(s) on 2 channel(s)" in result.output

    subjects = sorted(str(mail.message["Subject"]) for mail in smtp.mails)
    assert len(subjects) == 6
    assert all(subject.startswith("[THỬ NGHIỆM] [") for subject in subjects)
    for label in ("Nhắc hạn", "Cập nhật tiến độ", "Quá hạn", "Báo cáo quá hạn", "Chờ sự kiện"):
        assert any(f"[{label}]" in subject for subject in subjects), label
    assert any("[Hoàn thành]" in subject for subject in subjects)
    assert len(product.outbox_files("vp")) == 6
    # A real task the unit leads in the imported plan.
    reminder = next(mail for mail in smtp.mails if "[Nhắc hạn]" in str(mail.message["Subject"]))
    plain = reminder.message.get_body(preferencelist=("plain",))
    assert plain is not None and "Đơn vị chủ trì: Văn phòng Sở" in plain.get_content()
    assert "/plans/snv-binh-dinh-cchc-2023/tasks/" in plain.get_content()

    with session_scope(product.database_url) as session:
        logged = notification_history(session, unit_code="van-phong", key_prefix="sample/")
    assert len(logged) == 12 and all(row.status.value == "sent" for row in logged)


def test_one_kind_and_a_failing_channel(product: Product, smtp: SmtpServer) -> None:
    product.contacts(f"units:\n  van-phong: ['{smtp.url('vp@example.org')}']\n")
    smtp.stop()
    result = invoke(product, "notify-test", "van-phong", "--kind", "closing")
    assert result.exit_code == 1
    assert "closing" in result.output and "failed" in result.output
    assert "Connection error" in result.output

    log = invoke(product, "notify-log", "--unit", "Văn phòng Sở", COLUMNS="200")
    assert log.exit_code == 0, log.output
    assert "closing" in log.output and "failed" in log.output
    assert "Connection error" in log.output


def test_unknown_units_and_kinds_are_named(product: Product) -> None:
    unknown_unit = invoke(product, "notify-test", "Phòng Kế hoạch")
    assert unknown_unit.exit_code == 2
    assert "Phòng Kế hoạch" in unknown_unit.output
    unknown_kind = invoke(product, "notify-test", "van-phong", "--kind", "remind")
    assert unknown_kind.exit_code == 2
    assert "unknown message kind 'remind'" in unknown_kind.output


def test_right_after_import_on_the_configured_database(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "NHACHAN_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "NHACHAN_VAR_DIR": str(tmp_path / "var"),
        "COLUMNS": "200",
    }
    env.pop("NHACHAN_CONTACTS", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "scheduler.py", *args],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    imported = run("import", "data/plans/snv-binh-dinh-cchc-2023.txt")
    assert imported.returncode == 0, imported.stderr
    sampled = run("notify-test", "Phòng CCHC-VTLT", "--kind", "reminder")
    assert sampled.returncode == 0, sampled.stdout + sampled.stderr
    [file] = (tmp_path / "var" / "outbox").iterdir()
    text = file.read_text(encoding="utf-8")
    assert text.startswith("Subject: [THỬ NGHIỆM] [Nhắc hạn] I.1:")
    assert "Kính gửi: Phòng Cải cách hành chính - Văn thư, lưu trữ" in text
