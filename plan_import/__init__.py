"""The importer of a plan's appendix and the unit directory it resolves names with."""

from plan_import.corrections import Correction, CorrectionError, parse_corrections
from plan_import.model import (
    CellToCheck,
    ImportedPlan,
    ImportedTask,
    NewUnit,
    PlanImportError,
    ReportEntry,
    ReportLevel,
)
from plan_import.reader import read_plan

__all__ = [
    "CellToCheck",
    "Correction",
    "CorrectionError",
    "ImportedPlan",
    "ImportedTask",
    "NewUnit",
    "PlanImportError",
    "ReportEntry",
    "ReportLevel",
    "parse_corrections",
    "read_plan",
]
