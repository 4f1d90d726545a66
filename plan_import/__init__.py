"""The importer of a plan's appendix and the unit directory it resolves names with."""

from plan_import.model import (
    ImportedPlan,
    ImportedTask,
    NewUnit,
    PlanImportError,
    ReportEntry,
    ReportLevel,
)
from plan_import.reader import read_plan

__all__ = [
    "ImportedPlan",
    "ImportedTask",
    "NewUnit",
    "PlanImportError",
    "ReportEntry",
    "ReportLevel",
    "read_plan",
]
