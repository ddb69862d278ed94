"""Fit children's social care's front door and child protection lines to the published flows.

Three figures no document gives, each fitted to a flow the Department for Education
gives (base_rates.md and evidence.md, 2012-13), in order, each on status quo runs of
Kent on the calibration seeds (`parameters/targets.toml`'s [measure]):

1. `detection`, the agency's own weekly chance of noticing a need above its threshold
   (contacts from families, health visitors and the public), so that referrals screened
   in are about 520 per 10,000 children a year. Referrals rise steadily with it (police
   notifications and other agencies' referrals come whatever it is), so the value is
   found by root finding on common seeds.
2. `protection.enquiry_line`: a section 47 enquiry starts when a referral's need reaches
   it; enquiries are about 21% of referrals.
3. `protection.plan_line`: a child protection plan starts when the need reaches it;
   plans are about 41% of enquiries.

Since the lines only sort referrals (an enquiry's cost is small beside the agency's
budget), each is the quantile of need among the referrals screened in that gives its
share. The values go into `_base.toml` with this command named as their source;
`locality validate` then measures the three on fresh seeds, with children on plans and
the share re-referred within a year as checks nothing was fitted to.

    python -m locality.experiments.protection
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.optimize import brentq

from locality.sim.model import LocalityModel

from .calibrate import _measure_all
from .replications import seeds_for
from .targets import MeasureJob, load_targets

AGENCY = "childrens_social_care"
DETECTION = f"agencies.{AGENCY}.detection"
REFERRALS = "csc_referrals"  # the target (parameters/targets.toml): about 520 per 10,000 children a year
DETECTION_RANGE = (0.0, 0.2)  # searched: none at all, to twice the hand-set 0.1 it replaces
DETECTION_TOLERANCE = 5e-4  # a weekly chance to this precision moves referrals by about 1%
ENQUIRY_SHARE = 0.21  # evidence.md: 127,100 section 47 enquiries over 593,500 referrals (DfE, 2012-13)
PLAN_SHARE = 0.41     # evidence.md: 52,700 plans started over 127,100 enquiries (DfE, 2012-13)


def referral_rate(detection: float, reps: int = 10, workers: int | None = None) -> float:
    """Referrals screened in per 10,000 children a year at this `detection`, measured as
    the referrals target measures them, averaged over status quo runs on the calibration
    seeds."""
    targets = load_targets()
    jobs = [MeasureJob(targets, (REFERRALS,), {}, seed, {DETECTION: detection})
            for seed in seeds_for(targets.measure.calibration_seed, reps)]
    return float(np.mean([values[REFERRALS] for values in _measure_all(jobs, workers, False, "referrals")]))


def fitted_detection(reps: int = 10, workers: int | None = None) -> float:
    """The detection at which the status quo meets the published referral rate (the
    middle of the target's range)."""
    target = load_targets().targets[REFERRALS]
    middle = (target.low + target.high) / 2.0
    found = brentq(lambda detection: referral_rate(detection, reps, workers) - middle, *DETECTION_RANGE,
                   xtol=DETECTION_TOLERANCE)
    return round(float(found), 4)


def needs_at_referral(place: str = "kent", years: int = 4, reps: int = 10,
                      overrides: Mapping[str, Any] | None = None) -> np.ndarray:
    """The agency's view of the need of every referral it screened in, pooled over status
    quo runs on the calibration seeds (with `overrides`: the detection just fitted)."""
    measure = load_targets().measure
    found: list[np.ndarray] = []
    for seed in seeds_for(measure.calibration_seed, reps):
        model = LocalityModel(place, overrides={**(overrides or {}), "population.households": measure.households,
                                                "run.years": years, "run.seed": seed, "regime.kind": "siloed"})
        agency = list(model.params.agencies).index(AGENCY)
        line = np.float32(model.params.needs.problem_line)

        def keep(week, agency=agency, model=model, line=line) -> None:
            referred = week.referrals.get(agency)
            if referred is not None and referred.size and week.number >= 0:
                need = model.casework.need_of(agency, referred)
                found.append(need[need >= line])

        model.watch("before households assessed", keep)
        model.run()
    return np.concatenate(found)


def fitted_lines(needs: np.ndarray) -> tuple[float, float]:
    """The enquiry line that `ENQUIRY_SHARE` of the needs reach, and the plan line that
    `PLAN_SHARE` of those reach."""
    enquiry = float(np.quantile(needs, 1.0 - ENQUIRY_SHARE))
    plan = float(np.quantile(needs[needs >= enquiry], 1.0 - PLAN_SHARE))
    return round(enquiry, 3), round(plan, 3)


if __name__ == "__main__":
    detection = fitted_detection()
    print(f"detection = {detection}: {referral_rate(detection):,.0f} referrals per 10,000 children a year", flush=True)
    needs = needs_at_referral(overrides={DETECTION: detection})
    enquiry, plan = fitted_lines(needs)
    print(f"{needs.size:,} referrals screened in; enquiry_line = {enquiry}, plan_line = {plan}")
