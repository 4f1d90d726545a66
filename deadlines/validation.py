"""How a data file's validation errors are told: the first few problems, each with where it is."""

from __future__ import annotations

from pydantic import ValidationError


def validation_problems(error: ValidationError, most: int = 5) -> str:
    """The first few problems of a validation error, each with where it is."""
    problems = [
        f"{'.'.join(str(part) for part in problem['loc']) or '(top)'}: {problem['msg']}"
        for problem in error.errors()
    ]
    shown = "; ".join(problems[:most])
    if len(problems) > most:
        shown += f"; and {len(problems) - most} more"
    return shown
