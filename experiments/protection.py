"""Fit children's social care's child protection lines to the published flows.

A section 47 enquiry starts when a referral's need reaches `protection.enquiry_line`, and
a child protection plan when it reaches `protection.plan_line`. No document gives those
lines; the Department for Education gives the flows they make (evidence.md, 2012-13):
enquiries about 21% of referrals, plans about 41% of enquiries. Since the lines only
sort referrals (an enquiry's cost is small beside the agency's budget), each is the
quantile of need among the referrals screened in that gives its share, read from status
quo runs on the calibration seeds (`parameters/targets.toml`'s [measure]). The values go
into `_base.toml` with this command named as their source; `locality validate` then
measures both shares on fresh seeds, with children on plans as a check nothing was fitted to.

    python -m locality.experiments.protection
"""

from __future__ import annotations

import numpy as np

from locality.sim.model import LocalityModel

from .replications import seeds_for
from .targets import load_targets

AGENCY = "childrens_social_care"
ENQUIRY_SHARE = 0.21  # evidence.md: 127,100 section 47 enquiries over 593,500 referrals (DfE, 2012-13)
PLAN_SHARE = 0.41     # evidence.md: 52,700 plans started over 127,100 enquiries (DfE, 2012-13)


def needs_at_referral(place: str = "kent", years: int = 4, reps: int = 10) -> np.ndarray:
    """The agency's view of the need of every referral it screened in, pooled over status
    quo runs on the calibration seeds."""
    measure = load_targets().measure
    found: list[np.ndarray] = []
    for seed in seeds_for(measure.calibration_seed, reps):
        model = LocalityModel(place, overrides={"population.households": measure.households, "run.years": years,
                                                "run.seed": seed, "regime.kind": "siloed"})
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
    needs = needs_at_referral()
    enquiry, plan = fitted_lines(needs)
    print(f"{needs.size:,} referrals screened in; enquiry_line = {enquiry}, plan_line = {plan}")
