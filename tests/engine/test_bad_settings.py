"""Settings that cannot be used (office hours that are no time of day, or that open after they
close) stop every entry point in one line naming the variable and its value, never a
traceback; and the instants of a task's history are shown in Vietnam's time."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from deadlines.local_time import local_display, localized
from settings import PROJECT_ROOT, SettingsError, get_settings

BAD = [
    (
        {"NHACHAN_OFFICE_OPENS": "25:00"},
        "NHACHAN_OFFICE_OPENS='25:00' cannot be used: Input should be in a valid time format, "
        "hour value is outside expected range of 0-23",
    ),
    (
        {"NHACHAN_OFFICE_OPENS": "18:00", "NHACHAN_OFFICE_CLOSES": "08:00"},
        "the office opens (18:00) after it closes (08:00): NHACHAN_OFFICE_OPENS must come "
        "before NHACHAN_OFFICE_CLOSES",
    ),
]
COMMANDS = {
    "worker.py": [str(PROJECT_ROOT / "worker.py")],
    "status": [str(PROJECT_ROOT / "scheduler.py"), "status"],
    "run": [
        str(PROJECT_ROOT / "scheduler.py"),
        "run",
        str(PROJECT_ROOT / "data/plans/snv-binh-dinh-cchc-2023.txt"),
    ],
}


@pytest.mark.parametrize(("changes", "message"), BAD, ids=["25:00", "opens-after-closes"])
@pytest.mark.parametrize("command", COMMANDS)
def test_office_hours_that_cannot_be_used_stop_every_entry_point_in_one_line(
    tmp_path: Path, changes: dict[str, str], message: str, command: str
) -> None:
    result = subprocess.run(
        [sys.executable, *COMMANDS[command]],
        env={
            **os.environ,
            "NHACHAN_VAR_DIR": str(tmp_path / "var"),
            "NHACHAN_TEMPORAL_ADDRESS": "127.0.0.1:9",
            "COLUMNS": "300",
            **changes,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].endswith(message), lines[0]


def test_get_settings_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NHACHAN_OFFICE_CLOSES", "noon")
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match=r"^NHACHAN_OFFICE_CLOSES='noon' cannot be used"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_instants_written_in_a_text_are_shown_in_vietnams_time() -> None:
    # The details of a task's history were recorded in UTC.
    detail = "ubnd-tinh-ban-hanh@2026-11-02; due 2026-11-30T16:59:00+00:00"
    assert localized(detail) == "ubnd-tinh-ban-hanh@2026-11-02; due 2026-11-30T23:59:00+07:00"
    assert localized(detail, local_display) == (
        "ubnd-tinh-ban-hanh@2026-11-02; due T2 30/11/2026 23:59"
    )
    assert localized("due 2026-12-31T17:00:00.5Z") == "due 2027-01-01T00:00:00+07:00"
    assert localized("no instant, a day 2026-11-02 only") == "no instant, a day 2026-11-02 only"
    assert local_display(datetime(2026, 11, 30, 16, 59, tzinfo=UTC)) == "T2 30/11/2026 23:59"
