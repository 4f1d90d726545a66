"""The year a plan was written for, as its title names it: what reading a deadline text again
needs, as the importer read it (a plan run again for another year)."""

from __future__ import annotations

from models.tables import Plan
from plan_import.header import title_years


def written_year(plan: Plan) -> int | None:
    """The one year the plan's title names (“… năm 2023”): the year it was written for, which
    is not the plan's year when a plan is run again for another (`--year`)."""
    years = title_years(plan.title)
    return years.last if years is not None and not years.several else None
