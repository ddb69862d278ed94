"""A regime: one strategy per stage for stages 2 to 4, and how agencies ration. Siloed and
integrated are two presets; the scenario's `regime.*` switches make the mixes between
them (`parameters.schema.Regime.switches`).

Siloed:      AgencyThresholds -> SeparateAssessments -> AgencyQueues (worst first),
             rationing by raising thresholds
Integrated:  KeyWorkerReferrals + AgencyThresholds -> SharedAssessment -> KeyWorkerPlans +
             AgencyQueues (first come), rationing by waiting list
"""

from __future__ import annotations

from dataclasses import dataclass

from locality.parameters.schema import Switches

from .allocating import AgencyQueues, KeyWorkerPlans
from .assessing import SeparateAssessments, SharedAssessment
from .noticing import AgencyThresholds, KeyWorkerReferrals
from .services import Casework
from .week import Week


@dataclass(frozen=True)
class Regime:
    noticing: tuple
    assessing: SeparateAssessments | SharedAssessment
    allocating: tuple
    rations_by_threshold: bool = True  # siloed agencies raise eligibility when lists grow

    @classmethod
    def build(cls, switches: Switches, work: Casework) -> Regime:
        shared_data = switches.shared_risk
        noticing = ((KeyWorkerReferrals(work, shared_data),) if switches.key_workers else ()) + (
            AgencyThresholds(work, referral_loss=0.0 if shared_data else work.rules.referral_loss),
        )
        assessing = SharedAssessment(work) if switches.single_assessment else SeparateAssessments(work)
        allocating = ((KeyWorkerPlans(work, switches.queue_order),) if switches.key_workers else ()) + (
            AgencyQueues(work, switches.queue_order),)
        return cls(noticing, assessing, allocating, rations_by_threshold=switches.rationing == "threshold")

    def notice(self, week: Week) -> None:
        """Stage 2."""
        for strategy in self.noticing:
            strategy.notice(week)

    def assess(self, week: Week) -> None:
        """Stage 3."""
        self.assessing.assess(week)

    def allocate(self, week: Week) -> None:
        """Stage 4."""
        for strategy in self.allocating:
            strategy.allocate(week)
