"""The plan verbs as a person runs them: Typer's runner on the verbs' own app, and the JSON
document a verb prints with --json (the database they read: `conftest.py`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner, Result

runner = CliRunner()


def run(app: typer.Typer, *args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def as_json(result: Result) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(result.stdout)
    return document
