"""`python tests/drills/drill_worker.py`: worker.py as it is, with the drills' workflow
registered too; configured, like worker.py, by NHACHAN_ variables."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.drills.workflows import DrillLocalSendWorkflow, DrillSendWorkflow  # noqa: E402
from worker import main  # noqa: E402

if __name__ == "__main__":
    main(extra_workflows=(DrillSendWorkflow, DrillLocalSendWorkflow))
