"""What people do in the web app, with its rules: a unit acts only on the open milestones of the
tasks it leads (from its signed link), the coordinator acts on the plan, the leadership only
reads. Each action goes to the engine through `web.actions` (which judges it again), and is
written in the audit log, done, refused or failed, with who, through what, and when."""

from __future__ import annotations

from web.acts import EventOutcome, settled
from web.coordinator_acts import CoordinatorActs
from web.evidence import EvidenceForm
from web.refusals import Refusal, Where
from web.unit_acts import UnitActs

__all__ = ["Acting", "EventOutcome", "EvidenceForm", "Refusal", "Where", "settled"]


class Acting(UnitActs, CoordinatorActs):
    """Every action of the web app (`web.unit_acts`, `web.coordinator_acts`)."""
